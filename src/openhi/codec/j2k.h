#pragma once
// JPEG 2000 Part 1 decoding (DICOM 1.2.840.10008.1.2.4.90 / .91 sources) through OpenJPEG 2.5.
// OpenJPEG types never leave j2k.cc. Thread-safe (messages go to per-call handlers).
#include "openhi/codec/image.h"
#include "openhi/core/status.h"

namespace openhi::codec {

// Decodes a J2K codestream (or a JP2 file) into the layout of image.h, including HTJ2K (OpenJPEG
// 2.5 decodes HT code-blocks). `bytes_per_sample` is taken from the caller's DICOM
// BitsAllocated (1 or 2); 8-bit signed data widened to 2 bytes is sign-extended. Only 1 or 3
// components with equal size, depth and sign, no subsampling, extent <= 65535 and frames up to
// 1 GiB are accepted. kInvalidArgument on corrupt or unsupported input.
//
// SAFETY: Debian's OpenJPEG 2.5.0 keeps assert() enabled; a corrupt HT code-block (a single
// 0xFF byte in the MEL segment) aborts the process in ht_dec.c mel_init. Part 1 codestreams
// survived our fuzzing so far. Decode untrusted input with DecodeUntrusted (sandboxed_decode.h).
Result<Image> DecodeJ2k(ByteView codestream, uint8_t bytes_per_sample);

}  // namespace openhi::codec
