#include "openhi/dicom/internal/dcmtk.h"

#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <unordered_map>

namespace openhi::dicom::internal {
namespace {

OFLogger::LogLevel DcmtkLogLevel() {
  const char* env = std::getenv("OPENHI_DCMTK_LOG");
  const std::string_view name = env != nullptr ? env : "off";
  if (name == "trace") return OFLogger::TRACE_LOG_LEVEL;
  if (name == "debug") return OFLogger::DEBUG_LOG_LEVEL;
  if (name == "info") return OFLogger::INFO_LOG_LEVEL;
  if (name == "warn") return OFLogger::WARN_LOG_LEVEL;
  if (name == "error") return OFLogger::ERROR_LOG_LEVEL;
  if (name == "fatal") return OFLogger::FATAL_LOG_LEVEL;
  return OFLogger::OFF_LOG_LEVEL;
}

struct DictTable {
  std::unordered_map<uint32_t, DictInfo> by_tag;
  std::unordered_map<std::string, uint32_t> by_keyword;
  std::deque<std::string> keywords;  // stable storage for DictInfo::keyword
};

constexpr std::string_view kRetiredPrefix = "RETIRED_";

void AddEntry(DictTable& table, const DcmDictEntry* entry) {
  if (entry == nullptr || entry->getPrivateCreator() != nullptr) return;
  const DcmTagKey key = entry->getKey();  // lower bound of a repeating range
  if (key.getGroup() & 1) return;         // private groups have no keywords
  const uint32_t tag = TagOf(key);
  if (table.by_tag.count(tag) != 0) return;  // exact entries are added first and win
  const char* name = entry->getTagName();
  if (name == nullptr || *name == '\0') return;
  std::string_view keyword = name;
  if (keyword.substr(0, kRetiredPrefix.size()) == kRetiredPrefix) {
    keyword.remove_prefix(kRetiredPrefix.size());
  }
  table.keywords.emplace_back(keyword);
  DictInfo info;
  info.keyword = table.keywords.back().c_str();
  info.vr = entry->getEVR();
  info.multi_valued = entry->getVMMax() != 1;
  table.by_tag.emplace(tag, info);
  table.by_keyword.emplace(table.keywords.back(), tag);
  if (keyword.size() != std::strlen(name)) table.by_keyword.emplace(name, tag);
}

const DictTable& Table() {
  static const DictTable* const table = [] {
    auto* t = new DictTable;
    t->by_tag.reserve(6000);
    DcmDataDictionary& dict = dcmDataDict.wrlock();
    for (auto it = dict.normalBegin(); it != dict.normalEnd(); ++it) AddEntry(*t, *it);
    for (auto it = dict.repeatingBegin(); it != dict.repeatingEnd(); ++it) {
      const DcmDictEntry* e = *it;
      // Only ranges of groups (60xx overlays, 50xx curves) and element ranges within one
      // group; the catch-all group length ranges are skipped (group lengths are not emitted).
      if (e->getElement() == 0x0000 && e->getUpperElement() == 0x0000) continue;
      AddEntry(*t, e);
    }
    dcmDataDict.wrunlock();
    return t;
  }();
  return *table;
}

}  // namespace

Status InitDcmtk() {
  static const Status status = []() -> Status {
    OFLog::configure(DcmtkLogLevel());
    // Elements written with VR UN whose tag the dictionary knows are read with the dictionary VR
    // (their values are then typed properly in the AHI JSON).
    dcmEnableUnknownVRConversion.set(OFTrue);
    DJDecoderRegistration::registerCodecs(EDC_photometricInterpretation, EUC_never);
    DJLSDecoderRegistration::registerCodecs(EJLSUC_never);
    DcmRLEDecoderRegistration::registerCodecs();
    if (!dcmDataDict.isDictionaryLoaded()) {
      return Internal("the DCMTK data dictionary is not loaded (check DCMDICTPATH)");
    }
    (void)Table();
    return Status::Ok();
  }();
  return status;
}

std::string ConditionText(const OFCondition& cond) {
  const char* text = cond.text();
  return text != nullptr ? text : "unknown DCMTK error";
}

std::string RawStringValue(DcmByteString* element) {
  const Uint32 length = element->getLengthField();
  if (length == 0 || length == DCM_UndefinedLength) return {};
  char* value = nullptr;
  Uint32 real_length = 0;
  if (element->getString(value, real_length).bad() || value == nullptr) return {};
  std::string out(value, std::min(real_length, length));
  // DCMTK strips trailing padding (in place) when it converts a value to its internal form;
  // the length field still counts it. UI pads with NUL, every other string VR with a space.
  out.append(length - out.size(), element->ident() == EVR_UI ? '\0' : ' ');
  return out;
}

DcmElement* FindTopLevel(const FileState& impl, const DcmTagKey& key) {
  DcmElement* element = nullptr;
  DcmItem* item = key.getGroup() == 0x0002 ? static_cast<DcmItem*>(impl.meta)
                                           : static_cast<DcmItem*>(impl.dataset);
  if (item == nullptr || item->findAndGetElement(key, element, OFFalse).bad()) return nullptr;
  return element;
}

const DictInfo* LookupTag(uint32_t tag) {
  const auto& by_tag = Table().by_tag;
  auto it = by_tag.find(tag);
  return it == by_tag.end() ? nullptr : &it->second;
}

std::optional<uint32_t> LookupKeyword(std::string_view keyword) {
  const auto& by_keyword = Table().by_keyword;
  auto it = by_keyword.find(std::string(keyword));
  if (it == by_keyword.end()) return std::nullopt;
  return it->second;
}

}  // namespace openhi::dicom::internal
