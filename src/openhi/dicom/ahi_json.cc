// DicomFile::ToAhiJson: the AHI metadata instance document (ahi-api.md §7) of a parsed object,
// plus the tag/keyword helpers.
//
// Encoding rules. They are chosen so that a P10 file can be rebuilt from the document with the
// same attribute values (the DICOMize path: DESIGN.md §5):
//  * Order: file meta (group 0002) first, then the dataset. Group length elements (gggg,0000)
//    and Data Set Trailing Padding (FFFC,FFFC) are left out: they describe an encoding, not
//    data, and are recomputed when a file is written (AHI leaves them out too).
//  * Keys: the PS3.6 keyword when the tag is exactly a dictionary tag (TagForKeyword(keyword) ==
//    tag, so (6000,3000) is "OverlayData" but (6002,3000) is "60023000"); otherwise, and for all
//    private tags including private creators, the 8-digit upper-case hex tag.
//  * "DICOMVRs" (sibling of "DICOM") maps a key to the VR of its element when the VR cannot be
//    taken from the dictionary: for every hex-keyed element, and for keyword-keyed elements whose
//    VR differs from the dictionary's single VR (ambiguous dictionary VRs such as "US or SS"
//    included, e.g. {"SmallestImagePixelValue": "SS"}). Pixel Data, Float Pixel Data and Double
//    Float Pixel Data are never listed (their VR follows from how the pixels are rebuilt).
//    Elements inside sequence items use the same instance-level map (as AWS's own DICOMizer
//    reads it: one flat map). When a key inside an item has a different VR than the map already
//    records for that key, the item object gets its own "DICOMVRs" member for it. Rebuild rule:
//    item "DICOMVRs", then instance "DICOMVRs", then the dictionary. "DICOMVRs" is never a DICOM
//    keyword, so the item member cannot collide with an attribute.
//  * Values by VR:
//      US SS UL SL FL FD SV UV   JSON numbers; FL as the shortest decimal that reads back as
//                                the same float (-11.2, not -11.199999809265137). NaN and
//                                infinities as the strings "NaN", "Infinity", "-Infinity".
//      AT                        "GGGGEEEE" strings.
//      IS DS                     strings exactly as encoded, trailing space padding kept
//                                ("1 "; only a NUL pad byte is removed), split on '\' for
//                                multiple values (the padding stays on the last value).
//      other string VRs          the value without its single trailing padding byte (a space or
//                                NUL, removed only when the length is even); further trailing
//                                spaces are kept, so padding the string back to even length with
//                                the VR's padding byte restores the original bytes. Split on '\'
//                                when multi-valued, except LT, ST, UT and UR, which never are.
//                                UI values come with white space deleted (DCMTK does that).
//      OB OW OD OF OL OV UN      base64 of the little-endian bytes. Elements encoded as UN
//                                whose tag the dictionary knows are read with the dictionary VR
//                                (DCMTK's unknown-VR conversion) and typed by it.
//      SQ                        an array of item objects, recursively; an item with no
//                                elements is {}.
//    "Multi-valued": the dictionary VM maximum is not 1 (arrays even for one value, e.g.
//    "ImageType": ["ORIGINAL"]); for hex-keyed elements (no VM known) strings are arrays when
//    they contain '\' and numbers when there are several. A VM=1 attribute holding several
//    numbers (invalid DICOM) still becomes an array so nothing is lost.
//  * Empty values (length 0, or an SQ with no items) are null. The top-level Pixel Data, Float
//    Pixel Data and Double Float Pixel Data are null placeholders; Pixel Data inside a sequence
//    (icons) is kept as base64 when native, null when encapsulated.
//  * Text and character sets: JSON needs UTF-8, nlohmann::json throws at dump() otherwise. Values
//    of SH LO ST LT UC UT PN are converted from the top-level Specific Character Set (0008,0005)
//    to UTF-8: ISO_IR 100 directly (Latin-1), ISO_IR 192/default as is, any other set through
//    DCMTK (iconv). A rebuild converts back to that character set. Values that are not valid in
//    the declared set (and non-ASCII bytes in VRs that allow only ASCII) are taken as UTF-8 when
//    they are valid UTF-8, else as Latin-1: such invalid input is the one case where the
//    original bytes cannot be reproduced. Sets the conversion library lacks (JIS X 0208/0212
//    through glibc iconv) leave the value as is: 7-bit with its ISO 2022 escapes, still valid
//    UTF-8 and reversible. (A Specific Character Set inside a sequence item is not honoured.)
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcspchrs.h>

#include <charconv>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "openhi/core/base64.h"
#include "openhi/dicom/dicom_file.h"
#include "openhi/dicom/internal/dcmtk.h"
#include "openhi/dicom/internal/text.h"

namespace openhi::dicom {
namespace {

using internal::DictInfo;
using nlohmann::json;

// IS/DS keep their padding, as ahi-api.md §7 specifies ("SeriesNumber": "1 "). The real AWS
// document in shared/data/ahi-metadata shows odd-length IS/DS without it ("InstanceNumber":
// "226"); setting this to false treats IS/DS like the other strings (both are reversible).
constexpr bool kKeepNumberStringPadding = true;

constexpr uint32_t kPixelData = 0x7FE00010;
constexpr uint32_t kFloatPixelData = 0x7FE00008;
constexpr uint32_t kDoubleFloatPixelData = 0x7FE00009;
constexpr uint32_t kDataSetTrailingPadding = 0xFFFCFFFC;

bool IsPixelPlaceholder(uint32_t tag) {
  return tag == kPixelData || tag == kFloatPixelData || tag == kDoubleFloatPixelData;
}

// Text to UTF-8 under the dataset's Specific Character Set (see the rules above).
class TextDecoder {
 public:
  explicit TextDecoder(std::string_view charset) {
    std::string_view cs = charset;
    while (!cs.empty() && (cs.back() == ' ' || cs.back() == '\0')) cs.remove_suffix(1);
    while (!cs.empty() && cs.front() == ' ') cs.remove_prefix(1);
    charset_ = std::string(cs);
    if (cs.empty() || cs == "ISO_IR 6" || cs == "ISO_IR 192") {
      mode_ = Mode::kUtf8;
    } else if (cs == "ISO_IR 100") {
      mode_ = Mode::kLatin1;
    } else {
      mode_ = Mode::kDcmtk;
    }
  }

  // `uses_charset`: the VR is one that the Specific Character Set applies to.
  std::string ToUtf8(std::string raw, bool uses_charset, bool person_name) {
    if (internal::IsPlainAscii(raw)) return raw;
    if (uses_charset) {
      if (mode_ == Mode::kLatin1) return internal::Latin1ToUtf8(raw);
      if (mode_ == Mode::kDcmtk && Converter() != nullptr) {
        OFString out;
        if (converter_->convertString(raw.data(), raw.size(), out, person_name ? "\\^=" : "\\")
                .good()) {
          return std::string(out.c_str(), out.length());
        }
      }
    }
    return internal::IsValidUtf8(raw) ? raw : internal::Latin1ToUtf8(raw);
  }

 private:
  enum class Mode { kUtf8, kLatin1, kDcmtk };

  DcmSpecificCharacterSet* Converter() {
    if (!converter_ && !converter_failed_) {
      converter_ = std::make_unique<DcmSpecificCharacterSet>();
      if (converter_->selectCharacterSet(charset_.c_str()).bad()) {
        converter_.reset();
        converter_failed_ = true;
      }
    }
    return converter_.get();
  }

  std::string charset_;
  Mode mode_ = Mode::kUtf8;
  std::unique_ptr<DcmSpecificCharacterSet> converter_;
  bool converter_failed_ = false;
};

json FloatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

// An FL value as the double nearest to its shortest decimal form (-11.2f becomes -11.2, not
// -11.199999809265137); converting that double back to float gives the same float.
json Float32Value(float v) {
  if (!std::isfinite(v)) return FloatValue(v);
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, v);
  double shortest = v;
  std::from_chars(text, result.ptr, shortest);
  return shortest;
}

json SplitOnBackslash(std::string_view s) {
  json values = json::array();
  size_t start = 0;
  while (true) {
    const size_t end = s.find('\\', start);
    values.push_back(std::string(s.substr(start, end - start)));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return values;
}

class Writer {
 public:
  explicit Writer(const internal::FileState& impl) : impl_(impl), text_(SpecificCharacterSet()) {}

  json Run() {
    json dicom = json::object();
    vrs_ = json::object();
    // Top-level VRs first, so that sequence items only ever add conflicts to their own map.
    if (impl_.meta != nullptr) CollectVrs(impl_.meta);
    CollectVrs(impl_.dataset);
    if (impl_.meta != nullptr) EmitItem(impl_.meta, dicom, nullptr, /*top_level=*/true);
    EmitItem(impl_.dataset, dicom, nullptr, /*top_level=*/true);
    json doc = json::object();
    doc["DICOM"] = std::move(dicom);
    doc["DICOMVRs"] = std::move(vrs_);
    return doc;
  }

 private:
  struct Key {
    std::string name;
    const DictInfo* dict = nullptr;
    const char* vr = nullptr;  // set when the VR must be recorded
  };

  std::string SpecificCharacterSet() const {
    DcmElement* e = internal::FindTopLevel(impl_, DCM_SpecificCharacterSet);
    if (e == nullptr || !e->isaString()) return {};
    return internal::RawStringValue(static_cast<DcmByteString*>(e));
  }

  static bool Skipped(uint32_t tag) {
    return (tag & 0xFFFF) == 0 || tag == kDataSetTrailingPadding || (tag >> 16) == 0xFFFE;
  }

  static Key KeyOf(DcmElement* e, uint32_t tag) {
    Key key;
    if (((tag >> 16) & 1) == 0) key.dict = internal::LookupTag(tag);
    key.name = key.dict != nullptr ? std::string(key.dict->keyword) : internal::HexTag(tag);
    // A sequence is an SQ whatever its encoded VR (DCMTK reads UN with undefined length as one).
    const DcmEVR evr = e->ident() == EVR_SQ ? EVR_SQ : DcmVR(e->getVR()).getValidEVR();
    if (key.dict == nullptr || key.dict->vr != evr) key.vr = DcmVR(evr).getValidVRName();
    return key;
  }

  void CollectVrs(DcmItem* item) {
    for (unsigned long i = 0; i < item->card(); ++i) {
      DcmElement* e = item->getElement(i);
      const uint32_t tag = internal::TagOf(e->getTag());
      if (Skipped(tag) || IsPixelPlaceholder(tag)) continue;
      Key key = KeyOf(e, tag);
      if (key.vr != nullptr && !vrs_.contains(key.name)) vrs_[key.name] = key.vr;
    }
  }

  void EmitItem(DcmItem* item, json& out, json* item_vrs, bool top_level) {
    for (unsigned long i = 0; i < item->card(); ++i) {
      DcmElement* e = item->getElement(i);
      const uint32_t tag = internal::TagOf(e->getTag());
      if (Skipped(tag)) continue;
      if (top_level && IsPixelPlaceholder(tag)) {
        out[internal::LookupTag(tag) != nullptr ? internal::LookupTag(tag)->keyword
                                                : internal::HexTag(tag)] = nullptr;
        continue;
      }
      Key key = KeyOf(e, tag);
      // A group 0002 element repeated in the dataset (invalid) does not replace the file meta.
      if (top_level && (tag >> 16) == 0x0002 && out.contains(key.name)) continue;
      if (!top_level && key.vr != nullptr) {
        auto it = vrs_.find(key.name);
        if (it == vrs_.end()) {
          vrs_[key.name] = key.vr;
        } else if (*it != key.vr) {
          (*item_vrs)[key.name] = key.vr;
        }
      }
      out[key.name] = Value(e, key);
    }
  }

  json Value(DcmElement* e, const Key& key) {
    if (e->getLengthField() == 0) return nullptr;
    const DcmEVR ident = e->ident();
    if (e->isaString()) return StringValue(static_cast<DcmByteString*>(e), ident, key);
    if (internal::IsNumericClass(ident)) return NumberValue(e, ident, key);
    if (ident == EVR_SQ) return SequenceValue(static_cast<DcmSequenceOfItems*>(e));
    if (ident == EVR_pixelSQ) return nullptr;  // encapsulated pixel data inside a sequence
    return BinaryValue(e);
  }

  json StringValue(DcmByteString* e, DcmEVR ident, const Key& key) {
    std::string raw = internal::RawStringValue(e);
    const bool number_string = ident == EVR_IS || ident == EVR_DS;
    if (!raw.empty() && raw.size() % 2 == 0) {
      const char last = raw.back();
      if (last == '\0' || (last == ' ' && !(number_string && kKeepNumberStringPadding))) {
        raw.pop_back();
      }
    }
    const bool uses_charset = ident == EVR_SH || ident == EVR_LO || ident == EVR_ST ||
                              ident == EVR_LT || ident == EVR_UC || ident == EVR_UT ||
                              ident == EVR_PN;
    std::string text = text_.ToUtf8(std::move(raw), uses_charset, ident == EVR_PN);
    const bool never_split =
        ident == EVR_LT || ident == EVR_ST || ident == EVR_UT || ident == EVR_UR;
    const bool multi = !never_split && (key.dict != nullptr ? key.dict->multi_valued
                                                            : text.find('\\') != std::string::npos);
    if (multi) return SplitOnBackslash(text);
    return text;
  }

  json NumberValue(DcmElement* e, DcmEVR ident, const Key& key) {
    const unsigned long vm = e->getVM();
    if (vm == 0) return nullptr;
    json values = json::array();
    for (unsigned long i = 0; i < vm; ++i) {
      bool ok = true;
      switch (ident) {
        case EVR_US: {
          Uint16 v = 0;
          ok = e->getUint16(v, i).good();
          values.push_back(v);
          break;
        }
        case EVR_SS: {
          Sint16 v = 0;
          ok = e->getSint16(v, i).good();
          values.push_back(v);
          break;
        }
        case EVR_UL:
        case EVR_up: {
          Uint32 v = 0;
          ok = e->getUint32(v, i).good();
          values.push_back(v);
          break;
        }
        case EVR_SL: {
          Sint32 v = 0;
          ok = e->getSint32(v, i).good();
          values.push_back(v);
          break;
        }
        case EVR_FL: {
          Float32 v = 0;
          ok = e->getFloat32(v, i).good();
          values.push_back(Float32Value(v));
          break;
        }
        case EVR_FD: {
          Float64 v = 0;
          ok = e->getFloat64(v, i).good();
          values.push_back(FloatValue(v));
          break;
        }
        case EVR_SV: {
          Sint64 v = 0;
          ok = e->getSint64(v, i).good();
          values.push_back(v);
          break;
        }
        case EVR_UV: {
          Uint64 v = 0;
          ok = e->getUint64(v, i).good();
          values.push_back(v);
          break;
        }
        case EVR_AT: {
          DcmTagKey v;
          ok = static_cast<DcmAttributeTag*>(e)->getTagVal(v, i).good();
          values.push_back(internal::HexTag(internal::TagOf(v)));
          break;
        }
        default:
          ok = false;
      }
      if (!ok) return BinaryValue(e);  // unreadable as numbers: keep the bytes
    }
    const bool multi = (key.dict != nullptr && key.dict->multi_valued) || vm > 1;
    if (multi) return values;
    return std::move(values[0]);
  }

  json BinaryValue(DcmElement* e) {
    const Uint32 length = e->getLengthField();
    if (length == 0 || length == DCM_UndefinedLength) return nullptr;
    Uint8* data = nullptr;
    // getUint8Array yields host (= little-endian) order; other classes (OF, OD, OL, OV) refuse it.
    if (e->ident() != EVR_OF && e->ident() != EVR_OD && e->ident() != EVR_OL &&
        e->ident() != EVR_OV && e->getUint8Array(data).good() && data != nullptr) {
      return Base64Encode(ByteView(reinterpret_cast<const std::byte*>(data), length));
    }
    Bytes bytes(length);
    if (e->getPartialValue(bytes.data(), 0, length, nullptr, EBO_LittleEndian).bad()) {
      return nullptr;
    }
    return Base64Encode(bytes);
  }

  json SequenceValue(DcmSequenceOfItems* sequence) {
    const unsigned long count = sequence->card();
    if (count == 0) return nullptr;
    json items = json::array();
    for (unsigned long i = 0; i < count; ++i) {
      json object = json::object();
      json item_vrs = json::object();
      EmitItem(sequence->getItem(i), object, &item_vrs, /*top_level=*/false);
      if (!item_vrs.empty()) object["DICOMVRs"] = std::move(item_vrs);
      items.push_back(std::move(object));
    }
    return items;
  }

  const internal::FileState& impl_;
  TextDecoder text_;
  json vrs_;
};

}  // namespace

nlohmann::json DicomFile::ToAhiJson() const { return Writer(*impl_).Run(); }

std::string KeywordForTag(Tag tag) {
  if (!internal::InitDcmtk().ok() || ((tag >> 16) & 1) != 0) return {};
  const DictInfo* info = internal::LookupTag(tag);
  return info != nullptr ? info->keyword : std::string();
}

std::optional<Tag> TagForKeyword(const std::string& keyword) {
  if (!internal::InitDcmtk().ok()) return std::nullopt;
  return internal::LookupKeyword(keyword);
}

std::string TagKey(Tag tag) { return internal::HexTag(tag); }

}  // namespace openhi::dicom
