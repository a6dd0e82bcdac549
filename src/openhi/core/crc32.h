#pragma once
// CRC-32 with the zlib polynomial (the checksum AHI reports in
// PixelDataChecksumFromBaseToFullResolution). Thread-safe.
#include <cstdint>

#include "openhi/core/bytes.h"

namespace openhi {

// Returns the unsigned CRC-32 of `data`, continuing from `seed` (0 to start).
uint32_t Crc32(ByteView data, uint32_t seed = 0);

}  // namespace openhi
