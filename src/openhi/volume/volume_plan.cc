#include "openhi/volume/volume_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <numeric>

#include "openhi/volume/internal/vec_math.h"

namespace openhi::volume {
namespace {

using internal::Cross;
using internal::Dot;
using internal::IsFinite;
using internal::Norm;
using internal::Normalized;
using internal::Scale;
using internal::Sub;

// Row and column directions of two slices must agree within this after normalisation
// (|cos| of the angle between them); beyond it the input is not a valid orientation.
constexpr double kMaxRowColumnCosine = 1e-3;
// PixelSpacing of two slices must agree to this relative difference.
constexpr double kPixelSpacingRelativeTolerance = 1e-4;

std::string Mm(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}
std::string Lps(const Vec3& p) { return "(" + Mm(p[0]) + ", " + Mm(p[1]) + ", " + Mm(p[2]) + ")"; }
std::string Deg(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

struct Oriented {
  Vec3 row, column;  // unit
};

Result<Oriented> ValidateSlice(const SliceGeometry& s, size_t index) {
  const std::string where = "slice " + std::to_string(index) + ": ";
  Vec3 row = {s.orientation[0], s.orientation[1], s.orientation[2]};
  Vec3 column = {s.orientation[3], s.orientation[4], s.orientation[5]};
  if (!IsFinite(s.position) || !IsFinite(row) || !IsFinite(column) ||
      !std::isfinite(s.pixel_spacing[0]) || !std::isfinite(s.pixel_spacing[1]) ||
      !std::isfinite(s.slice_thickness_mm)) {
    return InvalidArgument(where + "non-finite position, orientation or spacing");
  }
  if (s.rows == 0 || s.columns == 0) return InvalidArgument(where + "rows and columns must be > 0");
  if (s.pixel_spacing[0] <= 0 || s.pixel_spacing[1] <= 0) {
    return InvalidArgument(where + "PixelSpacing must be > 0 mm");
  }
  if (Norm(row) == 0 || Norm(column) == 0) {
    return InvalidArgument(where + "ImageOrientationPatient direction of zero length");
  }
  Oriented o{Normalized(row), Normalized(column)};
  if (std::abs(Dot(o.row, o.column)) > kMaxRowColumnCosine) {
    return InvalidArgument(where + "ImageOrientationPatient row and column are not orthogonal");
  }
  return o;
}

double MaxAbsDifference(const Vec3& a, const Vec3& b) {
  return std::max({std::abs(a[0] - b[0]), std::abs(a[1] - b[1]), std::abs(a[2] - b[2])});
}

// Collects issues; fatal ones also go to the error message.
class IssueLog {
 public:
  void Add(IssueKind kind, std::string message, bool fatal) {
    if (fatal) {
      if (!fatal_.empty()) fatal_ += "; ";
      fatal_ += std::string(IssueKindName(kind)) + ": " + message;
    }
    issues_.push_back({kind, std::move(message)});
  }
  bool HasFatal() const { return !fatal_.empty(); }
  Status FatalStatus() const { return FailedPrecondition(fatal_); }
  std::vector<GeometryIssue> Take() { return std::move(issues_); }

 private:
  std::vector<GeometryIssue> issues_;
  std::string fatal_;
};

// Orientation, size and pixel spacing must be the same on every slice (always fatal).
Status CheckConsistent(std::span<const SliceGeometry> slices, std::span<const Oriented> dirs,
                       const PlanOptions& options) {
  IssueLog log;
  const SliceGeometry& ref = slices[0];
  bool orientation_reported = false, size_reported = false, spacing_reported = false;
  for (size_t i = 1; i < slices.size(); ++i) {
    const SliceGeometry& s = slices[i];
    double dev = std::max(MaxAbsDifference(dirs[i].row, dirs[0].row),
                          MaxAbsDifference(dirs[i].column, dirs[0].column));
    if (dev > options.orientation_tolerance && !orientation_reported) {
      orientation_reported = true;
      log.Add(IssueKind::kMixedOrientation,
              "slice " + std::to_string(i) + " has row " + Lps(dirs[i].row) + " column " +
                  Lps(dirs[i].column) + ", slice 0 has row " + Lps(dirs[0].row) + " column " +
                  Lps(dirs[0].column) + " (a volume needs one ImageOrientationPatient)",
              true);
    }
    if ((s.rows != ref.rows || s.columns != ref.columns) && !size_reported) {
      size_reported = true;
      log.Add(IssueKind::kMixedSize,
              "slice " + std::to_string(i) + " is " + std::to_string(s.columns) + "x" +
                  std::to_string(s.rows) + " (columns x rows), slice 0 is " +
                  std::to_string(ref.columns) + "x" + std::to_string(ref.rows),
              true);
    }
    bool spacing_differs = false;
    for (int a = 0; a < 2; ++a) {
      spacing_differs |= std::abs(s.pixel_spacing[a] - ref.pixel_spacing[a]) >
                         kPixelSpacingRelativeTolerance * ref.pixel_spacing[a];
    }
    if (spacing_differs && !spacing_reported) {
      spacing_reported = true;
      log.Add(IssueKind::kMixedPixelSpacing,
              "slice " + std::to_string(i) + " has PixelSpacing " + Mm(s.pixel_spacing[0]) + "\\" +
                  Mm(s.pixel_spacing[1]) + " mm, slice 0 has " + Mm(ref.pixel_spacing[0]) + "\\" +
                  Mm(ref.pixel_spacing[1]) + " mm",
              true);
    }
  }
  return log.HasFatal() ? log.FatalStatus() : Status::Ok();
}

// Groups the sorted slices into runs closer than the tolerance along the normal, keeps the
// lowest input index of each run and reports the runs of more than one slice.
std::vector<size_t> ResolveDuplicates(std::span<const size_t> sorted, std::span<const double> key,
                                      std::span<const SliceGeometry> slices,
                                      const PlanOptions& options, IssueLog* log,
                                      std::vector<size_t>* dropped) {
  std::vector<size_t> kept;
  for (size_t start = 0; start < sorted.size();) {
    size_t end = start + 1;
    while (end < sorted.size() &&
           key[sorted[end]] - key[sorted[start]] < options.position_tolerance_mm) {
      ++end;
    }
    std::vector<size_t> run(sorted.begin() + start, sorted.begin() + end);
    std::sort(run.begin(), run.end());
    kept.push_back(run[0]);
    if (run.size() > 1) {
      std::string list;
      for (size_t idx : run) list += (list.empty() ? "" : ", ") + std::to_string(idx);
      bool keep_first = options.duplicates == DuplicatePolicy::kKeepFirst;
      log->Add(IssueKind::kDuplicatePosition,
               std::to_string(run.size()) + " slices (input indices " + list + ") at " +
                   Mm(key[run[0]]) + " mm along the normal, LPS " + Lps(slices[run[0]].position) +
                   " mm" + (keep_first ? "; kept input index " + std::to_string(run[0]) : ""),
               !keep_first);
      dropped->insert(dropped->end(), run.begin() + 1, run.end());
    }
    start = end;
  }
  std::sort(dropped->begin(), dropped->end());
  return kept;
}

struct GridFit {
  Vec3 step;             // LPS vector between consecutive grid slices
  double spacing_along;  // step projected on the normal (mm)
  double max_error_mm;   // largest 3D distance of a slice from its grid position
  size_t worst;          // position in `kept` of that slice
};

// Fits kept slice k to grid slot slot[k] (slot[0] = 0), with the step vector either along the
// normal or (tilted) along the actual span.
GridFit FitGrid(std::span<const size_t> kept, std::span<const size_t> slot,
                std::span<const SliceGeometry> slices, const Vec3& normal, bool tilted) {
  const Vec3& first = slices[kept.front()].position;
  Vec3 span = Sub(slices[kept.back()].position, first);
  double intervals = static_cast<double>(slot.back());
  GridFit fit;
  fit.spacing_along = Dot(span, normal) / intervals;
  fit.step = tilted ? Scale(span, 1.0 / intervals) : Scale(normal, fit.spacing_along);
  fit.max_error_mm = 0;
  fit.worst = 0;
  for (size_t k = 0; k < kept.size(); ++k) {
    Vec3 expected = internal::Add(first, Scale(fit.step, static_cast<double>(slot[k])));
    double err = Norm(Sub(slices[kept[k]].position, expected));
    if (err > fit.max_error_mm) {
      fit.max_error_mm = err;
      fit.worst = k;
    }
  }
  return fit;
}

}  // namespace

std::string_view IssueKindName(IssueKind kind) {
  switch (kind) {
    case IssueKind::kDuplicatePosition:
      return "duplicate_position";
    case IssueKind::kGap:
      return "gap";
    case IssueKind::kIrregularSpacing:
      return "irregular_spacing";
    case IssueKind::kGantryTilt:
      return "gantry_tilt";
    case IssueKind::kMixedOrientation:
      return "mixed_orientation";
    case IssueKind::kMixedSize:
      return "mixed_size";
    case IssueKind::kMixedPixelSpacing:
      return "mixed_pixel_spacing";
    case IssueKind::kSingleSlice:
      return "single_slice";
  }
  return "unknown";
}

Result<VolumePlan> PlanVolume(std::span<const SliceGeometry> slices, const PlanOptions& options) {
  if (slices.empty()) return InvalidArgument("PlanVolume: no slices");
  if (!(options.position_tolerance_mm > 0) || !(options.max_spacing_deviation > 0) ||
      !(options.tilt_tolerance_deg >= 0) || !(options.orientation_tolerance >= 0)) {
    return InvalidArgument("PlanVolume: tolerances must be > 0 (position, spacing) or >= 0");
  }
  std::vector<Oriented> dirs;
  dirs.reserve(slices.size());
  for (size_t i = 0; i < slices.size(); ++i) {
    OPENHI_ASSIGN_OR_RETURN(Oriented o, ValidateSlice(slices[i], i));
    dirs.push_back(o);
  }
  OPENHI_RETURN_IF_ERROR(CheckConsistent(slices, dirs, options));

  const SliceGeometry& ref = slices[0];
  const Vec3 normal = Normalized(Cross(dirs[0].row, dirs[0].column));
  // The sort key: the projection of ImagePositionPatient on the normal (signed mm).
  std::vector<double> key(slices.size());
  for (size_t i = 0; i < slices.size(); ++i) key[i] = Dot(slices[i].position, normal);
  std::vector<size_t> sorted(slices.size());
  std::iota(sorted.begin(), sorted.end(), size_t{0});
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](size_t a, size_t b) { return key[a] < key[b]; });

  VolumePlan plan;
  plan.empty_slice_value = options.empty_slice_value;
  IssueLog log;
  std::vector<size_t> kept =
      ResolveDuplicates(sorted, key, slices, options, &log, &plan.dropped_slices);

  VolumeGeometry& g = plan.geometry;
  g.origin_mm = slices[kept[0]].position;
  g.spacing_mm = {ref.pixel_spacing[1], ref.pixel_spacing[0], 1.0};
  g.direction = {dirs[0].row, dirs[0].column, normal};
  g.size = {ref.columns, ref.rows, 0};

  if (kept.size() == 1) {
    g.spacing_mm[2] = ref.slice_thickness_mm > 0 ? ref.slice_thickness_mm : 1.0;
    log.Add(IssueKind::kSingleSlice,
            "one slice (input index " + std::to_string(kept[0]) + ") at LPS " + Lps(g.origin_mm) +
                " mm; slice spacing not measured, using " +
                (ref.slice_thickness_mm > 0 ? "SliceThickness " : "") + Mm(g.spacing_mm[2]) + " mm",
            !options.allow_single_slice);
    if (log.HasFatal()) return log.FatalStatus();
    g.size[2] = 1;
    plan.slice_order = kept;
    plan.slice_distance_mm = {0.0};
    plan.issues = log.Take();
    return plan;
  }

  // Steps along the normal between consecutive kept slices, and the grid slot of each slice
  // when every step is a whole number of nominal steps. The nominal step is the smallest one
  // (robust to any number of gaps); FitGrid below checks the slots really form a grid.
  const size_t m = kept.size();
  std::vector<double> steps(m - 1);
  for (size_t k = 0; k + 1 < m; ++k) steps[k] = key[kept[k + 1]] - key[kept[k]];
  const double nominal = *std::min_element(steps.begin(), steps.end());
  std::vector<size_t> slot(m, 0);
  for (size_t k = 1; k < m; ++k) {
    slot[k] = slot[k - 1] +
              std::max<size_t>(1, static_cast<size_t>(std::llround(steps[k - 1] / nominal)));
  }
  std::vector<size_t> stacked(m);
  std::iota(stacked.begin(), stacked.end(), size_t{0});

  // Tilt: the in-plane drift of the slice origins over the whole stack.
  const Vec3 span = Sub(slices[kept.back()].position, slices[kept.front()].position);
  const double along = Dot(span, normal);
  const double drift = Norm(Sub(span, Scale(normal, along)));
  plan.tilt_deg = std::atan2(drift, along) * 180.0 / std::numbers::pi;
  const bool tilted =
      drift > options.position_tolerance_mm && plan.tilt_deg > options.tilt_tolerance_deg;
  if (!tilted) plan.tilt_deg = 0;

  GridFit fit = FitGrid(kept, slot, slices, normal, tilted);
  bool regular = fit.max_error_mm <= options.max_spacing_deviation * fit.spacing_along;
  bool fill_gaps = false;
  if (regular && slot.back() + 1 > m) {
    for (size_t k = 1; k < m; ++k) {
      size_t missing = slot[k] - slot[k - 1] - 1;
      if (missing == 0) continue;
      bool fill = options.gaps == GapPolicy::kFillEmptySlices;
      log.Add(IssueKind::kGap,
              std::to_string(missing) + " slice(s) missing between " + Mm(key[kept[k - 1]]) +
                  " and " + Mm(key[kept[k]]) + " mm along the normal (input index " +
                  std::to_string(kept[k - 1]) + " at LPS " + Lps(slices[kept[k - 1]].position) +
                  ", input index " + std::to_string(kept[k]) + " at LPS " +
                  Lps(slices[kept[k]].position) + " mm), slice spacing " + Mm(fit.spacing_along) +
                  " mm" + (fill ? "; filled with empty slices" : ""),
              !fill);
    }
    fill_gaps = true;
  } else if (!regular) {
    GridFit stacked_fit = FitGrid(kept, stacked, slices, normal, tilted);
    auto [min_it, max_it] = std::minmax_element(steps.begin(), steps.end());
    bool stack = options.irregular_spacing == IrregularSpacingPolicy::kStackAtMeanSpacing;
    size_t worst = kept[stacked_fit.worst];
    log.Add(IssueKind::kIrregularSpacing,
            "steps along the normal range " + Mm(*min_it) + " to " + Mm(*max_it) + " mm over " +
                std::to_string(m) + " slices; on a regular grid at the mean spacing " +
                Mm(stacked_fit.spacing_along) + " mm, input index " + std::to_string(worst) +
                " at LPS " + Lps(slices[worst].position) + " mm is " +
                Mm(stacked_fit.max_error_mm) + " mm from its grid position" +
                (stack ? "; tolerated: slices stacked at the mean spacing" : ""),
            !stack);
    fit = stacked_fit;
    slot = stacked;
  }

  if (tilted) {
    Vec3 unit_step = Normalized(fit.step);
    log.Add(IssueKind::kGantryTilt,
            "slice origins advance along " + Lps(unit_step) + ", " + Deg(plan.tilt_deg) +
                " deg from the normal " + Lps(normal) + " (in-plane drift " + Mm(drift) +
                " mm over the stack); direction[2] is the mean step, so voxel positions are the "
                "real sheared positions",
            !options.allow_gantry_tilt);
  }
  if (log.HasFatal()) return log.FatalStatus();

  if (tilted) {
    g.spacing_mm[2] = Norm(fit.step);
    g.direction[2] = Normalized(fit.step);
  } else {
    g.spacing_mm[2] = fit.spacing_along;
  }
  const size_t slots = (fill_gaps ? slot.back() : m - 1) + 1;
  g.size[2] = slots;
  plan.slice_order.assign(slots, VolumePlan::kNoSlice);
  plan.slice_distance_mm.resize(slots);
  for (size_t s = 0; s < slots; ++s)
    plan.slice_distance_mm[s] = static_cast<double>(s) * fit.spacing_along;
  for (size_t k = 0; k < m; ++k) {
    plan.slice_order[slot[k]] = kept[k];
    plan.slice_distance_mm[slot[k]] = key[kept[k]] - key[kept[0]];
  }
  plan.issues = log.Take();
  return plan;
}

}  // namespace openhi::volume
