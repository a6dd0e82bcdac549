#pragma once
// Prometheus metrics of `openhi endpoint serve` / `worker`: requests by route, invocations and
// their latency by mode, async pickup latency, plus gauges rendered from the model cache and the
// queue. Thread-safe: lock-free counters.
#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "openhi/hosting/job_queue.h"
#include "openhi/hosting/model_cache.h"

namespace openhi::hosting {

// A fixed-bucket latency histogram (seconds).
class LatencyHistogram {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.5,    2.5,   10,   60};
  void Observe(double seconds);
  // Appends the _bucket/_sum/_count lines of `name` with `labels` ("" or `mode="x"`).
  void Render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::array<std::atomic<uint64_t>, kBuckets.size()> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_us_{0};
};

enum class InvocationMode { kRealtime = 0, kAsync = 1 };

class HostingMetrics {
 public:
  void RecordRequest(std::string_view route, int http_status);
  void RecordInvocation(InvocationMode mode, bool ok, double seconds);
  void RecordPickup(double seconds);  // enqueue -> first claim
  void RecordAsyncDrop() { stale_drops_++; }  // a stale delivery dropped its result
  // A completion notification (notifier.h) was delivered, or given up on.
  void RecordNotification(bool ok) { notifications_[ok ? 1 : 0]++; }
  uint64_t notifications(bool ok) const { return notifications_[ok ? 1 : 0].load(); }

  std::string Render(const ModelCacheStats& cache, const std::optional<QueueDepth>& queue,
                     size_t active_invocations) const;

 private:
  static constexpr std::array<std::string_view, 6> kRoutes = {"ping",   "invocations", "models",
                                                               "runtime", "async",     "other"};
  std::array<std::array<std::atomic<uint64_t>, 3>, kRoutes.size()> requests_{};  // 2xx/4xx/5xx
  std::array<std::array<std::atomic<uint64_t>, 2>, 2> invocations_{};           // [mode][ok]
  std::array<LatencyHistogram, 2> latency_;
  LatencyHistogram pickup_;
  std::atomic<uint64_t> stale_drops_{0};
  std::array<std::atomic<uint64_t>, 2> notifications_{};  // [failed, ok]
};

}  // namespace openhi::hosting
