#pragma once
// The geometry of one frame of a DICOM series, as the volume planner needs it, and its parsing
// from DICOM attribute text. No DICOM library here: the connector feeds it from AHI metadata
// JSON, the app SDK from dicom::DicomFile::GetString. Plain values and pure functions:
// thread-safe.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openhi/core/status.h"
#include "openhi/volume/geometry.h"

namespace openhi::volume {

// One frame (slice) of a series, from its DICOM attributes. Coordinates are DICOM patient
// coordinates (LPS, mm).
struct SliceGeometry {
  Vec3 position = {0, 0, 0};  // ImagePositionPatient: centre of the first transmitted pixel
  // ImageOrientationPatient: row direction (x, y, z: the direction of increasing column
  // index) then column direction (the direction of increasing row index). Need not be exactly
  // unit length; the planner normalises.
  std::array<double, 6> orientation = {1, 0, 0, 0, 1, 0};
  // PixelSpacing as in DICOM: [0] = row spacing (between the centres of adjacent rows, i.e.
  // along the column direction), [1] = column spacing (between adjacent columns).
  std::array<double, 2> pixel_spacing = {1, 1};
  uint32_t rows = 0;
  uint32_t columns = 0;
  double rescale_slope = 1;      // RescaleSlope, 1 when absent
  double rescale_intercept = 0;  // RescaleIntercept, 0 when absent
  // SliceThickness (mm), 0 when absent. Used only as the slice spacing of a one-slice volume.
  double slice_thickness_mm = 0;
};

// The attributes of one frame as DICOM text. Each multi-valued attribute may be given either
// as one string holding the DS multi-value joined by '\' ("1\0\0\0\1\0", as
// dicom::DicomFile::GetString returns it) or as one string per value (as AHI metadata JSON
// arrays hold them), or a mix: every element is split at '\'. Surrounding spaces are ignored.
struct SliceAttributeText {
  std::vector<std::string> image_position_patient;     // 3 values
  std::vector<std::string> image_orientation_patient;  // 6 values
  std::vector<std::string> pixel_spacing;              // 2 values
  uint32_t rows = 0;
  uint32_t columns = 0;
  std::string rescale_slope;      // empty when absent (then 1)
  std::string rescale_intercept;  // empty when absent (then 0)
  std::string slice_thickness;    // empty when absent (then 0)
};

// Parses decimal strings (DICOM DS: optional sign, digits, '.', exponent) split at '\' into
// exactly `count` finite doubles. kInvalidArgument naming `keyword` when a value is empty, not
// a number, not finite, or the count differs.
Result<std::vector<double>> ParseDecimalValues(std::span<const std::string> values, size_t count,
                                               std::string_view keyword);

// Parses the text attributes of one frame. kInvalidArgument (naming the attribute) for missing
// or malformed values, rows or columns of 0, PixelSpacing <= 0, or an orientation whose row or
// column vector has zero length. Geometric consistency across slices is PlanVolume's job.
Result<SliceGeometry> ParseSliceGeometry(const SliceAttributeText& text);

}  // namespace openhi::volume
