#pragma once
// AHI metadata normalisation (ahi-api.md §7): which DICOM tags live at the Patient, Study and
// Series levels of an image set's metadata document. Every other attribute stays per instance.
// Generated from ../shared/spec/ahi-normalization-levels.json (tools/gen_normalization_levels.py).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace openhi::store {

const std::vector<uint32_t>& PatientLevelTags();
const std::vector<uint32_t>& StudyLevelTags();
const std::vector<uint32_t>& SeriesLevelTags();

// Import-time maximum value lengths by keyword: a longer value fails the file.
const std::vector<std::pair<std::string, size_t>>& ImportMaxLengths();

}  // namespace openhi::store
