#include "openhi/ops/nifti_writer_operator.h"

#include "openhi/ops/label_volume.h"
#include "openhi/ops/output_file.h"
#include "openhi/volume/nifti.h"

namespace openhi::ops {

void NiftiWriterOperator::Setup(app::OperatorSpec& spec) {
  spec.Input<LabelVolume>("image");
  spec.Param(enabled_, "enabled", "write the file (false: do nothing)", true);
  spec.Param(output_file_, "output_file", "NIfTI file, relative to the output folder",
             std::string("nifti/label.nii.gz"));
}

Status NiftiWriterOperator::Compute(app::InputContext& in, app::OutputContext& out,
                                    app::ExecutionContext& ctx) {
  OPENHI_ASSIGN_OR_RETURN(std::shared_ptr<const LabelVolume> labels,
                          in.Receive<LabelVolume>("image"));
  if (!*enabled_) return Status::Ok();
  OPENHI_ASSIGN_OR_RETURN(std::filesystem::path path,
                          ResolveOutputFile(ctx.output_path(), "output_file", *output_file_));
  OPENHI_RETURN_IF_ERROR(volume::WriteNiftiMask(labels->labels, path));
  ctx.LogInfo("wrote NIfTI " + path.string());
  return Status::Ok();
}

Status RegisterNiftiWriter(app::OperatorRegistry& registry) {
  return registry.Register<NiftiWriterOperator>(NiftiWriterOperator::kTypeName,
                                                "writes a label volume as NIfTI-1 (uint8, RAS)");
}

}  // namespace openhi::ops
