#include "openhi/codec/htj2k.h"

// OpenJPH 0.9 headers must come in this order, or OJPH_EXPORT is undefined (DESIGN.md §9).
// clang-format off
#include <openjph/ojph_arch.h>
#include <openjph/ojph_file.h>
#include <openjph/ojph_mem.h>
#include <openjph/ojph_params.h>
#include <openjph/ojph_codestream.h>
// clang-format on

#include <algorithm>
#include <exception>
#include <new>
#include <string>

#include "openhi/codec/internal/j2k_markers.h"
#include "openhi/codec/internal/ojph_runtime.h"
#include "openhi/codec/internal/sample_rows.h"
#include "openhi/core/crc32.h"

namespace openhi::codec {
namespace {

// The lowest resolution is at most this many pixels in its larger dimension.
constexpr uint32_t kMaxBaseResolution = 64;
// Decode limits, so that a corrupt SIZ cannot drive huge allocations inside OpenJPH (its line
// buffers grow with the width, its tile structures with the tile count) or in the output.
// DICOM Rows and Columns are 16-bit, so no DICOM frame is wider or taller than kMaxExtent.
constexpr uint32_t kMaxExtent = 65535;
constexpr uint64_t kMaxTiles = 1024;
constexpr size_t kMaxDecodedBytes = size_t{1} << 30;

Status ValidateForEncode(const ImageDesc& d, size_t sample_bytes) {
  if (d.width == 0 || d.height == 0) return InvalidArgument("HTJ2K encode: empty image");
  // The decoder's limits, so that everything we encode can be decoded again.
  if (d.width > kMaxExtent || d.height > kMaxExtent || d.FrameBytes() > kMaxDecodedBytes) {
    return InvalidArgument("HTJ2K encode: image larger than 65535 pixels or 1 GiB");
  }
  if (d.components != 1 && d.components != 3) {
    return InvalidArgument("HTJ2K encode: components must be 1 or 3");
  }
  if (d.bits_stored < 1 || d.bits_stored > 16) {
    return InvalidArgument("HTJ2K encode: bits_stored must be 1..16");
  }
  if (d.bytes_per_sample != 1 && d.bytes_per_sample != 2) {
    return InvalidArgument("HTJ2K encode: bytes_per_sample must be 1 or 2");
  }
  if (d.bits_stored > 8 * d.bytes_per_sample) {
    return InvalidArgument("HTJ2K encode: bits_stored exceeds bytes_per_sample");
  }
  if (sample_bytes != d.FrameBytes()) {
    return InvalidArgument("HTJ2K encode: sample buffer has " + std::to_string(sample_bytes) +
                           " bytes, descriptor needs " + std::to_string(d.FrameBytes()));
  }
  return Status::Ok();
}

// Runs `body` (which talks to OpenJPH) and turns any exception into a Status with `code`,
// carrying OpenJPH's own message when it printed one on this thread.
template <typename T, typename Body>
Result<T> CallOjph(StatusCode code, const char* what, Body&& body) {
  internal::ClearOjphMessages();
  std::string reason;
  try {
    return body();
  } catch (const std::bad_alloc&) {
    reason = "out of memory";
  } catch (const std::exception& e) {
    reason = e.what();
  } catch (const char* e) {  // OpenJPH's allocator throws string literals
    reason = e != nullptr ? e : "unknown";
  } catch (...) {
    reason = "unknown exception";
  }
  const std::string detail = internal::LastOjphMessage();
  return Status(code, std::string(what) + ": " + (detail.empty() ? reason : detail));
}

Result<Bytes> EncodeImpl(const Image& image) {
  const ImageDesc& d = image.desc;
  OPENHI_RETURN_IF_ERROR(ValidateForEncode(d, image.samples.size()));
  const uint32_t num_comps = d.components;

  ojph::codestream codestream;
  ojph::param_siz siz = codestream.access_siz();
  siz.set_image_extent(ojph::point(d.width, d.height));
  siz.set_tile_size(ojph::size(d.width, d.height));
  siz.set_num_components(num_comps);
  for (uint32_t c = 0; c < num_comps; ++c) {
    siz.set_component(c, ojph::point(1, 1), d.bits_stored, d.is_signed);
  }
  ojph::param_cod cod = codestream.access_cod();
  cod.set_num_decomposition(static_cast<ojph::ui32>(Htj2kDecompositionLevels(d.width, d.height)));
  cod.set_block_dims(64, 64);
  cod.set_progression_order("RPCL");
  cod.set_color_transform(num_comps == 3);
  cod.set_reversible(true);
  codestream.set_planar(false);

  ojph::mem_outfile out;
  out.open(std::max<size_t>(size_t{1} << 16, image.samples.size() / 2));
  codestream.write_headers(&out);

  const internal::RowReader reader(d);
  std::vector<uint32_t> next_row(num_comps, 0);
  ojph::ui32 comp = 0;
  ojph::line_buf* line = codestream.exchange(nullptr, comp);
  for (size_t i = 0; i < size_t{d.height} * num_comps; ++i) {
    if (comp >= num_comps || next_row[comp] >= d.height || line->size < d.width) {
      return Internal("HTJ2K encode: OpenJPH requested an unexpected line");
    }
    if (!reader.Read(image.samples.data(), next_row[comp]++, comp, line->i32)) {
      return InvalidArgument("HTJ2K encode: a sample is outside the range of bits_stored " +
                             std::to_string(d.bits_stored) +
                             (d.is_signed ? " (signed)" : " (unsigned)"));
    }
    line = codestream.exchange(line, comp);
  }
  codestream.flush();
  const ByteView raw(reinterpret_cast<const std::byte*>(out.get_data()),
                     static_cast<size_t>(out.tell()));
  Result<Bytes> encoded = internal::InsertTlm(raw);
  if (!encoded.ok()) return Internal("HTJ2K encode: " + encoded.status().message());
  codestream.close();
  return encoded;
}

// OpenJPH 0.9 skips some segments with only a warning (so it would decode the wrong image) and
// asserts on others; refuse those codestreams instead.
Status CheckOpenJphSupports(const internal::MainHeaderInfo& header,
                            const std::vector<internal::TilePart>& parts) {
  using namespace internal;  // NOLINT: marker constants
  for (uint16_t m : header.markers) {
    if (m == kCoc || m == kRgn || m == kPoc || m == kPpm) {
      return InvalidArgument("HTJ2K decode: COC/RGN/POC/PPM in the main header are not supported");
    }
  }
  for (const TilePart& part : parts) {
    for (uint16_t m : part.header_markers) {
      if (m == kCod || m == kCoc || m == kQcd || m == kQcc || m == kRgn || m == kPoc || m == kPpt) {
        return InvalidArgument(
            "HTJ2K decode: coding parameters in tile-part headers are not "
            "supported");
      }
    }
  }
  if (header.siz.width > kMaxExtent || header.siz.height > kMaxExtent ||
      header.siz.num_tiles > kMaxTiles) {
    return InvalidArgument("HTJ2K decode: image larger than 65535 pixels or more than 1024 tiles");
  }
  if ((header.block_style & 0xC0) != 0x40) {
    return InvalidArgument("HTJ2K decode: not an HTJ2K codestream (Part 1 code-blocks)");
  }
  if (header.quantization_style == 1) {
    return InvalidArgument("HTJ2K decode: scalar derived quantization is not supported");
  }
  return Status::Ok();
}

// Decodes `bytes` row by row into `target`, which provides
//   Status Begin(const ImageDesc&)       once, with the frame's descriptor;
//   std::byte* RowBuffer(uint32_t row)   where row `row` (image.h layout) is to be written;
//   Status RowDone(uint32_t row)         after every component of that row is written.
// OpenJPH in non-planar mode delivers the components of each line in turn (0, 1, 2), then the
// next line; anything else is refused.
template <typename Target>
Status DecodeRowsImpl(ByteView bytes, int skip_levels, Target& target) {
  // Structural checks first: they turn truncation into a clean error before OpenJPH runs.
  OPENHI_ASSIGN_OR_RETURN(const internal::MainHeaderInfo header, internal::ParseMainHeader(bytes));
  OPENHI_ASSIGN_OR_RETURN(const std::vector<internal::TilePart> parts,
                          internal::ParseTileParts(bytes, header));
  OPENHI_RETURN_IF_ERROR(CheckOpenJphSupports(header, parts));
  if (skip_levels < 0 || skip_levels > header.decomposition_levels) {
    return InvalidArgument("HTJ2K decode: skip_levels " + std::to_string(skip_levels) +
                           " outside 0.." + std::to_string(header.decomposition_levels));
  }

  ojph::mem_infile in;
  in.open(reinterpret_cast<const ojph::ui8*>(bytes.data()), bytes.size());
  ojph::codestream codestream;
  codestream.read_headers(&in);

  ojph::param_siz siz = codestream.access_siz();
  const ojph::ui32 num_comps = siz.get_num_components();
  if (num_comps != 1 && num_comps != 3) {
    return InvalidArgument("HTJ2K decode: " + std::to_string(num_comps) +
                           " components (supported: 1 or 3)");
  }
  const ojph::ui32 bit_depth = siz.get_bit_depth(0);
  const bool is_signed = siz.is_signed(0);
  for (ojph::ui32 c = 0; c < num_comps; ++c) {
    const ojph::point ds = siz.get_downsampling(c);
    if (ds.x != 1 || ds.y != 1 || siz.get_bit_depth(c) != bit_depth ||
        siz.is_signed(c) != is_signed) {
      return InvalidArgument("HTJ2K decode: components differ in sampling, depth or sign");
    }
  }
  if (bit_depth < 1 || bit_depth > 16) {
    return InvalidArgument("HTJ2K decode: bit depth " + std::to_string(bit_depth) +
                           " (supported: 1..16)");
  }
  if (static_cast<int>(codestream.access_cod().get_num_decompositions()) < skip_levels) {
    return InvalidArgument("HTJ2K decode: skip_levels exceeds the decomposition levels");
  }
  codestream.restrict_input_resolution(static_cast<ojph::ui32>(skip_levels),
                                       static_cast<ojph::ui32>(skip_levels));
  codestream.set_planar(false);

  ImageDesc d;
  d.width = siz.get_recon_width(0);
  d.height = siz.get_recon_height(0);
  d.components = static_cast<uint16_t>(num_comps);
  d.bits_stored = static_cast<uint8_t>(bit_depth);
  d.bytes_per_sample = bit_depth <= 8 ? 1 : 2;
  d.is_signed = is_signed;
  for (ojph::ui32 c = 1; c < num_comps; ++c) {
    if (siz.get_recon_width(c) != d.width || siz.get_recon_height(c) != d.height) {
      return InvalidArgument("HTJ2K decode: components differ in size");
    }
  }
  if (d.width == 0 || d.height == 0 || d.FrameBytes() > kMaxDecodedBytes) {
    return InvalidArgument("HTJ2K decode: unsupported frame size " + std::to_string(d.width) + "x" +
                           std::to_string(d.height));
  }
  codestream.create();
  OPENHI_RETURN_IF_ERROR(target.Begin(d));

  // RowWriter addresses a whole frame; row 0 of it addresses the row buffer.
  const internal::RowWriter writer(d);
  for (uint32_t row = 0; row < d.height; ++row) {
    std::byte* row_buffer = target.RowBuffer(row);
    for (ojph::ui32 expected_comp = 0; expected_comp < num_comps; ++expected_comp) {
      ojph::ui32 comp = 0;
      const ojph::line_buf* line = codestream.pull(comp);
      if (line == nullptr || comp != expected_comp || line->size < d.width) {
        return InvalidArgument("HTJ2K decode: OpenJPH returned an unexpected line");
      }
      writer.Write(line->i32, 0, comp, row_buffer);
    }
    OPENHI_RETURN_IF_ERROR(target.RowDone(row));
  }
  codestream.close();
  return Status::Ok();
}

// DecodeRowsImpl target: rows are written in place into one Image.
class ImageTarget {
 public:
  Status Begin(const ImageDesc& d) {
    image_.desc = d;
    row_bytes_ = size_t{d.width} * d.components * d.bytes_per_sample;
    image_.samples.resize(d.FrameBytes());
    return Status::Ok();
  }
  std::byte* RowBuffer(uint32_t row) { return image_.samples.data() + size_t{row} * row_bytes_; }
  Status RowDone(uint32_t) { return Status::Ok(); }
  Image Take() { return std::move(image_); }

 private:
  Image image_;
  size_t row_bytes_ = 0;
};

// DecodeRowsImpl target: rows are decoded into a band buffer of about kDecodedBandBytes, which
// goes to a DecodedRowSink whenever it is full and after the last row.
class SinkTarget {
 public:
  explicit SinkTarget(DecodedRowSink& sink) : sink_(sink) {}
  Status Begin(const ImageDesc& d) {
    height_ = d.height;
    row_bytes_ = size_t{d.width} * d.components * d.bytes_per_sample;
    band_rows_ =
        static_cast<uint32_t>(std::clamp<size_t>(kDecodedBandBytes / row_bytes_, 1, d.height));
    band_.resize(size_t{band_rows_} * row_bytes_);
    return sink_.Begin(d);
  }
  std::byte* RowBuffer(uint32_t row) {
    return band_.data() + size_t{row % band_rows_} * row_bytes_;
  }
  Status RowDone(uint32_t row) {
    const uint32_t rows_in_band = row % band_rows_ + 1;
    if (rows_in_band < band_rows_ && row + 1 < height_) return Status::Ok();
    return sink_.Rows(row + 1 - rows_in_band,
                      ByteView(band_).first(size_t{rows_in_band} * row_bytes_));
  }

 private:
  DecodedRowSink& sink_;
  uint32_t height_ = 0;
  size_t row_bytes_ = 0;
  uint32_t band_rows_ = 1;
  Bytes band_;
};

Result<Image> DecodeImpl(ByteView bytes, int skip_levels) {
  ImageTarget target;
  OPENHI_RETURN_IF_ERROR(DecodeRowsImpl(bytes, skip_levels, target));
  return target.Take();
}

void WarmUp() {
  Image image;
  image.desc = {.width = 16,
                .height = 16,
                .components = 3,
                .bits_stored = 8,
                .bytes_per_sample = 1,
                .is_signed = false};
  image.samples.assign(image.desc.FrameBytes(), std::byte{7});
  Result<Bytes> encoded =
      CallOjph<Bytes>(StatusCode::kInternal, "warm-up encode", [&] { return EncodeImpl(image); });
  if (!encoded.ok()) return;
  CallOjph<Image>(StatusCode::kInternal, "warm-up decode", [&] { return DecodeImpl(*encoded, 0); })
      .status()
      .IgnoreError();
}

void EnsureRuntime() { internal::EnsureOjphRuntime(WarmUp); }

}  // namespace

int Htj2kDecompositionLevels(uint32_t width, uint32_t height) {
  uint64_t extent = std::max(width, height);
  int levels = 0;
  while (extent > kMaxBaseResolution) {
    extent = (extent + 1) / 2;
    ++levels;
  }
  return levels;
}

Result<Bytes> EncodeHtj2kLossless(const Image& image) {
  EnsureRuntime();
  // OpenJPH failing on an input we validated is a bug or an unsupported case on our side.
  return CallOjph<Bytes>(StatusCode::kInternal, "HTJ2K encode (OpenJPH)",
                         [&] { return EncodeImpl(image); });
}

Result<Image> DecodeHtj2k(ByteView codestream, int skip_levels) {
  EnsureRuntime();
  return CallOjph<Image>(StatusCode::kInvalidArgument, "HTJ2K decode (OpenJPH)",
                         [&] { return DecodeImpl(codestream, skip_levels); });
}

Status DecodeHtj2kRows(ByteView codestream, DecodedRowSink& sink, int skip_levels) {
  EnsureRuntime();
  // The sink's own errors pass through unchanged (CallOjph only rewrites exceptions).
  SinkTarget target(sink);
  return CallOjph<bool>(StatusCode::kInvalidArgument, "HTJ2K decode (OpenJPH)",
                        [&]() -> Result<bool> {
                          OPENHI_RETURN_IF_ERROR(DecodeRowsImpl(codestream, skip_levels, target));
                          return true;
                        })
      .status();
}

Result<std::vector<LevelChecksum>> Htj2kLevelChecksums(ByteView codestream, Image* full) {
  OPENHI_ASSIGN_OR_RETURN(Image full_image, DecodeHtj2k(codestream, 0));
  // DecodeHtj2k validated the main header, so this cannot fail now.
  OPENHI_ASSIGN_OR_RETURN(const internal::MainHeaderInfo header,
                          internal::ParseMainHeader(codestream));
  const int levels = header.decomposition_levels;
  std::vector<LevelChecksum> sums;
  sums.reserve(static_cast<size_t>(levels) + 1);
  for (int skip = levels; skip >= 1; --skip) {
    OPENHI_ASSIGN_OR_RETURN(const Image reduced, DecodeHtj2k(codestream, skip));
    sums.push_back({reduced.desc.width, reduced.desc.height, Crc32(reduced.samples)});
  }
  sums.push_back({full_image.desc.width, full_image.desc.height, Crc32(full_image.samples)});
  if (full != nullptr) *full = std::move(full_image);
  return sums;
}

}  // namespace openhi::codec
