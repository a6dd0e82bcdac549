#pragma once
// A dense float tensor in C order (last dimension fastest): the plain type that crosses the
// torch boundary of openhi_infer, so that no torch type appears in a public header.
#include <cstdint>
#include <string>
#include <vector>

namespace openhi::infer {

struct FloatTensor {
  std::vector<int64_t> shape;
  std::vector<float> data;  // size == product of shape

  int64_t NumElements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  std::string ShapeString() const {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
  }
};

}  // namespace openhi::infer
