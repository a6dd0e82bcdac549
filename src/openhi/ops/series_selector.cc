#include "openhi/ops/series_selector.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <regex>

#include "openhi/ops/dicom_attributes.h"
#include "openhi/ops/internal/python_regex.h"

namespace openhi::ops {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr char kOrientationKeyword[] = "ImageOrientationPatient";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Python's truthiness of a JSON value: "", 0, false, [], {}, null are falsy.
bool IsFalsy(const json& v) {
  if (v.is_null()) return true;
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number()) return v.get<double>() == 0;
  if (v.is_string() || v.is_array() || v.is_object()) return v.empty();
  return false;
}

// Python's str() of a matcher element, lower-cased (list terms).
std::string TermText(const json& v) {
  if (v.is_string()) return Lower(v.get<std::string>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return Lower(v.dump());
}

std::optional<std::string> ParseOrientationName(const json& matcher) {
  if (!matcher.is_string()) return std::nullopt;
  std::string name = Lower(TrimSpaces(matcher.get<std::string>()));
  if (name == "axial" || name == "coronal" || name == "sagittal") return name;
  return std::nullopt;
}

struct Condition {
  std::string keyword;
  json matcher;
  std::string location;  // "selections[0].conditions.Modality"
  std::shared_ptr<const std::regex> regex;  // for string matchers that compile
  Status regex_error;                       // for string matchers that do not
};

struct Selection {
  std::string name;
  std::vector<Condition> conditions;  // falsy matchers dropped; orientation last
};

// An attribute value as the selector sees it (see the header).
struct AttrValue {
  enum class Kind { kMissing, kNumber, kText, kList } kind = Kind::kMissing;
  double number = 0;
  std::string text;               // kNumber: as written; kText: the value
  std::vector<std::string> list;  // kList
};

AttrValue ReadValue(const json& attributes, std::string_view keyword) {
  AttrValue out;
  const json* v = FindAttribute(attributes, keyword);
  if (v == nullptr) return out;
  std::vector<std::string> values = GetTextValues(attributes, keyword);
  if (v->is_array() && !v->empty() && (*v)[0].is_object() && !(*v)[0].contains("Alphabetic")) {
    values.clear();  // a sequence: compare its items' JSON text
    for (const json& item : *v) values.push_back(item.dump());
  }
  if (values.empty()) return out;
  if (values.size() > 1) {
    out.kind = AttrValue::Kind::kList;
    out.list = std::move(values);
    return out;
  }
  std::string text = values.front();
  if (text.empty()) return out;
  const json& scalar = v->is_array() ? (*v)[0] : *v;
  if (scalar.is_number() || scalar.is_boolean()) {
    out.kind = AttrValue::Kind::kNumber;
    out.number = scalar.is_boolean() ? (scalar.get<bool>() ? 1 : 0) : scalar.get<double>();
    out.text = std::move(text);
    return out;
  }
  if (IsNumberStringAttribute(attributes, keyword)) {
    if (std::optional<double> d = ParseNumber(text)) {
      out.kind = AttrValue::Kind::kNumber;
      out.number = *d;
      out.text = std::move(text);
      return out;
    }
  }
  out.kind = AttrValue::Kind::kText;
  out.text = std::move(text);
  return out;
}

// str(list).lower() of pydicom's [elem.repval]: "['original', 'primary', 'axial']".
std::string ListRepr(const std::vector<std::string>& list) {
  std::string repr = "[";
  for (size_t i = 0; i < list.size(); ++i) repr += (i ? ", '" : "'") + list[i] + "'";
  return Lower(repr + "]");
}

bool MatchList(const json& matcher, const std::vector<std::string>& list) {
  std::string repr = ListRepr(list);
  auto holds = [&](const std::string& term) {
    if (!term.empty() && term[0] == '!') return repr.find(term.substr(1)) == std::string::npos;
    return repr.find(term) != std::string::npos;
  };
  if (matcher.is_array()) {
    for (const json& element : matcher) {
      if (!holds(TermText(element))) return false;
    }
    return true;
  }
  return holds(TermText(matcher));
}

Result<bool> RegexSearch(const Condition& c, const std::string& text, bool full) {
  if (!c.regex) return c.regex_error;
  return full ? std::regex_match(text, *c.regex) : std::regex_search(text, *c.regex);
}

Result<double> MatcherNumber(const json& v, const Condition& c) {
  if (v.is_number()) return v.get<double>();
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  if (v.is_string()) {
    if (std::optional<double> d = ParseNumber(v.get<std::string>())) return *d;
  }
  return InvalidArgument(c.location + ": " + v.dump() + " is not a number");
}

Result<bool> MatchNumber(const Condition& c, const AttrValue& value) {
  const json& m = c.matcher;
  double x = value.number;
  if (m.is_array()) {
    if (m.size() == 2 && m[1].is_string()) {
      OPENHI_ASSIGN_OR_RETURN(double v, MatcherNumber(m[0], c));
      std::string op = m[1].get<std::string>();
      if (op == ">") return x > v;
      if (op == ">=") return x >= v;
      if (op == "<") return x < v;
      if (op == "<=") return x <= v;
      if (op == "!=") return x != v;
      return InvalidArgument(c.location + ": unsupported relational operator '" + op +
                             "' (use >, >=, <, <=, !=)");
    }
    if (m.size() == 2 && m[0].is_number() && m[1].is_number()) {
      return m[0].get<double>() <= x && x <= m[1].get<double>();
    }
    return InvalidArgument(c.location + ": numeric matcher " + m.dump() +
                           " must be [min, max] or [value, \"<op>\"]");
  }
  if (m.is_string()) return RegexSearch(c, value.text, /*full=*/true);
  OPENHI_ASSIGN_OR_RETURN(double v, MatcherNumber(m, c));
  return x == v;
}

Result<bool> MatchText(const Condition& c, const std::string& text) {
  const json& m = c.matcher;
  if (m.is_string()) {
    if (Lower(text) == Lower(m.get<std::string>())) return true;
    return RegexSearch(c, text, /*full=*/false);
  }
  if (m.is_array()) return MatchList(m, {text});
  std::optional<double> d = ParseNumber(text);
  OPENHI_ASSIGN_OR_RETURN(double v, MatcherNumber(m, c));
  return d.has_value() && *d == v;
}

Result<bool> MatchOrientation(const Condition& c, const json& attributes) {
  static const char* kPositions[] = {"HFP", "HFS", "HFDL", "HFDR", "FFP", "FFS", "FFDL", "FFDR"};
  std::optional<std::string> position = GetText(attributes, "PatientPosition");
  bool supported = false;
  for (const char* p : kPositions) supported |= position && *position == p;
  if (!supported) {
    return Unimplemented(c.location + ": orientation matching needs PatientPosition in " +
                         "{HFP, HFS, HFDL, HFDR, FFP, FFS, FFDL, FFDR}, got " +
                         (position ? "'" + *position + "'" : std::string("none")));
  }
  std::optional<std::vector<double>> iop = GetNumbers(attributes, kOrientationKeyword);
  if (!iop || iop->size() != 6) return false;
  const std::vector<double>& o = *iop;
  double n[3] = {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]};
  if (n[0] == 0 && n[1] == 0 && n[2] == 0) {
    return InvalidArgument(c.location + ": ImageOrientationPatient has no slice normal");
  }
  int axis = 0;
  for (int a = 1; a < 3; ++a) {
    if (std::fabs(n[a]) > std::fabs(n[axis])) axis = a;  // first maximum, as np.argmax
  }
  static const char* kNames[] = {"sagittal", "coronal", "axial"};
  return *ParseOrientationName(c.matcher) == kNames[axis];
}

Result<bool> Evaluate(const Condition& c, const json& attributes) {
  AttrValue value = ReadValue(attributes, c.keyword);
  if (value.kind == AttrValue::Kind::kMissing) {
    // The improvement over MONAI (header): missing text is the empty string.
    if (c.matcher.is_string()) return RegexSearch(c, "", /*full=*/false);
    return false;
  }
  if (c.keyword == kOrientationKeyword) return MatchOrientation(c, attributes);
  switch (value.kind) {
    case AttrValue::Kind::kNumber: return MatchNumber(c, value);
    case AttrValue::Kind::kText: return MatchText(c, value.text);
    case AttrValue::Kind::kList: return MatchList(c.matcher, value.list);
    case AttrValue::Kind::kMissing: break;
  }
  return false;
}

Result<Selection> ParseSelection(const ordered_json& entry, size_t index) {
  std::string loc = "selections[" + std::to_string(index) + "]";
  if (!entry.is_object()) return InvalidArgument(loc + ": expected an object");
  Selection selection;
  if (auto name = entry.find("name"); name != entry.end() && !name->is_null()) {
    if (!name->is_string()) return InvalidArgument(loc + ".name: expected a string");
    selection.name = std::string(TrimSpaces(name->get<std::string>()));
  }
  auto conditions = entry.find("conditions");
  if (conditions == entry.end() || conditions->is_null()) return selection;
  if (!conditions->is_object()) return InvalidArgument(loc + ".conditions: expected an object");
  std::vector<Condition> orientation;
  for (const auto& [keyword, matcher_ordered] : conditions->items()) {
    Condition c;
    c.keyword = keyword;
    c.location = loc + ".conditions." + keyword;
    c.matcher = json::parse(matcher_ordered.dump());
    if (IsFalsy(c.matcher)) continue;  // MONAI ignores falsy matchers
    if (c.matcher.is_object()) {
      return InvalidArgument(c.location + ": a matcher cannot be an object");
    }
    if (c.matcher.is_string()) {
      Result<std::regex> re = internal::CompilePythonRegex(c.matcher.get<std::string>());
      if (re.ok()) {
        c.regex = std::make_shared<const std::regex>(std::move(*re));
      } else {
        c.regex_error = re.status().WithContext(c.location);
      }
    }
    if (keyword == kOrientationKeyword) {
      if (!ParseOrientationName(c.matcher)) {
        return InvalidArgument(c.location + ": expected \"Axial\", \"Coronal\" or \"Sagittal\"");
      }
      orientation.push_back(std::move(c));
    } else {
      selection.conditions.push_back(std::move(c));
    }
  }
  for (Condition& c : orientation) selection.conditions.push_back(std::move(c));
  return selection;
}

}  // namespace

struct SelectionRules::Impl {
  bool select_all = true;
  std::vector<Selection> selections;
};

SelectionRules::SelectionRules() : impl_(std::make_unique<Impl>()) {}
SelectionRules::~SelectionRules() = default;
SelectionRules::SelectionRules(SelectionRules&&) noexcept = default;
SelectionRules& SelectionRules::operator=(SelectionRules&&) noexcept = default;

bool SelectionRules::selects_all() const { return impl_->select_all; }

Result<SelectionRules> SelectionRules::Parse(std::string_view text) {
  SelectionRules rules;
  if (TrimSpaces(text).find_first_not_of(" \t\r\n") == std::string_view::npos) return rules;
  ordered_json doc;
  try {
    doc = ordered_json::parse(text);
  } catch (const ordered_json::exception& e) {
    return InvalidArgument(std::string("selection rules: invalid JSON: ") + e.what());
  }
  if (doc.is_null() || (doc.is_object() && doc.empty())) return rules;  // falsy: select all
  if (!doc.is_object()) return InvalidArgument("selection rules: expected a JSON object");
  auto selections = doc.find("selections");
  if (selections == doc.end() || !selections->is_array() || selections->empty()) {
    return InvalidArgument("selection rules: expected a non-empty \"selections\" array");
  }
  rules.impl_->select_all = false;
  for (size_t i = 0; i < selections->size(); ++i) {
    OPENHI_ASSIGN_OR_RETURN(Selection s, ParseSelection((*selections)[i], i));
    rules.impl_->selections.push_back(std::move(s));
  }
  return rules;
}

Result<SelectionRules> SelectionRules::FromJson(const json& rules) {
  if (rules.is_string()) return Parse(rules.get<std::string>());
  return Parse(rules.dump());
}

Result<SelectedSeriesList> SelectionRules::Select(const DicomStudyList& studies,
                                                  const SelectionOptions& options) const {
  SelectedSeriesList out;
  static const json kNoAttributes = json::object();
  for (const DicomStudy& study : studies) {
    if (impl_->select_all) {
      for (const DicomSeries& series : study.series) out.push_back(SelectedSeries{"", series});
      continue;
    }
    for (const Selection& selection : impl_->selections) {
      if (selection.conditions.empty()) continue;
      std::vector<const DicomSeries*> found;
      for (const DicomSeries& series : study.series) {
        const json& attributes =
            series.instances.empty() ? kNoAttributes : series.instances.front().attributes;
        bool matched = true;
        for (const Condition& c : selection.conditions) {
          Result<bool> r = Evaluate(c, attributes);
          if (!r.ok()) return r.status().WithContext("series " + series.series_instance_uid);
          if (!*r) {
            matched = false;
            break;
          }
        }
        if (!matched) continue;
        found.push_back(&series);
        if (!options.all_matched) break;
      }
      if (options.all_matched && options.sort_by_sop_instance_count) {
        std::stable_sort(found.begin(), found.end(), [](const auto* a, const auto* b) {
          return a->instances.size() > b->instances.size();
        });
      }
      for (const DicomSeries* s : found) out.push_back(SelectedSeries{selection.name, *s});
    }
  }
  return out;
}

}  // namespace openhi::ops
