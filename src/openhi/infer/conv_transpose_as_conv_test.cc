#include "openhi/infer/internal/conv_transpose_as_conv.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "openhi/infer/torch_model.h"

namespace openhi::infer::internal {
namespace {

struct Case {
  std::vector<int64_t> kernel, stride, padding, output_padding, input;  // input: D, H, W
  bool bias;
};

// Largest |a - b| relative to the largest |b| (1 when b is all zeros).
double RelativeMaxDiff(const at::Tensor& a, const at::Tensor& b) {
  const double scale = std::max(1.0, b.abs().max().item<double>());
  return (a - b).abs().max().item<double>() / scale;
}

TEST(ConvTransposeAsConv, MatchesLibtorchAcrossShapes) {
  torch::manual_seed(7);
  const std::vector<Case> cases = {
      {{3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, {6, 6, 6}, true},   // MONAI UNet up-sampling
      {{3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {0, 0, 0}, {5, 6, 7}, true},   // odd output length
      {{2, 2, 2}, {2, 2, 2}, {0, 0, 0}, {0, 0, 0}, {4, 5, 3}, false},  // kernel == stride
      {{4, 4, 4}, {2, 2, 2}, {1, 1, 1}, {0, 0, 0}, {5, 4, 3}, true},
      {{3, 3, 3}, {3, 3, 3}, {1, 1, 1}, {2, 2, 2}, {4, 3, 2}, true},   // stride 3
      {{1, 1, 1}, {2, 2, 2}, {0, 0, 0}, {1, 1, 1}, {3, 3, 3}, true},   // kernel < stride
      {{5, 5, 5}, {2, 2, 2}, {2, 2, 2}, {1, 1, 1}, {4, 4, 4}, false},
      {{1, 3, 2}, {1, 2, 3}, {0, 1, 0}, {0, 1, 2}, {3, 5, 4}, true},   // anisotropic
      {{3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {4, 4, 4}, true},   // stride 1
  };
  for (const Case& c : cases) {
    const int64_t in_channels = 5, out_channels = 3;
    const at::Tensor x = torch::randn({2, in_channels, c.input[0], c.input[1], c.input[2]});
    const at::Tensor w =
        torch::randn({in_channels, out_channels, c.kernel[0], c.kernel[1], c.kernel[2]});
    c10::optional<at::Tensor> b;
    if (c.bias) b = torch::randn({out_channels});
    const at::Tensor expected = at::conv_transpose3d(x, w, b, c.stride, c.padding,
                                                     c.output_padding, 1, {1, 1, 1});
    const at::Tensor got = ConvTranspose3dAsConv(x, w, b, c.stride, c.padding, c.output_padding,
                                                 1, {1, 1, 1});
    SCOPED_TRACE("kernel " + std::to_string(c.kernel[0]) + " stride " +
                 std::to_string(c.stride[0]) + "," + std::to_string(c.stride[1]) + "," +
                 std::to_string(c.stride[2]));
    ASSERT_EQ(got.sizes(), expected.sizes());
    EXPECT_LT(RelativeMaxDiff(got, expected), 1e-5);
  }
}

TEST(ConvTransposeAsConv, UnsupportedConfigurationsUseLibtorchItself) {
  torch::manual_seed(8);
  const at::Tensor x = torch::randn({1, 4, 3, 3, 3});
  const at::Tensor grouped_w = torch::randn({4, 1, 3, 3, 3});
  EXPECT_TRUE(at::equal(ConvTranspose3dAsConv(x, grouped_w, {}, {2, 2, 2}, {1, 1, 1}, {0, 0, 0}, 2,
                                              {1, 1, 1}),
                        at::conv_transpose3d(x, grouped_w, {}, {2, 2, 2}, {1, 1, 1}, {0, 0, 0}, 2,
                                             {1, 1, 1})));
  const at::Tensor w = torch::randn({4, 2, 3, 3, 3});
  EXPECT_TRUE(at::equal(
      ConvTranspose3dAsConv(x, w, {}, {2, 2, 2}, {1, 1, 1}, {0, 0, 0}, 1, {2, 2, 2}),
      at::conv_transpose3d(x, w, {}, {2, 2, 2}, {1, 1, 1}, {0, 0, 0}, 1, {2, 2, 2})));
  const at::Tensor xd = x.to(at::kDouble), wd = w.to(at::kDouble);
  EXPECT_TRUE(at::equal(
      ConvTranspose3dAsConv(xd, wd, {}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, 1, {1, 1, 1}),
      at::conv_transpose3d(xd, wd, {}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, 1, {1, 1, 1})));
}

// A scripted module with a transposed convolution of its own and one in a submodule, as
// torch.jit.script writes nn.ConvTranspose3d.
torch::jit::Module UpsamplingModule() {
  torch::jit::Module inner("Inner");
  inner.register_parameter("weight", torch::randn({3, 2, 3, 3, 3}) * 0.2, false);
  inner.define(R"JIT(
def forward(self, x):
    return torch.conv_transpose3d(x, self.weight, None, [2, 2, 2], [1, 1, 1], [1, 1, 1], 1, [1, 1, 1])
)JIT");
  torch::jit::Module outer("Outer");
  outer.register_parameter("weight", torch::randn({1, 3, 3, 3, 3}) * 0.2, false);
  outer.register_parameter("bias", torch::randn({3}), false);
  outer.register_module("up", inner);
  outer.define(R"JIT(
def forward(self, x):
    y = torch.conv_transpose3d(x, self.weight, self.bias, [2, 2, 2], [1, 1, 1], [1, 1, 1], 1, [1, 1, 1])
    if bool(y.sum() > -1.0e30):
        y = self.up.forward(torch.relu(y))
    return y
)JIT");
  outer.eval();
  return outer;
}

TEST(ConvTransposeAsConv, RewritesEveryCallInTheModuleTree) {
  torch::manual_seed(9);
  torch::jit::Module module = UpsamplingModule();
  const at::Tensor x = torch::randn({2, 1, 5, 6, 4});
  const at::Tensor before = module.forward({x}).toTensor();
  EXPECT_EQ(RewriteConvTranspose3d(module), 2);
  EXPECT_EQ(RewriteConvTranspose3d(module), 0);  // nothing left to replace
  const at::Tensor after = module.forward({x}).toTensor();
  ASSERT_EQ(after.sizes(), before.sizes());
  EXPECT_EQ(after.size(2), 20);
  EXPECT_LT(RelativeMaxDiff(after, before), 1e-5);
}

TEST(ConvTransposeAsConv, TorchModelAppliesItByDefaultAndCanKeepTheModuleAsSaved) {
  torch::manual_seed(10);
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("openhi_conv_transpose_" + std::to_string(::getpid()) + ".ts");
  UpsamplingModule().save(path.string());
  EXPECT_TRUE(TorchModel::DefaultOptions().conv_transpose_as_conv);
  TorchModelOptions as_saved;
  as_saved.conv_transpose_as_conv = false;
  auto rewritten = TorchModel::Load(path);
  auto plain = TorchModel::Load(path, as_saved);
  std::filesystem::remove(path);
  ASSERT_TRUE(rewritten.ok()) << rewritten.status().ToString();
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_TRUE(rewritten->options().conv_transpose_as_conv);
  FloatTensor input;
  input.shape = {1, 1, 4, 4, 4};
  input.data.resize(64);
  for (size_t i = 0; i < input.data.size(); ++i) input.data[i] = static_cast<float>(i % 7) - 3.f;
  auto a = rewritten->Forward(input);
  auto b = plain->Forward(input);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->shape, b->shape);
  double max_diff = 0, max_abs = 1;
  for (size_t i = 0; i < a->data.size(); ++i) {
    max_diff = std::max(max_diff, static_cast<double>(std::abs(a->data[i] - b->data[i])));
    max_abs = std::max(max_abs, static_cast<double>(std::abs(b->data[i])));
  }
  EXPECT_LT(max_diff / max_abs, 1e-5);
}

}  // namespace
}  // namespace openhi::infer::internal
