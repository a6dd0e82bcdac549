#pragma once
// AsyncWorkers: the threads that drain the async job queue (job_queue.h). The server runs them
// in-process (--workers N, 0 allowed); `openhi endpoint worker` runs them in a process of its own
// against the same queue file.
//
// One job: claim (leased) -> fail it at once if it was delivered more than max_attempts times or
// its RequestTTLSeconds passed before this start -> read the InputLocation -> run it through the
// InvocationEngine under InvocationTimeoutSeconds -> check the lease is still ours -> write the
// response JSON to "<output>/<id>.out", or the failure JSON to "<failure>/<id>-error.out" ->
// Complete. A heartbeat thread keeps the leases of running jobs alive; a worker that dies stops
// heartbeating and its job is redelivered after the lease. A delivery that lost its lease drops
// its result (fencing by attempt number), so each job is completed exactly once.
//
// Failure object (JSON): {"InferenceId", "ErrorCode": "ValidationError" | "ModelError" |
// "RequestTTLExpired" | "InvocationTimeout" | "InternalFailure" | "MaxDeliveriesExceeded",
// "Message", "OriginalStatusCode" (for ModelError), "Attempt"}.
//
// Notifications: with a Notifier and a URL in options.notifications, a job that this delivery
// completed (Complete succeeded, so exactly once per job) is announced to the success or error URL
// (notifier.h). A delivery that lost its lease, or could not write its object, announces nothing.
//
// Thread safety: Start/Stop/Wake may be called from any thread; RunOne is for tests and tools.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "openhi/hosting/hosting_metrics.h"
#include "openhi/hosting/invocation_engine.h"
#include "openhi/hosting/job_queue.h"
#include "openhi/hosting/locations.h"
#include "openhi/hosting/notifier.h"

namespace openhi::hosting {

struct WorkerOptions {
  std::string worker_id = "worker";  // lease owner name (e.g. "host:pid"); for logs
  size_t threads = 1;                // jobs run at once by this pool
  // How long an idle worker sleeps before looking again (jobs enqueued by another process are
  // found this way; jobs enqueued in this process wake it at once through Wake()).
  std::chrono::milliseconds poll_interval{250};
  std::chrono::milliseconds lease{30000};  // renewed every lease/3 while a job runs
  int64_t max_attempts = 3;                // deliveries before a job is failed for good
  uint64_t max_input_bytes = 64u << 20;
  NotificationConfig notifications;  // used only with a Notifier
};

class AsyncWorkers {
 public:
  // `queue`, `engine`, `locations`, `metrics` and `notifier` (nullable: no notifications) must
  // outlive this object.
  AsyncWorkers(JobQueue& queue, InvocationEngine& engine, LocationCache& locations,
               HostingMetrics& metrics, WorkerOptions options, Notifier* notifier = nullptr);
  ~AsyncWorkers();  // Stop()

  void Start();  // starts options.threads workers and the heartbeat thread (none if 0 threads)
  void Stop();   // stops claiming and waits for the jobs that run to finish
  void Wake();   // a job was just enqueued

  // Claims and runs at most one job on the calling thread. false: no job was ready.
  Result<bool> RunOne();

 private:
  struct InFlight {
    ClaimedJob job;
    bool lease_lost = false;
  };
  void WorkerLoop();
  void HeartbeatLoop();
  void Process(const ClaimedJob& job);
  // Writes the output or failure object and completes the job, unless the lease was lost; then
  // sends the notification. `failure_reason` ("<ErrorCode>: <Message>") is for notifications.
  void Finish(const ClaimedJob& job, bool succeeded, const std::string& object_json,
              const std::string& error, const std::string& failure_reason = "");

  JobQueue& queue_;
  InvocationEngine& engine_;
  LocationCache& locations_;
  HostingMetrics& metrics_;
  const WorkerOptions options_;
  Notifier* const notifier_;

  std::mutex mu_;
  std::condition_variable cv_;     // wakes workers
  std::condition_variable hb_cv_;  // wakes the heartbeat thread (stop)
  bool stopping_ = false;   // GUARDED_BY(mu_)
  uint64_t wake_seq_ = 0;   // GUARDED_BY(mu_)
  std::map<int64_t, InFlight> in_flight_;  // by seq; GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace openhi::hosting
