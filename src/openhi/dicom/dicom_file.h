#pragma once
// DicomFile: one parsed DICOM P10 object, behind a PImpl over DCMTK (DCMTK headers never leave
// src/openhi/dicom/). Not thread-safe: use one DicomFile from one thread at a time (even the
// const methods cache and let DCMTK convert values in place); distinct DicomFiles may be used
// concurrently.
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "openhi/codec/image.h"
#include "openhi/core/bytes.h"
#include "openhi/core/status.h"

namespace openhi::dicom {

// A DICOM tag as (group << 16) | element.
using Tag = uint32_t;
constexpr Tag MakeTag(uint16_t group, uint16_t element) {
  return (uint32_t{group} << 16) | element;
}

// Pixel module attributes of an image object.
struct PixelInfo {
  uint32_t rows = 0;
  uint32_t columns = 0;
  uint16_t samples_per_pixel = 1;
  uint16_t bits_allocated = 0;
  uint16_t bits_stored = 0;
  uint16_t high_bit = 0;
  uint16_t pixel_representation = 0;  // 0 unsigned, 1 signed
  uint16_t planar_configuration = 0;  // source layout; decoded frames are always interleaved
  std::string photometric_interpretation;
  uint32_t number_of_frames = 1;
  bool encapsulated = false;  // pixel data is a fragment sequence
};

class DicomFile {
 public:
  // Parses a P10 file (preamble + DICM + file meta). Files without a preamble or meta are read
  // as a raw dataset when DCMTK can detect the encoding. All values are copied out of `p10`
  // (it may be freed afterwards). Fails with kInvalidArgument and a clear message for truncated
  // ("truncated ..."), malformed or non-DICOM input, for sequences nested more than 128 levels
  // or more than 500,000 items/fragments; kResourceExhausted when memory runs out. Never
  // crashes on untrusted bytes (deep nesting is parsed on a private big-stack thread).
  // A file that ends inside the top-level Pixel Data is accepted; Pixels(), DecodeFrame() and
  // EncodedFrame() then report what is missing. Thread-safe (distinct inputs in parallel).
  static Result<DicomFile> Parse(ByteView p10);

  DicomFile(DicomFile&&) noexcept;
  DicomFile& operator=(DicomFile&&) noexcept;
  ~DicomFile();

  // The original transfer syntax UID from the file meta (or the one DCMTK detected when the
  // file has no meta). Not necessarily known to DCMTK (e.g. HTJ2K).
  std::string TransferSyntaxUid() const;

  // The value of a top-level attribute (file meta for group 0002) as stored: trailing spaces
  // and NULs removed, no character set conversion; non-string VRs formatted by DCMTK ("512",
  // "1\2"). kNotFound if absent or empty; kInvalidArgument for a sequence or binary.
  Result<std::string> GetString(Tag tag) const;

  // OK unless the file was cut off (it ends inside Pixel Data, e.g. without the sequence
  // delimiter of encapsulated pixel data). Such a file parses, but a store must not accept it
  // as complete: kInvalidArgument with a "truncated file: ..." message.
  Status CheckComplete() const;

  // The pixel module. kNotFound when the object has no (7FE0,0010) Pixel Data (also for Float
  // Pixel Data objects); kInvalidArgument when the pixel module attributes are missing or
  // inconsistent (NumberOfFrames "1A", BitsStored > BitsAllocated, HighBit outside
  // [BitsStored-1, BitsAllocated), native Pixel Data shorter than all frames, a file truncated
  // inside native Pixel Data). Missing SamplesPerPixel, HighBit, PixelRepresentation and
  // PlanarConfiguration default to 1, BitsStored-1, 0 and 0.
  Result<PixelInfo> Pixels() const;

  // Frame `index` (0-based) decoded into the layout of codec/image.h: interleaved (whatever the
  // source PlanarConfiguration), little-endian, 1 byte per sample for BitsAllocated 8 and 2 for
  // 16, values shifted down by HighBit+1-BitsStored (native and RLE data), then bits above
  // BitsStored cleared (unsigned) or sign-extended (signed). desc.bits_stored/is_signed come
  // from the pixel module, whatever the codestream says. Sources:
  //   native LE/BE/deflate and .1.2.1.98    read directly
  //   JPEG (.4.50-.4.70), JPEG-LS, RLE      DCMTK (lossy YBR JPEG comes back as RGB: DCMTK's
  //                                         colour conversion; lossless data is exact)
  //   JPEG 2000 (.4.90-.4.93)               codec::DecodeJ2k (OpenJPEG)  } YBR_RCT/YBR_ICT
  //   HTJ2K (.4.201-.4.203)                 codec::DecodeHtj2k (OpenJPH) } come back as RGB
  //     (both in the openhi-decode-helper process, codec::DecodeUntrusted: a corrupt
  //     code-block is kInvalidArgument, never a crash; kInternal if the helper is missing,
  //     kDeadlineExceeded if it runs past a minute)
  //   BitsAllocated 1 (native)              one byte (0 or 1) per sample, bits_stored 1
  // Errors: kNotFound for an index >= NumberOfFrames; kInvalidArgument for corrupt or missing
  // frame data (and the pixel module errors of Pixels()); kUnimplemented for video, JPEG XL,
  // BitsAllocated other than 1/8/16, SamplesPerPixel other than 1/3 and Float Pixel Data.
  Result<codec::Image> DecodeFrame(uint32_t index) const;

  // Frame `index` exactly as encoded in the file: its fragments concatenated, the even-length
  // pad byte of the last fragment included. Fragments are mapped to frames by the Extended or
  // Basic Offset Table, one fragment per frame, all fragments for one frame, or codestream start
  // markers. For video syntaxes the whole bitstream is frame 0 (AHI stores it as one object).
  // kFailedPrecondition for native (unencapsulated) Pixel Data; kNotFound for an index past the
  // last frame; kInvalidArgument when the frame's fragments are missing (truncated file) or the
  // fragments cannot be mapped to frames.
  Result<Bytes> EncodedFrame(uint32_t index) const;

  // The whole object (file meta group 0002 included) as an AHI metadata instance:
  //   {"DICOM": {<keyword or 8-hex tag>: value, ...}, "DICOMVRs": {<key>: "<VR>", ...}}
  // Value typing per ahi-api.md §7: numbers for US/SS/UL/SL/FL/FD, strings kept exactly as
  // encoded for IS/DS, arrays whenever the dictionary VM allows several values, null for empty,
  // base64 for binary VRs, nested arrays of objects for sequences; text converted to UTF-8.
  // Pixel Data (and Float/Double Float Pixel Data) become null placeholders. The exact rules
  // (padding, VRs inside sequences, character sets) are documented at the top of ahi_json.cc.
  nlohmann::json ToAhiJson() const;

 private:
  struct Impl;
  explicit DicomFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The PS3.6 keyword of `tag` when `tag` is exactly a dictionary tag (for repeating groups only
// the first group: (6000,3000) is "OverlayData", (6002,3000) has none), else "". Private tags
// have no keyword. Thread-safe.
std::string KeywordForTag(Tag tag);

// The tag for a PS3.6 keyword (retired keywords included; DCMTK's "RETIRED_" prefix is also
// accepted), or nullopt if the dictionary does not know it. Thread-safe.
std::optional<Tag> TagForKeyword(const std::string& keyword);

// "0008103E"-style key for a tag: 8 upper-case hex digits.
std::string TagKey(Tag tag);

}  // namespace openhi::dicom
