#include "openhi/ops/stl_writer_operator.h"

#include <optional>

#include "openhi/mesh/mesh.h"
#include "openhi/ops/label_volume.h"
#include "openhi/ops/output_file.h"

namespace openhi::ops {

void StlWriterOperator::Setup(app::OperatorSpec& spec) {
  spec.Input<LabelVolume>("image");
  spec.Param(output_file_, "output_file", "STL file, relative to the output folder",
             std::string("stl/spleen.stl"));
  spec.Param(class_id_, "class_id", "label to mesh; 0 = every non-zero voxel", int64_t{0});
  spec.Param(fail_if_empty_, "fail_if_empty", "fail when no voxel has the label", false);
}

Status StlWriterOperator::Compute(app::InputContext& in, app::OutputContext& out,
                                  app::ExecutionContext& ctx) {
  OPENHI_ASSIGN_OR_RETURN(std::shared_ptr<const LabelVolume> labels,
                          in.Receive<LabelVolume>("image"));
  if (*class_id_ < 0 || *class_id_ > 255) {
    return InvalidArgument("parameter 'class_id' must be in 0..255");
  }
  OPENHI_ASSIGN_OR_RETURN(std::filesystem::path path,
                          ResolveOutputFile(ctx.output_path(), "output_file", *output_file_));
  std::optional<uint8_t> label;
  if (*class_id_ != 0) label = static_cast<uint8_t>(*class_id_);
  Result<mesh::TriangleMesh> surface = mesh::ExtractSurface(labels->labels, label);
  if (!surface.ok()) {
    if (surface.status().code() == StatusCode::kNotFound && !*fail_if_empty_) {
      ctx.LogWarn("no STL written: " + surface.status().message());
      return Status::Ok();
    }
    return surface.status();
  }
  OPENHI_RETURN_IF_ERROR(mesh::WriteBinaryStl(*surface, path));
  ctx.LogInfo("wrote STL " + path.string() + " (" + std::to_string(surface->triangles.size()) +
              " triangles)");
  return Status::Ok();
}

Status RegisterStlWriter(app::OperatorRegistry& registry) {
  return registry.Register<StlWriterOperator>(
      StlWriterOperator::kTypeName,
      "writes the surface of the largest connected component of a label as binary STL");
}

}  // namespace openhi::ops
