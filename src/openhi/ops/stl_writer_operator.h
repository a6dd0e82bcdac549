#pragma once
// STL writer (MONAI Deploy's STLConversionOperator, spec §3.3): the surface of the largest
// connected component of a label (mesh::ExtractSurface: marching cubes at iso 0.5, vertices in
// LPS mm) written as binary STL (mesh::WriteBinaryStl). Unlike MONAI there is no isotropic
// resampling and no smoothing (see mesh.h).
//
//   input  image        LabelVolume
//   param  output_file  (string, "stl/spleen.stl"): relative to the output folder, MONAI's
//                       layout (spec §2.7)
//   param  class_id     (integer, 0): the label to mesh; 0 = every non-zero voxel (MONAI's
//                       class_id=None)
//   param  fail_if_empty (bool, false): an image without the label is kNotFound when true; when
//                       false no file is written and a warning is logged (a scan without the
//                       organ is a valid result, not a failure)
#include <cstdint>
#include <string>

#include "openhi/app/operator.h"
#include "openhi/app/operator_registry.h"
#include "openhi/core/status.h"

namespace openhi::ops {

class StlWriterOperator : public app::Operator {
 public:
  static constexpr char kTypeName[] = "STLConversionOperator";

  void Setup(app::OperatorSpec& spec) override;
  Status Compute(app::InputContext& in, app::OutputContext& out,
                 app::ExecutionContext& ctx) override;

 private:
  app::Parameter<std::string> output_file_;
  app::Parameter<int64_t> class_id_;
  app::Parameter<bool> fail_if_empty_;
};

Status RegisterStlWriter(app::OperatorRegistry& registry);

}  // namespace openhi::ops
