#include "openhi/hosting/hosting_metrics.h"

#include <cstdio>

namespace openhi::hosting {
namespace {

void Line(std::string& out, const char* fmt, auto... args) {
  char buf[320];
  std::snprintf(buf, sizeof buf, fmt, args...);
  out += buf;
}

constexpr const char* kModeNames[] = {"realtime", "async"};

}  // namespace

void LatencyHistogram::Observe(double seconds) {
  count_++;
  sum_us_ += static_cast<uint64_t>(seconds * 1e6);
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) buckets_[i]++;
  }
}

void LatencyHistogram::Render(std::string& out, const std::string& name,
                              const std::string& labels) const {
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    Line(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name.c_str(), labels.c_str(), sep.c_str(),
         kBuckets[i], static_cast<unsigned long long>(buckets_[i].load()));
  }
  const unsigned long long n = count_.load();
  Line(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name.c_str(), labels.c_str(), sep.c_str(), n);
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  Line(out, "%s_sum%s %.6f\n", name.c_str(), braces.c_str(), sum_us_.load() / 1e6);
  Line(out, "%s_count%s %llu\n", name.c_str(), braces.c_str(), n);
}

void HostingMetrics::RecordRequest(std::string_view route, int status) {
  size_t r = kRoutes.size() - 1;
  for (size_t i = 0; i < kRoutes.size(); ++i) {
    if (kRoutes[i] == route) r = i;
  }
  requests_[r][status >= 500 ? 2 : status >= 400 ? 1 : 0]++;
}

void HostingMetrics::RecordInvocation(InvocationMode mode, bool ok, double seconds) {
  const int m = static_cast<int>(mode);
  invocations_[m][ok ? 1 : 0]++;
  latency_[m].Observe(seconds);
}

void HostingMetrics::RecordPickup(double seconds) { pickup_.Observe(seconds); }

std::string HostingMetrics::Render(const ModelCacheStats& cache,
                                   const std::optional<QueueDepth>& queue,
                                   size_t active) const {
  std::string out;
  out += "# HELP openhi_hosting_requests_total HTTP requests by route and status class.\n";
  out += "# TYPE openhi_hosting_requests_total counter\n";
  constexpr const char* kClasses[] = {"2xx", "4xx", "5xx"};
  for (size_t r = 0; r < kRoutes.size(); ++r) {
    for (int c = 0; c < 3; ++c) {
      Line(out, "openhi_hosting_requests_total{route=\"%s\",class=\"%s\"} %llu\n",
           std::string(kRoutes[r]).c_str(), kClasses[c],
           static_cast<unsigned long long>(requests_[r][c].load()));
    }
  }
  out += "# HELP openhi_hosting_invocations_total Model invocations by mode and outcome.\n";
  out += "# TYPE openhi_hosting_invocations_total counter\n";
  for (int m = 0; m < 2; ++m) {
    Line(out, "openhi_hosting_invocations_total{mode=\"%s\",outcome=\"ok\"} %llu\n", kModeNames[m],
         static_cast<unsigned long long>(invocations_[m][1].load()));
    Line(out, "openhi_hosting_invocations_total{mode=\"%s\",outcome=\"error\"} %llu\n",
         kModeNames[m], static_cast<unsigned long long>(invocations_[m][0].load()));
  }
  out += "# HELP openhi_hosting_invocation_duration_seconds Invocation latency (model + upload).\n";
  out += "# TYPE openhi_hosting_invocation_duration_seconds histogram\n";
  for (int m = 0; m < 2; ++m) {
    latency_[m].Render(out, "openhi_hosting_invocation_duration_seconds",
                       std::string("mode=\"") + kModeNames[m] + "\"");
  }
  out += "# HELP openhi_hosting_async_pickup_seconds Enqueue to first claim of async jobs.\n";
  out += "# TYPE openhi_hosting_async_pickup_seconds histogram\n";
  pickup_.Render(out, "openhi_hosting_async_pickup_seconds", "");
  Line(out, "# TYPE openhi_hosting_async_stale_results_total counter\n"
            "openhi_hosting_async_stale_results_total %llu\n",
       static_cast<unsigned long long>(stale_drops_.load()));
  out += "# HELP openhi_hosting_notifications_total Async completion notifications by result.\n";
  out += "# TYPE openhi_hosting_notifications_total counter\n";
  Line(out, "openhi_hosting_notifications_total{result=\"ok\"} %llu\n",
       static_cast<unsigned long long>(notifications_[1].load()));
  Line(out, "openhi_hosting_notifications_total{result=\"failed\"} %llu\n",
       static_cast<unsigned long long>(notifications_[0].load()));
  Line(out, "# TYPE openhi_hosting_active_invocations gauge\nopenhi_hosting_active_invocations %zu\n",
       active);
  out += "# HELP openhi_hosting_model_loads_total Model loads by outcome.\n";
  out += "# TYPE openhi_hosting_model_loads_total counter\n";
  Line(out, "openhi_hosting_model_loads_total{outcome=\"ok\"} %llu\n",
       static_cast<unsigned long long>(cache.loads));
  Line(out, "openhi_hosting_model_loads_total{outcome=\"error\"} %llu\n",
       static_cast<unsigned long long>(cache.load_failures));
  Line(out, "# TYPE openhi_hosting_model_load_seconds_sum counter\n"
            "openhi_hosting_model_load_seconds_sum %.6f\n", cache.load_seconds_sum);
  Line(out, "# TYPE openhi_hosting_model_cache_hits_total counter\n"
            "openhi_hosting_model_cache_hits_total %llu\n",
       static_cast<unsigned long long>(cache.hits));
  Line(out, "# TYPE openhi_hosting_model_evictions_total counter\n"
            "openhi_hosting_model_evictions_total %llu\n",
       static_cast<unsigned long long>(cache.evictions));
  Line(out, "# TYPE openhi_hosting_loaded_models gauge\nopenhi_hosting_loaded_models %llu\n",
       static_cast<unsigned long long>(cache.loaded_models));
  Line(out, "# TYPE openhi_hosting_loaded_model_bytes gauge\nopenhi_hosting_loaded_model_bytes %llu\n",
       static_cast<unsigned long long>(cache.loaded_bytes));
  if (queue) {
    out += "# HELP openhi_hosting_queue_jobs Async jobs in the durable queue by state.\n";
    out += "# TYPE openhi_hosting_queue_jobs gauge\n";
    Line(out, "openhi_hosting_queue_jobs{state=\"pending\"} %lld\n",
         static_cast<long long>(queue->pending));
    Line(out, "openhi_hosting_queue_jobs{state=\"running\"} %lld\n",
         static_cast<long long>(queue->running));
    Line(out, "openhi_hosting_queue_jobs{state=\"succeeded\"} %lld\n",
         static_cast<long long>(queue->succeeded));
    Line(out, "openhi_hosting_queue_jobs{state=\"failed\"} %lld\n",
         static_cast<long long>(queue->failed));
    Line(out, "# TYPE openhi_hosting_queue_depth gauge\nopenhi_hosting_queue_depth %lld\n",
         static_cast<long long>(queue->pending + queue->running));
  }
  return out;
}

}  // namespace openhi::hosting
