#pragma once
// NIfTI writer: a label volume as NIfTI-1 uint8 for inspection (volume/nifti.h: RAS affine =
// the LPS geometry with x and y negated; sform always, qform when the grid is not sheared).
//
//   input  image        LabelVolume
//   param  enabled      (bool, true): false makes the operator do nothing, so an app.json can
//                       carry the output switched off
//   param  output_file  (string, "nifti/label.nii.gz"): relative to the output folder; a name
//                       ending in ".gz" is gzip-compressed
#include <string>

#include "openhi/app/operator.h"
#include "openhi/app/operator_registry.h"
#include "openhi/core/status.h"

namespace openhi::ops {

class NiftiWriterOperator : public app::Operator {
 public:
  static constexpr char kTypeName[] = "NiftiWriterOperator";

  void Setup(app::OperatorSpec& spec) override;
  Status Compute(app::InputContext& in, app::OutputContext& out,
                 app::ExecutionContext& ctx) override;

 private:
  app::Parameter<bool> enabled_;
  app::Parameter<std::string> output_file_;
};

Status RegisterNiftiWriter(app::OperatorRegistry& registry);

}  // namespace openhi::ops
