#pragma once
// DICOMize: the inverse of DicomFile::ToAhiJson. Rebuilds a DICOM P10 file from an AHI metadata
// instance (the Patient/Study/Series/Instance levels merged) plus the instance's frames.
// The exact rules, and what a rebuilt file differs in from its original, are in
// docs/formats/dicomize.md. All functions are pure and thread-safe.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "openhi/codec/image.h"
#include "openhi/core/bytes.h"
#include "openhi/core/status.h"

namespace openhi::dicom {

// Member of an instance object (a sibling of "DICOM", openhi-specific): the keys of the
// Patient/Study/Series-level attributes that this instance's original did NOT carry
// (docs/formats/metadata-document.md). MergeAhiLevels does not copy them into the instance.
inline constexpr const char* kAbsentLevelAttributesMember = "DICOMAbsentLevelAttributes";

// Merges the levels of one instance: Patient.DICOM, Study.DICOM, Series.DICOM, then the
// instance's "DICOM"; the instance wins, and level attributes named in the instance's
// "DICOMAbsentLevelAttributes" are left out. Returns
//   {"DICOM": {...merged...}, "DICOMVRs": {...the instance's...}}
// (an absent or null level is treated as empty; a missing "DICOMVRs" becomes {}).
nlohmann::json MergeAhiLevels(const nlohmann::json& patient_dicom,
                              const nlohmann::json& study_dicom,
                              const nlohmann::json& series_dicom,
                              const nlohmann::json& instance);

// Frames for the rebuild. At most one of `decoded` / `encoded` is non-empty.
//  * decoded: images in the layout of codec/image.h (what the store's HTJ2K frames decode to;
//    for BitsAllocated 1 one byte, 0 or 1, per sample). Written as native Pixel Data in
//    Explicit VR Little Endian.
//  * encoded: frames still encoded in `encoded_transfer_syntax` (lossy source syntaxes the
//    store kept as they were). Written encapsulated, one fragment per frame, with a Basic
//    Offset Table, in that transfer syntax. For video syntaxes one bitstream holds all frames.
struct RebuildFrames {
  std::vector<codec::Image> decoded;
  std::vector<Bytes> encoded;
  std::string encoded_transfer_syntax;
};

// Fetches the value of a BulkDataURI attribute: the raw value bytes, little-endian.
using BulkDataResolver = std::function<Result<Bytes>(std::string_view uri)>;

// The P10 bytes of one instance: 128-byte zero preamble, "DICM", the file meta group, then the
// dataset in the written transfer syntax (Explicit VR Little Endian, or the encoded frames'
// syntax). `merged_instance` is what MergeAhiLevels returns.
//  * VRs: the item's "DICOMVRs", then the instance's "DICOMVRs", then the DCMTK dictionary;
//    ambiguous dictionary VRs resolved as PS3.5 says ("US or SS" from PixelRepresentation,
//    "OB or OW" from BitsAllocated); private elements without a recorded VR are UN (private
//    creators LO).
//  * Text (SH LO ST LT UC UT PN) is converted from UTF-8 back to the Specific Character Set.
//  * {"BulkDataURI": "..."} values are fetched with `resolver` (kUnimplemented naming the
//    attribute when it is empty); {"InlineBinary": "<base64>"} values are accepted too.
//  * Pixel Data (a null placeholder in the document) is written from `frames`.
// Errors: kInvalidArgument naming the attribute for values that do not fit their VR, for
// frame count or frame size mismatches with the pixel module, and when SOPClassUID or
// SOPInstanceUID is missing; kUnimplemented for Float/Double Float Pixel Data placeholders (no
// frames exist for them), BitsAllocated other than 1/8/16 with decoded frames, text that the
// Specific Character Set's code extensions would need, and BulkDataURI without a resolver;
// the resolver's own error, with the attribute as context.
Result<Bytes> RebuildP10(const nlohmann::json& merged_instance, const RebuildFrames& frames,
                         const BulkDataResolver& resolver = {});

// The Implementation Class UID / Version Name openhi writes into the file meta of rebuilt files.
inline constexpr const char* kOpenhiImplementationClassUid =
    "2.25.110393668438076916430948474762902383167";
inline constexpr const char* kOpenhiImplementationVersionName = "OPENHI_0.1.0";

}  // namespace openhi::dicom
