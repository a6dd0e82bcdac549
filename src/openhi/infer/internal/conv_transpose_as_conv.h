#pragma once
// Transposed 3-D convolutions computed as regular ones (issue #5's compute-bound push).
//
// libtorch 1.13 runs every regular 3-D convolution of the spleen UNet on oneDNN, but its four
// transposed convolutions on the slow im2col path (slow_conv_transpose3d), whose GEMMs go to
// whatever libblas.so.3 is selected: with Debian's reference BLAS they were half of the
// network's time. A transposed convolution with stride s is s^3 interleaved regular
// convolutions (one per output phase); ConvTranspose3dAsConv runs them as ONE oneDNN
// convolution whose output channels are (output channel, phase) pairs, then interleaves the
// phases (a 3-D pixel shuffle). Same sums in another order: outputs equal within float rounding
// (max |diff| ~5e-6 on the UNet's logits; bench/README.md).
//
// Internal to openhi_infer: only torch_model.cc and the tests include it (torch headers).
#include <cstdint>

#include <torch/script.h>

namespace openhi::infer::internal {

// y = at::conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups,
// dilation) for an NCDHW float input and weight [in, out, kD, kH, kW]. Computed as described
// above when groups == 1, dilation == 1 and the input is a 5-D float32 tensor; otherwise by
// at::conv_transpose3d itself. Thread safety: as at::conv3d.
at::Tensor ConvTranspose3dAsConv(const at::Tensor& input, const at::Tensor& weight,
                                 const c10::optional<at::Tensor>& bias, c10::IntArrayRef stride,
                                 c10::IntArrayRef padding, c10::IntArrayRef output_padding,
                                 int64_t groups, c10::IntArrayRef dilation);

// Replaces every aten::conv_transpose3d call in the methods of `module` and of all its
// submodules with the registered operator openhi::conv_transpose3d_as_conv (the function
// above). Returns how many calls were replaced. Scripted modules (torch.jit.script, as MONAI
// bundles export) call aten::conv_transpose3d; traced ones call aten::_convolution and are left
// as they are.
int RewriteConvTranspose3d(torch::jit::Module& module);

}  // namespace openhi::infer::internal
