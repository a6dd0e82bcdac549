#include "openhi/volume/slice_writer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <string>

namespace openhi::volume {
namespace {

static_assert(std::endian::native == std::endian::little,
              "codec::Image samples are little-endian; add a byte swap for big-endian hosts");

template <typename Sample>
void Rescale(const std::byte* in, size_t count, double slope, double intercept, float* out) {
  // Slope 1 with an integral intercept (most CT): integer arithmetic, exact and the same result
  // as the double formula (|value| < 2^24 is exact in float). Vectorised (-O3, CMakeLists).
  if (slope == 1.0 && intercept == std::floor(intercept) && std::abs(intercept) < (1 << 24)) {
    const int32_t offset = static_cast<int32_t>(intercept);
    for (size_t n = 0; n < count; ++n) {
      Sample v;
      std::memcpy(&v, in + n * sizeof(Sample), sizeof(Sample));
      out[n] = static_cast<float>(static_cast<int32_t>(v) + offset);
    }
    return;
  }
  for (size_t n = 0; n < count; ++n) {
    Sample v;
    std::memcpy(&v, in + n * sizeof(Sample), sizeof(Sample));
    out[n] = static_cast<float>(static_cast<double>(v) * slope + intercept);
  }
}

// `count` samples of frame layout `d` (monochrome) to rescaled floats.
void Convert(const codec::ImageDesc& d, const std::byte* in, size_t count, double slope,
             double intercept, float* out) {
  if (d.bytes_per_sample == 1) {
    d.is_signed ? Rescale<int8_t>(in, count, slope, intercept, out)
                : Rescale<uint8_t>(in, count, slope, intercept, out);
  } else {
    d.is_signed ? Rescale<int16_t>(in, count, slope, intercept, out)
                : Rescale<uint16_t>(in, count, slope, intercept, out);
  }
}

}  // namespace

Volume AllocateVolume(const VolumePlan& plan) {
  Volume v;
  v.geometry = plan.geometry;
  // Uninitialised (LargeVector): WriteSlice fills every placed slice, so only placeholder
  // slices of filled gaps are written here.
  v.voxels.resize(plan.geometry.VoxelCount());
  const size_t slice = plan.geometry.size[0] * plan.geometry.size[1];
  for (size_t k = 0; k < plan.slice_order.size() && k < plan.geometry.size[2]; ++k) {
    if (plan.slice_order[k] == VolumePlan::kNoSlice) {
      std::fill_n(v.voxels.data() + k * slice, slice, plan.empty_slice_value);
    }
  }
  return v;
}

Status SliceRowWriter::Begin(const VolumePlan& plan, size_t k, const codec::ImageDesc& d,
                             double slope, double intercept, Volume* volume) {
  slice_ = nullptr;
  const VolumeGeometry& g = plan.geometry;
  if (k >= g.size[2] || k >= plan.slice_order.size()) {
    return InvalidArgument("WriteSlice: slice " + std::to_string(k) + " out of range (" +
                           std::to_string(g.size[2]) + " slices)");
  }
  if (plan.slice_order[k] == VolumePlan::kNoSlice) {
    return InvalidArgument("WriteSlice: slice " + std::to_string(k) +
                           " is a placeholder for a missing slice");
  }
  if (volume == nullptr || volume->geometry.size != g.size ||
      volume->voxels.size() != g.VoxelCount()) {
    return InvalidArgument("WriteSlice: volume is not sized for the plan (use AllocateVolume)");
  }
  if (d.components != 1) {
    return InvalidArgument("WriteSlice: frame has " + std::to_string(d.components) +
                           " samples per pixel; only monochrome frames form a volume");
  }
  if (d.width != g.size[0] || d.height != g.size[1]) {
    return InvalidArgument("WriteSlice: frame is " + std::to_string(d.width) + "x" +
                           std::to_string(d.height) + ", the plan is " + std::to_string(g.size[0]) +
                           "x" + std::to_string(g.size[1]));
  }
  if (d.bytes_per_sample != 1 && d.bytes_per_sample != 2) {
    return InvalidArgument("WriteSlice: bytes_per_sample must be 1 or 2, got " +
                           std::to_string(d.bytes_per_sample));
  }
  if (!std::isfinite(slope) || !std::isfinite(intercept)) {
    return InvalidArgument("WriteSlice: rescale slope and intercept must be finite");
  }
  desc_ = d;
  slope_ = slope;
  intercept_ = intercept;
  slice_ = volume->voxels.data() + k * (size_t{d.width} * d.height);
  return Status::Ok();
}

Status SliceRowWriter::WriteRows(uint32_t first_row, ByteView bytes) const {
  if (slice_ == nullptr) return InvalidArgument("SliceRowWriter: Begin has not succeeded");
  const size_t row_bytes = size_t{desc_.width} * desc_.bytes_per_sample;
  const size_t rows = bytes.size() / row_bytes;
  if (rows == 0 || bytes.size() % row_bytes != 0) {
    return InvalidArgument("SliceRowWriter: " + std::to_string(bytes.size()) +
                           " bytes are not whole rows of " + std::to_string(row_bytes));
  }
  if (first_row >= desc_.height || rows > desc_.height - first_row) {
    return InvalidArgument("SliceRowWriter: rows " + std::to_string(first_row) + ".." +
                           std::to_string(first_row + rows - 1) + " outside the frame (" +
                           std::to_string(desc_.height) + " rows)");
  }
  Convert(desc_, bytes.data(), rows * desc_.width, slope_, intercept_,
          slice_ + size_t{first_row} * desc_.width);
  return Status::Ok();
}

Status WriteSlice(const VolumePlan& plan, size_t k, const codec::Image& frame, double slope,
                  double intercept, Volume* volume) {
  SliceRowWriter writer;
  OPENHI_RETURN_IF_ERROR(writer.Begin(plan, k, frame.desc, slope, intercept, volume));
  const codec::ImageDesc& d = frame.desc;
  if (frame.samples.size() != d.FrameBytes()) {
    return InvalidArgument("WriteSlice: frame holds " + std::to_string(frame.samples.size()) +
                           " bytes, expected " + std::to_string(d.FrameBytes()));
  }
  // Rows are contiguous: convert the whole frame in one call.
  const size_t count = size_t{d.width} * d.height;
  Convert(d, frame.samples.data(), count, slope, intercept,
          volume->voxels.data() + k * count);
  return Status::Ok();
}

}  // namespace openhi::volume
