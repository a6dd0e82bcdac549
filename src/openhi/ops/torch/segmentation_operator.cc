#include "openhi/ops/torch/segmentation_operator.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <system_error>
#include <thread>

#include "openhi/infer/spleen_pipeline.h"
#include "openhi/infer/torch_model.h"
#include "openhi/ops/label_volume.h"
#include "openhi/ops/series_volume.h"

namespace openhi::ops {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

Result<std::array<double, 3>> ParseTriple(const Json& j, const char* name, bool integral) {
  std::array<double, 3> out{};
  if (!j.is_array() || j.size() != 3) {
    return InvalidArgument(std::string("parameter '") + name + "': expected an array of 3 numbers");
  }
  for (int a = 0; a < 3; ++a) {
    if (!(integral ? j[a].is_number_integer() : j[a].is_number()) || !(j[a].get<double>() > 0)) {
      return InvalidArgument(std::string("parameter '") + name + "': expected 3 positive " +
                             (integral ? "integers" : "numbers"));
    }
    out[a] = j[a].get<double>();
  }
  return out;
}

fs::path ResolveModel(const fs::path& model_path, const std::string& model_file) {
  std::error_code ec;
  if (fs::path(model_file).is_absolute()) return model_file;
  if (fs::is_regular_file(model_path, ec)) return model_path;
  return model_path / model_file;
}

// The model at `path`, from the run's resource cache when there is one (the hosting container
// keeps it loaded between invocations), else loaded for this run.
Result<std::shared_ptr<const infer::TorchModel>> LoadModel(const fs::path& path,
                                                           const app::ExecutionContext& ctx) {
  auto load = [&]() -> Result<std::shared_ptr<const infer::TorchModel>> {
    ctx.LogInfo("loading model " + path.string());
    OPENHI_ASSIGN_OR_RETURN(infer::TorchModel model, infer::TorchModel::Load(path));
    return std::make_shared<const infer::TorchModel>(std::move(model));
  };
  if (ctx.resources() == nullptr) return load();
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  return ctx.resources()->GetOrCreate<infer::TorchModel>(
      "torch-model:" + (ec ? path : absolute).lexically_normal().string(), load);
}

}  // namespace

void TorchSegmentationOperator::Setup(app::OperatorSpec& spec) {
  spec.Input<SeriesVolume>("image");
  spec.Output<LabelVolume>("pred");
  spec.Param(model_file_, "model_file", "TorchScript file, relative to the model path",
             std::string("model.ts"));
  spec.Param(pixdim_, "pixdim", "target spacing (mm) along R, A, S", Json::array({1.5, 1.5, 2.0}));
  spec.Param(a_min_, "a_min", "HU mapped to 0", -57.0);
  spec.Param(a_max_, "a_max", "HU mapped to 1", 164.0);
  spec.Param(roi_, "roi", "sliding-window size", Json::array({96, 96, 96}));
  spec.Param(sw_batch_size_, "sw_batch_size", "windows per forward pass", int64_t{4});
  spec.Param(overlap_, "overlap", "window overlap in [0, 1)", 0.5);
  spec.Param(torch_threads_, "torch_threads", "libtorch threads; 0 = the app's", int64_t{0});
}

Status TorchSegmentationOperator::Compute(app::InputContext& in, app::OutputContext& out,
                                          app::ExecutionContext& ctx) {
  OPENHI_ASSIGN_OR_RETURN(std::shared_ptr<const SeriesVolume> image,
                          in.Receive<SeriesVolume>("image"));
  infer::SpleenPipelineOptions options;
  OPENHI_ASSIGN_OR_RETURN(options.pixdim, ParseTriple(*pixdim_, "pixdim", false));
  std::array<double, 3> roi{};  // (a type with a comma cannot be declared inside the macro)
  OPENHI_ASSIGN_OR_RETURN(roi, ParseTriple(*roi_, "roi", true));
  for (int a = 0; a < 3; ++a) options.roi[a] = static_cast<int>(roi[a]);
  if (!(*a_min_ < *a_max_)) return InvalidArgument("parameters 'a_min' < 'a_max' required");
  options.a_min = static_cast<float>(*a_min_);
  options.a_max = static_cast<float>(*a_max_);
  if (*sw_batch_size_ < 1 || *sw_batch_size_ > 1024) {
    return InvalidArgument("parameter 'sw_batch_size' must be in 1..1024");
  }
  options.sw_batch_size = static_cast<int>(*sw_batch_size_);
  if (!(*overlap_ >= 0 && *overlap_ < 1)) {
    return InvalidArgument("parameter 'overlap' must be in [0, 1)");
  }
  options.overlap = *overlap_;
  if (*torch_threads_ < 0 || *torch_threads_ > 1024) {
    return InvalidArgument("parameter 'torch_threads' must be in 0..1024");
  }
  int threads = static_cast<int>(*torch_threads_);
  if (threads == 0) threads = static_cast<int>(ctx.app().threads());
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options.threads = threads;

  options.cancel = ctx.cancellation();
  const std::shared_ptr<ThreadPool> pool = ctx.thread_pool();
  options.pool = pool.get();

  const fs::path model_path = ResolveModel(ctx.model_path(), *model_file_);
  OPENHI_ASSIGN_OR_RETURN(std::shared_ptr<const infer::TorchModel> model,
                          LoadModel(model_path, ctx));
  infer::StageTimings timings;
  OPENHI_ASSIGN_OR_RETURN(volume::Mask labels,
                          infer::RunSegmentation(*model, image->volume, options, &timings));
  ctx.LogInfo("segmented windows=" + std::to_string(timings.windows) +
              " preprocess_s=" + std::to_string(timings.preprocess_s) +
              " sliding_window_s=" + std::to_string(timings.sliding_window_s) +
              " forward_s=" + std::to_string(timings.forward_s) +
              " postprocess_s=" + std::to_string(timings.postprocess_s) +
              " foreground_voxels=" + std::to_string(labels.CountNonZero()));
  return out.Emit<LabelVolume>("pred", MakeLabelVolume(*image, std::move(labels)));
}

Status RegisterTorchOperators(app::OperatorRegistry& registry) {
  return registry.Register<TorchSegmentationOperator>(
      TorchSegmentationOperator::kTypeName,
      "TorchScript segmentation with the MONAI spleen bundle's pre/post-processing");
}

}  // namespace openhi::ops
