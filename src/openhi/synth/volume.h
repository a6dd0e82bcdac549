#pragma once
// The synth module's names for the shared grid types (volume/geometry.h).
#include "openhi/volume/geometry.h"

namespace openhi::synth {
using volume::Mask;
using volume::Vec3;
using volume::VolumeGeometry;
}  // namespace openhi::synth
