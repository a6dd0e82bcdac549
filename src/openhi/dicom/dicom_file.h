#pragma once
// DicomFile: one parsed DICOM P10 object, behind a PImpl over DCMTK (DCMTK headers never leave
// dicom_file.cc). Not thread-safe: use one DicomFile from one thread at a time; distinct
// DicomFiles may be used concurrently.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

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
  uint16_t pixel_representation = 0;   // 0 unsigned, 1 signed
  uint16_t planar_configuration = 0;   // source layout; decoded frames are always interleaved
  std::string photometric_interpretation;
  uint32_t number_of_frames = 1;
  bool encapsulated = false;           // pixel data is a fragment sequence
};

class DicomFile {
 public:
  // Parses a P10 file (preamble + DICM + file meta). Files without a preamble or meta are read
  // as a raw dataset when DCMTK can detect the encoding. Fails with kInvalidArgument and a clear
  // message for truncated, malformed or non-DICOM input. Never crashes on untrusted bytes.
  static Result<DicomFile> Parse(ByteView p10);

  DicomFile(DicomFile&&) noexcept;
  DicomFile& operator=(DicomFile&&) noexcept;
  ~DicomFile();

  // The original transfer syntax UID from the file meta (or the detected one).
  std::string TransferSyntaxUid() const;

  // The value of a top-level string attribute (trailing padding removed); kNotFound if absent
  // or empty.
  Result<std::string> GetString(Tag tag) const;

  // The pixel module. kNotFound when the object has no (7FE0,0010) Pixel Data;
  // kInvalidArgument when the pixel module attributes are missing or inconsistent
  // (e.g. NumberOfFrames "1A", PixelData shorter than Rows*Columns*frames).
  Result<PixelInfo> Pixels() const;

  // Frame `index` (0-based) decoded into the layout of codec/image.h: interleaved, little-endian,
  // 1 or 2 bytes per sample, high bits masked (unsigned) or sign-extended from HighBit (signed).
  // Decodes every source syntax DCMTK can (native LE/BE/deflate, JPEG baseline/extended/lossless,
  // JPEG-LS, RLE), JPEG 2000 through OpenJPEG and HTJ2K through OpenJPH.
  // kUnimplemented for syntaxes or depths that cannot be decoded (e.g. video, BitsAllocated 32).
  Result<codec::Image> DecodeFrame(uint32_t index) const;

  // Frame `index` exactly as encoded in the file (its fragments concatenated), for syntaxes whose
  // frames are stored as they came (lossy JPEG, JPEG 2000, HTJ2K). kFailedPrecondition for
  // native (unencapsulated) pixel data.
  Result<Bytes> EncodedFrame(uint32_t index) const;

  // The whole object (file meta group 0002 included) as an AHI metadata instance:
  //   {"DICOM": {<keyword or 8-hex tag>: value, ...}, "DICOMVRs": {<8-hex tag>: "<VR>", ...}}
  // Value typing per ahi-api.md §7: numbers for US/SS/UL/SL/FL/FD, strings kept exactly as
  // encoded for IS/DS, arrays whenever the dictionary VM allows several values, null for empty,
  // base64 for binary VRs, nested arrays of objects for sequences. Pixel Data (and Float/Double
  // Float Pixel Data) become null placeholders.
  nlohmann::json ToAhiJson() const;

 private:
  struct Impl;
  explicit DicomFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The PS3.6 keyword of `tag` from DCMTK's dictionary, or "" for private/unknown tags.
std::string KeywordForTag(Tag tag);

// The tag for a PS3.6 keyword, or nullopt if the dictionary does not know it.
std::optional<Tag> TagForKeyword(const std::string& keyword);

// "0008103E"-style key for a tag: 8 upper-case hex digits.
std::string TagKey(Tag tag);

}  // namespace openhi::dicom
