#pragma once
// Synthetic CT series generator: writes a deterministic abdomen-like CT series (one DICOM P10
// CT Image Storage file per slice) plus a ground-truth label mask (NRRD) of an organ-like blob,
// so that readers, stores and segmentation pipelines can be tested without patient data.
//
// Phantom (LPS, mm; fixed anatomy, the grid is centred on the LPS origin): air (-1000 HU)
// outside an elliptic body cylinder (semi-axes 165 mm L-R, 120 mm A-P, infinite along S) with a
// subcutaneous fat layer (-100 HU), soft tissue (40 HU), a liver (60 HU, patient right), a spine
// (a cortical ring of 700..1200 HU around 250 HU cancellous bone, posterior midline) and, when
// enabled, a smooth lobulated "spleen-like" ellipsoid (blob_hu, label 1) wrapped in a thin fat
// shell. Gaussian-like noise of noise_sigma_hu is added; HU are clamped to [-1024, 3071] and then
// to the range the pixel format can store. The FOV of the defaults (384 mm) holds the body.
//
// Determinism: the same options (seed included) give byte-identical files, UIDs included. Noise is
// seeded per spatial slice, so the slice order changes file order and numbering only, never the
// volume. Use distinct seeds for series that must coexist in one store.
//
// Thread safety: WriteSyntheticSeries has no shared state; concurrent calls must use distinct
// output folders.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "openhi/core/status.h"
#include "openhi/synth/volume.h"

namespace openhi::synth {

enum class Orientation {
  kAxial,     // IOP 1\0\0\0\1\0, normal +S
  kCoronal,   // IOP 1\0\0\0\0\-1, normal +P
  kSagittal,  // IOP 0\1\0\0\0\-1, normal -L
  kOblique,   // axial tilted 20 degrees about L, then rotated 15 degrees about S
};

// How files (IM000001.dcm = InstanceNumber 1, ...) map to positions along the slice normal.
enum class SliceOrder {
  kAscending,   // InstanceNumber n is spatial slice n-1: positions increase along the normal
  kDescending,  // positions decrease along the normal
  kShuffled,    // a seed-determined permutation
};

enum class PixelRepresentation {
  kSigned,    // PixelRepresentation 1, stored = HU, RescaleIntercept 0
  kUnsigned,  // PixelRepresentation 0, stored = HU + 1024, RescaleIntercept -1024
};

enum class TransferSyntax {
  kExplicitVrLittleEndian,  // 1.2.840.10008.1.2.1
  kImplicitVrLittleEndian,  // 1.2.840.10008.1.2
};

struct SynthOptions {
  // Created if missing. Must be empty unless `overwrite`; with `overwrite`, files of the same
  // names are replaced and other files are left alone.
  std::filesystem::path output_dir;
  bool overwrite = false;

  // Grid: 1..4096 rows and columns, 1..65535 slices, at most 2^30 voxels.
  int slices = 64;
  int rows = 256;
  int columns = 256;
  double row_spacing_mm = 1.5;      // PixelSpacing[0]: between row centres (along IOP column dir)
  double column_spacing_mm = 1.5;   // PixelSpacing[1]: between column centres (along IOP row dir)
  double slice_spacing_mm = 2.5;    // between slice centres along the normal; > 0
  double slice_thickness_mm = 2.5;  // SliceThickness; > 0

  Orientation orientation = Orientation::kAxial;
  // Overrides `orientation` when set: row direction cosines then column direction cosines (LPS).
  // Each triplet must be unit length and the two orthogonal, within 1e-4 (re-orthonormalised).
  std::optional<std::array<double, 6>> image_orientation_patient;
  SliceOrder order = SliceOrder::kAscending;

  PixelRepresentation pixel_representation = PixelRepresentation::kSigned;
  int bits_stored = 16;  // 12 or 16; BitsAllocated is always 16
  // RescaleSlope, in (0, 1000] and written DS-exact: stored = round((HU - RescaleIntercept) /
  // slope), clamped to the stored range (RescaleIntercept as pixel_representation says). HU are
  // integers, so a slope of 1 / n (0.5, 0.25...) keeps every HU exact.
  double rescale_slope = 1;
  // PatientPosition (a DICOM defined term: HFS, HFP, FFS, FFP, HFDR, HFDL, FFDR, FFDL, LFP, LFS,
  // RFP, RFS, AFDR, AFDL, PFDR or PFDL). It is written as given and changes nothing else: the
  // geometry is in patient coordinates (LPS) either way, so a feet-first series also sets
  // image_orientation_patient as a scanner would (axial FFS: -1\0\0\0\1\0, whose normal is -S).
  std::string patient_position = "HFS";
  TransferSyntax transfer_syntax = TransferSyntax::kExplicitVrLittleEndian;

  // The labelled blob (label 1 in mask.nrrd). Without it the mask is all zero.
  bool blob = true;
  Vec3 blob_center_mm = {50, 30, 0};  // LPS: patient left, posterior
  Vec3 blob_radii_mm = {25, 45, 50};  // semi-axes along L, P, S before lobulation; each > 0
  double blob_hu = 50;

  double noise_sigma_hu = 10;  // >= 0; 0 gives exact tissue values
  uint64_t seed = 1;           // drives noise, blob lobulation, shuffling and UIDs

  // Descriptors: printable ASCII without backslash; at most 64 characters each (PN 64 per
  // component group, LO 64). Dates are YYYYMMDD.
  std::string patient_name = "SYNTH^PATIENT";
  std::string patient_id = "SYNTH0001";
  std::string study_description = "SYNTH CT";
  std::string series_description = "SYNTH CT ABDOMEN";
  std::string study_date = "20240101";
  int series_number = 1;  // >= 0
  // Empty: derived, like every other UID, from the seed and the options, so that variants
  // written with one seed do not collide. Set it to put several series in one study.
  std::string study_instance_uid;
};

// One written slice, in InstanceNumber order.
struct SynthSlice {
  std::filesystem::path path;  // <output_dir>/IM000001.dcm, ...
  std::string sop_instance_uid;
  int instance_number = 0;       // 1-based, matches the file name
  size_t slice_index = 0;        // spatial index k in SynthSeries::geometry / the mask
  Vec3 image_position_mm{};      // ImagePositionPatient (LPS, mm), as written
  double slice_location_mm = 0;  // SliceLocation: ImagePositionPatient . normal
};

struct SynthSeries {
  std::vector<SynthSlice> slices;   // slices[n] has InstanceNumber n + 1
  std::filesystem::path mask_path;  // <output_dir>/mask.nrrd
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string frame_of_reference_uid;
  // The grid of the series and the mask (volume.h): origin = ImagePositionPatient of spatial
  // slice 0, direction = {IOP row, IOP column, normal}; values equal those written (positions
  // rounded to 1e-9 mm, all values DS-exact).
  VolumeGeometry geometry;
  size_t mask_voxel_count = 0;  // voxels labelled 1
};

// Writes the series and the mask. Files are written to a temporary name and renamed, so no
// file is ever partial; on failure the files already written by this call are removed. Files are
// not fsynced (test data; call SyncFilesystem from core/file_util.h when durability matters).
// Errors: kInvalidArgument for invalid options (the message names the field);
// kFailedPrecondition when output_dir is a file, or not empty and !overwrite, or DCMTK's data
// dictionary is not loaded; kPermissionDenied when it cannot be created; filesystem errors as
// WriteFileAtomic (kResourceExhausted when the disk is full); kInternal for unexpected DCMTK
// failures.
Result<SynthSeries> WriteSyntheticSeries(const SynthOptions& options);

// Checks options without writing anything. Errors as WriteSyntheticSeries's kInvalidArgument.
Status ValidateSynthOptions(const SynthOptions& options);

// Parsers for command-line values (case-sensitive, lower case):
//   "axial" | "coronal" | "sagittal" | "oblique"; "ascending" | "descending" | "shuffled";
//   "signed" | "unsigned"; "explicit" | "implicit" (or the transfer syntax UID).
// kInvalidArgument for anything else.
Result<Orientation> ParseOrientation(std::string_view text);
Result<SliceOrder> ParseSliceOrder(std::string_view text);
Result<PixelRepresentation> ParsePixelRepresentation(std::string_view text);
Result<TransferSyntax> ParseTransferSyntax(std::string_view text);

}  // namespace openhi::synth
