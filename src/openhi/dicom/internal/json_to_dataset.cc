#include "openhi/dicom/internal/json_to_dataset.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcspchrs.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "openhi/core/base64.h"
#include "openhi/dicom/internal/dcmtk.h"
#include "openhi/dicom/internal/text.h"

namespace openhi::dicom::internal {
namespace {

using nlohmann::json;

constexpr uint32_t kPixelData = 0x7FE00010;
constexpr uint32_t kDataSetTrailingPadding = 0xFFFCFFFC;
constexpr int kMaxDepth = 128;

const std::set<std::string_view>& KnownVrs() {
  static const std::set<std::string_view> kVrs = {
      "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD",
      "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI",
      "UL", "UN", "UR", "US", "UT", "UV"};
  return kVrs;
}

// VRs whose Explicit VR length field is 32 bits (PS3.5 Table 7.1-1).
bool HasLongLength(std::string_view vr) {
  return vr == "OB" || vr == "OD" || vr == "OF" || vr == "OL" || vr == "OV" || vr == "OW" ||
         vr == "SQ" || vr == "SV" || vr == "UC" || vr == "UN" || vr == "UR" || vr == "UT" ||
         vr == "UV";
}

bool IsStringVr(std::string_view vr) {
  return vr == "AE" || vr == "AS" || vr == "CS" || vr == "DA" || vr == "DS" || vr == "DT" ||
         vr == "IS" || vr == "LO" || vr == "LT" || vr == "PN" || vr == "SH" || vr == "ST" ||
         vr == "TM" || vr == "UC" || vr == "UI" || vr == "UR" || vr == "UT";
}

// The VRs the Specific Character Set applies to (as in ahi_json.cc).
bool UsesCharset(std::string_view vr) {
  return vr == "SH" || vr == "LO" || vr == "ST" || vr == "LT" || vr == "UC" || vr == "UT" ||
         vr == "PN";
}

bool IsNumberVr(std::string_view vr) {
  return vr == "US" || vr == "SS" || vr == "UL" || vr == "SL" || vr == "FL" || vr == "FD" ||
         vr == "SV" || vr == "UV";
}

bool IsBinaryVr(std::string_view vr) {
  return vr == "OB" || vr == "OD" || vr == "OF" || vr == "OL" || vr == "OV" || vr == "OW" ||
         vr == "UN";
}

std::optional<uint32_t> ParseHexTag(std::string_view key) {
  if (key.size() != 8) return std::nullopt;
  uint32_t tag = 0;
  for (char c : key) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    tag = (tag << 4) | static_cast<uint32_t>(d);
  }
  return tag;
}

void AppendLe(Bytes& out, uint64_t v, int size) {
  for (int i = 0; i < size; ++i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
}

Status Bad(const std::string& key, const std::string& why) {
  return InvalidArgument("DICOM attribute " + key + ": " + why);
}

// A bulk or inline binary value object ({"BulkDataURI": ...} / {"InlineBinary": ...}).
bool IsBinaryObject(const json& v) {
  return v.is_object() && (v.contains("BulkDataURI") || v.contains("InlineBinary"));
}

std::string NumberToText(const json& v) {
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  char text[32];
  const auto r = std::to_chars(text, text + sizeof text, v.get<double>());
  return std::string(text, r.ptr);
}

}  // namespace

// --- ExplicitLeWriter ----------------------------------------------------------------------

void ExplicitLeWriter::U16(uint16_t v) {
  out_.push_back(static_cast<char>(v & 0xFF));
  out_.push_back(static_cast<char>(v >> 8));
}
void ExplicitLeWriter::U32(uint32_t v) {
  U16(static_cast<uint16_t>(v & 0xFFFF));
  U16(static_cast<uint16_t>(v >> 16));
}
void ExplicitLeWriter::Tag(uint32_t tag) {
  U16(static_cast<uint16_t>(tag >> 16));
  U16(static_cast<uint16_t>(tag & 0xFFFF));
}

Status ExplicitLeWriter::Element(uint32_t tag, std::string_view vr, ByteView value) {
  Tag(tag);
  out_.append(vr);
  if (HasLongLength(vr)) {
    if (value.size() >= 0xFFFFFFFFu) {
      return InvalidArgument("DICOM attribute " + HexTag(tag) + ": value too long");
    }
    U16(0);
    U32(static_cast<uint32_t>(value.size()));
  } else {
    if (value.size() > 0xFFFF) {
      return InvalidArgument("DICOM attribute " + HexTag(tag) + ": a " + std::string(vr) +
                             " value of " + std::to_string(value.size()) +
                             " bytes does not fit the 16-bit length of Explicit VR");
    }
    U16(static_cast<uint16_t>(value.size()));
  }
  out_.append(reinterpret_cast<const char*>(value.data()), value.size());
  return Status::Ok();
}

void ExplicitLeWriter::BeginUndefinedLength(uint32_t tag, std::string_view vr) {
  Tag(tag);
  out_.append(vr);
  U16(0);
  U32(0xFFFFFFFFu);
}
void ExplicitLeWriter::BeginItem() {
  Tag(0xFFFEE000);
  U32(0xFFFFFFFFu);
}
void ExplicitLeWriter::EndItem() {
  Tag(0xFFFEE00D);
  U32(0);
}
void ExplicitLeWriter::Fragment(ByteView value) {
  Tag(0xFFFEE000);
  U32(static_cast<uint32_t>(value.size()));
  out_.append(reinterpret_cast<const char*>(value.data()), value.size());
}
void ExplicitLeWriter::EndSequence() {
  Tag(0xFFFEE0DD);
  U32(0);
}

// --- Text: UTF-8 back to the Specific Character Set ----------------------------------------

class DatasetEncoder::TextEncoder {
 public:
  explicit TextEncoder(std::string charset) {
    std::string_view cs = charset;
    while (!cs.empty() && (cs.back() == ' ' || cs.back() == '\0')) cs.remove_suffix(1);
    while (!cs.empty() && cs.front() == ' ') cs.remove_prefix(1);
    charset_ = std::string(cs);
    if (cs.empty() || cs == "ISO_IR 6" || cs == "ISO_IR 192") {
      mode_ = Mode::kUtf8;
    } else if (cs == "ISO_IR 100") {
      mode_ = Mode::kLatin1;
    } else if (cs.find('\\') != std::string_view::npos || cs.rfind("ISO 2022", 0) == 0) {
      mode_ = Mode::kCodeExtensions;
    } else {
      mode_ = Mode::kDcmtk;
    }
  }

  // UTF-8 `text` of attribute `key` in the dataset's character set. Values made only of 7-bit
  // bytes are written as they are (this includes ISO 2022 escapes left as is by ahi_json.cc).
  Result<std::string> FromUtf8(const std::string& text, bool uses_charset, bool person_name,
                               const std::string& key) {
    if (std::all_of(text.begin(), text.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
      return text;
    }
    if (!IsValidUtf8(text)) return Bad(key, "text is not valid UTF-8");
    if (!uses_charset || mode_ == Mode::kUtf8) return text;
    if (mode_ == Mode::kLatin1) return ToLatin1(text, key);
    if (mode_ == Mode::kDcmtk && Converter() != nullptr) {
      OFString out;
      if (converter_->convertString(text.data(), text.size(), out, person_name ? "\\^=" : "\\")
              .good()) {
        return std::string(out.c_str(), out.length());
      }
      return Bad(key, "text cannot be written in character set \"" + charset_ + "\"");
    }
    return Unimplemented("DICOM attribute " + key + ": writing non-ASCII text in character set \"" +
                         charset_ + "\" (code extensions) is not supported");
  }

 private:
  enum class Mode { kUtf8, kLatin1, kDcmtk, kCodeExtensions };

  static Result<std::string> ToLatin1(const std::string& text, const std::string& key) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c < 0x80) {
        out.push_back(static_cast<char>(c));
        ++i;
      } else if ((c & 0xE0) == 0xC0 && i + 1 < text.size()) {
        const unsigned cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3Fu);
        if (cp > 0xFF) return Bad(key, "character U+" + std::to_string(cp) + " is not in ISO_IR 100");
        out.push_back(static_cast<char>(cp));
        i += 2;
      } else {
        return Bad(key, "text has characters outside ISO_IR 100 (Latin-1)");
      }
    }
    return out;
  }

  DcmSpecificCharacterSet* Converter() {
    if (!converter_ && !converter_failed_) {
      converter_ = std::make_unique<DcmSpecificCharacterSet>();
      if (converter_->selectCharacterSet("ISO_IR 192", charset_.c_str()).bad()) {
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

// --- DatasetEncoder ------------------------------------------------------------------------

DatasetEncoder::DatasetEncoder(const json& instance_vrs, std::string specific_character_set,
                               const BulkDataResolver& resolver)
    : instance_vrs_(instance_vrs),
      resolver_(resolver),
      text_(std::make_unique<TextEncoder>(std::move(specific_character_set))) {}

DatasetEncoder::~DatasetEncoder() = default;

std::string DatasetEncoder::ResolveVr(uint32_t tag, const std::string& key, const json* item_vrs,
                                      const VrContext& context) const {
  for (const json* vrs : {item_vrs, &instance_vrs_}) {
    if (vrs == nullptr || !vrs->is_object()) continue;
    auto it = vrs->find(key);
    if (it != vrs->end() && it->is_string()) return it->get<std::string>();
  }
  const uint16_t group = static_cast<uint16_t>(tag >> 16);
  const uint16_t element = static_cast<uint16_t>(tag & 0xFFFF);
  if (group & 1) {
    // Private: creators are LO (PS3.5 7.8.1); anything else unrecorded is unknown.
    return element >= 0x0010 && element <= 0x00FF ? "LO" : "UN";
  }
  DcmEVR evr = EVR_UNKNOWN;
  if (const DictInfo* info = LookupTag(tag)) {
    evr = info->vr;
  } else {
    evr = DcmTag(DcmTagKey(group, element)).getEVR();  // repeating groups, e.g. (6002,3000)
  }
  switch (evr) {
    case EVR_xs:
      return context.pixel_representation == 1 ? "SS" : "US";
    case EVR_ox:
    case EVR_px:
      return tag == kPixelData && context.bits_allocated <= 8 ? "OB" : "OW";
    case EVR_lt:
      return "OW";
    case EVR_up:
      return "UL";
    case EVR_UNKNOWN:
    case EVR_UNKNOWN2B:
    case EVR_na:
      return "UN";
    default:
      break;
  }
  const char* name = DcmVR(evr).getValidVRName();
  return name != nullptr && KnownVrs().count(name) ? name : "UN";
}

Result<std::vector<ResolvedElement>> DatasetEncoder::Resolve(const json& object,
                                                             const VrContext& parent) const {
  if (!object.is_object()) return InvalidArgument("a DICOM object or item is not a JSON object");
  const json* item_vrs = nullptr;
  if (auto it = object.find("DICOMVRs"); it != object.end()) {
    if (!it->is_object()) return InvalidArgument("an item's DICOMVRs is not an object");
    item_vrs = &*it;
  }
  VrContext context = parent;
  if (auto pr = IntegerAttribute(object, "PixelRepresentation"); pr.ok() && pr->has_value()) {
    context.pixel_representation = static_cast<int>(**pr);
  }
  if (auto ba = IntegerAttribute(object, "BitsAllocated"); ba.ok() && ba->has_value()) {
    context.bits_allocated = static_cast<int>(**ba);
  }
  std::vector<ResolvedElement> out;
  out.reserve(object.size());
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& key = it.key();
    if (key == "DICOMVRs") continue;
    std::optional<uint32_t> tag = ParseHexTag(key);
    if (!tag) tag = LookupKeyword(key);
    if (!tag) return InvalidArgument("DICOM attribute " + key + ": unknown keyword");
    if ((*tag & 0xFFFF) == 0 || *tag == kDataSetTrailingPadding) continue;
    if ((*tag >> 16) == 0xFFFE) return Bad(key, "item tags are not attributes");
    ResolvedElement e;
    e.tag = *tag;
    e.key = key;
    e.value = &it.value();
    e.item_vrs = item_vrs;
    e.context = context;
    e.vr = ResolveVr(*tag, key, item_vrs, context);
    if (!KnownVrs().count(e.vr)) return Bad(key, "unknown VR \"" + e.vr + "\"");
    // A sequence value (array of objects) is an SQ whatever the VR maps say.
    if (e.value->is_array() && !e.value->empty() && (*e.value)[0].is_object() &&
        !IsBinaryObject((*e.value)[0])) {
      e.vr = "SQ";
    }
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(),
            [](const ResolvedElement& a, const ResolvedElement& b) { return a.tag < b.tag; });
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].tag == out[i - 1].tag) {
      return InvalidArgument("DICOM attributes " + out[i - 1].key + " and " + out[i].key +
                             " are the same tag");
    }
  }
  return out;
}

Status DatasetEncoder::Write(const ResolvedElement& e, ExplicitLeWriter& out, int depth) {
  if (e.vr != "SQ") {
    OPENHI_ASSIGN_OR_RETURN(Bytes value, EncodeValue(e));
    return out.Element(e.tag, e.vr, value);
  }
  if (depth >= kMaxDepth) return Bad(e.key, "sequences nested too deeply");
  const json& v = *e.value;
  if (!v.is_null() && !v.is_array()) return Bad(e.key, "an SQ value must be an array of items");
  out.BeginUndefinedLength(e.tag, "SQ");
  if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_object()) return Bad(e.key, "item " + std::to_string(i + 1) + " is not an object");
      auto children = Resolve(v[i], e.context);
      if (!children.ok()) return children.status().WithContext(e.key + " item " + std::to_string(i + 1));
      out.BeginItem();
      for (const ResolvedElement& child : *children) {
        OPENHI_RETURN_IF_ERROR(Write(child, out, depth + 1));
      }
      out.EndItem();
    }
  }
  out.EndSequence();
  return Status::Ok();
}

Result<Bytes> DatasetEncoder::EncodeValue(const ResolvedElement& e) {
  const json& v = *e.value;
  const std::string& vr = e.vr;
  Bytes bytes;
  auto pad = [&](std::byte p) -> Result<Bytes> {
    if (bytes.size() % 2 != 0) bytes.push_back(p);
    return std::move(bytes);
  };
  const std::byte pad_byte =
      IsStringVr(vr) ? std::byte{vr == "UI" ? '\0' : ' '} : std::byte{0};
  if (v.is_null()) return bytes;

  // {"BulkDataURI": ...} / {"InlineBinary": ...}: the raw value bytes, whatever the VR.
  if (v.is_object()) {
    if (auto it = v.find("InlineBinary"); it != v.end() && it->is_string()) {
      auto decoded = Base64Decode(it->get<std::string>());
      if (!decoded.ok()) return Bad(e.key, "InlineBinary is not base64");
      bytes = std::move(*decoded);
      return pad(pad_byte);
    }
    if (auto it = v.find("BulkDataURI"); it != v.end() && it->is_string()) {
      const std::string uri = it->get<std::string>();
      if (!resolver_) {
        return Unimplemented("DICOM attribute " + e.key + ": BulkDataURI \"" + uri +
                             "\" cannot be fetched (no resolver given)");
      }
      auto fetched = resolver_(uri);
      if (!fetched.ok()) return fetched.status().WithContext("DICOM attribute " + e.key);
      bytes = std::move(*fetched);
      return pad(pad_byte);
    }
    if (vr == "PN") {
      // DICOM JSON model person name: {"Alphabetic","Ideographic","Phonetic"}.
      std::string text;
      int last = -1;
      const char* groups[] = {"Alphabetic", "Ideographic", "Phonetic"};
      for (int g = 0; g < 3; ++g) {
        if (v.contains(groups[g])) last = g;
      }
      for (int g = 0; g <= last; ++g) {
        if (g > 0) text += '=';
        if (v.contains(groups[g]) && v[groups[g]].is_string()) text += v[groups[g]].get<std::string>();
      }
      OPENHI_ASSIGN_OR_RETURN(std::string encoded, text_->FromUtf8(text, true, true, e.key));
      bytes = ToBytes(encoded);
      return pad(pad_byte);
    }
    return Bad(e.key, "an object value must be a BulkDataURI or InlineBinary");
  }

  if (IsStringVr(vr)) {
    std::string text;
    auto append = [&](const json& part) -> Status {
      if (part.is_string()) {
        text += part.get_ref<const std::string&>();
      } else if (part.is_number() && (vr == "IS" || vr == "DS")) {
        text += NumberToText(part);
      } else if (!part.is_null()) {
        return Bad(e.key, "a " + vr + " value must be a string");
      }
      return Status::Ok();
    };
    if (v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) text += '\\';
        OPENHI_RETURN_IF_ERROR(append(v[i]));
      }
    } else {
      OPENHI_RETURN_IF_ERROR(append(v));
    }
    OPENHI_ASSIGN_OR_RETURN(std::string encoded,
                            text_->FromUtf8(text, UsesCharset(vr), vr == "PN", e.key));
    bytes = ToBytes(encoded);
    return pad(pad_byte);
  }

  if (IsNumberVr(vr) || vr == "AT") {
    // A lone string that is not a number form is the base64 of bytes that could not be read
    // as numbers (ahi_json.cc keeps them so).
    const bool special_float = v.is_string() && (vr == "FL" || vr == "FD") &&
                               (v == "NaN" || v == "Infinity" || v == "-Infinity");
    const bool at_string = v.is_string() && vr == "AT" && ParseHexTag(v.get<std::string>());
    if (v.is_string() && !special_float && !at_string) {
      auto decoded = Base64Decode(v.get<std::string>());
      if (!decoded.ok()) return Bad(e.key, "a " + vr + " value must be a number");
      bytes = std::move(*decoded);
      return pad(std::byte{0});
    }
    const json values = v.is_array() ? v : json::array({v});
    for (const json& x : values) {
      if (vr == "AT") {
        std::optional<uint32_t> tag;
        if (x.is_string()) tag = ParseHexTag(x.get<std::string>());
        if (!tag) return Bad(e.key, "an AT value must be a \"GGGGEEEE\" string");
        AppendLe(bytes, *tag >> 16, 2);
        AppendLe(bytes, *tag & 0xFFFF, 2);
        continue;
      }
      if (vr == "FL" || vr == "FD") {
        double d = 0;
        if (x.is_number()) {
          d = x.get<double>();
        } else if (x == "NaN") {
          d = std::numeric_limits<double>::quiet_NaN();
        } else if (x == "Infinity") {
          d = std::numeric_limits<double>::infinity();
        } else if (x == "-Infinity") {
          d = -std::numeric_limits<double>::infinity();
        } else {
          return Bad(e.key, "a " + vr + " value must be a number");
        }
        if (vr == "FL") {
          if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) {
            return Bad(e.key, "value " + x.dump() + " is out of range for FL");
          }
          const float f = static_cast<float>(d);
          uint32_t u;
          std::memcpy(&u, &f, 4);
          AppendLe(bytes, u, 4);
        } else {
          uint64_t u;
          std::memcpy(&u, &d, 8);
          AppendLe(bytes, u, 8);
        }
        continue;
      }
      // Integers.
      if (!x.is_number()) return Bad(e.key, "a " + vr + " value must be a number");
      bool negative = false;
      uint64_t magnitude = 0;
      if (x.is_number_unsigned()) {
        magnitude = x.get<uint64_t>();
      } else if (x.is_number_integer()) {
        const int64_t s = x.get<int64_t>();
        negative = s < 0;
        magnitude = negative ? uint64_t(0) - static_cast<uint64_t>(s) : static_cast<uint64_t>(s);
      } else {
        const double d = x.get<double>();
        if (d != std::floor(d) || std::fabs(d) >= 1.8446744073709552e19) {
          return Bad(e.key, "value " + x.dump() + " is not an integer");
        }
        negative = d < 0;
        magnitude = static_cast<uint64_t>(std::fabs(d));
      }
      int size = 0;
      bool is_signed = false;
      if (vr == "US") size = 2;
      if (vr == "SS") size = 2, is_signed = true;
      if (vr == "UL") size = 4;
      if (vr == "SL") size = 4, is_signed = true;
      if (vr == "UV") size = 8;
      if (vr == "SV") size = 8, is_signed = true;
      const int bits = size * 8;
      const uint64_t max_positive =
          is_signed ? (uint64_t{1} << (bits - 1)) - 1
                    : (bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1);
      const uint64_t max_negative = is_signed ? (uint64_t{1} << (bits - 1)) : 0;
      if ((negative && magnitude > max_negative) || (!negative && magnitude > max_positive)) {
        return Bad(e.key, "value " + x.dump() + " is out of range for " + vr);
      }
      const uint64_t raw = negative ? uint64_t(0) - magnitude : magnitude;
      AppendLe(bytes, raw, size);
    }
    return bytes;
  }

  if (IsBinaryVr(vr)) {
    if (!v.is_string()) return Bad(e.key, "a " + vr + " value must be a base64 string");
    auto decoded = Base64Decode(v.get<std::string>());
    if (!decoded.ok()) return Bad(e.key, "a " + vr + " value is not valid base64");
    bytes = std::move(*decoded);
    return pad(std::byte{0});
  }
  return Bad(e.key, "cannot encode VR " + vr);
}

// --- Attribute helpers ---------------------------------------------------------------------

Result<std::optional<int64_t>> IntegerAttribute(const json& dicom, const std::string& key) {
  auto it = dicom.find(key);
  if (it == dicom.end() || it->is_null()) return std::optional<int64_t>();
  const json* v = &*it;
  if (v->is_array()) {
    if (v->empty() || (*v)[0].is_null()) return std::optional<int64_t>();
    v = &(*v)[0];
  }
  if (v->is_number_integer()) return std::optional<int64_t>(v->get<int64_t>());
  if (v->is_string()) {
    std::string_view s = v->get_ref<const std::string&>();
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    int64_t n = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
    if (!s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size()) {
      return std::optional<int64_t>(n);
    }
  }
  return Bad(key, "value " + it->dump() + " is not an integer");
}

std::string StringAttribute(const json& dicom, const std::string& key) {
  auto it = dicom.find(key);
  if (it == dicom.end()) return {};
  const json* v = &*it;
  if (v->is_array()) {
    if (v->empty()) return {};
    v = &(*v)[0];
  }
  if (!v->is_string()) return {};
  std::string s = v->get<std::string>();
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

}  // namespace openhi::dicom::internal
