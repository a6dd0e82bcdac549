// Issue #5 acceptance, the real CT: the shared LIDC series (138 x 512 x 512, 2 mm; no Study or
// Series Description, one FrameOfReferenceUID per slice) end to end through the spleen app
// package (apps/spleen_seg, folder input) with a TorchScript UNet of the MONAI bundle's exact
// architecture and fixed-seed weights (tools/make_test_models.py, run here with Debian's
// python3-torch). The weights are untrained, so the labels mean nothing anatomically; what is
// checked is the plumbing on real data:
//   * the SEG is valid: dciodvfy reports no error;
//   * every SEG frame references the right source instance: tests/read_seg.py (pydicom) places
//     each frame on the source slice at its PlanePosition and requires its DerivationImage /
//     SourceImage SOP Instance UID to be that slice's; ReferencedSeriesSequence lists the 138;
//   * the STL is non-empty and every vertex lies inside the series' physical extent in LPS
//     (tests/stl_bounds.py, pydicom).
// Slow: ~50 UNet windows on 2 threads (minutes). Labelled "slow" in CTest.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "openhi/ops/testing/output_checks.h"
#include "openhi/runner/run_app.h"

namespace openhi {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
namespace checks = ops::testing;

const fs::path kSeries =
    fs::path(OPENHI_SHARED_DIR) / "data" / "dicom" / "ct_chest_upper_abdomen_lidc0314_2mm";

// The last JSON object printed by a command (stdout and stderr are merged).
json LastJson(const std::string& output) {
  const size_t at = output.rfind("\n{");
  return json::parse(output.substr(at == std::string::npos ? 0 : at + 1), nullptr, false);
}

TEST(SpleenLidcTest, UnetSegOnTheRealCtIsValidReferencedAndMeshedInsideTheVolume) {
  ASSERT_TRUE(fs::is_directory(kSeries)) << kSeries;
  const fs::path dir =
      fs::temp_directory_path() / ("openhi_spleen_lidc_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "models");
  const checks::CommandResult made = checks::RunCommand(
      std::string("/usr/bin/python3 ") + OPENHI_SOURCE_DIR + "/tools/make_test_models.py " +
      "--seed 0 --output " + (dir / "models" / "model.ts").string());
  ASSERT_EQ(made.exit_code, 0) << made.output;

  app::AppPaths paths;
  paths.input = kSeries;
  paths.output = dir / "output";
  paths.model = dir / "models";
  paths.workdir = dir;
  auto summary = runner::RunAppPackage(fs::path(OPENHI_SOURCE_DIR) / "apps" / "spleen_seg",
                                       paths, 2);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  for (const runner::OperatorRun& r : summary->operators) {
    std::printf("%-24s %7.2f s  peak %6.0f MiB\n", r.name.c_str(), r.seconds,
                r.peak_rss_bytes / 1048576.0);
  }
  std::printf("total %.2f s, peak %.0f MiB\n", summary->total_seconds,
              summary->peak_rss_bytes / 1048576.0);

  std::vector<fs::path> sources;
  for (const auto& e : fs::directory_iterator(kSeries)) {
    if (e.path().extension() == ".dcm") sources.push_back(e.path());
  }
  ASSERT_EQ(sources.size(), 138u);
  std::string source_args;
  for (const fs::path& p : sources) source_args += " '" + p.string() + "'";

  // The SEG: valid, and each frame references the source slice it lies on.
  const std::vector<fs::path> segs = checks::DicomFilesIn(paths.output);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(checks::DciodvfyErrors(segs[0]), std::vector<std::string>());
  const checks::CommandResult read = checks::RunCommand(
      std::string("/usr/bin/python3 ") + OPENHI_SOURCE_DIR + "/tests/read_seg.py '" +
      segs[0].string() + "'" + source_args);
  ASSERT_EQ(read.exit_code, 0) << read.output.substr(0, 2000);
  const json seg = LastJson(read.output);
  ASSERT_TRUE(seg.is_object()) << read.output.substr(0, 2000);
  const json& meta = seg["meta"];
  EXPECT_GT(meta["NumberOfFrames"].get<int>(), 0);
  EXPECT_EQ(meta["ReferencedInstances"].get<int>(), 138);
  EXPECT_EQ(meta["SegmentationType"], "BINARY");
  EXPECT_EQ(meta["SeriesDescription"], "AI generated Seg, not for clinical use.");
  int64_t labelled = 0, slices_with_label = 0;
  for (const auto& [uid, stats] : seg["slices"].items()) {
    labelled += stats[0].get<int64_t>();
    slices_with_label += stats[0].get<int64_t>() > 0;
  }
  EXPECT_EQ(slices_with_label, meta["NumberOfFrames"].get<int>());  // empty frames omitted
  std::printf("SEG: %d frames, %lld labelled voxels\n", meta["NumberOfFrames"].get<int>(),
              static_cast<long long>(labelled));

  // The STL: non-empty, inside the volume.
  const fs::path stl = paths.output / "stl" / "spleen.stl";
  auto triangles = checks::StlTriangleCount(stl);
  ASSERT_TRUE(triangles.ok()) << triangles.status().ToString();
  EXPECT_GT(*triangles, 0u);
  const checks::CommandResult bounds = checks::RunCommand(
      std::string("/usr/bin/python3 ") + OPENHI_SOURCE_DIR + "/tests/stl_bounds.py '" +
      stl.string() + "'" + source_args);
  ASSERT_EQ(bounds.exit_code, 0) << bounds.output;
  const json b = LastJson(bounds.output);
  ASSERT_TRUE(b.is_object()) << bounds.output;
  EXPECT_EQ(b["triangles"].get<int64_t>(), static_cast<int64_t>(*triangles));
  EXPECT_EQ(b["vertices_outside"].get<int64_t>(), 0) << bounds.output;
  std::printf("STL: %s\n", b.dump().c_str());

  if (!::getenv("OPENHI_KEEP_TEST_FILES")) fs::remove_all(dir);
}

}  // namespace
}  // namespace openhi
