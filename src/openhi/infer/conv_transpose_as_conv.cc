#include "openhi/infer/internal/conv_transpose_as_conv.h"

#include <torch/csrc/jit/passes/subgraph_rewrite.h>

#include <algorithm>
#include <array>
#include <vector>

namespace openhi::infer::internal {
namespace {

// One spatial dimension of a transposed convolution y[o] = sum x[i] w[k] over o = i*s - p + k.
// Output phase r (o = m*s + r) reads x[m + offset] * w[k] for its taps (offset, k).
struct AxisPlan {
  struct Tap {
    int64_t offset;  // input index minus m
    int64_t k;       // kernel index
  };
  std::vector<std::vector<Tap>> taps;  // per phase r in [0, s)
  int64_t out_length = 0;              // Lout
  int64_t per_phase = 0;               // M = ceil(Lout / s): outputs of the regular convolution
  int64_t lo = 0, span = 1;            // offsets cover [lo, lo + span)
  int64_t pad_before = 0, pad_after = 0;  // input padding (negative: cropping)
};

AxisPlan PlanAxis(int64_t length, int64_t kernel, int64_t s, int64_t p, int64_t output_padding) {
  AxisPlan a;
  a.out_length = (length - 1) * s - 2 * p + kernel + output_padding;
  a.per_phase = (a.out_length + s - 1) / s;
  a.taps.resize(static_cast<size_t>(s));
  int64_t lo = 0, hi = 0;
  bool any = false;
  for (int64_t r = 0; r < s; ++r) {
    const int64_t k0 = (r + p) % s, q = (r + p) / s;
    for (int64_t j = 0; k0 + j * s < kernel; ++j) {
      const int64_t offset = q - j;
      a.taps[static_cast<size_t>(r)].push_back({offset, k0 + j * s});
      lo = any ? std::min(lo, offset) : offset;
      hi = any ? std::max(hi, offset) : offset;
      any = true;
    }
  }
  a.lo = lo;
  a.span = hi - lo + 1;
  a.pad_before = -lo;
  a.pad_after = (a.per_phase - 1 + hi) - (length - 1);
  return a;
}

}  // namespace

at::Tensor ConvTranspose3dAsConv(const at::Tensor& input, const at::Tensor& weight,
                                 const c10::optional<at::Tensor>& bias, c10::IntArrayRef stride,
                                 c10::IntArrayRef padding, c10::IntArrayRef output_padding,
                                 int64_t groups, c10::IntArrayRef dilation) {
  auto all_one = [](c10::IntArrayRef v) {
    return std::all_of(v.begin(), v.end(), [](int64_t x) { return x == 1; });
  };
  const bool supported = groups == 1 && all_one(dilation) && input.dim() == 5 &&
                         weight.dim() == 5 && input.scalar_type() == at::kFloat &&
                         weight.scalar_type() == at::kFloat && stride.size() == 3 &&
                         padding.size() == 3 && output_padding.size() == 3 &&
                         input.size(1) == weight.size(0);
  if (!supported) {
    return at::conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups,
                                dilation);
  }
  const int64_t n = input.size(0), in_channels = weight.size(0), out_channels = weight.size(1);
  std::array<AxisPlan, 3> axes;
  for (size_t d = 0; d < 3; ++d) {
    axes[d] = PlanAxis(input.size(static_cast<int64_t>(d) + 2), weight.size(static_cast<int64_t>(d) + 2),
                       stride[d], padding[d], output_padding[d]);
  }
  const int64_t s0 = stride[0], s1 = stride[1], s2 = stride[2];
  // Combined weight [out, s0, s1, s2, in, span0, span1, span2]: every kernel tap lands in
  // exactly one phase per axis, so this is a scatter of the 27 (for 3^3) taps.
  at::Tensor combined = at::zeros({out_channels, s0, s1, s2, in_channels, axes[0].span,
                                   axes[1].span, axes[2].span},
                                  weight.options());
  const at::Tensor w = weight.transpose(0, 1);  // [out, in, kD, kH, kW]
  for (int64_t r0 = 0; r0 < s0; ++r0) {
    for (int64_t r1 = 0; r1 < s1; ++r1) {
      for (int64_t r2 = 0; r2 < s2; ++r2) {
        at::Tensor phase = combined.select(1, r0).select(1, r1).select(1, r2);
        for (const auto& t0 : axes[0].taps[static_cast<size_t>(r0)]) {
          for (const auto& t1 : axes[1].taps[static_cast<size_t>(r1)]) {
            for (const auto& t2 : axes[2].taps[static_cast<size_t>(r2)]) {
              phase.select(2, t0.offset - axes[0].lo)
                  .select(2, t1.offset - axes[1].lo)
                  .select(2, t2.offset - axes[2].lo)
                  .copy_(w.select(2, t0.k).select(2, t1.k).select(2, t2.k));
            }
          }
        }
      }
    }
  }
  combined = combined.reshape(
      {out_channels * s0 * s1 * s2, in_channels, axes[0].span, axes[1].span, axes[2].span});
  c10::optional<at::Tensor> combined_bias;
  if (bias.has_value() && bias->defined()) combined_bias = bias->repeat_interleave(s0 * s1 * s2);

  at::Tensor x = input;
  const std::vector<int64_t> pads{axes[2].pad_before, axes[2].pad_after, axes[1].pad_before,
                                  axes[1].pad_after,  axes[0].pad_before, axes[0].pad_after};
  if (std::any_of(pads.begin(), pads.end(), [](int64_t v) { return v != 0; })) {
    x = at::constant_pad_nd(input, pads, 0);
  }
  const at::Tensor phases = at::conv3d(x, combined, combined_bias);  // [n, out*s^3, M0, M1, M2]
  const int64_t m0 = axes[0].per_phase, m1 = axes[1].per_phase, m2 = axes[2].per_phase;
  at::Tensor y = phases.view({n, out_channels, s0, s1, s2, m0, m1, m2})
                     .permute({0, 1, 5, 2, 6, 3, 7, 4})
                     .reshape({n, out_channels, m0 * s0, m1 * s1, m2 * s2});
  if (m0 * s0 != axes[0].out_length || m1 * s1 != axes[1].out_length ||
      m2 * s2 != axes[2].out_length) {
    y = y.slice(2, 0, axes[0].out_length)
            .slice(3, 0, axes[1].out_length)
            .slice(4, 0, axes[2].out_length)
            .contiguous();
  }
  return y;
}

TORCH_LIBRARY(openhi, m) {
  m.def(
      "conv_transpose3d_as_conv(Tensor input, Tensor weight, Tensor? bias, int[] stride, "
      "int[] padding, int[] output_padding, int groups, int[] dilation) -> Tensor",
      &ConvTranspose3dAsConv);
}

namespace {

int CountCalls(const torch::jit::Block* block, c10::Symbol kind) {
  int calls = 0;
  for (const torch::jit::Node* node : block->nodes()) {
    if (node->kind() == kind) ++calls;
    for (const torch::jit::Block* inner : node->blocks()) calls += CountCalls(inner, kind);
  }
  return calls;
}

}  // namespace

int RewriteConvTranspose3d(torch::jit::Module& module) {
  const c10::Symbol kind = c10::Symbol::fromQualString("aten::conv_transpose3d");
  auto count = [&](torch::jit::Module& m) {
    int calls = 0;
    for (const torch::jit::Module& sub : m.modules()) {
      for (const torch::jit::Method& method : sub.get_methods()) {
        calls += CountCalls(method.graph()->block(), kind);
      }
    }
    return calls;
  };
  const int before = count(module);
  if (before == 0) return 0;
  torch::jit::SubgraphRewriter rewriter;
  rewriter.RegisterRewritePattern(R"IR(
graph(%x, %w, %b, %stride, %padding, %output_padding, %groups, %dilation):
  %y = aten::conv_transpose3d(%x, %w, %b, %stride, %padding, %output_padding, %groups, %dilation)
  return (%y))IR",
                                  R"IR(
graph(%x, %w, %b, %stride, %padding, %output_padding, %groups, %dilation):
  %y = openhi::conv_transpose3d_as_conv(%x, %w, %b, %stride, %padding, %output_padding, %groups, %dilation)
  return (%y))IR");
  for (torch::jit::Module sub : module.modules()) rewriter.runOnModule(sub);
  return before - count(module);
}

}  // namespace openhi::infer::internal
