// DicomFile::DecodeFrame and DicomFile::EncodedFrame.
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "openhi/codec/sandboxed_decode.h"
#include "openhi/dicom/dicom_file.h"
#include "openhi/dicom/internal/dcmtk.h"
#include "openhi/dicom/internal/fragments.h"
#include "openhi/dicom/internal/samples.h"

namespace openhi::dicom {
namespace {

using internal::FindTopLevel;
using internal::FragmentList;
using internal::FragmentRange;
using internal::StoredLayout;
using internal::SyntaxFamily;

std::string FrameText(uint32_t index) { return "frame " + std::to_string(index); }

// The fragments of the top-level encapsulated Pixel Data, cached in `impl`.
Result<const FragmentList*> Fragments(const internal::FileState& impl) {
  if (impl.fragments) return &*impl.fragments;
  DcmElement* element = FindTopLevel(impl, DCM_PixelData);
  if (element == nullptr || element->ident() != EVR_PixelData) {
    return FailedPrecondition("the Pixel Data is not encapsulated");
  }
  auto* pixel_data = static_cast<DcmPixelData*>(element);
  E_TransferSyntax xfer = EXS_Unknown;
  const DcmRepresentationParameter* param = nullptr;
  pixel_data->getOriginalRepresentationKey(xfer, param);
  DcmPixelSequence* sequence = nullptr;
  if (pixel_data->getEncapsulatedRepresentation(xfer, param, sequence).bad() ||
      sequence == nullptr) {
    return FailedPrecondition("the Pixel Data is not encapsulated");
  }
  FragmentList list;
  const unsigned long items = sequence->card();
  if (items == 0) return InvalidArgument("encapsulated Pixel Data has no items (no offset table)");
  list.fragments.reserve(items - 1);
  for (unsigned long i = 0; i < items; ++i) {
    DcmPixelItem* item = nullptr;
    if (sequence->getItem(item, i).bad() || item == nullptr) {
      return InvalidArgument("cannot read Pixel Data item " + std::to_string(i));
    }
    const Uint32 length = item->getLengthField();
    Uint8* data = nullptr;
    if (length > 0 && (item->getUint8Array(data).bad() || data == nullptr)) {
      return InvalidArgument("cannot read Pixel Data item " + std::to_string(i));
    }
    const ByteView view(reinterpret_cast<const std::byte*>(data), length);
    if (i == 0) {
      list.basic_offset_table = view;
    } else {
      list.fragments.push_back(view);
    }
  }
  if (DcmElement* eot = FindTopLevel(impl, DCM_ExtendedOffsetTable); eot != nullptr) {
    Uint64* offsets = nullptr;
    if (eot->getLengthField() > 0 && eot->getUint64Array(offsets).good() && offsets != nullptr) {
      list.extended_offsets = {reinterpret_cast<const std::byte*>(offsets), eot->getLengthField()};
    }
  }
  impl.fragments = std::move(list);
  return &*impl.fragments;
}

// The fragments [first, last) of frame `index`.
Result<FragmentRange> FrameRange(const internal::FileState& impl, const PixelInfo& info,
                                 uint32_t index) {
  OPENHI_ASSIGN_OR_RETURN(const FragmentList* list, Fragments(impl));
  if (!impl.frame_ranges) {
    impl.frame_ranges = internal::MapFragmentsToFrames(*list, info.number_of_frames, impl.family);
  }
  if (!impl.frame_ranges->ok()) return impl.frame_ranges->status();
  const FragmentRange range = (**impl.frame_ranges)[index];
  if (range.first >= range.last) {
    return InvalidArgument(FrameText(index) + " is missing: the Pixel Data has " +
                           std::to_string(list->fragments.size()) + " fragments for " +
                           std::to_string(info.number_of_frames) + " frames" +
                           (impl.pixel_data_truncated ? " (" + impl.truncation + ")" : ""));
  }
  return range;
}

StoredLayout LayoutOf(const PixelInfo& info) {
  StoredLayout layout;
  layout.width = info.columns;
  layout.height = info.rows;
  layout.components = info.samples_per_pixel;
  layout.bits_allocated = info.bits_allocated;
  layout.bits_stored = info.bits_stored;
  layout.high_bit = info.high_bit;
  layout.is_signed = info.pixel_representation == 1;
  layout.planar = info.planar_configuration == 1;
  return layout;
}

// Precision (P) from the first SOF marker of a JPEG codestream, or 0.
int JpegPrecision(ByteView bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 2;  // after SOI
  while (i + 4 < n) {
    if (p[i] != 0xFF) return 0;
    const unsigned marker = p[i + 1];
    if (marker == 0xFF) {
      ++i;
      continue;
    }
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      return i + 4 < n ? p[i + 4] : 0;
    }
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
      i += 2;
      continue;
    }
    i += 2 + ((size_t{p[i + 2]} << 8) | p[i + 3]);
  }
  return 0;
}

// 8-bit samples in the first half of `image->samples` widened in place to 16-bit.
void WidenBytesInPlace(Bytes* samples, size_t count) {
  for (size_t i = count; i-- > 0;) {
    const std::byte b = (*samples)[i];
    (*samples)[2 * i] = b;
    (*samples)[2 * i + 1] = std::byte{0};
  }
}

// Decodes a frame of a syntax DCMTK has a codec for (JPEG, JPEG-LS, RLE). The codecs write the
// frame in the dataset's PlanarConfiguration with little-endian samples.
Result<codec::Image> DecodeWithDcmtk(const internal::FileState& impl, const PixelInfo& info,
                                     uint32_t index) {
  OPENHI_ASSIGN_OR_RETURN(const FragmentRange range, FrameRange(impl, info, index));
  StoredLayout layout = LayoutOf(info);
  if (impl.family != SyntaxFamily::kDcmtkRle) {
    layout.high_bit = static_cast<uint16_t>(layout.bits_stored - 1);  // values, not bit fields
  }
  const size_t frame_bytes = layout.FrameBytes();
  bool widen = false;
  if (impl.family == SyntaxFamily::kDcmtkJpeg && info.bits_allocated == 16) {
    OPENHI_ASSIGN_OR_RETURN(const FragmentList* list, Fragments(impl));
    const int precision = JpegPrecision(list->fragments[range.first]);
    widen = precision > 0 && precision <= 8;
  }
  codec::Image image;
  image.desc = layout.Desc();
  // DCMTK wants an even-sized buffer (it may byte-swap in place); the pad byte is dropped below.
  image.samples.resize(frame_bytes + (frame_bytes & 1));
  auto* pixel_data = static_cast<DcmPixelData*>(FindTopLevel(impl, DCM_PixelData));
  Uint32 start_fragment = range.first + 1;  // item index; item 0 is the offset table
  OFString color_model;
  OFCondition cond = EC_Normal;
  try {
    cond =
        pixel_data->getUncompressedFrame(impl.dataset, index, start_fragment, image.samples.data(),
                                         static_cast<Uint32>(image.samples.size()), color_model);
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("out of memory decoding " + FrameText(index));
  } catch (const std::exception& e) {
    return InvalidArgument("cannot decode " + FrameText(index) + ": " + e.what());
  }
  if (cond.bad()) {
    return InvalidArgument("cannot decode " + FrameText(index) + " (" + impl.transfer_syntax_uid +
                           "): " + internal::ConditionText(cond));
  }
  image.samples.resize(frame_bytes);
  if (widen) WidenBytesInPlace(&image.samples, frame_bytes / 2);
  if (layout.planar && layout.components > 1) {
    Bytes interleaved(frame_bytes);
    internal::NormalizeFrame(layout, image.samples.data(), interleaved.data());
    image.samples = std::move(interleaved);
  } else {
    internal::NormalizeFrame(layout, image.samples.data(), image.samples.data());
  }
  return image;
}

// Makes a codec's output match the pixel module: same geometry, bytes per sample from
// BitsAllocated, then masked or sign-extended to BitsStored / PixelRepresentation.
Result<codec::Image> ConformToPixelModule(codec::Image image, const PixelInfo& info,
                                          uint32_t index) {
  StoredLayout layout = LayoutOf(info);
  layout.high_bit = static_cast<uint16_t>(layout.bits_stored - 1);
  layout.planar = false;
  const codec::ImageDesc& got = image.desc;
  if (got.width != layout.width || got.height != layout.height ||
      got.components != layout.components) {
    return InvalidArgument(FrameText(index) + ": the codestream is " + std::to_string(got.width) +
                           "x" + std::to_string(got.height) + "x" + std::to_string(got.components) +
                           " but the pixel module says " + std::to_string(layout.width) + "x" +
                           std::to_string(layout.height) + "x" + std::to_string(layout.components));
  }
  const size_t samples = size_t{layout.width} * layout.height * layout.components;
  const uint8_t want_bytes = static_cast<uint8_t>(layout.bits_allocated / 8);
  if (image.samples.size() != samples * got.bytes_per_sample) {
    return Internal("codec returned " + std::to_string(image.samples.size()) + " bytes for " +
                    FrameText(index));
  }
  if (got.bytes_per_sample != want_bytes) {
    if (got.bytes_per_sample == 1 && want_bytes == 2) {
      image.samples.resize(samples * 2);
      WidenBytesInPlace(&image.samples, samples);
      if (got.is_signed) {  // sign-extend the widened bytes from bit 7 first
        for (size_t i = 0; i < samples; ++i) {
          if (std::to_integer<unsigned>(image.samples[2 * i]) & 0x80) {
            image.samples[2 * i + 1] = std::byte{0xFF};
          }
        }
      }
    } else {
      return InvalidArgument(FrameText(index) +
                             ": the codestream has more than 8 bits per "
                             "sample but BitsAllocated is 8");
    }
  }
  internal::NormalizeFrame(layout, image.samples.data(), image.samples.data());
  image.desc = layout.Desc();
  return image;
}

Result<codec::Image> DecodeNative(const internal::FileState& impl, const PixelInfo& info,
                                  uint32_t index) {
  DcmElement* element = FindTopLevel(impl, DCM_PixelData);
  Uint8* data = nullptr;
  if (element == nullptr || element->getUint8Array(data).bad() || data == nullptr) {
    return InvalidArgument("cannot read Pixel Data (7FE0,0010)");
  }
  const uint64_t length = element->getLengthField();
  codec::Image image;
  if (info.bits_allocated == 1) {
    const uint64_t count = uint64_t{info.rows} * info.columns * info.samples_per_pixel;
    const uint64_t first_bit = count * index;
    if ((first_bit + count + 7) / 8 > length) {
      return InvalidArgument(FrameText(index) + " extends past the end of Pixel Data");
    }
    image.desc.width = info.columns;
    image.desc.height = info.rows;
    image.desc.components = info.samples_per_pixel;
    image.desc.bits_stored = 1;
    image.desc.bytes_per_sample = 1;
    image.desc.is_signed = false;
    image.samples.resize(count);
    internal::UnpackBits(reinterpret_cast<const std::byte*>(data), first_bit, count,
                         image.samples.data());
    return image;
  }
  const StoredLayout layout = LayoutOf(info);
  const size_t frame_bytes = layout.FrameBytes();
  const uint64_t offset = uint64_t{frame_bytes} * index;
  if (offset + frame_bytes > length) {
    return InvalidArgument(FrameText(index) + " extends past the end of Pixel Data");
  }
  image.desc = layout.Desc();
  image.samples.resize(frame_bytes);
  internal::NormalizeFrame(layout, reinterpret_cast<const std::byte*>(data) + offset,
                           image.samples.data());
  return image;
}

}  // namespace

Result<codec::Image> DicomFile::DecodeFrame(uint32_t index) const {
  const Impl& impl = *impl_;
  Result<PixelInfo> pixels = Pixels();
  if (!pixels.ok()) {
    if (pixels.status().code() == StatusCode::kNotFound &&
        (FindTopLevel(impl, DCM_FloatPixelData) != nullptr ||
         FindTopLevel(impl, DCM_DoubleFloatPixelData) != nullptr)) {
      return Unimplemented(
          "Float Pixel Data (7FE0,0008) and Double Float Pixel Data "
          "(7FE0,0009) are not supported");
    }
    return pixels.status();
  }
  const PixelInfo& info = *pixels;
  if (index >= info.number_of_frames) {
    return NotFound(FrameText(index) + " does not exist (NumberOfFrames is " +
                    std::to_string(info.number_of_frames) + ")");
  }
  if (info.bits_allocated != 8 && info.bits_allocated != 16 &&
      !(info.bits_allocated == 1 && !info.encapsulated)) {
    return Unimplemented("BitsAllocated " + std::to_string(info.bits_allocated) +
                         " is not supported (only 8 and 16, and 1 for native data)");
  }
  if (info.samples_per_pixel != 1 && info.samples_per_pixel != 3) {
    return Unimplemented("SamplesPerPixel " + std::to_string(info.samples_per_pixel) +
                         " is not supported (only 1 and 3)");
  }
  if (!info.encapsulated) return DecodeNative(impl, info, index);

  switch (impl.family) {
    case SyntaxFamily::kDcmtkJpeg:
    case SyntaxFamily::kDcmtkJpegLs:
    case SyntaxFamily::kDcmtkRle:
      return DecodeWithDcmtk(impl, info, index);
    case SyntaxFamily::kJ2k:
    case SyntaxFamily::kHtj2k: {
      OPENHI_ASSIGN_OR_RETURN(const FragmentRange range, FrameRange(impl, info, index));
      OPENHI_ASSIGN_OR_RETURN(const FragmentList* list, Fragments(impl));
      Bytes scratch;
      const ByteView codestream = internal::FrameBytes(*list, range, &scratch);
      // Source frames are untrusted: a corrupt code-block can abort the vendor decoders, so they
      // run in a helper process (sandboxed_decode.h).
      const codec::UntrustedCodec kind = impl.family == SyntaxFamily::kJ2k
                                             ? codec::UntrustedCodec::kJ2k
                                             : codec::UntrustedCodec::kHtj2k;
      Result<codec::Image> decoded =
          codec::DecodeUntrusted(codestream, kind, static_cast<uint8_t>(info.bits_allocated / 8));
      if (!decoded.ok()) return decoded.status().WithContext(FrameText(index));
      return ConformToPixelModule(std::move(decoded).value(), info, index);
    }
    case SyntaxFamily::kEncapsulatedUncompressed: {
      OPENHI_ASSIGN_OR_RETURN(const FragmentRange range, FrameRange(impl, info, index));
      OPENHI_ASSIGN_OR_RETURN(const FragmentList* list, Fragments(impl));
      Bytes scratch;
      const ByteView bytes = internal::FrameBytes(*list, range, &scratch);
      const StoredLayout layout = LayoutOf(info);
      if (bytes.size() < layout.FrameBytes()) {
        return InvalidArgument(FrameText(index) + " is shorter than Rows x Columns x samples");
      }
      codec::Image image;
      image.desc = layout.Desc();
      image.samples.resize(layout.FrameBytes());
      internal::NormalizeFrame(layout, bytes.data(), image.samples.data());
      return image;
    }
    case SyntaxFamily::kVideo:
      return Unimplemented("video transfer syntax " + impl.transfer_syntax_uid +
                           " is not decoded (use EncodedFrame(0) for the bitstream)");
    default:
      return Unimplemented("transfer syntax " + impl.transfer_syntax_uid + " cannot be decoded");
  }
}

Result<Bytes> DicomFile::EncodedFrame(uint32_t index) const {
  const Impl& impl = *impl_;
  OPENHI_ASSIGN_OR_RETURN(const PixelInfo info, Pixels());
  if (!info.encapsulated) {
    return FailedPrecondition("the Pixel Data is native (not encapsulated); use DecodeFrame");
  }
  OPENHI_ASSIGN_OR_RETURN(const FragmentList* list, Fragments(impl));
  FragmentRange range;
  if (impl.family == SyntaxFamily::kVideo) {
    // A video is one bitstream for all frames, stored (as by AHI) as one frame object.
    if (index != 0) return NotFound("a video has one encoded frame object (index 0)");
    if (list->fragments.empty()) return InvalidArgument("the video Pixel Data has no fragments");
    range = {0, static_cast<uint32_t>(list->fragments.size())};
  } else {
    if (index >= info.number_of_frames) {
      return NotFound(FrameText(index) + " does not exist (NumberOfFrames is " +
                      std::to_string(info.number_of_frames) + ")");
    }
    OPENHI_ASSIGN_OR_RETURN(range, FrameRange(impl, info, index));
  }
  Bytes out;
  const ByteView bytes = internal::FrameBytes(*list, range, &out);
  if (bytes.data() != out.data()) out.assign(bytes.begin(), bytes.end());
  return out;
}

}  // namespace openhi::dicom
