#pragma once
// TorchScript segmentation (the equivalent of MONAI Deploy's MonaiBundleInferenceOperator
// running the spleen_ct_segmentation bundle's configs/inference.json, spec §4.1): wraps
// infer::RunSegmentation (Orientation RAS -> Spacing -> ScaleIntensityRange -> sliding window
// -> softmax -> inverse spacing/orientation -> argmax). The bundle's values are the parameter
// defaults; the bundle config inside model.ts is not read.
//
//   input  image   SeriesVolume (HU on the series grid)
//   output pred    LabelVolume on the same grid, with the same per-slice source references
//   param  model_file     (string, "model.ts"): relative to the app's model path; when the
//                         model path itself is a file (MONAI's -m model.ts), that file is used
//   param  pixdim         (JSON [x, y, z], [1.5, 1.5, 2.0]): target spacing in mm (R, A, S)
//   param  a_min, a_max   (numbers, -57, 164): the HU window mapped to 0..1, clipped
//   param  roi            (JSON [x, y, z], [96, 96, 96]): sliding-window size
//   param  sw_batch_size  (integer, 4)
//   param  overlap        (number, 0.5): in [0, 1)
//   param  torch_threads  (integer, 0): libtorch intra-op threads (process-wide); 0 = the
//                         app's thread count
// Errors: kInvalidArgument for bad parameters, TorchModel::Load's (kNotFound for a missing
// model), RunSegmentation's.
//
// This library (openhi_ops_torch) is the only operator library that links libtorch.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "openhi/app/operator.h"
#include "openhi/app/operator_registry.h"
#include "openhi/core/status.h"

namespace openhi::ops {

class TorchSegmentationOperator : public app::Operator {
 public:
  static constexpr char kTypeName[] = "TorchSegmentationOperator";

  void Setup(app::OperatorSpec& spec) override;
  Status Compute(app::InputContext& in, app::OutputContext& out,
                 app::ExecutionContext& ctx) override;

 private:
  app::Parameter<std::string> model_file_;
  app::Parameter<nlohmann::json> pixdim_;
  app::Parameter<double> a_min_;
  app::Parameter<double> a_max_;
  app::Parameter<nlohmann::json> roi_;
  app::Parameter<int64_t> sw_batch_size_;
  app::Parameter<double> overlap_;
  app::Parameter<int64_t> torch_threads_;
};

// Registers TorchSegmentationOperator. kAlreadyExists if called twice on one registry.
Status RegisterTorchOperators(app::OperatorRegistry& registry);

}  // namespace openhi::ops
