#include "openhi/synth/synth.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <system_error>

#include "openhi/core/file_util.h"
#include "openhi/synth/internal/ct_writer.h"
#include "openhi/synth/internal/phantom.h"
#include "openhi/synth/internal/random.h"
#include "openhi/synth/nrrd.h"

namespace openhi::synth {
namespace fs = std::filesystem;
using internal::RoundToDs;

namespace {

constexpr size_t kMaxVoxels = size_t{1} << 30;
constexpr double kPi = 3.14159265358979323846;

double Dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec3 Cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
Vec3 Normalized(const Vec3& v) {
  const double n = std::sqrt(Dot(v, v));
  return {v[0] / n, v[1] / n, v[2] / n};
}

std::array<double, 6> PresetOrientation(Orientation orientation) {
  switch (orientation) {
    case Orientation::kAxial:
      return {1, 0, 0, 0, 1, 0};
    case Orientation::kCoronal:
      return {1, 0, 0, 0, 0, -1};
    case Orientation::kSagittal:
      return {0, 1, 0, 0, 0, -1};
    case Orientation::kOblique:
      break;
  }
  // Axial rotated by 20 degrees about L (a gantry tilt), then by 15 degrees about S.
  const double t = 20 * kPi / 180, a = 15 * kPi / 180;
  return {std::cos(a), std::sin(a), 0, -std::sin(a) * std::cos(t), std::cos(a) * std::cos(t),
          std::sin(t)};
}

// A position in mm rounded to 1e-9 mm and then to a DS value (so -66.249999999999 is -66.25).
double RoundMm(double v) { return RoundToDs(std::nearbyint(v * 1e9) / 1e9); }

bool IsFinite(const Vec3& v) {
  return std::isfinite(v[0]) && std::isfinite(v[1]) && std::isfinite(v[2]);
}

Status CheckText(std::string_view field, const std::string& value) {
  if (value.size() > 64) return InvalidArgument(std::string(field) + ": longer than 64 characters");
  for (char c : value) {
    if (c < 0x20 || c > 0x7E || c == '\\') {
      return InvalidArgument(std::string(field) + ": only printable ASCII without '\\' allowed");
    }
  }
  return Status::Ok();
}

bool IsValidUid(const std::string& uid) {
  if (uid.empty() || uid.size() > 64) return false;
  size_t start = 0;
  while (true) {
    size_t end = uid.find('.', start);
    if (end == std::string::npos) end = uid.size();
    const std::string_view part(uid.data() + start, end - start);
    if (part.empty() || (part.size() > 1 && part[0] == '0')) return false;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
    }
    if (end == uid.size()) return true;
    start = end + 1;
  }
}

// FNV-1a over a canonical text of every option that shapes the output, so that UIDs differ
// between variants written with one seed.
uint64_t OptionsFingerprint(const SynthOptions& o) {
  char buf[1024];
  const auto& iop = o.image_orientation_patient;
  std::snprintf(buf, sizeof buf,
                "%d %d %d %a %a %a %a %d %d %a %a %a %a %a %a %d %d %d %d %d %a %a %a %a %a %a "
                "%a %a %d",
                o.slices, o.rows, o.columns, o.row_spacing_mm, o.column_spacing_mm,
                o.slice_spacing_mm, o.slice_thickness_mm, static_cast<int>(o.orientation),
                iop.has_value(), iop ? (*iop)[0] : 0, iop ? (*iop)[1] : 0, iop ? (*iop)[2] : 0,
                iop ? (*iop)[3] : 0, iop ? (*iop)[4] : 0, iop ? (*iop)[5] : 0,
                static_cast<int>(o.order), static_cast<int>(o.pixel_representation), o.bits_stored,
                static_cast<int>(o.transfer_syntax), o.blob, o.blob_center_mm[0],
                o.blob_center_mm[1], o.blob_center_mm[2], o.blob_radii_mm[0], o.blob_radii_mm[1],
                o.blob_radii_mm[2], o.blob_hu, o.noise_sigma_hu, o.series_number);
  std::string text = buf;
  // Options added later enter only when they differ from their defaults, so that the UIDs of
  // existing variants do not change.
  if (o.rescale_slope != 1) {
    std::snprintf(buf, sizeof buf, " slope %a", o.rescale_slope);
    text += buf;
  }
  if (o.patient_position != "HFS") text += " position " + o.patient_position;
  for (const std::string* s : {&o.patient_name, &o.patient_id, &o.study_description,
                               &o.series_description, &o.study_date, &o.study_instance_uid}) {
    text += '\x1f' + *s;
  }
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

// The series grid: centred on the LPS origin, DS-exact orientation, positions and spacings.
struct Grid {
  VolumeGeometry geometry;
  std::array<double, 6> iop{};
};

Grid MakeGrid(const SynthOptions& o) {
  std::array<double, 6> iop =
      o.image_orientation_patient ? *o.image_orientation_patient : PresetOrientation(o.orientation);
  const Vec3 row = Normalized({iop[0], iop[1], iop[2]});
  Vec3 col = {iop[3], iop[4], iop[5]};
  const double d = Dot(row, col);
  col = Normalized({col[0] - d * row[0], col[1] - d * row[1], col[2] - d * row[2]});
  Grid grid;
  for (int a = 0; a < 3; ++a) {
    grid.iop[a] = RoundToDs(row[a]);
    grid.iop[3 + a] = RoundToDs(col[a]);
  }
  VolumeGeometry& g = grid.geometry;
  g.size = {static_cast<size_t>(o.columns), static_cast<size_t>(o.rows),
            static_cast<size_t>(o.slices)};
  g.spacing_mm = {RoundToDs(o.column_spacing_mm), RoundToDs(o.row_spacing_mm), o.slice_spacing_mm};
  g.direction[0] = {grid.iop[0], grid.iop[1], grid.iop[2]};
  g.direction[1] = {grid.iop[3], grid.iop[4], grid.iop[5]};
  g.direction[2] = Normalized(Cross(g.direction[0], g.direction[1]));
  g.origin_mm = {0, 0, 0};
  const Vec3 centre = g.VoxelToLps((o.columns - 1) / 2.0, (o.rows - 1) / 2.0, (o.slices - 1) / 2.0);
  for (int a = 0; a < 3; ++a) g.origin_mm[a] = RoundMm(-centre[a]);
  return grid;
}

// File n (InstanceNumber n + 1) shows spatial slice result[n].
std::vector<size_t> FileToSlice(const SynthOptions& o) {
  std::vector<size_t> k(static_cast<size_t>(o.slices));
  std::iota(k.begin(), k.end(), size_t{0});
  if (o.order == SliceOrder::kDescending) std::reverse(k.begin(), k.end());
  if (o.order == SliceOrder::kShuffled) {
    internal::SplitMix64 rng(internal::StreamSeed(o.seed, internal::Stream::kShuffle, 0));
    for (size_t i = k.size(); i > 1; --i) std::swap(k[i - 1], k[rng.Below(i)]);
  }
  return k;
}

// HU (already in [kMinHu, kMaxHu]) to stored values in the 16-bit container; signed values are
// sign-extended two's complement.
// With a RescaleSlope other than 1: stored = round((HU - intercept) / slope), half away from
// zero, then clamped.
void HuToStored(const SynthOptions& o, std::span<const int16_t> hu, std::span<uint16_t> stored) {
  const double slope = RoundToDs(o.rescale_slope);
  auto scaled = [slope](int v) {
    if (slope == 1) return v;
    const double s = v / slope;
    return static_cast<int>(std::clamp(s >= 0 ? s + 0.5 : s - 0.5, -1e9, 1e9));
  };
  if (o.pixel_representation == PixelRepresentation::kSigned) {
    const int hi = (1 << (o.bits_stored - 1)) - 1, lo = -(1 << (o.bits_stored - 1));
    for (size_t n = 0; n < hu.size(); ++n) {
      stored[n] =
          static_cast<uint16_t>(static_cast<int16_t>(std::clamp<int>(scaled(hu[n]), lo, hi)));
    }
  } else {
    const int hi = (1 << o.bits_stored) - 1;
    for (size_t n = 0; n < hu.size(); ++n) {
      stored[n] = static_cast<uint16_t>(std::clamp<int>(scaled(hu[n] + 1024), 0, hi));
    }
  }
}

bool IsPatientPosition(std::string_view v) {
  static constexpr std::string_view kTerms[] = {"HFS",  "HFP",  "FFS",  "FFP", "HFDR", "HFDL",
                                                "FFDR", "FFDL", "LFP",  "LFS", "RFP",  "RFS",
                                                "AFDR", "AFDL", "PFDR", "PFDL"};
  return std::find(std::begin(kTerms), std::end(kTerms), v) != std::end(kTerms);
}

// Removes what a failed call wrote (best effort) and returns `status`.
Status Abandon(const std::vector<fs::path>& written, Status status) {
  for (const fs::path& p : written) {
    std::error_code ec;
    fs::remove(p, ec);
  }
  return status;
}

}  // namespace

Status ValidateSynthOptions(const SynthOptions& o) {
  if (o.output_dir.empty()) return InvalidArgument("output_dir: empty");
  if (o.slices < 1 || o.slices > 65535) return InvalidArgument("slices: must be 1..65535");
  if (o.rows < 1 || o.rows > 4096) return InvalidArgument("rows: must be 1..4096");
  if (o.columns < 1 || o.columns > 4096) return InvalidArgument("columns: must be 1..4096");
  if (static_cast<size_t>(o.slices) * static_cast<size_t>(o.rows) * static_cast<size_t>(o.columns) >
      kMaxVoxels) {
    return InvalidArgument("slices * rows * columns: more than 2^30 voxels");
  }
  const std::pair<const char*, double> positive[] = {
      {"row_spacing_mm", o.row_spacing_mm},     {"column_spacing_mm", o.column_spacing_mm},
      {"slice_spacing_mm", o.slice_spacing_mm}, {"slice_thickness_mm", o.slice_thickness_mm},
      {"blob_radii_mm[0]", o.blob_radii_mm[0]}, {"blob_radii_mm[1]", o.blob_radii_mm[1]},
      {"blob_radii_mm[2]", o.blob_radii_mm[2]}};
  for (const auto& [name, value] : positive) {
    if (!(value > 0) || !std::isfinite(value) || value > 1e6) {
      return InvalidArgument(std::string(name) + ": must be a positive number of mm");
    }
  }
  switch (o.orientation) {
    case Orientation::kAxial:
    case Orientation::kCoronal:
    case Orientation::kSagittal:
    case Orientation::kOblique:
      break;
    default:
      return InvalidArgument("orientation: unknown value");
  }
  if (o.image_orientation_patient) {
    const auto& v = *o.image_orientation_patient;
    const Vec3 row = {v[0], v[1], v[2]}, col = {v[3], v[4], v[5]};
    if (!IsFinite(row) || !IsFinite(col) || std::abs(Dot(row, row) - 1) > 2e-4 ||
        std::abs(Dot(col, col) - 1) > 2e-4 || std::abs(Dot(row, col)) > 1e-4) {
      return InvalidArgument("image_orientation_patient: not two orthogonal unit vectors");
    }
  }
  if (o.order != SliceOrder::kAscending && o.order != SliceOrder::kDescending &&
      o.order != SliceOrder::kShuffled) {
    return InvalidArgument("order: unknown value");
  }
  if (o.pixel_representation != PixelRepresentation::kSigned &&
      o.pixel_representation != PixelRepresentation::kUnsigned) {
    return InvalidArgument("pixel_representation: unknown value");
  }
  if (o.bits_stored != 12 && o.bits_stored != 16) {
    return InvalidArgument("bits_stored: must be 12 or 16");
  }
  if (!(o.rescale_slope > 0 && o.rescale_slope <= 1000)) {
    return InvalidArgument("rescale_slope: must be in (0, 1000]");
  }
  if (!IsPatientPosition(o.patient_position)) {
    return InvalidArgument("patient_position: not a DICOM defined term (HFS, FFS, ...)");
  }
  if (o.transfer_syntax != TransferSyntax::kExplicitVrLittleEndian &&
      o.transfer_syntax != TransferSyntax::kImplicitVrLittleEndian) {
    return InvalidArgument("transfer_syntax: unknown value");
  }
  if (!IsFinite(o.blob_center_mm)) return InvalidArgument("blob_center_mm: not finite");
  if (!(o.blob_hu >= internal::kMinHu && o.blob_hu <= internal::kMaxHu)) {
    return InvalidArgument("blob_hu: must be in [-1024, 3071]");
  }
  if (!(o.noise_sigma_hu >= 0 && o.noise_sigma_hu <= 1000)) {
    return InvalidArgument("noise_sigma_hu: must be in [0, 1000]");
  }
  OPENHI_RETURN_IF_ERROR(CheckText("patient_name", o.patient_name));
  OPENHI_RETURN_IF_ERROR(CheckText("patient_id", o.patient_id));
  OPENHI_RETURN_IF_ERROR(CheckText("study_description", o.study_description));
  OPENHI_RETURN_IF_ERROR(CheckText("series_description", o.series_description));
  const std::string& date = o.study_date;
  const bool digits = date.size() == 8 && std::all_of(date.begin(), date.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoi(date.substr(4, 2)) < 1 || std::stoi(date.substr(4, 2)) > 12 ||
      std::stoi(date.substr(6, 2)) < 1 || std::stoi(date.substr(6, 2)) > 31) {
    return InvalidArgument("study_date: must be YYYYMMDD");
  }
  if (o.series_number < 0) return InvalidArgument("series_number: must be >= 0");
  if (!o.study_instance_uid.empty() && !IsValidUid(o.study_instance_uid)) {
    return InvalidArgument("study_instance_uid: not a valid UID");
  }
  return Status::Ok();
}

Result<SynthSeries> WriteSyntheticSeries(const SynthOptions& o) {
  OPENHI_RETURN_IF_ERROR(ValidateSynthOptions(o));
  OPENHI_RETURN_IF_ERROR(internal::CheckDicomDictionary());

  std::error_code ec;
  fs::create_directories(o.output_dir, ec);
  if (ec) {
    std::string m = "create_directories " + o.output_dir.string() + ": " + ec.message();
    if (ec == std::errc::not_a_directory || ec == std::errc::file_exists) {
      return FailedPrecondition(std::move(m));
    }
    if (ec == std::errc::permission_denied) return PermissionDenied(std::move(m));
    if (ec == std::errc::no_space_on_device) return ResourceExhausted(std::move(m));
    return Internal(std::move(m));
  }
  if (!fs::is_directory(o.output_dir, ec)) {
    return FailedPrecondition("output_dir " + o.output_dir.string() + " is not a folder");
  }
  if (!o.overwrite && !fs::is_empty(o.output_dir, ec)) {
    return FailedPrecondition("output_dir " + o.output_dir.string() +
                              " is not empty (set overwrite to replace files)");
  }

  const Grid grid = MakeGrid(o);
  const VolumeGeometry& g = grid.geometry;
  SynthSeries series;
  series.geometry = g;
  series.mask_path = o.output_dir / "mask.nrrd";

  internal::SplitMix64 uids(
      internal::StreamSeed(o.seed ^ OptionsFingerprint(o), internal::Stream::kUid, 0));
  auto next_uid = [&uids] {
    const uint64_t hi = uids.Next();
    return internal::Uid225(hi, uids.Next());
  };
  series.study_instance_uid = next_uid();
  if (!o.study_instance_uid.empty()) series.study_instance_uid = o.study_instance_uid;
  series.series_instance_uid = next_uid();
  series.frame_of_reference_uid = next_uid();

  internal::CtSeriesInfo info;
  info.options = &o;
  info.study_instance_uid = series.study_instance_uid;
  info.series_instance_uid = series.series_instance_uid;
  info.frame_of_reference_uid = series.frame_of_reference_uid;
  info.image_orientation_patient = grid.iop;

  const internal::Phantom phantom(o);
  const size_t pixels = g.size[0] * g.size[1];
  Mask mask;
  mask.geometry = g;
  mask.voxels.assign(g.VoxelCount(), 0);
  std::vector<int16_t> hu(pixels);
  std::vector<uint16_t> stored(pixels);
  internal::CtSliceEncoder encoder(info);
  std::vector<fs::path> written;
  const std::vector<size_t> file_to_slice = FileToSlice(o);
  for (size_t n = 0; n < file_to_slice.size(); ++n) {
    SynthSlice slice;
    slice.slice_index = file_to_slice[n];
    slice.instance_number = static_cast<int>(n + 1);
    slice.sop_instance_uid = next_uid();
    const Vec3 p = g.VoxelToLps(0, 0, static_cast<double>(slice.slice_index));
    for (int a = 0; a < 3; ++a) slice.image_position_mm[a] = RoundMm(p[a]);
    slice.slice_location_mm = RoundMm(Dot(slice.image_position_mm, g.direction[2]));
    char name[32];
    std::snprintf(name, sizeof name, "IM%06d.dcm", slice.instance_number);
    slice.path = o.output_dir / name;

    const std::span<uint8_t> labels(mask.voxels.data() + slice.slice_index * pixels, pixels);
    phantom.RenderSlice(g, slice.slice_index, hu, labels);
    HuToStored(o, hu, stored);
    const internal::CtSliceInfo slice_info{slice.sop_instance_uid, slice.instance_number,
                                           slice.image_position_mm, slice.slice_location_mm};
    Result<ByteView> bytes = encoder.Encode(slice_info, stored);
    if (!bytes.ok()) return Abandon(written, bytes.status());
    Status st = WriteFileAtomic(slice.path, *bytes, /*fsync_file=*/false);
    if (!st.ok()) return Abandon(written, st);
    written.push_back(slice.path);
    series.slices.push_back(std::move(slice));
  }
  series.mask_voxel_count = mask.CountNonZero();
  Status st = WriteNrrdMask(series.mask_path, mask);
  if (!st.ok()) return Abandon(written, st);
  return series;
}

Result<Orientation> ParseOrientation(std::string_view text) {
  if (text == "axial") return Orientation::kAxial;
  if (text == "coronal") return Orientation::kCoronal;
  if (text == "sagittal") return Orientation::kSagittal;
  if (text == "oblique") return Orientation::kOblique;
  return InvalidArgument("orientation '" + std::string(text) +
                         "': expected axial, coronal, sagittal or oblique");
}

Result<SliceOrder> ParseSliceOrder(std::string_view text) {
  if (text == "ascending") return SliceOrder::kAscending;
  if (text == "descending") return SliceOrder::kDescending;
  if (text == "shuffled") return SliceOrder::kShuffled;
  return InvalidArgument("slice order '" + std::string(text) +
                         "': expected ascending, descending or shuffled");
}

Result<PixelRepresentation> ParsePixelRepresentation(std::string_view text) {
  if (text == "signed") return PixelRepresentation::kSigned;
  if (text == "unsigned") return PixelRepresentation::kUnsigned;
  return InvalidArgument("pixel representation '" + std::string(text) +
                         "': expected signed or unsigned");
}

Result<TransferSyntax> ParseTransferSyntax(std::string_view text) {
  if (text == "explicit" || text == "1.2.840.10008.1.2.1") {
    return TransferSyntax::kExplicitVrLittleEndian;
  }
  if (text == "implicit" || text == "1.2.840.10008.1.2") {
    return TransferSyntax::kImplicitVrLittleEndian;
  }
  return InvalidArgument("transfer syntax '" + std::string(text) +
                         "': expected explicit, implicit or a little-endian transfer syntax UID");
}

}  // namespace openhi::synth
