#include "openhi/hosting/async_worker.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "openhi/core/clock.h"
#include "openhi/hosting/internal/test_fixture.h"

namespace openhi::hosting {
namespace {

using namespace testing;

nlohmann::json Parse(const std::string& s) { return nlohmann::json::parse(s, nullptr, false); }

TEST(AsyncWorkers, WritesTheResultObjectAndCompletes) {
  Stack s;
  s.Package("model.tar.gz");
  AsyncWorkers w(*s.queue, *s.engine, s.locations, s.metrics, {});
  ASSERT_TRUE(s.queue->Enqueue(Job(s, "job1", s.InputFile("a.json", AsyncInput()))).ok());
  auto ran = w.RunOne();
  ASSERT_TRUE(ran.ok() && *ran);
  nlohmann::json out = Parse(s.ReadOut("out/job1.out"));
  ASSERT_TRUE(out.is_object()) << s.ReadOut("out/job1.out");
  EXPECT_EQ(out["inferenceId"], "job1");
  EXPECT_EQ(out["summary"]["imageSetIds"][0], kImageSet);
  EXPECT_EQ(out["attempt"], 1);
  ASSERT_EQ(out["outputs"].size(), 1u);
  EXPECT_EQ(out["outputs"][0]["location"], "file://" + (s.t.path / "out/job1/result.json").string());
  EXPECT_FALSE(s.ReadOut("out/job1/result.json").empty());
  EXPECT_EQ(s.queue->Get("job1")->state, JobState::kSucceeded);
  auto none = w.RunOne();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
}

TEST(AsyncWorkers, FailuresBecomeFailureObjectsWithClearMessages) {
  Stack s;
  s.Package("model.tar.gz");
  s.Package("throws.tar.gz", R"({"throw_invoke": "CUDA out of memory"})");
  s.Package("fails.tar.gz", R"({"fail_invoke": "segmentation produced no voxels"})");
  struct Case {
    JobSpec job;
    std::string code, needle;
  };
  JobSpec expired = Job(s, "expired", s.InputFile("e.json", AsyncInput()));
  expired.expires_at = expired.enqueued_at - 1;
  std::vector<Case> cases = {
      {Job(s, "malformed", s.InputFile("m.json", "{\"datastoreId\": 5")), "ValidationError",
       "not valid JSON"},
      {Job(s, "noinput", s.out_uri + "missing.json"), "ValidationError", "cannot read InputLocation"},
      {Job(s, "throws", s.InputFile("t.json", AsyncInput()), "throws.tar.gz"), "ModelError",
       "CUDA out of memory"},
      {Job(s, "fails", s.InputFile("f.json", AsyncInput()), "fails.tar.gz"), "ModelError",
       "no voxels"},
      {Job(s, "nomodel", s.InputFile("n.json", AsyncInput()), "absent.tar.gz"), "ValidationError",
       "no model package"},
      {expired, "RequestTTLExpired", "RequestTTLSeconds"},
  };
  AsyncWorkers w(*s.queue, *s.engine, s.locations, s.metrics, {});
  for (const Case& c : cases) {
    ASSERT_TRUE(s.queue->Enqueue(c.job).ok());
    ASSERT_TRUE(*w.RunOne());
    const std::string id = c.job.inference_id;
    nlohmann::json f = Parse(s.ReadOut("fail/" + id + "-error.out"));
    ASSERT_TRUE(f.is_object()) << id;
    EXPECT_EQ(f["ErrorCode"], c.code) << id << " " << f.dump();
    EXPECT_NE(f["Message"].get<std::string>().find(c.needle), std::string::npos) << f.dump();
    EXPECT_EQ(s.queue->Get(id)->state, JobState::kFailed) << id;
    EXPECT_TRUE(s.ReadOut("out/" + id + ".out").empty()) << id;
  }
}

TEST(AsyncWorkers, InvocationTimeoutCancelsTheRun) {
  Stack s;
  s.Package("model.tar.gz", R"({"sleep_ms": 30000})");
  JobSpec j = Job(s, "slow", s.InputFile("s.json", AsyncInput()));
  j.invocation_timeout_s = 1;
  ASSERT_TRUE(s.queue->Enqueue(j).ok());
  AsyncWorkers w(*s.queue, *s.engine, s.locations, s.metrics, {});
  ASSERT_TRUE(*w.RunOne());
  nlohmann::json f = Parse(s.ReadOut("fail/slow-error.out"));
  EXPECT_EQ(f["ErrorCode"], "InvocationTimeout") << f.dump();
}

TEST(AsyncWorkers, TooManyDeliveriesFailTheJob) {
  Stack s;
  s.Package("model.tar.gz");
  ASSERT_TRUE(s.queue->Enqueue(Job(s, "crashy", s.InputFile("c.json", AsyncInput()))).ok());
  // Three deliveries whose workers "died" (leases of 0 ms expire at once).
  for (int i = 0; i < 3; ++i) {
    auto c = s.queue->Claim("dead", std::chrono::milliseconds(0));
    ASSERT_TRUE(c.ok() && c->has_value());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the last 0 ms lease pass
  WorkerOptions o;
  o.max_attempts = 3;
  AsyncWorkers w(*s.queue, *s.engine, s.locations, s.metrics, o);
  ASSERT_TRUE(*w.RunOne());
  nlohmann::json f = Parse(s.ReadOut("fail/crashy-error.out"));
  EXPECT_EQ(f["ErrorCode"], "MaxDeliveriesExceeded") << f.dump();
  EXPECT_EQ(f["Attempt"], 4);
}

TEST(AsyncWorkers, BackgroundThreadsPickUpWokenJobs) {
  Stack s;
  s.Package("model.tar.gz");
  WorkerOptions o;
  o.threads = 2;
  o.poll_interval = std::chrono::milliseconds(60000);  // only Wake() can start them in time
  AsyncWorkers w(*s.queue, *s.engine, s.locations, s.metrics, o);
  w.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // workers are idle and waiting
  ASSERT_TRUE(s.queue->Enqueue(Job(s, "bg", s.InputFile("b.json", AsyncInput()))).ok());
  w.Wake();
  for (int i = 0; i < 2000 && s.queue->Get("bg")->state != JobState::kSucceeded; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(s.queue->Get("bg")->state, JobState::kSucceeded);
  w.Stop();
}

}  // namespace
}  // namespace openhi::hosting
