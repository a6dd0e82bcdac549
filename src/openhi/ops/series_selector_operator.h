#pragma once
// Operator type "DICOMSeriesSelectorOperator" (MONAI Deploy's, spec §3.3/§3.4; the rules
// grammar and its deviations are in series_selector.h).
//   input  dicom_study_list            DicomStudyList
//   output study_selected_series_list  SelectedSeriesList (may be empty: nothing matched)
//   param  rules (string or JSON object, ""): the selection rules; "" selects every series
//   param  all_matched (bool, false)
//   param  sort_by_sop_instance_count (bool, false)
// Invalid rules fail Compute with kInvalidArgument naming the rule location.
#include "openhi/app/operator.h"
#include "openhi/app/operator_registry.h"
#include "openhi/ops/dicom_series.h"

namespace openhi::ops {

class SeriesSelectorOperator : public app::Operator {
 public:
  static constexpr char kTypeName[] = "DICOMSeriesSelectorOperator";

  void Setup(app::OperatorSpec& spec) override;
  Status Compute(app::InputContext& in, app::OutputContext& out,
                 app::ExecutionContext& ctx) override;

 private:
  app::Parameter<nlohmann::json> rules_;
  app::Parameter<bool> all_matched_;
  app::Parameter<bool> sort_by_sop_instance_count_;
};

Status RegisterSeriesSelector(app::OperatorRegistry& registry);

}  // namespace openhi::ops
