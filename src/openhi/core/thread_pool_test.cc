#include "openhi/core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>

namespace openhi {
namespace {

TEST(ThreadPool, ParallelForVisitsEveryIndexOnce) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> hits(1000);
  pool.ParallelFor(hits.size(), [&](size_t i) { hits[i]++; });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(ThreadPool, SubmitRunsTasks) {
  ThreadPool pool(2);
  std::atomic<int> sum{0};
  std::vector<std::future<void>> fs;
  for (int i = 1; i <= 100; ++i) fs.push_back(pool.Submit([&, i] { sum += i; }));
  for (auto& f : fs) f.get();
  EXPECT_EQ(sum.load(), 5050);
}

}  // namespace
}  // namespace openhi
