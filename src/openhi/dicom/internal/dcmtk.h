#pragma once
// DCMTK side of openhi::dicom: the DicomFile::Impl PImpl and helpers shared by the .cc files of
// this module. Private: DCMTK headers never leave src/openhi/dicom/.
#include <dcmtk/config/osconfig.h>  // must come first
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dctk.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "openhi/core/status.h"
#include "openhi/dicom/dicom_file.h"
#include "openhi/dicom/internal/fragments.h"
#include "openhi/dicom/internal/transfer_syntax.h"

namespace openhi::dicom {
namespace internal {

// Everything DicomFile knows about one parsed object. DicomFile::Impl (private to DicomFile) is
// this struct; the helpers of this module take it by its public name.
struct FileState {
  std::unique_ptr<DcmFileFormat> file;
  DcmDataset* dataset = nullptr;  // owned by `file`
  DcmMetaInfo* meta = nullptr;    // owned by `file`
  std::string transfer_syntax_uid;
  SyntaxFamily family = SyntaxFamily::kUnknown;
  // The file ended inside the top-level Pixel Data element. `truncation` says how.
  bool pixel_data_truncated = false;
  std::string truncation;
  // Caches (the dataset does not change after Parse). `fragments` views point into `file`.
  mutable std::optional<Result<PixelInfo>> pixels;
  mutable std::optional<FragmentList> fragments;
  mutable std::optional<Result<std::vector<FragmentRange>>> frame_ranges;
};

// One-time process set-up, safe to call from any thread: registers the JPEG, JPEG-LS and RLE
// decoders, sets the DCMTK read options this module relies on (unknown VR conversion) and sets
// DCMTK's own logging to OFF (or to the level named by $OPENHI_DCMTK_LOG: trace, debug, info,
// warn, error, fatal, off). Fails with kInternal when the DICOM dictionary is not loaded.
Status InitDcmtk();

// "<condition text>" of an OFCondition, for error messages.
std::string ConditionText(const OFCondition& cond);

// The bytes of a string-VR value as encoded in the file, padding included (DCMTK strips trailing
// padding when it first reads a value; it is restored from the length field). One exception:
// DCMTK deletes white space inside UI values, which are invalid DICOM anyway.
std::string RawStringValue(DcmByteString* element);

// Dictionary information for a standard (public, non-private) tag.
struct DictInfo {
  const char* keyword = nullptr;  // PS3.6 keyword (DCMTK's "RETIRED_" prefix removed)
  DcmEVR vr = EVR_UNKNOWN;        // dictionary VR; may be an ambiguous one (xs, ox, lt, ...)
  bool multi_valued = false;      // dictionary VM maximum is not 1
};

// The dictionary entry of `tag` when the tag is exactly a standard dictionary tag (or the first
// tag of a repeating-group range, e.g. (6000,3000) OverlayData), else nullptr. Lock-free after
// the first call (a table built once from DCMTK's dictionary).
const DictInfo* LookupTag(uint32_t tag);

// The tag for a PS3.6 keyword (also accepts DCMTK's "RETIRED_"-prefixed names), or nullopt.
std::optional<uint32_t> LookupKeyword(std::string_view keyword);

// The element `key` at the top level of the dataset (of the file meta for group 0002), or null.
DcmElement* FindTopLevel(const FileState& impl, const DcmTagKey& key);

// True for the element classes holding binary numbers: US SS UL SL FL FD SV UV AT (and
// DCMTK's internal "up").
inline bool IsNumericClass(DcmEVR ident) {
  switch (ident) {
    case EVR_US:
    case EVR_SS:
    case EVR_UL:
    case EVR_SL:
    case EVR_FL:
    case EVR_FD:
    case EVR_SV:
    case EVR_UV:
    case EVR_AT:
    case EVR_up:
      return true;
    default:
      return false;
  }
}

inline uint32_t TagOf(const DcmTagKey& key) {
  return (uint32_t{key.getGroup()} << 16) | key.getElement();
}

}  // namespace internal

struct DicomFile::Impl : internal::FileState {};

}  // namespace openhi::dicom
