#pragma once
// TorchScript inference on the CPU with libtorch, behind a PImpl: no torch type in this header.
//
// Thread safety: Forward() is const and may be called from several threads at once (libtorch
// supports concurrent inference on one eval-mode module); Load() and SetNumThreads() are
// thread-safe. The thread count is process-wide (libtorch's intra-op pool).
#include <filesystem>
#include <memory>

#include "openhi/core/status.h"
#include "openhi/infer/tensor.h"

namespace openhi::infer {

// How a loaded module is prepared for inference. Every setting keeps the model's outputs
// within float tolerance of the module as saved (bench/README.md "bench/app" lists what each
// one gains on the spleen UNet). A default-constructed value leaves the module as saved;
// TorchModel::DefaultOptions() is what Load(path) applies.
struct TorchModelOptions {
  // torch::jit::freeze: parameters and attributes become constants and the frozen-graph
  // optimisations run (batch norm that follows a convolution is folded into its weights, as
  // are constant adds and multiplies). A module that cannot be frozen (e.g. one whose forward
  // mutates its attributes) is used as it is, with a warning in the log.
  bool freeze = false;
  // After freezing, torch::jit::optimize_for_inference (convolutions on prepacked oneDNN
  // tensors). Ignored without `freeze`. Off by default: with libtorch 1.13 every PReLU of the
  // spleen UNet then runs on oneDNN-layout tensors through a slow fallback, and the
  // conversions to and from that layout cost more than the prepacking saves.
  bool optimize_for_inference = false;
  // Feeds 5-D inputs in channels-last order (NDHWC, at::MemoryFormat::ChannelsLast3d), the
  // layout oneDNN's 3-D convolutions prefer. Outputs are returned in C order either way.
  bool channels_last = false;
  // Every aten::conv_transpose3d runs as one regular oneDNN convolution plus a pixel shuffle
  // (internal/conv_transpose_as_conv.h) instead of libtorch 1.13's im2col + BLAS path. On by
  // default: faster with either BLAS (with Debian's reference BLAS it removed half of the
  // spleen UNet's time); outputs equal within float rounding.
  bool conv_transpose_as_conv = true;
  // Runs forward passes through TorchScript's optimizing graph executor (the PyTorch default:
  // the first calls run instrumented, then the graph is re-optimized for the shapes seen). Off
  // by default: the graph then runs as loaded (after the preparations above), per call, through
  // torch::jit::GraphOptimizerEnabledGuard. On CPU without fusers the optimized graph runs the
  // same operators (identical logits, same warm speed on the spleen UNet); what it cost was the
  // first batches' profiling and re-optimization, 0.3-1.8 s of a spleen run (bench/README.md).
  bool optimize_graph = false;
};

class TorchModel {
 public:
  // Loads a TorchScript archive (torch.jit.save / torch::jit::Module::save) onto the CPU and
  // switches it to eval mode, then applies `options`. NotFound when `path` does not exist or
  // is not a regular file; InvalidArgument when it is not a readable TorchScript archive.
  static Result<TorchModel> Load(const std::filesystem::path& path,
                                 const TorchModelOptions& options);
  // Load with DefaultOptions(): the fastest configuration measured that keeps outputs within
  // float tolerance (today: the module as saved, transposed convolutions as regular ones).
  static Result<TorchModel> Load(const std::filesystem::path& path);
  static TorchModelOptions DefaultOptions();

  TorchModel(TorchModel&&) noexcept;
  TorchModel& operator=(TorchModel&&) noexcept;
  ~TorchModel();

  // Runs `forward(input)` with autograd off (c10::InferenceMode). The input is a float tensor
  // in C order (NCDHW for the 3-D segmentation networks); the result must be a float tensor
  // (a tuple or list result yields its first element). InvalidArgument when the shape does not
  // fit the data or torch rejects the input; Internal for other torch failures.
  Result<FloatTensor> Forward(const FloatTensor& input) const;

  // Sets libtorch's intra-op thread count for this process (at::set_num_threads); threads >= 1.
  static void SetNumThreads(int threads);
  static int NumThreads();

  const std::filesystem::path& path() const { return path_; }
  // The options in effect (freeze and optimize_for_inference are false when freezing was
  // asked for but failed).
  const TorchModelOptions& options() const { return options_; }

 private:
  struct Impl;
  TorchModel(std::unique_ptr<Impl> impl, std::filesystem::path path, TorchModelOptions options);
  std::unique_ptr<Impl> impl_;
  std::filesystem::path path_;
  TorchModelOptions options_;
};

}  // namespace openhi::infer
