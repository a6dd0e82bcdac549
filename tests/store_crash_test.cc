// Crash safety of import jobs (issue #2 §5): kill -9 in the middle of an import leaves no
// partial image set; the next run resumes the job to a clean end; earlier data stays intact.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "openhi/core/file_util.h"
#include "openhi/store/store.h"
#include "test_util.h"

namespace openhi {
namespace {
namespace fs = std::filesystem;
using Json = nlohmann::json;

size_t CountFiles(const fs::path& dir) {
  size_t n = 0;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) ++n;
  }
  return n;
}

TEST(StoreCrash, KillDuringImportLeavesNoPartialImageSetAndTheJobResumes) {
  fs::path tmp = testing::FreshTempDir("crash");
  fs::path data = tmp / "data";
  const fs::path lidc = testing::SharedDicomDir() / "ct_chest_upper_abdomen_lidc0314_2mm";
  const fs::path small = testing::SharedDicomDir() / "transfer_syntax_matrix_mr_dcm_qa_ts";
  std::string ds;
  std::string earlier_set;
  size_t earlier_count = 0;
  Bytes earlier_metadata;
  {
    auto store = *store::Store::Open({data, 1});
    ds = store->CreateDatastore({"crash", "tok", {}, "", "", ""})->id;
    // Earlier data that must survive untouched.
    auto j = store->StartImport({ds, "earlier", "arn:aws:iam::000000000000:role/x", "t0",
                                 small.string(), (tmp / "out").string(), ""});
    ASSERT_TRUE(j.ok());
    ASSERT_TRUE(store->RunImport(j->id).ok());
    // (9 image sets: the files share a series UID but not their SeriesNumber.)
    auto page = store->SearchImageSets(ds, {}, 50, "");
    ASSERT_GE(page->summaries.size(), 1u);
    earlier_count = page->summaries.size();
    earlier_set = page->summaries[0].image_set_id;
    earlier_metadata = *store->GetImageSetMetadata(ds, earlier_set);
  }

  // Start the big import in a child process (the real CLI) and kill it mid-way.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(testing::OpenhiBinary().c_str(), "openhi", "store", "start-dicom-import-job",
            "--data-dir", data.c_str(), "--datastore-id", ds.c_str(), "--input-s3-uri",
            lidc.c_str(), "--output-s3-uri", (tmp / "out").c_str(), "--client-token", "crash-1",
            "--import-threads", "1", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait until some frames are on disk, then kill -9.
  const fs::path frames = data / "blobs" / "frames" / ds;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  size_t before_kill = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    before_kill = CountFiles(frames);
    if (before_kill >= 5 + 9) break;  // 9 frames of the earlier import plus some of this one
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the import finished before it could be killed";
  ASSERT_LT(before_kill, 138u + 9u);

  {
    auto store = *store::Store::Open({data, 2});
    // No partial image set is visible; the job is not completed.
    auto page = store->SearchImageSets(ds, {}, 50, "");
    ASSERT_EQ(page->summaries.size(), earlier_count);
    auto jobs = store->ListImportJobs(ds, ahi::JobStatus::kInProgress);
    ASSERT_EQ(jobs->size(), 1u);
    const std::string job_id = (*jobs)[0].id;
    // Restart: the job resumes and completes; the dead run's orphan frames are collected.
    ASSERT_TRUE(store->RunPendingImports().ok());
    auto job = store->GetImportJob(ds, job_id);
    ASSERT_EQ(job->status, ahi::JobStatus::kCompleted) << job->message;
    page = store->SearchImageSets(ds, {}, 50, "");
    ASSERT_EQ(page->summaries.size(), earlier_count + 1);
    size_t lidc_sets = 0;
    for (const auto& s : page->summaries) {
      if (s.tags.number_of_study_related_instances == 138) ++lidc_sets;
    }
    EXPECT_EQ(lidc_sets, 1u);
    EXPECT_EQ(CountFiles(frames / job_id), 138u);
    // Earlier data is byte-identical.
    EXPECT_TRUE(*store->GetImageSetMetadata(ds, earlier_set) == earlier_metadata);
  }
  fs::remove_all(tmp);
}

TEST(StoreCrash, CliReportsTypedErrorsAndExitCodes) {
  fs::path tmp = testing::FreshTempDir("cli");
  std::string bin = testing::OpenhiBinary() + " store ";
  std::string dd = " --data-dir " + (tmp / "data").string();
  auto r = testing::RunCommand(bin + "get-datastore" + dd +
                               " --datastore-id 0123456789abcdef0123456789abcdef 2>&1");
  EXPECT_EQ(r.exit_code, 254);
  EXPECT_NE(r.out.find("ResourceNotFoundException"), std::string::npos) << r.out;
  r = testing::RunCommand(bin + "get-datastore" + dd + " --datastore-id ../../etc 2>&1");
  EXPECT_EQ(r.exit_code, 254);
  EXPECT_NE(r.out.find("ValidationException"), std::string::npos) << r.out;
  r = testing::RunCommand(bin + "create-datastore" + dd + " --datastore-name cli-test");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  Json created = Json::parse(r.out);
  EXPECT_EQ(created["datastoreStatus"], "CREATING");
  r = testing::RunCommand(bin + "list-datastores" + dd);
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(Json::parse(r.out)["datastoreSummaries"][0]["datastoreStatus"], "ACTIVE");
  r = testing::RunCommand(bin + "search-image-sets" + dd + " --datastore-id " +
                          created["datastoreId"].get<std::string>() +
                          " --search-criteria '{\"filters\":[' 2>&1");
  EXPECT_EQ(r.exit_code, 254);
  EXPECT_NE(r.out.find("ValidationException"), std::string::npos) << r.out;
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace openhi
