#pragma once
// Completion notifications of async invocations: the stand-in for the SNS topics of SageMaker's
// AsyncInferenceNotificationConfig (SuccessTopic / ErrorTopic). After a job is completed (only by
// the delivery that still held its lease, so at most once per job) the worker POSTs a JSON body
// modelled on SageMaker's SNS message to the success or the error URL. Delivery is best effort:
// a lost notification is logged and counted, and never fails or redoes the job.
//
// Body (docs/formats/hosting.md, "Notifications"):
//   {"awsRegion", "eventTime", "receivedTime" (ISO 8601 UTC, ms), "invocationStatus":
//    "Completed" | "Failed", "failureReason" (failures: "<ErrorCode>: <Message>"),
//    "requestParameters": {"contentType", "endpointName", "inputLocation"},
//    "responseParameters": {"contentType", "outputLocation"} or {"contentType", "failureLocation"},
//    "inferenceId", "eventVersion": "1.0", "eventSource": "aws:sagemaker",
//    "eventName": "InferenceResult"}
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "openhi/core/status.h"
#include "openhi/hosting/hosting_metrics.h"
#include "openhi/hosting/job_queue.h"

namespace openhi::hosting {

// Where notifications go. An empty URL sends nothing for that outcome (as a missing SNS topic).
struct NotificationConfig {
  std::string success_url;
  std::string error_url;
  std::string region = "us-east-1";  // the body's "awsRegion"
  bool enabled() const { return !success_url.empty() || !error_url.empty(); }
};

// kInvalidArgument unless `url` is http:// or https:// followed by a host. `flag` names the
// option in the message.
Status ValidateNotificationUrl(std::string_view flag, std::string_view url);

// "2022-01-25T22:46:00.608Z" (UTC, milliseconds).
std::string Iso8601Utc(double epoch_seconds);

// The JSON body for a completed job. `failure_reason` is used for failures only.
std::string NotificationBody(const JobSpec& spec, bool succeeded, std::string_view region,
                             double event_time_epoch_s, std::string_view failure_reason);

struct Notification {
  std::string url;
  std::string inference_id;  // for logs
  std::string body;          // JSON
};

// Delivers notifications. Implementations must be thread-safe, must not throw, and should return
// quickly (the caller is a worker thread that has just completed a job).
class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual void Notify(Notification n) = 0;
};

struct HttpNotifierOptions {
  std::chrono::milliseconds timeout{5000};       // per HTTP attempt (connect + transfer)
  int max_attempts = 4;                          // 5xx, 408, 429 and transport errors retry
  std::chrono::milliseconds first_backoff{500};  // doubled after each failed attempt
  size_t max_pending = 10000;                    // beyond this, notifications are dropped
};

// A libcurl Notifier: Notify() queues the POST for a background thread, which retries with
// backoff and records openhi_hosting_notifications_total{result="ok|failed"} in `metrics`
// (which must outlive it). The destructor delivers what is still queued, one attempt each.
std::unique_ptr<Notifier> MakeHttpNotifier(HostingMetrics& metrics,
                                           HttpNotifierOptions options = {});

}  // namespace openhi::hosting
