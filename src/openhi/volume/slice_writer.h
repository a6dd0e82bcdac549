#pragma once
// Phase two of volume assembly: allocate the volume of a plan, then write each decoded frame
// into its slice. WriteSlice on distinct slices k may run concurrently (the connector calls it
// from its decode pool as frames arrive); nothing else synchronises.
#include <cstddef>
#include <cstdint>

#include "openhi/codec/image.h"
#include "openhi/core/bytes.h"
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

// WriteSlice for a frame that arrives in bands of rows (codec::DecodeHtj2kRows), so the decoded
// rows are converted while in cache and no whole decoded frame is kept. Same conversion, result
// and errors as WriteSlice:
//   SliceRowWriter w;
//   OPENHI_RETURN_IF_ERROR(w.Begin(plan, k, desc, slope, intercept, &volume));
//   for each band: OPENHI_RETURN_IF_ERROR(w.WriteRows(first_row, bytes_of_those_rows));
// Rows that are never written stay UNINITIALISED: a caller that stops early must discard the
// volume. Thread safety: as WriteSlice (one writer per slice; distinct slices concurrently).
class SliceRowWriter {
 public:
  // Checks what WriteSlice checks, except the sample buffer, and targets slice k. Errors: as
  // WriteSlice (kInvalidArgument).
  Status Begin(const VolumePlan& plan, size_t k, const codec::ImageDesc& desc, double slope,
               double intercept, Volume* volume);
  // Converts whole rows first_row, first_row + 1, ... (desc.width samples each, codec/image.h
  // layout, `bytes` holding n >= 1 rows back to back) into voxel rows j = first_row ... of the
  // slice. kInvalidArgument when Begin has not succeeded, `bytes` is not a positive whole
  // number of rows, or the rows run past desc.height.
  Status WriteRows(uint32_t first_row, ByteView bytes) const;

 private:
  codec::ImageDesc desc_;
  double slope_ = 1.0;
  double intercept_ = 0.0;
  float* slice_ = nullptr;  // voxels of slice k; nullptr until Begin succeeds
};

}  // namespace openhi::volume
