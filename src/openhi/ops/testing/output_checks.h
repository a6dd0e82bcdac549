#pragma once
// Tests only: independent checks of what the writer operators and apps produce.
//  * dciodvfy (dicom3tools) on a DICOM SEG: the "Error" lines;
//  * pydicom read-back of a SEG (tests/read_seg.py) compared with a LabelVolume, slice by slice
//    (nonzero count and CRC-32 of the labels, placed through the SEG's own geometry);
//  * a binary STL's triangle count (header + size consistency).
#include <filesystem>
#include <string>
#include <vector>

#include "openhi/core/status.h"
#include "openhi/volume/geometry.h"

namespace openhi::ops::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};
CommandResult RunCommand(const std::string& command);

// The "Error" lines dciodvfy -new prints for `dicom_file`.
std::vector<std::string> DciodvfyErrors(const std::filesystem::path& dicom_file);

// Reads `seg` back with pydicom against the source files and compares every source slice with
// labels.voxels slice k, where slice_sop_uids[k] names the source of slice k (label values
// must equal segment numbers: label 1 = segment 1). kDataLoss describing the first difference;
// kInternal when the reader fails.
Status CheckSegMatches(const std::filesystem::path& seg,
                       const std::vector<std::filesystem::path>& source_files,
                       const volume::Mask& labels, const std::vector<std::string>& slice_sop_uids);

// Triangles of a binary STL, or kDataLoss when the size does not match its count.
Result<uint32_t> StlTriangleCount(const std::filesystem::path& stl);

// Every *.dcm file directly in `folder`, sorted.
std::vector<std::filesystem::path> DicomFilesIn(const std::filesystem::path& folder);

}  // namespace openhi::ops::testing
