#include "openhi/ops/series_selector_operator.h"

#include "openhi/ops/dicom_attributes.h"
#include "openhi/ops/series_selector.h"

namespace openhi::ops {

void SeriesSelectorOperator::Setup(app::OperatorSpec& spec) {
  spec.Input<DicomStudyList>("dicom_study_list");
  spec.Output<SelectedSeriesList>("study_selected_series_list");
  spec.Param(rules_, "rules", "selection rules (JSON text or object); empty selects all",
             nlohmann::json(""));
  spec.Param(all_matched_, "all_matched", "keep every matching series, not only the first",
             false);
  spec.Param(sort_by_sop_instance_count_, "sort_by_sop_instance_count",
             "with all_matched: most instances first", false);
}

Status SeriesSelectorOperator::Compute(app::InputContext& in, app::OutputContext& out,
                                       app::ExecutionContext& ctx) {
  OPENHI_ASSIGN_OR_RETURN(auto studies, in.Receive<DicomStudyList>("dicom_study_list"));
  Result<SelectionRules> rules = SelectionRules::FromJson(*rules_);
  if (!rules.ok()) return rules.status().WithContext("parameter 'rules'");
  if (rules->selects_all()) ctx.LogWarn("no selection rules given; selecting every series");
  SelectionOptions options;
  options.all_matched = *all_matched_;
  options.sort_by_sop_instance_count = *sort_by_sop_instance_count_;
  OPENHI_ASSIGN_OR_RETURN(SelectedSeriesList selected, rules->Select(*studies, options));
  if (selected.empty()) {
    ctx.LogWarn("no series matched the selection rules");
  } else {
    const DicomSeries& first = selected.front().series;
    std::string description;
    if (!first.instances.empty()) {
      description = GetText(first.instances.front().attributes, "SeriesDescription").value_or("");
    }
    ctx.LogInfo("selected count=" + std::to_string(selected.size()) + " first_selection=\"" +
                selected.front().selection_name + "\" first_series=" +
                first.series_instance_uid + " description=\"" + description + "\"");
  }
  return out.Emit<SelectedSeriesList>("study_selected_series_list", std::move(selected));
}

Status RegisterSeriesSelector(app::OperatorRegistry& registry) {
  return registry.Register<SeriesSelectorOperator>(
      SeriesSelectorOperator::kTypeName, "selects series with MONAI Deploy's JSON rules");
}

}  // namespace openhi::ops
