#pragma once
// JPEG 2000 Part 1 decoding (DICOM 1.2.840.10008.1.2.4.90 / .91 sources) through OpenJPEG 2.5.
// OpenJPEG types never leave j2k.cc. Thread-safe.
#include "openhi/codec/image.h"
#include "openhi/core/status.h"

namespace openhi::codec {

// Decodes a J2K codestream (or a JP2 file) into the layout of image.h. `bytes_per_sample` is
// taken from the caller's DICOM BitsAllocated (1 or 2). kInvalidArgument on corrupt input.
Result<Image> DecodeJ2k(ByteView codestream, uint8_t bytes_per_sample);

}  // namespace openhi::codec
