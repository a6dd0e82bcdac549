#include "openhi/infer/torch_model.h"

#include <ATen/Parallel.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/script.h>

#include <string>
#include <system_error>
#include <utility>

#include "openhi/core/logging.h"
#include "openhi/infer/internal/conv_transpose_as_conv.h"

namespace openhi::infer {

struct TorchModel::Impl {
  torch::jit::script::Module module;
};

TorchModel::TorchModel(std::unique_ptr<Impl> impl, std::filesystem::path path,
                       TorchModelOptions options)
    : impl_(std::move(impl)), path_(std::move(path)), options_(options) {}
TorchModel::TorchModel(TorchModel&&) noexcept = default;
TorchModel& TorchModel::operator=(TorchModel&&) noexcept = default;
TorchModel::~TorchModel() = default;

// The module as saved with its transposed convolutions as regular ones: on the spleen UNet with
// libtorch 1.13 and 2 threads, none of the other preparations was faster (freeze folds 13 of
// its 17 batch norms but measured 0-15 % slower; optimize_for_inference 30-70 % slower;
// channels-last within noise): bench/README.md, "bench/app".
TorchModelOptions TorchModel::DefaultOptions() { return TorchModelOptions{}; }

Result<TorchModel> TorchModel::Load(const std::filesystem::path& path) {
  return Load(path, DefaultOptions());
}

Result<TorchModel> TorchModel::Load(const std::filesystem::path& path,
                                    const TorchModelOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return NotFound("TorchScript model not found: " + path.string());
  }
  auto impl = std::make_unique<Impl>();
  try {
    impl->module = torch::jit::load(path.string(), torch::kCPU);
    impl->module.eval();
  } catch (const c10::Error& e) {
    return InvalidArgument("not a TorchScript model: " + path.string() + ": " +
                           e.what_without_backtrace());
  } catch (const std::exception& e) {
    return InvalidArgument("not a TorchScript model: " + path.string() + ": " + e.what());
  }
  TorchModelOptions applied = options;
  applied.optimize_for_inference = options.freeze && options.optimize_for_inference;
  if (options.freeze) {
    try {
      torch::jit::script::Module frozen = torch::jit::freeze(impl->module);
      if (options.optimize_for_inference) frozen = torch::jit::optimize_for_inference(frozen);
      impl->module = std::move(frozen);
    } catch (const c10::Error& e) {
      applied.freeze = applied.optimize_for_inference = false;
      LogWarn("torch_model_not_frozen path=" + path.string() +
              " reason=" + e.what_without_backtrace());
    } catch (const std::exception& e) {
      applied.freeze = applied.optimize_for_inference = false;
      LogWarn("torch_model_not_frozen path=" + path.string() + " reason=" + e.what());
    }
  }
  if (options.conv_transpose_as_conv) {
    try {
      internal::RewriteConvTranspose3d(impl->module);
    } catch (const c10::Error& e) {
      applied.conv_transpose_as_conv = false;
      LogWarn("torch_model_conv_transpose_kept path=" + path.string() +
              " reason=" + e.what_without_backtrace());
    }
  }
  return TorchModel(std::move(impl), path, applied);
}

Result<FloatTensor> TorchModel::Forward(const FloatTensor& input) const {
  if (input.shape.empty() || static_cast<int64_t>(input.data.size()) != input.NumElements()) {
    return InvalidArgument("input data size " + std::to_string(input.data.size()) +
                           " does not match shape " + input.ShapeString());
  }
  try {
    c10::InferenceMode guard;
    torch::jit::GraphOptimizerEnabledGuard optimizer(options_.optimize_graph);
    // from_blob does not copy; the module only reads its input.
    torch::Tensor x = torch::from_blob(const_cast<float*>(input.data.data()), input.shape,
                                       torch::TensorOptions().dtype(torch::kFloat32));
    if (options_.channels_last && x.dim() == 5) {
      x = x.contiguous(at::MemoryFormat::ChannelsLast3d);
    }
    std::vector<torch::jit::IValue> args{x};
    torch::jit::IValue out = impl_->module.forward(args);
    if (out.isTuple()) {
      out = out.toTupleRef().elements().at(0);
    } else if (out.isList()) {
      out = out.toListRef().at(0);
    }
    if (!out.isTensor()) return Internal("model output is not a tensor");
    torch::Tensor y = out.toTensor().to(torch::kFloat32).contiguous();
    FloatTensor result;
    result.shape.assign(y.sizes().begin(), y.sizes().end());
    const float* p = y.data_ptr<float>();
    result.data.assign(p, p + y.numel());
    return result;
  } catch (const c10::Error& e) {
    return InvalidArgument(std::string("model forward failed: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    return Internal(std::string("model forward failed: ") + e.what());
  }
}

void TorchModel::SetNumThreads(int threads) { at::set_num_threads(threads < 1 ? 1 : threads); }

int TorchModel::NumThreads() { return at::get_num_threads(); }

}  // namespace openhi::infer
