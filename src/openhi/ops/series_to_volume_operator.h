#pragma once
// Series-to-volume (MONAI Deploy's DICOMSeriesToVolumeOperator, spec §3.5), built on the
// volume module: PlanVolume orders the slices along the normal n = row x column by the
// projection of ImagePositionPatient on n (the same order as MONAI's sum of n * IPP), then
// every decoded frame is rescaled (per-slice RescaleSlope/Intercept, as MONAI HEAD's
// apply_rescale) into its slice with WriteSlice, in parallel through the series' PixelSource.
//
// Input: the first entry of the selection list (MONAI uses [0].selected_series[0]).
// Instances without Pixel Data, or without ImagePositionPatient or ImageOrientationPatient, are
// left out with a warning (MONAI PR #527). Multi-frame instances are kUnimplemented, as are
// MONOCHROME1 and colour images. Geometry irregularities follow the parameters:
//   duplicates          "keep_first" (default; the loaders already removed MONAI's duplicates)
//                       | "reject"
//   gaps                "reject" (default) | "fill" (placeholder slices of empty_slice_value)
//   irregular_spacing   "reject" (default) | "stack" (stacked at the mean spacing: what MONAI
//                       does, silently, for every series)
//   empty_slice_value   number, 0 (use -1024 for CT)
// A gantry tilt is tolerated (a sheared slice axis, volume_plan.h). Rejections are
// kFailedPrecondition listing the issues; tolerated issues are warnings.
//
//   input  study_selected_series_list  SelectedSeriesList (empty: kFailedPrecondition)
//   output image                       SeriesVolume
#include "openhi/app/operator.h"
#include "openhi/app/operator_registry.h"
#include "openhi/core/status.h"
#include "openhi/ops/dicom_series.h"
#include "openhi/ops/series_volume.h"

namespace openhi::ops {

struct SeriesToVolumeOptions {
  volume::PlanOptions plan;
  SeriesToVolumeOptions() { plan.duplicates = volume::DuplicatePolicy::kKeepFirst; }
};

// The conversion itself. `warnings` receives the skipped instances and tolerated issues.
// Errors: kInvalidArgument for malformed geometry attributes (naming the instance),
// kFailedPrecondition from PlanVolume or when no instance has pixels and geometry,
// kUnimplemented (above), decode errors of the PixelSource, kDataLoss when the source
// delivered no frame for a placed slice.
Result<SeriesVolume> BuildSeriesVolume(const SelectedSeries& selected,
                                       const SeriesToVolumeOptions& options,
                                       std::vector<std::string>* warnings);

// Operator type "DICOMSeriesToVolumeOperator".
class SeriesToVolumeOperator : public app::Operator {
 public:
  static constexpr char kTypeName[] = "DICOMSeriesToVolumeOperator";

  void Setup(app::OperatorSpec& spec) override;
  Status Compute(app::InputContext& in, app::OutputContext& out,
                 app::ExecutionContext& ctx) override;

 private:
  app::Parameter<std::string> duplicates_;
  app::Parameter<std::string> gaps_;
  app::Parameter<std::string> irregular_spacing_;
  app::Parameter<double> empty_slice_value_;
};

Status RegisterSeriesToVolume(app::OperatorRegistry& registry);

}  // namespace openhi::ops
