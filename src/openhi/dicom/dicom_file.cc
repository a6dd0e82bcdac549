// DicomFile: parsing and the pixel module. Frame access is in frame_decode.cc, the AHI JSON
// writer in ahi_json.cc.
#include "openhi/dicom/dicom_file.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "openhi/dicom/internal/dcmtk.h"
#include "openhi/dicom/internal/parse_guard.h"
#include "openhi/dicom/internal/text.h"

namespace openhi::dicom {
namespace {

// Parsing limits. DCMTK needs about 1.5 KiB of stack per nesting level: up to
// kDirectParseItemLimit item headers (an upper bound on the depth) it parses on the caller's
// thread, beyond that on a thread with a stack sized for the bound.
constexpr uint64_t kDirectParseItemLimit = 1000;
constexpr uint64_t kMaxItems = 500000;
constexpr size_t kParserStackBase = size_t{16} << 20;
constexpr size_t kParserStackPerItem = 2048;
// Accepted objects nest at most this deep, so later recursion (ToAhiJson, destruction) is safe
// on any thread.
constexpr int kMaxSequenceDepth = 128;

using internal::ConditionText;
using internal::FindTopLevel;
using internal::RawStringValue;

std::string TagText(const DcmTagKey& key) {
  return "(" + internal::HexTag(internal::TagOf(key)).insert(4, ",") + ")";
}

std::string NameOf(const DcmTagKey& key) {
  const internal::DictInfo* info = internal::LookupTag(internal::TagOf(key));
  return (info != nullptr ? std::string(info->keyword) + " " : std::string()) + TagText(key);
}

// Trailing spaces and NULs removed (string padding).
std::string_view StripTrailingPadding(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  return s;
}

std::string_view StripSpaces(std::string_view s) {
  s = StripTrailingPadding(s);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

// Conditions with which DCMTK reports input that ends too early.
bool IsEndOfData(const OFCondition& cond) {
  return cond == EC_StreamNotifyClient || cond == EC_InvalidStream ||
         cond == EC_SequDelimitationItemMissing || cond == EC_ItemDelimitationItemMissing;
}

// A US attribute of the pixel module. `fallback` is used when the attribute is absent.
Result<uint16_t> GetUs(const internal::FileState& impl, const DcmTagKey& key,
                       std::optional<uint16_t> fallback) {
  DcmElement* element = FindTopLevel(impl, key);
  if (element == nullptr || element->getLengthField() == 0) {
    if (fallback) return *fallback;
    return InvalidArgument("missing " + NameOf(key));
  }
  Uint16 value = 0;
  if (element->getUint16(value).bad()) {
    return InvalidArgument(NameOf(key) + " is not a US value");
  }
  return static_cast<uint16_t>(value);
}

// NumberOfFrames (IS): optional sign, digits, optional surrounding spaces; absent or empty -> 1.
Result<uint32_t> GetNumberOfFrames(const internal::FileState& impl) {
  DcmElement* element = FindTopLevel(impl, DCM_NumberOfFrames);
  if (element == nullptr || element->getLengthField() == 0) return 1u;
  if (!element->isaString())
    return InvalidArgument("NumberOfFrames (0028,0008) is not an IS value");
  const std::string raw = RawStringValue(static_cast<DcmByteString*>(element));
  std::string_view text = StripSpaces(raw);
  if (text.empty()) return 1u;
  std::string_view digits = text;
  if (digits.front() == '+') digits.remove_prefix(1);
  uint64_t value = 0;
  bool valid = !digits.empty() && digits.size() <= 10;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      valid = false;
      break;
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!valid || value == 0 || value > 0x7FFFFFFF) {
    return InvalidArgument("NumberOfFrames (0028,0008) value '" + std::string(text) +
                           "' is not a valid positive IS integer");
  }
  return static_cast<uint32_t>(value);
}

Result<PixelInfo> ComputePixels(const internal::FileState& impl) {
  DcmElement* pixel_data = FindTopLevel(impl, DCM_PixelData);
  if (pixel_data == nullptr) {
    const bool has_float = FindTopLevel(impl, DCM_FloatPixelData) != nullptr ||
                           FindTopLevel(impl, DCM_DoubleFloatPixelData) != nullptr;
    return NotFound(has_float ? "the object has Float/Double Float Pixel Data but no Pixel Data "
                                "(7FE0,0010)"
                              : "the object has no Pixel Data (7FE0,0010)");
  }
  PixelInfo info;
  OPENHI_ASSIGN_OR_RETURN(const uint16_t rows, GetUs(impl, DCM_Rows, std::nullopt));
  OPENHI_ASSIGN_OR_RETURN(const uint16_t columns, GetUs(impl, DCM_Columns, std::nullopt));
  OPENHI_ASSIGN_OR_RETURN(info.samples_per_pixel, GetUs(impl, DCM_SamplesPerPixel, 1));
  OPENHI_ASSIGN_OR_RETURN(info.bits_allocated, GetUs(impl, DCM_BitsAllocated, std::nullopt));
  OPENHI_ASSIGN_OR_RETURN(info.bits_stored, GetUs(impl, DCM_BitsStored, std::nullopt));
  OPENHI_ASSIGN_OR_RETURN(info.high_bit,
                          GetUs(impl, DCM_HighBit, static_cast<uint16_t>(info.bits_stored - 1)));
  OPENHI_ASSIGN_OR_RETURN(info.pixel_representation, GetUs(impl, DCM_PixelRepresentation, 0));
  if (info.samples_per_pixel > 1) {
    OPENHI_ASSIGN_OR_RETURN(info.planar_configuration, GetUs(impl, DCM_PlanarConfiguration, 0));
  }
  OPENHI_ASSIGN_OR_RETURN(info.number_of_frames, GetNumberOfFrames(impl));
  info.rows = rows;
  info.columns = columns;
  if (DcmElement* pi = FindTopLevel(impl, DCM_PhotometricInterpretation);
      pi != nullptr && pi->isaString()) {
    info.photometric_interpretation =
        std::string(StripSpaces(RawStringValue(static_cast<DcmByteString*>(pi))));
  }

  if (rows == 0 || columns == 0) {
    return InvalidArgument("Rows and Columns must be non-zero (got " + std::to_string(rows) +
                           " x " + std::to_string(columns) + ")");
  }
  if (info.samples_per_pixel == 0) return InvalidArgument("SamplesPerPixel is 0");
  if (info.bits_allocated == 0) return InvalidArgument("BitsAllocated is 0");
  if (info.bits_stored == 0 || info.bits_stored > info.bits_allocated) {
    return InvalidArgument("BitsStored " + std::to_string(info.bits_stored) +
                           " must be in 1..BitsAllocated (" + std::to_string(info.bits_allocated) +
                           ")");
  }
  if (info.high_bit >= info.bits_allocated || info.high_bit + 1 < info.bits_stored) {
    return InvalidArgument("HighBit " + std::to_string(info.high_bit) +
                           " is inconsistent with BitsStored " + std::to_string(info.bits_stored) +
                           " and BitsAllocated " + std::to_string(info.bits_allocated));
  }
  if (info.pixel_representation > 1) {
    return InvalidArgument("PixelRepresentation must be 0 or 1");
  }
  if (info.planar_configuration > 1) {
    return InvalidArgument("PlanarConfiguration must be 0 or 1");
  }

  info.encapsulated = pixel_data->getLengthField() == DCM_UndefinedLength;
  if (pixel_data->ident() == EVR_PixelData) {
    auto* pd = static_cast<DcmPixelData*>(pixel_data);
    E_TransferSyntax xfer = EXS_Unknown;
    const DcmRepresentationParameter* param = nullptr;
    pd->getOriginalRepresentationKey(xfer, param);
    DcmPixelSequence* sequence = nullptr;
    info.encapsulated =
        pd->getEncapsulatedRepresentation(xfer, param, sequence).good() && sequence != nullptr;
  }
  if (impl.pixel_data_truncated && !info.encapsulated) return InvalidArgument(impl.truncation);
  if (!info.encapsulated) {
    const uint64_t bits = uint64_t{rows} * columns * info.samples_per_pixel * info.bits_allocated *
                          info.number_of_frames;
    const uint64_t needed = (bits + 7) / 8;
    const uint64_t have = pixel_data->getLengthField();
    if (have < needed) {
      std::string message = "Pixel Data (7FE0,0010) has " + std::to_string(have) +
                            " bytes but Rows x Columns x SamplesPerPixel x BitsAllocated x "
                            "NumberOfFrames needs " +
                            std::to_string(needed);
      if (info.photometric_interpretation == "YBR_FULL_422") {
        message += " (native YBR_FULL_422 with chroma subsampling is not supported)";
      }
      return InvalidArgument(message);
    }
  }
  return info;
}

// Post-read checks. A file that ends inside the top-level Pixel Data element is accepted: its
// attributes are intact and Pixels()/DecodeFrame() report the damage (for encapsulated data
// every frame whose fragments were read completely stays readable).
Status CheckParsed(ByteView p10, const OFCondition& cond, internal::FileState& state) {
  state.dataset = state.file->getDataset();
  state.meta = state.file->getMetaInfo();
  if (state.dataset == nullptr) return Internal("DCMTK returned no dataset");
  if (cond.bad()) {
    const unsigned long count = state.dataset->card();
    DcmElement* last = count > 0 ? state.dataset->getElement(count - 1) : nullptr;
    if (last != nullptr && last->getTag() == DCM_PixelData && IsEndOfData(cond)) {
      state.pixel_data_truncated = true;
      state.truncation =
          "truncated file: it ends inside Pixel Data (7FE0,0010) (" + ConditionText(cond) + ")";
    } else if (IsEndOfData(cond)) {
      return InvalidArgument(
          "truncated or malformed file: " + ConditionText(cond) +
          (last != nullptr ? " after element " + TagText(last->getTag()) : std::string()));
    } else {
      return InvalidArgument("malformed DICOM: " + ConditionText(cond));
    }
  }
  if (state.dataset->card() == 0) return InvalidArgument("not a DICOM file: no data elements");
  const bool has_dicm = p10.size() >= 132 && std::memcmp(p10.data() + 128, "DICM", 4) == 0;
  if (!has_dicm) {
    // Without the DICM magic DCMTK guesses the encoding; insist on at least one standard
    // attribute so that arbitrary bytes are not accepted as a dataset.
    bool known = false;
    for (unsigned long i = 0; i < state.dataset->card() && !known; ++i) {
      const DcmTagKey key = state.dataset->getElement(i)->getTag();
      known = key.getGroup() >= 0x0008 && internal::LookupTag(internal::TagOf(key)) != nullptr;
    }
    if (!known) return InvalidArgument("not a DICOM file: no standard data elements found");
  }
  if (DcmElement* ts = FindTopLevel(state, DCM_TransferSyntaxUID);
      ts != nullptr && ts->isaString()) {
    state.transfer_syntax_uid =
        std::string(StripSpaces(RawStringValue(static_cast<DcmByteString*>(ts))));
  }
  if (state.transfer_syntax_uid.empty()) {
    const char* id = DcmXfer(state.dataset->getOriginalXfer()).getXferID();
    state.transfer_syntax_uid = id != nullptr ? id : "";
  }
  state.family = internal::ClassifyTransferSyntax(state.transfer_syntax_uid);
  return Status::Ok();
}

// Depth of nested sequences below `item`, counted up to `limit` + 1.
int SequenceDepth(DcmItem* item, int limit) {
  int depth = 0;
  for (unsigned long i = 0; i < item->card() && depth <= limit; ++i) {
    DcmElement* e = item->getElement(i);
    if (e->ident() != EVR_SQ) continue;
    auto* sequence = static_cast<DcmSequenceOfItems*>(e);
    for (unsigned long k = 0; k < sequence->card() && depth <= limit; ++k) {
      depth = std::max(depth, 1 + SequenceDepth(sequence->getItem(k), limit - 1));
    }
  }
  return depth;
}

// Parses `p10` into `state`. On failure `state.file` is released before returning, on this
// thread (deep trees must be destroyed on the big stack they were built on).
Status ReadInto(ByteView p10, internal::FileState& state) {
  OFCondition cond = EC_Normal;
  try {
    state.file = std::make_unique<DcmFileFormat>();
    DcmInputBufferStream in;
    in.setBuffer(p10.data(), static_cast<offile_off_t>(p10.size()));
    in.setEos();
    state.file->transferInit();
    // Every value is loaded into memory (a buffer stream cannot be re-read later anyway).
    cond = state.file->read(in, EXS_Unknown, EGL_noChange, DCM_UndefinedLength);
    state.file->transferEnd();
  } catch (const std::bad_alloc&) {
    state.file.reset();
    return ResourceExhausted("out of memory while parsing a " + std::to_string(p10.size()) +
                             "-byte DICOM file");
  } catch (const std::exception& e) {
    state.file.reset();
    return InvalidArgument(std::string("malformed DICOM: ") + e.what());
  }
  Status status = CheckParsed(p10, cond, state);
  if (status.ok() && SequenceDepth(state.dataset, kMaxSequenceDepth) > kMaxSequenceDepth) {
    status = InvalidArgument("sequences are nested more than " + std::to_string(kMaxSequenceDepth) +
                             " levels deep");
  }
  if (!status.ok()) {
    state.file.reset();
    state.dataset = nullptr;
    state.meta = nullptr;
  }
  return status;
}

}  // namespace

Result<DicomFile> DicomFile::Parse(ByteView p10) {
  OPENHI_RETURN_IF_ERROR(internal::InitDcmtk());
  if (p10.empty()) return InvalidArgument("not a DICOM file: the input is empty");
  // DCMTK recurses once per nested item: bound the depth before it starts.
  OPENHI_ASSIGN_OR_RETURN(const uint64_t items, internal::CountItemHeaders(p10, kMaxItems));
  if (items > kMaxItems) {
    return InvalidArgument("more than " + std::to_string(kMaxItems) +
                           " sequence items or pixel data fragments");
  }
  auto impl = std::make_unique<Impl>();
  if (items <= kDirectParseItemLimit) {
    OPENHI_RETURN_IF_ERROR(ReadInto(p10, *impl));
  } else {
    Status status;
    OPENHI_RETURN_IF_ERROR(
        internal::RunWithStack(kParserStackBase + items * kParserStackPerItem, [&] {
          try {
            status = ReadInto(p10, *impl);
          } catch (...) {  // only allocation failures can get here
            impl->file.reset();
            status = ResourceExhausted("out of memory while parsing");
          }
        }));
    OPENHI_RETURN_IF_ERROR(status);
  }
  return DicomFile(std::move(impl));
}

DicomFile::DicomFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DicomFile::DicomFile(DicomFile&&) noexcept = default;
DicomFile& DicomFile::operator=(DicomFile&&) noexcept = default;
DicomFile::~DicomFile() = default;

std::string DicomFile::TransferSyntaxUid() const { return impl_->transfer_syntax_uid; }

Status DicomFile::CheckComplete() const {
  if (impl_->pixel_data_truncated) return InvalidArgument(impl_->truncation);
  return Status::Ok();
}

Result<std::string> DicomFile::GetString(Tag tag) const {
  const DcmTagKey key(static_cast<Uint16>(tag >> 16), static_cast<Uint16>(tag & 0xFFFF));
  DcmElement* element = FindTopLevel(*impl_, key);
  if (element == nullptr) return NotFound(NameOf(key) + " is absent");
  std::string value;
  if (element->isaString()) {
    value = std::string(StripTrailingPadding(RawStringValue(static_cast<DcmByteString*>(element))));
  } else if (internal::IsNumericClass(element->ident())) {
    OFString text;
    if (element->getOFStringArray(text).good()) value.assign(text.c_str(), text.length());
  } else {
    return InvalidArgument(NameOf(key) + " is a sequence or binary, not a string");
  }
  if (value.empty()) return NotFound(NameOf(key) + " is empty");
  return value;
}

Result<PixelInfo> DicomFile::Pixels() const {
  if (!impl_->pixels) impl_->pixels = ComputePixels(*impl_);
  return *impl_->pixels;
}

}  // namespace openhi::dicom
