#include "openhi/hosting/notifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "openhi/core/clock.h"
#include "openhi/hosting/internal/test_fixture.h"
#include "openhi/http/server.h"

namespace openhi::hosting {
namespace {

using namespace testing;

class FakeNotifier : public Notifier {
 public:
  void Notify(Notification n) override {
    std::lock_guard lock(mu);
    sent.push_back(std::move(n));
  }
  std::vector<Notification> Sent() {
    std::lock_guard lock(mu);
    return sent;
  }
  std::mutex mu;
  std::vector<Notification> sent;
};

// Delegates to a real queue; can make this delivery look stale (lost lease / completed by
// another delivery).
class StaleQueue : public JobQueue {
 public:
  explicit StaleQueue(JobQueue& q) : q_(q) {}
  Status Enqueue(const JobSpec& spec) override { return q_.Enqueue(spec); }
  Result<std::optional<ClaimedJob>> Claim(std::string_view w,
                                          std::chrono::milliseconds l) override {
    return q_.Claim(w, l);
  }
  Status Heartbeat(const ClaimedJob& job, std::chrono::milliseconds lease) override {
    if (lose_lease) return Aborted("lost its lease (test)");
    return q_.Heartbeat(job, lease);
  }
  Status Complete(const ClaimedJob& job, bool ok, std::string_view error) override {
    if (lose_at_complete) return Aborted("completed by another delivery (test)");
    return q_.Complete(job, ok, error);
  }
  Result<JobRecord> Get(std::string_view id) override { return q_.Get(id); }
  Result<QueueDepth> Depth() override { return q_.Depth(); }
  bool lose_lease = false;
  bool lose_at_complete = false;

 private:
  JobQueue& q_;
};

WorkerOptions WithUrls(std::string success, std::string error) {
  WorkerOptions o;
  o.notifications.success_url = std::move(success);
  o.notifications.error_url = std::move(error);
  o.notifications.region = "eu-west-1";
  return o;
}

TEST(Notifications, OnePerCompletedJobWithSageMakerShapedBodies) {
  Stack s;
  s.Package("model.tar.gz");
  s.Package("throws.tar.gz", R"({"throw_invoke": "CUDA out of memory"})");
  FakeNotifier fake;
  AsyncWorkers w(*s.queue, *s.engine, s.locations, s.metrics,
                 WithUrls("http://hooks/ok", "http://hooks/err"), &fake);
  ASSERT_TRUE(s.queue->Enqueue(Job(s, "good", s.InputFile("g.json", AsyncInput()))).ok());
  ASSERT_TRUE(
      s.queue->Enqueue(Job(s, "bad", s.InputFile("b.json", AsyncInput()), "throws.tar.gz")).ok());
  while (*w.RunOne()) {
  }
  auto sent = fake.Sent();
  ASSERT_EQ(sent.size(), 2u);

  EXPECT_EQ(sent[0].url, "http://hooks/ok");
  EXPECT_EQ(sent[0].inference_id, "good");
  auto ok = nlohmann::json::parse(sent[0].body);
  EXPECT_EQ(ok["invocationStatus"], "Completed");
  EXPECT_EQ(ok["inferenceId"], "good");
  EXPECT_EQ(ok["awsRegion"], "eu-west-1");
  EXPECT_EQ(ok["eventSource"], "aws:sagemaker");
  EXPECT_EQ(ok["eventName"], "InferenceResult");
  EXPECT_EQ(ok["eventVersion"], "1.0");
  EXPECT_EQ(ok["requestParameters"]["endpointName"], "ep");
  EXPECT_EQ(ok["requestParameters"]["contentType"], "application/json");
  EXPECT_EQ(ok["requestParameters"]["inputLocation"], s.InputFile("g.json", AsyncInput()));
  EXPECT_EQ(ok["responseParameters"]["outputLocation"], s.out_uri + "good.out");
  EXPECT_FALSE(ok.contains("failureReason"));
  EXPECT_EQ(ok["eventTime"].get<std::string>().size(), 24u) << ok["eventTime"];
  EXPECT_EQ(ok["eventTime"].get<std::string>().back(), 'Z');
  // The object the notification points at exists.
  EXPECT_FALSE(s.ReadOut("out/good.out").empty());

  EXPECT_EQ(sent[1].url, "http://hooks/err");
  auto bad = nlohmann::json::parse(sent[1].body);
  EXPECT_EQ(bad["invocationStatus"], "Failed");
  EXPECT_EQ(bad["inferenceId"], "bad");
  EXPECT_EQ(bad["responseParameters"]["failureLocation"], s.fail_uri + "bad-error.out");
  EXPECT_FALSE(bad["responseParameters"].contains("outputLocation"));
  const std::string reason = bad["failureReason"];
  EXPECT_EQ(reason.rfind("ModelError: ", 0), 0u) << reason;
  EXPECT_NE(reason.find("CUDA out of memory"), std::string::npos) << reason;
  EXPECT_FALSE(s.ReadOut("fail/bad-error.out").empty());
}

TEST(Notifications, AnEmptyUrlSendsNothingForThatOutcome) {
  Stack s;
  s.Package("model.tar.gz");
  FakeNotifier fake;
  AsyncWorkers w(*s.queue, *s.engine, s.locations, s.metrics, WithUrls("", "http://h/err"), &fake);
  ASSERT_TRUE(s.queue->Enqueue(Job(s, "good", s.InputFile("g.json", AsyncInput()))).ok());
  ASSERT_TRUE(s.queue->Enqueue(Job(s, "gone", s.out_uri + "missing.json")).ok());
  while (*w.RunOne()) {
  }
  auto sent = fake.Sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].inference_id, "gone");
  EXPECT_EQ(nlohmann::json::parse(sent[0].body)["invocationStatus"], "Failed");
}

TEST(Notifications, NoneForADeliveryThatLostItsLease) {
  Stack s;
  s.Package("model.tar.gz");
  s.Package("throws.tar.gz", R"({"throw_invoke": "boom"})");
  for (bool at_complete : {false, true}) {
    StaleQueue q(*s.queue);
    q.lose_lease = !at_complete;
    q.lose_at_complete = at_complete;
    FakeNotifier fake;
    AsyncWorkers w(q, *s.engine, s.locations, s.metrics, WithUrls("http://h/ok", "http://h/e"),
                   &fake);
    const std::string a = std::string("ok-") + (at_complete ? "c" : "h");
    const std::string b = std::string("err-") + (at_complete ? "c" : "h");
    ASSERT_TRUE(q.Enqueue(Job(s, a, s.InputFile(a, AsyncInput()))).ok());
    ASSERT_TRUE(q.Enqueue(Job(s, b, s.InputFile(b, AsyncInput()), "throws.tar.gz")).ok());
    ASSERT_TRUE(*w.RunOne());
    ASSERT_TRUE(*w.RunOne());
    EXPECT_TRUE(fake.Sent().empty()) << "at_complete=" << at_complete;
    EXPECT_EQ(s.queue->Get(a)->completions, 0);
    EXPECT_EQ(s.queue->Get(b)->completions, 0);
  }
}

TEST(Notifications, UrlValidation) {
  EXPECT_TRUE(ValidateNotificationUrl("--notification-url", "http://127.0.0.1:9/hook").ok());
  EXPECT_TRUE(ValidateNotificationUrl("--notification-url", "https://hooks.example.com").ok());
  for (const char* bad : {"", "ftp://x/y", "127.0.0.1:80/hook", "http://", "https:///path",
                          "http://:80/x", "http://h/a b", "s3://bucket/key"}) {
    Status st = ValidateNotificationUrl("--notification-url", bad);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("--notification-url"), std::string::npos) << st.message();
  }
}

TEST(Notifications, Iso8601Utc) {
  EXPECT_EQ(Iso8601Utc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(Iso8601Utc(1643150760.608), "2022-01-25T22:46:00.608Z");
  EXPECT_EQ(Iso8601Utc(1643150760.9996), "2022-01-25T22:46:01.000Z");
}

// The libcurl notifier against a local server: retries 5xx, gives up on 4xx, counts both.
TEST(HttpNotifier, RetriesServerErrorsAndCountsResults) {
  std::mutex mu;
  std::vector<std::string> bodies;
  std::atomic<int> calls{0};
  http::ServerOptions so;
  auto server = http::Server::Start(so, [&](const http::Request& r) {
    http::Response resp;
    const int n = ++calls;
    if (r.raw_path == "/flaky") {
      resp.status = n <= 2 ? 503 : 200;  // the first two attempts fail
    } else {
      resp.status = 400;
    }
    std::lock_guard lock(mu);
    bodies.push_back(std::string(r.Header("Content-Type")) + " " + r.body);
    return resp;
  });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
  HostingMetrics metrics;
  HttpNotifierOptions o;
  o.first_backoff = std::chrono::milliseconds(1);
  auto notifier = MakeHttpNotifier(metrics, o);
  notifier->Notify({base + "/flaky", "a", R"({"x":1})"});
  // Wait for the delivery to settle (bounded; no timing is asserted).
  for (int i = 0; i < 2000 && metrics.notifications(true) + metrics.notifications(false) < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(metrics.notifications(true), 1u);
  EXPECT_EQ(calls.load(), 3);
  notifier->Notify({base + "/reject", "b", R"({"x":2})"});
  for (int i = 0; i < 2000 && metrics.notifications(false) < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(metrics.notifications(false), 1u);
  EXPECT_EQ(calls.load(), 4);  // a 4xx is not retried
  notifier.reset();
  std::lock_guard lock(mu);
  ASSERT_EQ(bodies.size(), 4u);
  EXPECT_EQ(bodies[0], R"(application/json {"x":1})");
  EXPECT_EQ(bodies[3], R"(application/json {"x":2})");
  const std::string rendered = metrics.Render({}, std::nullopt, 0);
  EXPECT_NE(rendered.find("openhi_hosting_notifications_total{result=\"ok\"} 1"),
            std::string::npos);
  EXPECT_NE(rendered.find("openhi_hosting_notifications_total{result=\"failed\"} 1"),
            std::string::npos);
}

TEST(HttpNotifier, TransportErrorsAreCountedAsFailed) {
  // A port nothing listens on: bind a server, note its port, stop it.
  uint16_t port;
  {
    auto server = http::Server::Start({}, [](const http::Request&) { return http::Response{}; });
    ASSERT_TRUE(server.ok());
    port = (*server)->port();
    (*server)->Stop();
  }
  HostingMetrics metrics;
  HttpNotifierOptions o;
  o.first_backoff = std::chrono::milliseconds(1);
  o.max_attempts = 2;
  auto notifier = MakeHttpNotifier(metrics, o);
  notifier->Notify({"http://127.0.0.1:" + std::to_string(port) + "/x", "c", "{}"});
  notifier.reset();  // delivers what is queued before returning
  EXPECT_EQ(metrics.notifications(false), 1u);
  EXPECT_EQ(metrics.notifications(true), 0u);
}

}  // namespace
}  // namespace openhi::hosting
