#pragma once
// The JSON → DICOM half of DICOMize (p10_rebuild.cc): resolves the keys and VRs of an AHI
// "DICOM" object and encodes its values as Explicit VR Little Endian elements. The rules are
// the inverse of ahi_json.cc's (see docs/formats/dicomize.md). Private to the dicom module.
// Not thread-safe per object (one DatasetEncoder per rebuild); distinct objects may be used
// concurrently.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"
#include "openhi/dicom/p10_rebuild.h"

namespace openhi::dicom::internal {

// Appends Explicit VR Little Endian encodings. Sequences and items are written with undefined
// lengths (delimited), pixel fragments with defined lengths.
class ExplicitLeWriter {
 public:
  // One element; `value` must already have even length (the caller pads per VR).
  // kInvalidArgument when the value is too long for the VR's length field.
  Status Element(uint32_t tag, std::string_view vr, ByteView value);
  // Header of an undefined-length element: an SQ or encapsulated Pixel Data (OB).
  void BeginUndefinedLength(uint32_t tag, std::string_view vr);
  void BeginItem();                  // item with undefined length
  void EndItem();                    // item delimitation item
  void Fragment(ByteView value);     // item with a defined length (offset table, fragment)
  void EndSequence();                // sequence delimitation item
  std::string& bytes() { return out_; }

 private:
  void U16(uint16_t v);
  void U32(uint32_t v);
  void Tag(uint32_t tag);
  std::string out_;
};

// Values inherited by nested items for the resolution of ambiguous VRs (PS3.5 A.1: "US or SS"
// follows PixelRepresentation, "OB or OW" BitsAllocated).
struct VrContext {
  int pixel_representation = 0;
  int bits_allocated = 16;
};

// One attribute of a DICOM object, its tag and VR resolved.
struct ResolvedElement {
  uint32_t tag = 0;
  std::string key;  // the JSON key, for messages
  std::string vr;   // two letters, never ambiguous
  const nlohmann::json* value = nullptr;
  const nlohmann::json* item_vrs = nullptr;  // the enclosing item's "DICOMVRs" (or null)
  VrContext context;
};

class DatasetEncoder {
 public:
  // `instance_vrs`: the instance "DICOMVRs" (an object; may be empty). `specific_character_set`:
  // the top-level (0008,0005) values joined with '\'. The referenced objects must outlive
  // the encoder.
  DatasetEncoder(const nlohmann::json& instance_vrs, std::string specific_character_set,
                 const BulkDataResolver& resolver);
  ~DatasetEncoder();

  // The attributes of `object` (a "DICOM" object or a sequence item; its "DICOMVRs" member is
  // not an attribute), sorted by tag. Group lengths (gggg,0000) and Data Set Trailing Padding
  // are left out (they describe an encoding). kInvalidArgument for an unknown keyword, a key
  // that is neither keyword nor 8-hex tag, two keys for one tag, an unknown VR name.
  Result<std::vector<ResolvedElement>> Resolve(const nlohmann::json& object,
                                               const VrContext& parent) const;

  // Appends one element (recursively for sequences).
  Status Write(const ResolvedElement& element, ExplicitLeWriter& out, int depth = 0);

  // The value bytes of a non-sequence element, padded to even length.
  Result<Bytes> EncodeValue(const ResolvedElement& element);

 private:
  class TextEncoder;
  std::string ResolveVr(uint32_t tag, const std::string& key, const nlohmann::json* item_vrs,
                        const VrContext& context) const;

  const nlohmann::json& instance_vrs_;
  const BulkDataResolver& resolver_;
  std::unique_ptr<TextEncoder> text_;
};

// Integer value of a top-level attribute given as a number, an array of one number, or an IS
// string ("10 "). nullopt when absent or null; kInvalidArgument when not an integer.
Result<std::optional<int64_t>> IntegerAttribute(const nlohmann::json& dicom,
                                                const std::string& key);

// First string value of an attribute (a string or an array of strings), trailing spaces and
// NULs removed; "" when absent, null or not a string.
std::string StringAttribute(const nlohmann::json& dicom, const std::string& key);

}  // namespace openhi::dicom::internal
