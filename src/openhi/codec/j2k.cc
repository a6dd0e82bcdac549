#include "openhi/codec/j2k.h"

#include <openjpeg.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>

#include "openhi/codec/internal/sample_rows.h"

namespace openhi::codec {
namespace {

// Refuse frames larger than this (a corrupt SIZ must not drive a huge allocation). DICOM Rows and
// Columns are 16-bit, so no DICOM frame is wider or taller than kMaxExtent.
constexpr uint32_t kMaxExtent = 65535;
constexpr size_t kMaxDecodedBytes = size_t{1} << 30;

constexpr std::array<uint8_t, 4> kJ2kMagic = {0xFF, 0x4F, 0xFF, 0x51};  // SOC, SIZ
constexpr std::array<uint8_t, 12> kJp2Magic = {0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50,
                                               0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A};

template <size_t N>
bool StartsWith(ByteView bytes, const std::array<uint8_t, N>& magic) {
  return bytes.size() >= N && std::memcmp(bytes.data(), magic.data(), N) == 0;
}

// The in-memory source behind an opj_stream. Outlives the stream.
struct MemorySource {
  ByteView bytes;
  size_t pos = 0;
};

OPJ_SIZE_T ReadFn(void* buffer, OPJ_SIZE_T size, void* user) {
  auto* src = static_cast<MemorySource*>(user);
  if (src->pos >= src->bytes.size()) return static_cast<OPJ_SIZE_T>(-1);  // end of stream
  const size_t n = std::min<size_t>(size, src->bytes.size() - src->pos);
  std::memcpy(buffer, src->bytes.data() + src->pos, n);
  src->pos += n;
  return n;
}

OPJ_OFF_T SkipFn(OPJ_OFF_T delta, void* user) {
  auto* src = static_cast<MemorySource*>(user);
  const auto size = static_cast<OPJ_OFF_T>(src->bytes.size());
  const OPJ_OFF_T target = std::clamp<OPJ_OFF_T>(static_cast<OPJ_OFF_T>(src->pos) + delta, 0, size);
  const OPJ_OFF_T skipped = target - static_cast<OPJ_OFF_T>(src->pos);
  src->pos = static_cast<size_t>(target);
  return skipped;
}

OPJ_BOOL SeekFn(OPJ_OFF_T offset, void* user) {
  auto* src = static_cast<MemorySource*>(user);
  if (offset < 0 || static_cast<uint64_t>(offset) > src->bytes.size()) return OPJ_FALSE;
  src->pos = static_cast<size_t>(offset);
  return OPJ_TRUE;
}

// Keeps the first error OpenJPEG reports for this codec (per call, so thread-safe).
void ErrorFn(const char* msg, void* user) {
  auto* first_error = static_cast<std::string*>(user);
  if (first_error->empty() && msg != nullptr) {
    *first_error = msg;
    while (!first_error->empty() && first_error->back() == '\n') first_error->pop_back();
  }
}
void QuietFn(const char* /*msg*/, void* /*user*/) {}

struct CodecDeleter {
  void operator()(opj_codec_t* c) const { opj_destroy_codec(c); }
};
struct StreamDeleter {
  void operator()(opj_stream_t* s) const { opj_stream_destroy(s); }
};
struct ImageDeleter {
  void operator()(opj_image_t* i) const { opj_image_destroy(i); }
};

// Checks the header-level description before any pixel memory is allocated.
Result<ImageDesc> DescribeImage(const opj_image_t& img, uint8_t bytes_per_sample) {
  if (img.numcomps != 1 && img.numcomps != 3) {
    return InvalidArgument("J2K decode: " + std::to_string(img.numcomps) +
                           " components (supported: 1 or 3)");
  }
  if (img.x1 <= img.x0 || img.y1 <= img.y0) return InvalidArgument("J2K decode: empty image");
  const opj_image_comp_t& first = img.comps[0];
  for (OPJ_UINT32 c = 0; c < img.numcomps; ++c) {
    const opj_image_comp_t& comp = img.comps[c];
    if (comp.dx != 1 || comp.dy != 1 || comp.prec != first.prec || comp.sgnd != first.sgnd) {
      return InvalidArgument("J2K decode: components differ in sampling, precision or sign");
    }
  }
  if (first.prec < 1 || first.prec > 8u * bytes_per_sample) {
    return InvalidArgument("J2K decode: precision " + std::to_string(first.prec) +
                           " does not fit " + std::to_string(bytes_per_sample) +
                           " byte(s) per sample");
  }
  ImageDesc d;
  d.width = img.x1 - img.x0;
  d.height = img.y1 - img.y0;
  d.components = static_cast<uint16_t>(img.numcomps);
  d.bits_stored = static_cast<uint8_t>(first.prec);
  d.bytes_per_sample = bytes_per_sample;
  d.is_signed = first.sgnd != 0;
  if (d.width > kMaxExtent || d.height > kMaxExtent || d.FrameBytes() > kMaxDecodedBytes) {
    return InvalidArgument("J2K decode: unsupported frame size " + std::to_string(d.width) + "x" +
                           std::to_string(d.height));
  }
  return d;
}

}  // namespace

Result<Image> DecodeJ2k(ByteView codestream, uint8_t bytes_per_sample) {
  if (bytes_per_sample != 1 && bytes_per_sample != 2) {
    return InvalidArgument("J2K decode: bytes_per_sample must be 1 or 2");
  }
  OPJ_CODEC_FORMAT format;
  if (StartsWith(codestream, kJ2kMagic)) {
    format = OPJ_CODEC_J2K;
  } else if (StartsWith(codestream, kJp2Magic)) {
    format = OPJ_CODEC_JP2;
  } else {
    return InvalidArgument("J2K decode: neither a J2K codestream nor a JP2 file");
  }

  std::string error;
  std::unique_ptr<opj_codec_t, CodecDeleter> codec(opj_create_decompress(format));
  if (codec == nullptr) return Internal("J2K decode: opj_create_decompress failed");
  opj_set_error_handler(codec.get(), ErrorFn, &error);
  opj_set_warning_handler(codec.get(), QuietFn, nullptr);
  opj_set_info_handler(codec.get(), QuietFn, nullptr);
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  if (!opj_setup_decoder(codec.get(), &params)) {
    return Internal("J2K decode: opj_setup_decoder failed: " + error);
  }

  MemorySource source{codestream, 0};
  std::unique_ptr<opj_stream_t, StreamDeleter> stream(
      opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE));
  if (stream == nullptr) return Internal("J2K decode: opj_stream_create failed");
  opj_stream_set_user_data(stream.get(), &source, nullptr);
  opj_stream_set_user_data_length(stream.get(), codestream.size());
  opj_stream_set_read_function(stream.get(), ReadFn);
  opj_stream_set_skip_function(stream.get(), SkipFn);
  opj_stream_set_seek_function(stream.get(), SeekFn);

  opj_image_t* raw_image = nullptr;
  const bool header_ok = opj_read_header(stream.get(), codec.get(), &raw_image);
  std::unique_ptr<opj_image_t, ImageDeleter> img(raw_image);
  if (!header_ok || img == nullptr) {
    return InvalidArgument("J2K decode: bad header: " + error);
  }
  OPENHI_ASSIGN_OR_RETURN(const ImageDesc desc, DescribeImage(*img, bytes_per_sample));
  if (!opj_decode(codec.get(), stream.get(), img.get()) ||
      !opj_end_decompress(codec.get(), stream.get())) {
    return InvalidArgument("J2K decode: " + (error.empty() ? "corrupt codestream" : error));
  }
  // JP2 palettes or channel definitions may reshape the image during decode: re-check.
  OPENHI_ASSIGN_OR_RETURN(const ImageDesc decoded, DescribeImage(*img, bytes_per_sample));
  if (decoded != desc) return InvalidArgument("J2K decode: image changed shape during decode");
  for (OPJ_UINT32 c = 0; c < img->numcomps; ++c) {
    const opj_image_comp_t& comp = img->comps[c];
    if (comp.data == nullptr || comp.w != desc.width || comp.h != desc.height) {
      return InvalidArgument("J2K decode: decoded component has an unexpected size");
    }
  }

  Image out;
  out.desc = desc;
  out.samples.resize(desc.FrameBytes());
  const internal::RowWriter writer(desc);
  for (uint32_t c = 0; c < desc.components; ++c) {
    const OPJ_INT32* plane = img->comps[c].data;
    for (uint32_t y = 0; y < desc.height; ++y) {
      writer.Write(plane + size_t{y} * desc.width, y, c, out.samples.data());
    }
  }
  return out;
}

}  // namespace openhi::codec
