#pragma once
// A non-owning view of a 3-D voxel array with arbitrary (possibly negative) strides, so that
// reorientation (axis permutation and flips) costs no copy. Axis order is MONAI's array order
// (axis 0 slowest in a C-order torch tensor); `strides` are in elements.
// Thread-compatible: the view does not own or synchronise the data.
#include <array>
#include <cstdint>

namespace openhi::infer {

template <typename T>
struct StridedView {
  T* data = nullptr;  // element (0, 0, 0)
  std::array<int64_t, 3> shape = {0, 0, 0};
  std::array<int64_t, 3> strides = {0, 0, 0};

  int64_t Offset(int64_t a, int64_t b, int64_t c) const {
    return a * strides[0] + b * strides[1] + c * strides[2];
  }
  T& At(int64_t a, int64_t b, int64_t c) const { return data[Offset(a, b, c)]; }
  int64_t Count() const { return shape[0] * shape[1] * shape[2]; }
};

// A C-order view (axis 2 fastest) over `data` with `shape`.
template <typename T>
StridedView<T> COrderView(T* data, const std::array<int64_t, 3>& shape) {
  return StridedView<T>{data, shape, {shape[1] * shape[2], shape[2], 1}};
}

}  // namespace openhi::infer
