#pragma once
// NRRD (teem "NRRD0004") reading and writing of uint8 label masks, the ground-truth format of
// the synthetic series generator. Thread-safe (no shared state).
//
// Written files are attached-header, raw-encoded, 3-D uint8 volumes:
//   type: uint8; dimension: 3; space: left-posterior-superior; sizes: columns rows slices;
//   space directions: one vector per axis = direction * spacing (mm, LPS); space origin (mm, LPS);
//   kinds: domain domain domain; encoding: raw. Data are i-fastest (see volume.h).
// The reader accepts what the writer writes plus common variants: types uchar / unsigned char /
// uint8_t, space right-anterior-superior (converted to LPS), encoding gzip, comments and
// key:=value pairs.
#include <filesystem>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"
#include "openhi/synth/volume.h"

namespace openhi::synth {

// Encodes `mask` as a NRRD file. kInvalidArgument when voxels.size() != geometry.VoxelCount()
// or the geometry has a zero size or a non-positive spacing.
Result<Bytes> EncodeNrrdMask(const Mask& mask);

// Parses NRRD bytes (untrusted input: never crashes, never allocates more than the declared
// volume, itself capped at 2^31 voxels). Errors: kInvalidArgument for malformed or inconsistent
// headers or short data; kUnimplemented for valid NRRD this reader does not support (other
// types or dimensions, detached data files, other encodings, byte/line skips).
Result<Mask> ParseNrrdMask(ByteView nrrd);

// Reads and parses a NRRD file: kNotFound when it does not exist, else as ParseNrrdMask.
Result<Mask> ReadNrrdMask(const std::filesystem::path& path);

// Writes `mask` atomically (temporary file + rename) to `path`. Errors as EncodeNrrdMask and
// WriteFileAtomic.
Status WriteNrrdMask(const std::filesystem::path& path, const Mask& mask, bool fsync_file = false);

}  // namespace openhi::synth
