#include "openhi/hosting/async_worker.h"

#include <nlohmann/json.hpp>

#include "openhi/core/clock.h"
#include "openhi/core/logging.h"

namespace openhi::hosting {
namespace {

std::string FailureJson(const ClaimedJob& job, std::string_view code, const std::string& message,
                        int original_status = 0) {
  nlohmann::json j{{"InferenceId", job.spec.inference_id},
                   {"ErrorCode", code},
                   {"Message", message},
                   {"Attempt", job.attempt}};
  if (original_status != 0) j["OriginalStatusCode"] = original_status;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string_view ErrorCodeFor(const InvocationError& e) {
  switch (e.kind) {
    case InvocationError::Kind::kValidation: return "ValidationError";
    case InvocationError::Kind::kModel:
      return e.status.code() == StatusCode::kDeadlineExceeded ? "InvocationTimeout" : "ModelError";
    case InvocationError::Kind::kBusy: return "ServiceUnavailable";
    case InvocationError::Kind::kInternal: return "InternalFailure";
  }
  return "InternalFailure";
}

}  // namespace

AsyncWorkers::AsyncWorkers(JobQueue& queue, InvocationEngine& engine, LocationCache& locations,
                           HostingMetrics& metrics, WorkerOptions options, Notifier* notifier)
    : queue_(queue), engine_(engine), locations_(locations), metrics_(metrics),
      options_(std::move(options)), notifier_(notifier) {}

AsyncWorkers::~AsyncWorkers() { Stop(); }

void AsyncWorkers::Start() {
  if (options_.threads == 0 || !threads_.empty()) return;
  for (size_t i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { WorkerLoop(); });
  threads_.emplace_back([this] { HeartbeatLoop(); });
}

void AsyncWorkers::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  hb_cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void AsyncWorkers::Wake() {
  {
    std::lock_guard lock(mu_);
    wake_seq_++;
  }
  cv_.notify_one();
}

void AsyncWorkers::WorkerLoop() {
  for (;;) {
    uint64_t seen;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      seen = wake_seq_;
    }
    auto ran = RunOne();
    if (!ran.ok()) LogWarn("hosting.worker claim failed: " + ran.status().ToString());
    if (ran.ok() && *ran) continue;
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, options_.poll_interval, [&] { return stopping_ || wake_seq_ != seen; });
  }
}

void AsyncWorkers::HeartbeatLoop() {
  const auto period = std::max(options_.lease / 3, std::chrono::milliseconds(10));
  std::unique_lock lock(mu_);
  while (!stopping_ || !in_flight_.empty()) {
    hb_cv_.wait_for(lock, period);
    std::vector<ClaimedJob> jobs;
    for (auto& [seq, f] : in_flight_) {
      if (!f.lease_lost) jobs.push_back(f.job);
    }
    lock.unlock();
    for (const ClaimedJob& job : jobs) {
      Status s = queue_.Heartbeat(job, options_.lease);
      if (s.code() == StatusCode::kAborted) {
        std::lock_guard relock(mu_);
        if (auto it = in_flight_.find(job.seq); it != in_flight_.end()) it->second.lease_lost = true;
        LogWarn("hosting.worker " + s.message());
      } else if (!s.ok()) {
        LogWarn("hosting.worker heartbeat failed: " + s.ToString());
      }
    }
    lock.lock();
    if (stopping_ && in_flight_.empty()) return;
  }
}

Result<bool> AsyncWorkers::RunOne() {
  OPENHI_ASSIGN_OR_RETURN(std::optional<ClaimedJob> job,
                          queue_.Claim(options_.worker_id, options_.lease));
  if (!job) return false;
  if (job->attempt == 1) metrics_.RecordPickup(NowEpochSeconds() - job->spec.enqueued_at);
  {
    std::lock_guard lock(mu_);
    in_flight_[job->seq] = InFlight{*job, false};
  }
  Process(*job);
  {
    std::lock_guard lock(mu_);
    in_flight_.erase(job->seq);
  }
  return true;
}

void AsyncWorkers::Finish(const ClaimedJob& job, bool succeeded, const std::string& object_json,
                          const std::string& error, const std::string& failure_reason) {
  {
    std::lock_guard lock(mu_);
    auto it = in_flight_.find(job.seq);
    if (it != in_flight_.end() && it->second.lease_lost) {
      metrics_.RecordAsyncDrop();
      LogWarn("hosting.worker dropping the result of " + job.spec.inference_id +
              ": its lease passed to another delivery");
      return;
    }
  }
  // Fence: the lease must still be ours right before the object is written.
  Status fence = queue_.Heartbeat(job, options_.lease);
  if (!fence.ok()) {
    metrics_.RecordAsyncDrop();
    LogWarn("hosting.worker dropping the result of " + job.spec.inference_id + ": " +
            fence.ToString());
    return;
  }
  const std::string& dir = succeeded ? job.spec.output_dir_uri : job.spec.failure_dir_uri;
  const std::string& key = succeeded ? job.spec.output_key : job.spec.failure_key;
  auto written = locations_.Write(dir, key, AsBytes(object_json));
  if (!written.ok()) {
    // Leave the job leased: it is redelivered when the lease passes (the store may be back).
    LogError("hosting.worker cannot write " + dir + key + ": " + written.status().ToString());
    return;
  }
  Status done = queue_.Complete(job, succeeded, error);
  if (done.code() == StatusCode::kAborted) {
    metrics_.RecordAsyncDrop();
    LogWarn("hosting.worker " + done.message());
    return;
  }
  if (!done.ok()) {
    LogError("hosting.worker cannot complete " + job.spec.inference_id + ": " + done.ToString());
    return;
  }
  // Completed by this delivery: the one place a job is announced.
  const std::string& url =
      succeeded ? options_.notifications.success_url : options_.notifications.error_url;
  if (notifier_ != nullptr && !url.empty()) {
    notifier_->Notify(Notification{
        url, job.spec.inference_id,
        NotificationBody(job.spec, succeeded, options_.notifications.region, NowEpochSeconds(),
                         failure_reason)});
  }
}

void AsyncWorkers::Process(const ClaimedJob& job) {
  const JobSpec& spec = job.spec;
  const auto start = std::chrono::steady_clock::now();
  auto fail = [&](std::string_view code, const std::string& message, int original = 0) {
    LogInfo("hosting.async_failed id=" + spec.inference_id + " code=" + std::string(code));
    Finish(job, false, FailureJson(job, code, message, original), message,
           std::string(code) + ": " + message);
    metrics_.RecordInvocation(
        InvocationMode::kAsync, false,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  };
  if (job.attempt > options_.max_attempts) {
    return fail("MaxDeliveriesExceeded",
                "the job was delivered " + std::to_string(job.attempt - 1) +
                    " times without completing (its workers died or hung)");
  }
  const double now = NowEpochSeconds();
  if (now > spec.expires_at) {
    return fail("RequestTTLExpired",
                "RequestTTLSeconds passed before a worker started the request (it waited " +
                    std::to_string(static_cast<int64_t>(now - spec.enqueued_at)) + " s)");
  }
  auto input = locations_.Read(spec.input_location, options_.max_input_bytes);
  if (!input.ok()) {
    return fail("ValidationError",
                "cannot read InputLocation " + spec.input_location + ": " + input.status().message(),
                input.status().code() == StatusCode::kNotFound ? 404 : 400);
  }
  auto output = locations_.Open(spec.output_dir_uri);
  if (!output.ok()) {
    return fail("InternalFailure", "cannot open the output location: " + output.status().message());
  }
  InvocationRequest req;
  req.target_model = spec.target_model;
  req.body.assign(reinterpret_cast<const char*>(input->data()), input->size());
  req.content_type = spec.content_type;
  req.custom_attributes = spec.custom_attributes;
  req.inference_id = spec.inference_id;
  req.output_key_prefix = spec.inference_id + "/";
  req.output = *output;
  req.timeout = std::chrono::seconds(spec.invocation_timeout_s);
  InvocationOutcome out = engine_.Run(req);
  if (!out.ok()) {
    const InvocationError& e = *out.error;
    return fail(ErrorCodeFor(e), e.status.message(),
                e.kind == InvocationError::Kind::kModel ? e.original_status : 0);
  }
  out.response["attempt"] = job.attempt;
  Finish(job, true, out.response.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "");
  metrics_.RecordInvocation(
      InvocationMode::kAsync, true,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace openhi::hosting
