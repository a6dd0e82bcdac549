#include "openhi/api/metrics.h"

#include <cstdio>

namespace openhi::api {

void ApiMetrics::Record(Operation op, int status, double seconds, uint64_t bytes_out) {
  PerOp& p = ops_[static_cast<int>(op)];
  (status >= 500 ? p.server_errors : status >= 400 ? p.client_errors : p.ok)++;
  p.bytes += bytes_out;
  p.latency_us_sum += static_cast<uint64_t>(seconds * 1e6);
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) p.buckets[i]++;
  }
}

void ApiMetrics::RecordUnrouted(int) { unrouted_++; }

std::string ApiMetrics::Render(const std::string& extra) const {
  std::string out;
  char line[256];
  out += "# HELP openhi_requests_total AHI API requests by operation and outcome.\n";
  out += "# TYPE openhi_requests_total counter\n";
  for (int i = 0; i < kOperationCount; ++i) {
    const PerOp& p = ops_[i];
    std::string name(OperationName(static_cast<Operation>(i)));
    for (auto [cls, v] : {std::pair{"2xx", p.ok.load()}, {"4xx", p.client_errors.load()},
                          {"5xx", p.server_errors.load()}}) {
      std::snprintf(line, sizeof line, "openhi_requests_total{operation=\"%s\",class=\"%s\"} %llu\n",
                    name.c_str(), cls, static_cast<unsigned long long>(v));
      out += line;
    }
  }
  std::snprintf(line, sizeof line, "openhi_requests_unrouted_total %llu\n",
                static_cast<unsigned long long>(unrouted_.load()));
  out += line;
  out += "# HELP openhi_response_bytes_total Response body bytes served by operation.\n";
  out += "# TYPE openhi_response_bytes_total counter\n";
  for (int i = 0; i < kOperationCount; ++i) {
    std::snprintf(line, sizeof line, "openhi_response_bytes_total{operation=\"%s\"} %llu\n",
                  std::string(OperationName(static_cast<Operation>(i))).c_str(),
                  static_cast<unsigned long long>(ops_[i].bytes.load()));
    out += line;
  }
  out += "# HELP openhi_request_duration_seconds AHI API request latency.\n";
  out += "# TYPE openhi_request_duration_seconds histogram\n";
  for (int i = 0; i < kOperationCount; ++i) {
    const PerOp& p = ops_[i];
    std::string name(OperationName(static_cast<Operation>(i)));
    uint64_t count = p.ok + p.client_errors + p.server_errors;
    for (size_t b = 0; b < kBuckets.size(); ++b) {
      std::snprintf(line, sizeof line,
                    "openhi_request_duration_seconds_bucket{operation=\"%s\",le=\"%g\"} %llu\n",
                    name.c_str(), kBuckets[b], static_cast<unsigned long long>(p.buckets[b].load()));
      out += line;
    }
    std::snprintf(line, sizeof line,
                  "openhi_request_duration_seconds_bucket{operation=\"%s\",le=\"+Inf\"} %llu\n"
                  "openhi_request_duration_seconds_sum{operation=\"%s\"} %.6f\n"
                  "openhi_request_duration_seconds_count{operation=\"%s\"} %llu\n",
                  name.c_str(), static_cast<unsigned long long>(count), name.c_str(),
                  p.latency_us_sum.load() / 1e6, name.c_str(),
                  static_cast<unsigned long long>(count));
    out += line;
  }
  out += extra;
  return out;
}

}  // namespace openhi::api
