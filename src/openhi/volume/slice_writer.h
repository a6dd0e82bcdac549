#pragma once
// Phase two of volume assembly: allocate the volume of a plan, then write each decoded frame
// into its slice. WriteSlice on distinct slices k may run concurrently (the connector calls it
// from its decode pool as frames arrive); nothing else synchronises.
#include <cstddef>

#include "openhi/codec/image.h"
#include "openhi/core/status.h"
#include "openhi/volume/geometry.h"
#include "openhi/volume/volume_plan.h"

namespace openhi::volume {

// A volume on plan.geometry. Placeholder slices of filled gaps hold plan.empty_slice_value;
// the voxels of placed slices are UNINITIALISED until WriteSlice writes them (a volume buffer
// is never written twice: see core/large_buffer.h). Voxel order: voxels[i + columns * (j +
// rows * k)].
Volume AllocateVolume(const VolumePlan& plan);

// Writes `frame` (a decoded frame, codec/image.h layout: 1 or 2 bytes per sample, signed or
// not, rows top to bottom) into slice k of `volume`: voxel (i, j, k) = stored sample of row j,
// column i, times `slope`, plus `intercept` (pass RescaleSlope/RescaleIntercept of input slice
// plan.slice_order[k]), computed in double and stored as float.
// Errors (kInvalidArgument): k out of range or a placeholder slice (kNoSlice); `volume` not
// sized for plan (use AllocateVolume); frame not monochrome (components != 1), of another
// width/height than the plan, with bytes_per_sample other than 1/2 or a sample buffer of the
// wrong length; slope or intercept not finite.
// Thread safety: concurrent calls are safe for distinct k on the same volume; `volume` must not
// be resized or read for slice k while slice k is being written.
Status WriteSlice(const VolumePlan& plan, size_t k, const codec::Image& frame, double slope,
                  double intercept, Volume* volume);

}  // namespace openhi::volume
