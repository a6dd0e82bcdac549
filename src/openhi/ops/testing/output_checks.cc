#include "openhi/ops/testing/output_checks.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "openhi/core/crc32.h"
#include "openhi/core/file_util.h"

namespace openhi::ops::testing {

namespace fs = std::filesystem;

CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::vector<std::string> DciodvfyErrors(const fs::path& dicom_file) {
  const CommandResult r = RunCommand("dciodvfy -new '" + dicom_file.string() + "'");
  std::vector<std::string> errors;
  std::stringstream lines(r.output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("Error", 0) == 0) errors.push_back(line);
  }
  if (r.exit_code < 0) errors.push_back("dciodvfy did not run: " + r.output);
  return errors;
}

Status CheckSegMatches(const fs::path& seg, const std::vector<fs::path>& source_files,
                       const volume::Mask& labels, const std::vector<std::string>& slice_sop_uids) {
  std::string command =
      "/usr/bin/python3 " OPENHI_SOURCE_DIR "/tests/read_seg.py '" + seg.string() + "'";
  for (const fs::path& f : source_files) command += " '" + f.string() + "'";
  // read_seg.py prints its JSON on stdout; keep stderr out of it.
  const CommandResult r = RunCommand(command + " 2>/dev/null");
  if (r.exit_code != 0) return Internal("read_seg.py failed: " + RunCommand(command).output);
  nlohmann::json back = nlohmann::json::parse(r.output, nullptr, false);
  if (back.is_discarded() || !back.contains("slices")) {
    return Internal("read_seg.py printed no JSON: " + r.output);
  }
  const size_t plane = labels.geometry.size[0] * labels.geometry.size[1];
  for (size_t k = 0; k < slice_sop_uids.size(); ++k) {
    const uint8_t* slice = labels.voxels.data() + k * plane;
    const size_t nonzero = plane - std::count(slice, slice + plane, uint8_t{0});
    const uint32_t crc = Crc32(ByteView(reinterpret_cast<const std::byte*>(slice), plane));
    const nlohmann::json& got = back["slices"][slice_sop_uids[k]];
    if (!got.is_array() || got.size() != 2) {
      return DataLoss("slice " + std::to_string(k) + " (" + slice_sop_uids[k] +
                      "): not in the read-back");
    }
    if (got[0].get<size_t>() != nonzero || got[1].get<uint32_t>() != crc) {
      return DataLoss("slice " + std::to_string(k) + ": SEG has " + got[0].dump() +
                      " labelled voxels, expected " + std::to_string(nonzero));
    }
  }
  return Status::Ok();
}

Result<uint32_t> StlTriangleCount(const fs::path& stl) {
  OPENHI_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(stl));
  if (bytes.size() < 84) return DataLoss("STL shorter than its header");
  uint32_t count = 0;
  std::memcpy(&count, bytes.data() + 80, 4);
  if (bytes.size() != 84 + size_t{50} * count) return DataLoss("STL size does not match count");
  return count;
}

std::vector<fs::path> DicomFilesIn(const fs::path& folder) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".dcm") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace openhi::ops::testing
