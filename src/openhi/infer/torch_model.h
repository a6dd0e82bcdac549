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

class TorchModel {
 public:
  // Loads a TorchScript archive (torch.jit.save / torch::jit::Module::save) onto the CPU and
  // switches it to eval mode. NotFound when `path` does not exist or is not a regular file;
  // InvalidArgument when it is not a readable TorchScript archive.
  static Result<TorchModel> Load(const std::filesystem::path& path);

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

 private:
  struct Impl;
  explicit TorchModel(std::unique_ptr<Impl> impl, std::filesystem::path path);
  std::unique_ptr<Impl> impl_;
  std::filesystem::path path_;
};

}  // namespace openhi::infer
