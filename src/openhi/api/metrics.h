#pragma once
// Prometheus metrics of the AHI API: requests and latency per operation, bytes served.
// Thread-safe: lock-free counters, updated from the IO threads.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "openhi/api/routes.h"

namespace openhi::api {

class ApiMetrics {
 public:
  // Latency buckets (seconds) of the histogram.
  static constexpr std::array<double, 10> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,  0.1,    0.5,   2.5};

  void Record(Operation op, int http_status, double seconds, uint64_t bytes_out);
  void RecordUnrouted(int http_status);

  // Text exposition format 0.0.4. `extra` is appended verbatim (e.g. import job gauges).
  std::string Render(const std::string& extra) const;

 private:
  struct PerOp {
    std::atomic<uint64_t> ok{0}, client_errors{0}, server_errors{0};
    std::atomic<uint64_t> bytes{0};
    std::atomic<uint64_t> latency_us_sum{0};
    std::array<std::atomic<uint64_t>, kBuckets.size()> buckets{};
  };
  std::array<PerOp, kOperationCount> ops_;
  std::atomic<uint64_t> unrouted_{0};
};

}  // namespace openhi::api
