#pragma once
// PlanVolume: from the geometry of a series' slices to a regular voxel grid (DICOM LPS, mm),
// the spatial order of the slices and every geometric irregularity found. Phase one of volume
// assembly; phase two (slice_writer.h) writes each decoded frame into its slice, in parallel.
//
// Voxel order and axes (docs/formats/volume.md):
//   voxels[i + columns * (j + rows * k)]
//   i: column index, along the ImageOrientationPatient row direction, PixelSpacing[1] apart;
//   j: row index,    along the ImageOrientationPatient column direction, PixelSpacing[0] apart;
//   k: slice index,  in increasing order of the projection of ImagePositionPatient on the normal
//      n = row x column (never a sum of coordinates). Slice k = 0 is the most negative along n;
//      geometry.origin_mm is its ImagePositionPatient.
//   direction[2] is n, spacing_mm[2] the slice spacing along n; for a gantry-tilted series
//   (tolerated by default) direction[2] is instead the unit vector of the actual mean step
//   between slice origins and spacing_mm[2] its length, so VoxelToLps gives the real, sheared
//   voxel positions (direction[2] is then not orthogonal to direction[0..1]).
//
// Thread safety: pure functions over values.
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openhi/core/status.h"
#include "openhi/volume/geometry.h"
#include "openhi/volume/slice_geometry.h"

namespace openhi::volume {

enum class IssueKind {
  kDuplicatePosition,  // two or more slices at the same place along the normal
  kGap,                // one or more slices missing from an otherwise regular stack
  kIrregularSpacing,   // steps between slices differ beyond max_spacing_deviation
  kGantryTilt,         // slice origins advance along a vector that is not the normal
  kMixedOrientation,   // ImageOrientationPatient differs between slices (always fatal)
  kMixedSize,          // Rows/Columns differ between slices (always fatal)
  kMixedPixelSpacing,  // PixelSpacing differs between slices (always fatal)
  kSingleSlice,        // one slice only: the slice spacing is not measured
};

// "duplicate_position", "gap", ... (snake_case of the enumerator).
std::string_view IssueKindName(IssueKind kind);

struct GeometryIssue {
  IssueKind kind;
  std::string message;  // human-readable, positions in mm (LPS), input indices 0-based
};

enum class DuplicatePolicy {
  kReject,     // kFailedPrecondition (default)
  kKeepFirst,  // keep the slice with the lowest input index; the others are not placed
};
enum class GapPolicy {
  kReject,           // kFailedPrecondition (default)
  kFillEmptySlices,  // keep the regular grid: missing slices are placeholders holding
                     // PlanOptions::empty_slice_value (slice_order entry kNoSlice)
};
enum class IrregularSpacingPolicy {
  kReject,              // kFailedPrecondition (default): no regular grid holds these positions
  kStackAtMeanSpacing,  // slices stacked in order at the mean spacing (first and last slice
                        // exact); the issue message gives the largest position error in mm
};

// What is tolerated and what is fatal. Every irregularity found is reported in
// VolumePlan::issues when tolerated, or fails PlanVolume with kFailedPrecondition whose message
// lists the fatal issues ("gap: ...; irregular_spacing: ...").
struct PlanOptions {
  DuplicatePolicy duplicates = DuplicatePolicy::kReject;
  GapPolicy gaps = GapPolicy::kReject;
  IrregularSpacingPolicy irregular_spacing = IrregularSpacingPolicy::kReject;
  bool allow_gantry_tilt = true;   // false: a tilt is fatal
  bool allow_single_slice = true;  // false: one slice is fatal
  // A slice may sit at most this fraction of the slice spacing away from its grid position
  // (3D distance) before the stack counts as irregular.
  double max_spacing_deviation = 0.01;
  // Slices closer than this along the normal are duplicates; an in-plane drift of the slice
  // origins below this over the whole stack is not a tilt (mm).
  double position_tolerance_mm = 0.01;
  // Largest angle between the mean slice step and the normal that is not a tilt (degrees).
  double tilt_tolerance_deg = 0.01;
  // Largest difference of any direction cosine between slices' ImageOrientationPatient.
  double orientation_tolerance = 1e-4;
  // Value of the voxels of placeholder slices (GapPolicy::kFillEmptySlices), e.g. -1024 for CT.
  float empty_slice_value = 0;
};

struct VolumePlan {
  // slice_order entry of a placeholder slice (a filled gap).
  static constexpr size_t kNoSlice = std::numeric_limits<size_t>::max();

  VolumeGeometry geometry;
  // slice_order[k] = input index of the slice placed at k (kNoSlice for a filled gap).
  std::vector<size_t> slice_order;
  // slice_distance_mm[k] = signed distance along the normal from slice 0's position to the
  // actual position of the slice placed at k (for a filled gap: its grid position). Lets a
  // caller resample an irregular stack.
  std::vector<double> slice_distance_mm;
  // Input indices not placed (duplicates dropped by DuplicatePolicy::kKeepFirst), ascending.
  std::vector<size_t> dropped_slices;
  // Angle between the mean slice step and the normal (degrees, >= 0); 0 when untilted.
  double tilt_deg = 0;
  float empty_slice_value = 0;  // from PlanOptions
  // Every irregularity found, tolerated ones included, in the order above.
  std::vector<GeometryIssue> issues;

  bool HasIssue(IssueKind kind) const {
    for (const GeometryIssue& issue : issues) {
      if (issue.kind == kind) return true;
    }
    return false;
  }
};

// Plans the volume of `slices` (one frame each, any input order).
// Errors:
//   kInvalidArgument     no slices; a slice with non-finite values, rows/columns 0,
//                        PixelSpacing <= 0, or row/column directions of zero length or not
//                        orthogonal (|cos| > 1e-3)
//   kFailedPrecondition  mixed orientation, size or pixel spacing; duplicates, gaps,
//                        irregular spacing, tilt or a single slice that `options` rejects.
Result<VolumePlan> PlanVolume(std::span<const SliceGeometry> slices,
                              const PlanOptions& options = {});

}  // namespace openhi::volume
