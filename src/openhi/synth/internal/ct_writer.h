#pragma once
// Encodes one synthetic slice as a DICOM P10 CT Image Storage object (DCMTK stays inside
// ct_writer.cc). Thread-safe: no shared state beyond DCMTK's read-only data dictionary.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"
#include "openhi/synth/synth.h"

namespace openhi::synth::internal {

// Attributes shared by every slice of a series.
struct CtSeriesInfo {
  const SynthOptions* options = nullptr;  // not owned; validated
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string frame_of_reference_uid;
  std::array<double, 6> image_orientation_patient{};  // DS-exact (RoundToDs) values
};

// Attributes of one slice.
struct CtSliceInfo {
  std::string sop_instance_uid;
  int instance_number = 0;
  Vec3 image_position_mm{};      // DS-exact
  double slice_location_mm = 0;  // DS-exact
};

// kFailedPrecondition when DCMTK's data dictionary is not loaded (DCMDICTPATH).
Status CheckDicomDictionary();

// Encodes the slices of one series, reusing its buffers between slices. Not thread-safe: one
// encoder per thread.
class CtSliceEncoder {
 public:
  // `series` must outlive the encoder.
  explicit CtSliceEncoder(const CtSeriesInfo& series) : series_(series) {}

  // Encodes a slice; `stored` holds rows * columns stored values, row-major (two's complement
  // when signed). The view stays valid until the next call. kInternal when DCMTK fails.
  Result<ByteView> Encode(const CtSliceInfo& slice, std::span<const uint16_t> stored);

 private:
  const CtSeriesInfo& series_;
  std::vector<char> scratch_;  // DCMTK's output buffer
  Bytes out_;
};

// The shortest text of at most 16 characters (the DS limit) that reads back as `value`, or the
// closest such text when none is exact. "-0" is written as "0".
std::string FormatDs(double value);

// The value that FormatDs(value) reads back as.
double RoundToDs(double value);

}  // namespace openhi::synth::internal
