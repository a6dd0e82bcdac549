#pragma once
// DICOM SEG writer (MONAI Deploy's DICOMSegmentationWriterOperator, spec §2.7 and §3.3): a label
// volume -> one BINARY Segmentation Storage object (dicom::WriteBinarySeg, DCMTK dcmseg) that
// references the source series slice by slice.
//
//   input  seg_image  LabelVolume (its per-slice source instances and first-slice attributes
//                     come from series-to-volume)
//   param  segments (JSON array): one object per segment, in segment-number order:
//            {"label": "Spleen",                      SegmentLabel (required)
//             "label_value": 1,                       voxel value; default: position + 1
//             "category": {"value": "113343008", "scheme": "SCT", "meaning": "Organ"},
//             "type": {"value": "78961009", "scheme": "SCT", "meaning": "Spleen"},
//             "description": "...", "algorithm_name": "...", "algorithm_version": "..."}
//          default: the spleen segment above (the MONAI spleen app's).
//   param  algorithm_name (string, "volumetric (3D) segmentation of the spleen from CT image"),
//          algorithm_version (string, "0.1.0"): defaults for segments without their own
//          (algorithm family DCM 123110 "Artificial Intelligence", type AUTOMATIC)
//   param  series_description (string, "AI generated Seg, not for clinical use.")
//   param  output_file (string, ""): "" = "<SEG SOPInstanceUID>.dcm" in the output folder, as
//          MONAI; else a path relative to the output folder
// Empty frames are omitted (highdicom's omit_empty_frames). The SEG takes the Patient, Study and
// FrameOfReferenceUID of the first slice's instance (for a series whose slices carry different
// FrameOfReferenceUIDs, like the shared LIDC CT, that one).
// Errors: kInvalidArgument for bad parameters (naming them), kFailedPrecondition when a slice
// has no source instance (a filled gap: gaps cannot be referenced), WriteBinarySeg's errors,
// file system errors.
#include <nlohmann/json.hpp>
#include <string>

#include "openhi/app/operator.h"
#include "openhi/app/operator_registry.h"
#include "openhi/core/status.h"
#include "openhi/dicom/seg_writer.h"

namespace openhi::ops {

// Parses the `segments` parameter. kInvalidArgument "segments[1].category: ...".
Result<std::vector<dicom::SegSegment>> ParseSegments(const nlohmann::json& segments);

class SegWriterOperator : public app::Operator {
 public:
  static constexpr char kTypeName[] = "DICOMSegmentationWriterOperator";

  void Setup(app::OperatorSpec& spec) override;
  Status Compute(app::InputContext& in, app::OutputContext& out,
                 app::ExecutionContext& ctx) override;

 private:
  app::Parameter<nlohmann::json> segments_;
  app::Parameter<std::string> algorithm_name_;
  app::Parameter<std::string> algorithm_version_;
  app::Parameter<std::string> series_description_;
  app::Parameter<std::string> output_file_;
};

Status RegisterSegWriter(app::OperatorRegistry& registry);

}  // namespace openhi::ops
