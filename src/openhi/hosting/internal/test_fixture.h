#pragma once
// A complete hosting stack on temporary folders, with the EchoRunner: model folder, unpack and
// scratch folders, a file:// output and failure location, the SQLite queue, the engine.
#include <gtest/gtest.h>

#include <memory>

#include "openhi/core/clock.h"
#include "openhi/core/file_util.h"
#include "openhi/hosting/async_worker.h"
#include "openhi/hosting/echo_runner.h"
#include "openhi/hosting/endpoint_service.h"
#include "openhi/hosting/internal/test_packages.h"
#include "openhi/hosting/sqlite_job_queue.h"

namespace openhi::hosting::testing {

inline const std::string kDatastore = "0123456789abcdef0123456789abcdef";
inline const std::string kImageSet = "fedcba9876543210fedcba9876543210";

inline std::string BlogBody() {
  return R"({"inputs":[{"datastoreId":")" + kDatastore + R"(","imageSetId":")" + kImageSet +
         R"("}]})";
}
inline std::string AsyncInput() {
  return R"({"datastoreId":")" + kDatastore + R"(","imageSetId":")" + kImageSet + R"("})";
}

struct Stack {
  TempDir t;
  EchoRunner runner;
  HostingMetrics metrics;
  LocationCache locations;
  std::unique_ptr<ModelCache> cache;
  std::unique_ptr<InvocationEngine> engine;
  std::unique_ptr<SqliteJobQueue> queue;
  std::string out_uri, fail_uri;

  explicit Stack(uint64_t budget = 1 << 20) {
    std::filesystem::create_directories(t.path / "models");
    cache = std::make_unique<ModelCache>(
        runner, ModelCacheOptions{t.path / "models", t.path / "unpacked", budget, {}});
    out_uri = "file://" + (t.path / "out").string() + "/";
    fail_uri = "file://" + (t.path / "fail").string() + "/";
    EngineOptions eo;
    eo.output = *locations.Open(out_uri);
    eo.scratch_root = t.path / "scratch";
    engine = std::make_unique<InvocationEngine>(*cache, runner, eo);
    queue = std::move(*SqliteJobQueue::Open(t.path / "queue.db"));
  }
  void Package(const std::string& name, const std::string& echo_json = "{}") {
    WriteEchoPackage(t.path / "models" / name, name, echo_json);
  }
  std::string InputFile(const std::string& name, const std::string& content) {
    EXPECT_TRUE(WriteFileAtomic(t.path / "in" / name, AsBytes(content)).ok());
    return "file://" + (t.path / "in" / name).string();
  }
  std::string ReadOut(const std::string& rel) {
    auto b = ReadFile(t.path / rel);
    return b.ok() ? std::string(AsStringView(*b)) : std::string();
  }
};

// An async job of endpoint "ep" reading `input_uri`, with its result and failure keys under the
// stack's output and failure folders (<id>.out, <id>-error.out); expires in an hour.
inline JobSpec Job(Stack& s, const std::string& id, const std::string& input_uri,
                   const std::string& target = "model.tar.gz") {
  JobSpec j;
  j.inference_id = id;
  j.endpoint_name = "ep";
  j.target_model = target;
  j.input_location = input_uri;
  j.output_dir_uri = s.out_uri;
  j.output_key = id + ".out";
  j.failure_dir_uri = s.fail_uri;
  j.failure_key = id + "-error.out";
  j.content_type = "application/json";
  j.enqueued_at = NowEpochSeconds();
  j.expires_at = j.enqueued_at + 3600;
  j.invocation_timeout_s = 60;
  return j;
}

}  // namespace openhi::hosting::testing
