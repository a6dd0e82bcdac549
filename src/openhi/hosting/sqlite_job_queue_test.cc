#include "openhi/hosting/sqlite_job_queue.h"

#include <gtest/gtest.h>

#include "openhi/hosting/internal/test_packages.h"

namespace openhi::hosting {
namespace {

using testing::TempDir;
using std::chrono::milliseconds;

JobSpec Spec(const std::string& id) {
  JobSpec s;
  s.inference_id = id;
  s.input_location = "s3://b/in/" + id + ".json";
  s.output_dir_uri = "s3://b/out/";
  s.output_key = id + ".out";
  s.failure_dir_uri = "s3://b/fail/";
  s.failure_key = id + "-error.out";
  s.enqueued_at = 1000;
  s.expires_at = 2000;
  return s;
}

struct QueueFixture {
  TempDir t;
  double now = 1000;
  std::unique_ptr<SqliteJobQueue> q;
  QueueFixture() { q = Open(); }
  std::unique_ptr<SqliteJobQueue> Open() {
    auto r = SqliteJobQueue::Open(t.path / "queue.db", [this] { return now; });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return std::move(*r);
  }
};

TEST(SqliteJobQueue, DeliversInOrderAndCompletesOnce) {
  QueueFixture f;
  ASSERT_TRUE(f.q->Enqueue(Spec("a")).ok());
  ASSERT_TRUE(f.q->Enqueue(Spec("b")).ok());
  EXPECT_EQ(f.q->Enqueue(Spec("a")).code(), StatusCode::kAlreadyExists);
  auto j1 = f.q->Claim("w1", milliseconds(10000));
  ASSERT_TRUE(j1.ok() && j1->has_value());
  EXPECT_EQ((*j1)->spec.inference_id, "a");
  EXPECT_EQ((*j1)->attempt, 1);
  EXPECT_EQ((*j1)->spec.output_key, "a.out");
  auto j2 = f.q->Claim("w2", milliseconds(10000));
  ASSERT_TRUE(j2.ok() && j2->has_value());
  EXPECT_EQ((*j2)->spec.inference_id, "b");
  auto none = f.q->Claim("w3", milliseconds(10000));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(f.q->Complete(**j1, true, "").ok());
  EXPECT_EQ(f.q->Complete(**j1, true, "").code(), StatusCode::kAborted);
  ASSERT_TRUE(f.q->Complete(**j2, false, "model threw").ok());
  auto ra = f.q->Get("a");
  ASSERT_TRUE(ra.ok());
  EXPECT_EQ(ra->state, JobState::kSucceeded);
  EXPECT_EQ(ra->completions, 1);
  auto rb = f.q->Get("b");
  EXPECT_EQ(rb->state, JobState::kFailed);
  EXPECT_EQ(rb->error, "model threw");
  auto d = f.q->Depth();
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->succeeded, 1);
  EXPECT_EQ(d->failed, 1);
  EXPECT_EQ(f.q->Get("zzz").status().code(), StatusCode::kNotFound);
}

TEST(SqliteJobQueue, ExpiredLeaseIsRedeliveredAndTheStaleDeliveryIsFencedOut) {
  QueueFixture f;
  ASSERT_TRUE(f.q->Enqueue(Spec("a")).ok());
  auto first = f.q->Claim("w1", milliseconds(5000));
  ASSERT_TRUE(first.ok() && first->has_value());
  f.now += 4;
  ASSERT_TRUE(f.q->Heartbeat(**first, milliseconds(5000)).ok());  // lease now ends at 1009
  f.now += 4;
  auto early = f.q->Claim("w2", milliseconds(5000));
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(early->has_value());  // still leased
  f.now += 10;                       // w1 died: lease expired
  auto second = f.q->Claim("w2", milliseconds(5000));
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->attempt, 2);
  EXPECT_EQ(f.q->Heartbeat(**first, milliseconds(5000)).code(), StatusCode::kAborted);
  EXPECT_EQ(f.q->Complete(**first, true, "").code(), StatusCode::kAborted);
  ASSERT_TRUE(f.q->Complete(**second, true, "").ok());
  EXPECT_EQ(f.q->Get("a")->completions, 1);
  EXPECT_EQ(f.q->Get("a")->attempt, 2);
}

TEST(SqliteJobQueue, JobsSurviveReopeningAndAreSharedBetweenConnections) {
  QueueFixture f;
  ASSERT_TRUE(f.q->Enqueue(Spec("a")).ok());
  ASSERT_TRUE(f.q->Enqueue(Spec("b")).ok());
  f.q.reset();  // "server restart"
  auto q1 = f.Open();
  auto q2 = f.Open();  // a second process on the same file
  auto x = q1->Claim("p1", milliseconds(5000));
  auto y = q2->Claim("p2", milliseconds(5000));
  ASSERT_TRUE(x.ok() && x->has_value() && y.ok() && y->has_value());
  EXPECT_NE((*x)->spec.inference_id, (*y)->spec.inference_id);
  auto z = q1->Claim("p1", milliseconds(5000));
  ASSERT_TRUE(z.ok());
  EXPECT_FALSE(z->has_value());
}

}  // namespace
}  // namespace openhi::hosting
