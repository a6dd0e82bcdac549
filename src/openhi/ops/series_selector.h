#pragma once
// Series selection rules: MONAI Deploy's DICOMSeriesSelectorOperator grammar (HEAD, spec
// §3.4), plus one documented improvement for missing text attributes.
//
//   {"selections": [{"name": "<name>", "conditions": {"<Keyword>": <matcher>, ...}}, ...]}
//
// For each study (loader order), for each selection (rules order), the study's series are
// tested in order; a series matches when every condition holds. Without all_matched only the
// first matching series per selection is kept; with all_matched every one, sorted by instance
// count, descending and stable, when sort_by_sop_instance_count is also set. Studies with no
// match are left out. Empty rules text (or JSON null / {}) selects every series with the
// selection name "". A selection without "conditions" (or with empty ones) is skipped.
// Rules without a non-empty "selections" array are kInvalidArgument.
//
// The attribute value of a condition is read from the series' first instance (which in MONAI
// holds every study and series property as well). Value kinds:
//   missing    absent, null, an empty string, an empty array
//   number     a JSON number, or an IS/DS string (VR from "DICOMVRs" or a built-in table of
//              IS/DS keywords, number_keywords.cc) that parses as a number
//   list       an array with more than one value (pydicom's VM > 1), e.g. ImageType
//   text       anything else (trailing spaces trimmed; a one-value array is its value)
// Matchers (a "falsy" matcher - "", 0, false, [], null - is ignored, as in MONAI):
//   text   + "s"              case-insensitive equality, else re.search(s, value, IGNORECASE)
//   number + 5                exact equality
//   number + [min, max]       min <= value <= max (two numbers)
//   number + [v, ">"]         relational: ">", ">=", "<", "<=", "!="
//   number + "regex"          re.fullmatch(regex, str(value)) (str = the value as written)
//   list   + ["a", "!b"]      every plain term appears in str(list).lower() and no "!" term
//   list   + "a" / "!a" / 5   the term appears (does not appear) in str(list).lower()
//   ImageOrientationPatient + "Axial" | "Coronal" | "Sagittal" (any case): the dominant axis of
//              the slice normal row x column; needs PatientPosition in {HFP, HFS, HFDL, HFDR,
//              FFP, FFS, FFDL, FFDR}, else kUnimplemented (MONAI raises NotImplementedError).
// Regular expressions use Python syntax as far as std::regex (ECMAScript) allows: leading
// inline flags such as "(?i)" are accepted (matching is case-insensitive anyway), "(?P<name>"
// groups become plain groups, \A and \Z become ^ and $. An invalid expression is
// kInvalidArgument naming its location ("selections[0].conditions.Modality: ...") when used.
//
// Deviations from MONAI, each deliberate:
//   * Missing text (THE IMPROVEMENT): a missing attribute tested with a text matcher counts as
//     the empty string, so the condition holds exactly when the regular expression matches ""
//     (a pattern such as "(.*?)", ".*" or "^$" accepts any value, an absent one included). MONAI
//     treats every missing attribute as "no match", so its spleen rules
//     {"StudyDescription": "(.*?)", "SeriesDescription": "(.*?)", "Modality": "(?i)CT"} select
//     nothing for the many real CTs without descriptions (the shared LIDC CT has neither). A
//     pattern that needs content ("(?i)CT", "^Spleen") still rejects a missing value, and
//     every non-text matcher (number, range, relation, list, orientation) still fails on a
//     missing attribute, as in MONAI. Why this rule: the rule author's own pattern already says
//     whether an empty value is acceptable, so no extra "optional" syntax is needed and rules
//     written for MONAI keep their meaning for every series that has the attribute.
//   * A numeric value of 0 is a value (MONAI's truthiness test makes SeriesNumber 0 "missing").
//   * A number matcher on a text value compares the text as a number (no match when it is not
//     one), and a list matcher on a single text value treats it as a one-value list; MONAI
//     raises AttributeError for both. A numeric matcher on a non-numeric text is no match.
//   * Malformed numeric matchers ([1, 2, 3], [5, "=~"]) are kInvalidArgument, not
//     NotImplementedError, and an invalid orientation name is reported when the rules are
//     parsed rather than when the first series is tested.
//   * Case folding is ASCII only (Python's casefold also folds non-ASCII letters).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "openhi/core/status.h"
#include "openhi/ops/dicom_series.h"

namespace openhi::ops {

// The rules of MONAI's spleen app (examples/apps/ai_spleen_seg_app, spec §3.2).
inline constexpr char kSpleenCtSelectionRules[] =
    R"json({"selections": [{"name": "CT Series", "conditions": {"StudyDescription": "(.*?)",)json"
    R"json( "Modality": "(?i)CT", "SeriesDescription": "(.*?)"}}]})json";

struct SelectionOptions {
  bool all_matched = false;
  bool sort_by_sop_instance_count = false;  // only with all_matched, as in MONAI
};

class SelectionRules {
 public:
  // Parses rules text (JSON). Empty or all-space text selects everything. kInvalidArgument for
  // bad JSON, a missing/empty "selections", non-object selections or conditions, a non-string
  // name, object matchers, or an invalid orientation name.
  static Result<SelectionRules> Parse(std::string_view text);
  // The same from a parsed document (a JSON string is parsed as rules text).
  static Result<SelectionRules> FromJson(const nlohmann::json& rules);

  SelectionRules();
  ~SelectionRules();
  SelectionRules(SelectionRules&&) noexcept;
  SelectionRules& operator=(SelectionRules&&) noexcept;

  bool selects_all() const;

  // Applies the rules. Errors: kInvalidArgument for a matcher that cannot apply to the value
  // it meets (e.g. [1, 2, 3] on a number, an invalid regular expression), kUnimplemented for
  // an orientation test on a series without a supported PatientPosition. Messages name the
  // rule location and the series.
  Result<SelectedSeriesList> Select(const DicomStudyList& studies,
                                    const SelectionOptions& options) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when `keyword` has VR IS or DS in the DICOM dictionary (built-in table) or in the
// instance's "DICOMVRs".
bool IsNumberStringAttribute(const nlohmann::json& attributes, std::string_view keyword);

}  // namespace openhi::ops
