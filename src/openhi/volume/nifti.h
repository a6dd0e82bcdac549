#pragma once
// NIfTI-1 output of label volumes, for inspection in ITK-SNAP, 3D Slicer, nibabel...
// (the spleen app's optional NIfTI output). Format: NIfTI-1 single file ("n+1"), 348-byte
// header + 4 zero extension bytes, voxel data from offset 352, little-endian.
//
//  * Voxels: uint8 (datatype 2, bitpix 8), dim = {3, size[0], size[1], size[2]}, in the Mask's
//    own order (i fastest): NIfTI index (i, j, k) = Mask voxel (i, j, k). scl_slope 1, units mm.
//  * World space: NIfTI's RAS+ (x = left->Right, y = posterior->Anterior, z = inferior->
//    Superior). DICOM's LPS is converted by negating x and y:
//      RAS(i, j, k) = diag(-1, -1, 1) * VolumeGeometry::VoxelToLps(i, j, k)
//    which is MONAI's "nifti_affine_transform" (spec §3.5) and what dcm2niix writes.
//  * sform_code 1 (scanner anatomical): srow_x/y/z = the rows of that 3x4 affine, exact for
//    every grid, the sheared grid of a gantry-tilted series included.
//  * qform_code 1 with the same affine as quaternion + qfac + pixdim when the three axes are
//    orthogonal (within 1e-6); qform_code 0 for a sheared grid (a quaternion cannot hold a
//    shear), so readers fall back to the sform.
// Thread-safe (no shared state).
#include <array>
#include <filesystem>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"
#include "openhi/volume/geometry.h"

namespace openhi::volume {

// The 3x4 voxel-index -> RAS (mm) affine described above (rows x, y, z).
std::array<std::array<double, 4>, 3> NiftiRasAffine(const VolumeGeometry& geometry);

// The .nii bytes of `mask`. kInvalidArgument for an inconsistent mask (voxel count != size,
// a zero size, a size over 32767 per axis: NIfTI-1 stores dims as int16).
Result<Bytes> EncodeNiftiMask(const Mask& mask);

// Writes `mask` to `path`, gzip-compressed when the name ends in ".gz" (".nii.gz"), atomically
// (parent folders are created). Errors: EncodeNiftiMask's, the file system's.
Status WriteNiftiMask(const Mask& mask, const std::filesystem::path& path);

}  // namespace openhi::volume
