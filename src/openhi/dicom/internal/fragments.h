#pragma once
// Mapping of encapsulated Pixel Data fragments to frames (PS3.5 A.4). Pure, thread-safe.
#include <cstdint>
#include <span>
#include <vector>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"
#include "openhi/dicom/internal/transfer_syntax.h"

namespace openhi::dicom::internal {

// The items of an encapsulated Pixel Data element, as views into the parsed dataset.
struct FragmentList {
  ByteView basic_offset_table;      // value of the first item (may be empty)
  std::vector<ByteView> fragments;  // values of the following items, in order
  // Extended Offset Table (7FE0,0001): little-endian 64-bit frame offsets; empty when absent.
  ByteView extended_offsets;
};

// Fragments [first, last) hold one frame.
struct FragmentRange {
  uint32_t first = 0;
  uint32_t last = 0;
};

// Maps every frame to its fragments. Tried in order:
//   1. the Extended Offset Table, when present and consistent;
//   2. the Basic Offset Table, when it has one entry per frame pointing at fragment starts;
//   3. one fragment per frame, when the counts match;
//   4. all fragments, for a single frame;
//   5. frame starts found by the codestream's start marker (FFD8 / FF4F) at fragment starts,
//      when exactly `number_of_frames` fragments start a codestream.
// Frames that cannot be mapped because fragments are missing (a truncated file: fewer fragments
// than frames) get an empty range; FragmentsForFrame turns that into an error. Fails with
// kInvalidArgument when the fragments cannot be assigned at all.
Result<std::vector<FragmentRange>> MapFragmentsToFrames(const FragmentList& list,
                                                        uint32_t number_of_frames,
                                                        SyntaxFamily family);

// The byte-exact frame: its fragments concatenated. A view into `list` when the frame is one
// fragment; otherwise the bytes are concatenated into `*scratch` and a view of it is returned.
ByteView FrameBytes(const FragmentList& list, FragmentRange range, Bytes* scratch);

}  // namespace openhi::dicom::internal
