#pragma once
// JobQueue: the durable queue of async invocations (InvokeEndpointAsync), with at-least-once
// delivery and exactly-once completion.
//
// Semantics every implementation keeps:
//   * Enqueue stores a job durably before returning (the 202 is sent only after that).
//   * Claim hands the oldest ready job to one worker under a lease (visibility timeout). A job is
//     ready when it is pending, or running with an expired lease (its worker died or hung): it is
//     then redelivered, with attempt + 1.
//   * The attempt number is the fencing token. Heartbeat extends the lease and Complete finishes
//     the job only while (job, attempt) still holds the lease; a stale worker gets kAborted and
//     must drop its result. So a job completes exactly once even when it is delivered twice.
//
// Mapping to Redis Streams consumer groups (a later implementation; docs/formats/hosting.md):
//   Enqueue = XADD jobs * + HSET job:<id>; Claim = XREADGROUP GROUP workers <worker> COUNT 1, or
//   XAUTOCLAIM jobs workers <worker> <lease-ms> for expired leases (attempt = delivery count from
//   XPENDING); Heartbeat = XCLAIM ... JUSTID (resets the idle time, fails if another consumer
//   owns it); Complete = a Lua script that checks the owner/attempt in job:<id>, sets its state
//   and XACKs, atomically.
//
// Thread safety: implementations are safe for concurrent use from threads and processes.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "openhi/core/status.h"

namespace openhi::hosting {

// What a worker needs to run one async invocation. Stored as JSON.
struct JobSpec {
  std::string inference_id;  // unique across the queue
  std::string endpoint_name;
  std::string target_model;     // "" = the default model
  std::string input_location;   // s3://bucket/key or file:///path
  std::string output_dir_uri;   // the --output-path location ("…/", as OpenLocation takes it)
  std::string output_key;       // "<id>.out" (relative to output_dir_uri)
  std::string failure_dir_uri;  // the --failure-path location
  std::string failure_key;      // "<id>-error.out"
  std::string content_type;
  std::string accept;
  std::string custom_attributes;
  double enqueued_at = 0;           // epoch seconds
  double expires_at = 0;            // enqueued_at + RequestTTLSeconds (epoch seconds)
  int64_t invocation_timeout_s = 900;

  std::string ToJson() const;
  static Result<JobSpec> FromJson(std::string_view json);  // kDataLoss when unreadable
};

struct ClaimedJob {
  int64_t seq = 0;      // queue position (implementation's key)
  int64_t attempt = 0;  // 1 on first delivery; the fencing token
  JobSpec spec;
};

enum class JobState { kPending, kRunning, kSucceeded, kFailed };
std::string_view JobStateName(JobState s);

struct JobRecord {
  JobState state = JobState::kPending;
  int64_t attempt = 0;
  int64_t completions = 0;  // how many times Complete succeeded: 0 or 1
  std::string error;        // the failure message of a failed job
  JobSpec spec;
};

struct QueueDepth {
  int64_t pending = 0;
  int64_t running = 0;
  int64_t succeeded = 0;
  int64_t failed = 0;
};

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // kAlreadyExists: the inference ID is in the queue already.
  virtual Status Enqueue(const JobSpec& spec) = 0;
  // The oldest ready job, leased to `worker_id` for `lease`; nullopt when none is ready.
  virtual Result<std::optional<ClaimedJob>> Claim(std::string_view worker_id,
                                                  std::chrono::milliseconds lease) = 0;
  // Extends the lease. kAborted when (job, attempt) no longer holds it.
  virtual Status Heartbeat(const ClaimedJob& job, std::chrono::milliseconds lease) = 0;
  // Finishes the job (succeeded or failed with `error`). kAborted when (job, attempt) no longer
  // holds the lease: another delivery owns the job, the caller must drop its result.
  virtual Status Complete(const ClaimedJob& job, bool succeeded, std::string_view error) = 0;
  // kNotFound for an unknown inference ID.
  virtual Result<JobRecord> Get(std::string_view inference_id) = 0;
  virtual Result<QueueDepth> Depth() = 0;
};

}  // namespace openhi::hosting
