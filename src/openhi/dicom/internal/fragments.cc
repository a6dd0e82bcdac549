#include "openhi/dicom/internal/fragments.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace openhi::dicom::internal {
namespace {

constexpr uint64_t kItemHeaderBytes = 8;  // (FFFE,E000) tag + 32-bit length

uint32_t LoadLe32(const std::byte* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;  // little-endian host (checked in samples.cc)
}

uint64_t LoadLe64(const std::byte* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Byte offset of each fragment's item header, relative to the first fragment's item header
// (the origin of both offset tables), plus one past-the-end entry.
std::vector<uint64_t> FragmentPositions(const FragmentList& list) {
  std::vector<uint64_t> positions;
  positions.reserve(list.fragments.size() + 1);
  uint64_t pos = 0;
  for (const ByteView& f : list.fragments) {
    positions.push_back(pos);
    pos += kItemHeaderBytes + f.size();
  }
  positions.push_back(pos);
  return positions;
}

// Index of the fragment whose item header starts at `offset`, or -1.
int64_t FragmentAt(const std::vector<uint64_t>& positions, uint64_t offset) {
  auto it = std::lower_bound(positions.begin(), positions.end() - 1, offset);
  if (it == positions.end() - 1 || *it != offset) return -1;
  return it - positions.begin();
}

// Frame starts given as offsets (BOT or EOT). Empty result when the table is inconsistent.
std::vector<FragmentRange> RangesFromOffsets(const std::vector<uint64_t>& offsets,
                                             const std::vector<uint64_t>& positions) {
  std::vector<FragmentRange> ranges;
  ranges.reserve(offsets.size());
  const uint32_t count = static_cast<uint32_t>(positions.size() - 1);
  std::vector<int64_t> starts;
  starts.reserve(offsets.size());
  for (size_t i = 0; i < offsets.size(); ++i) {
    if (i > 0 && offsets[i] <= offsets[i - 1]) return {};
    const int64_t start = FragmentAt(positions, offsets[i]);
    if (start < 0) {
      // An offset past the last fragment means the file was truncated: that frame and all
      // later ones are missing. Any other mismatch makes the table unusable.
      if (offsets[i] < positions.back()) return {};
      starts.push_back(-1);
      continue;
    }
    starts.push_back(start);
  }
  for (size_t i = 0; i < starts.size(); ++i) {
    if (starts[i] < 0) {
      ranges.push_back({count, count});  // missing
      continue;
    }
    const uint32_t last = (i + 1 < starts.size() && starts[i + 1] >= 0)
                              ? static_cast<uint32_t>(starts[i + 1])
                              : count;
    ranges.push_back({static_cast<uint32_t>(starts[i]), last});
  }
  return ranges;
}

}  // namespace

Result<std::vector<FragmentRange>> MapFragmentsToFrames(const FragmentList& list,
                                                        uint32_t number_of_frames,
                                                        SyntaxFamily family) {
  const uint32_t count = static_cast<uint32_t>(list.fragments.size());
  if (number_of_frames == 0) return InvalidArgument("NumberOfFrames is 0");
  std::vector<uint64_t> positions;  // computed lazily

  // 1. Extended Offset Table.
  if (!list.extended_offsets.empty()) {
    if (list.extended_offsets.size() == size_t{number_of_frames} * 8) {
      positions = FragmentPositions(list);
      std::vector<uint64_t> offsets(number_of_frames);
      for (uint32_t i = 0; i < number_of_frames; ++i) {
        offsets[i] = LoadLe64(list.extended_offsets.data() + 8 * i);
      }
      auto ranges = RangesFromOffsets(offsets, positions);
      if (!ranges.empty()) return ranges;
    }
  }
  // 2. Basic Offset Table.
  if (!list.basic_offset_table.empty() &&
      list.basic_offset_table.size() == size_t{number_of_frames} * 4) {
    if (positions.empty()) positions = FragmentPositions(list);
    std::vector<uint64_t> offsets(number_of_frames);
    for (uint32_t i = 0; i < number_of_frames; ++i) {
      offsets[i] = LoadLe32(list.basic_offset_table.data() + 4 * i);
    }
    auto ranges = RangesFromOffsets(offsets, positions);
    if (!ranges.empty()) return ranges;
  }
  std::vector<FragmentRange> ranges;
  ranges.reserve(number_of_frames);
  // 3./4. One fragment per frame, or everything for a single frame.
  if (count == number_of_frames || (number_of_frames == 1 && count > 0)) {
    if (number_of_frames == 1) return std::vector<FragmentRange>{{0, count}};
    for (uint32_t i = 0; i < count; ++i) ranges.push_back({i, i + 1});
    return ranges;
  }
  // 5. Codestream start markers.
  std::vector<uint32_t> starts;
  for (uint32_t i = 0; i < count; ++i) {
    const ByteView f = list.fragments[i];
    if (StartsFrame(family, reinterpret_cast<const unsigned char*>(f.data()), f.size())) {
      starts.push_back(i);
    }
  }
  if (!starts.empty() && starts.front() == 0 &&
      (starts.size() == number_of_frames || (count < number_of_frames && starts.size() == count))) {
    for (size_t i = 0; i < starts.size(); ++i) {
      ranges.push_back({starts[i], i + 1 < starts.size() ? starts[i + 1] : count});
    }
    // Fewer fragments than frames (truncated): the remaining frames are missing.
    while (ranges.size() < number_of_frames) ranges.push_back({count, count});
    return ranges;
  }
  if (count < number_of_frames && starts.empty()) {
    // No markers to go by (e.g. RLE): assume one fragment per frame for the frames present.
    for (uint32_t i = 0; i < count; ++i) ranges.push_back({i, i + 1});
    while (ranges.size() < number_of_frames) ranges.push_back({count, count});
    return ranges;
  }
  return InvalidArgument("cannot map " + std::to_string(count) + " pixel data fragments to " +
                         std::to_string(number_of_frames) +
                         " frames: no usable offset table and no frame start markers");
}

ByteView FrameBytes(const FragmentList& list, FragmentRange range, Bytes* scratch) {
  if (range.last == range.first + 1) return list.fragments[range.first];
  size_t total = 0;
  for (uint32_t i = range.first; i < range.last; ++i) total += list.fragments[i].size();
  scratch->clear();
  scratch->reserve(total);
  for (uint32_t i = range.first; i < range.last; ++i) {
    scratch->insert(scratch->end(), list.fragments[i].begin(), list.fragments[i].end());
  }
  return *scratch;
}

}  // namespace openhi::dicom::internal
