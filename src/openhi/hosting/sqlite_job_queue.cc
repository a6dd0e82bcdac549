#include "openhi/hosting/sqlite_job_queue.h"

#include <nlohmann/json.hpp>

#include "openhi/core/clock.h"

namespace openhi::hosting {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS async_jobs(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  inference_id TEXT NOT NULL UNIQUE,
  spec TEXT NOT NULL,
  state TEXT NOT NULL,                 -- pending | running | succeeded | failed
  attempt INTEGER NOT NULL DEFAULT 0,  -- deliveries so far; the fencing token
  lease_owner TEXT,
  lease_expires REAL,                  -- epoch seconds
  enqueued_at REAL NOT NULL,
  finished_at REAL,
  completions INTEGER NOT NULL DEFAULT 0,
  error TEXT);
CREATE INDEX IF NOT EXISTS async_jobs_ready ON async_jobs(state, seq);
)sql";

JobState StateFromName(std::string_view s) {
  if (s == "running") return JobState::kRunning;
  if (s == "succeeded") return JobState::kSucceeded;
  if (s == "failed") return JobState::kFailed;
  return JobState::kPending;
}

}  // namespace

std::string_view JobStateName(JobState s) {
  switch (s) {
    case JobState::kPending: return "pending";
    case JobState::kRunning: return "running";
    case JobState::kSucceeded: return "succeeded";
    case JobState::kFailed: return "failed";
  }
  return "pending";
}

std::string JobSpec::ToJson() const {
  nlohmann::json j{{"inferenceId", inference_id},     {"endpointName", endpoint_name},
                   {"targetModel", target_model},     {"inputLocation", input_location},
                   {"outputDirUri", output_dir_uri},  {"outputKey", output_key},
                   {"failureDirUri", failure_dir_uri}, {"failureKey", failure_key},
                   {"contentType", content_type},     {"accept", accept},
                   {"customAttributes", custom_attributes}, {"enqueuedAt", enqueued_at},
                   {"expiresAt", expires_at},         {"invocationTimeoutSeconds", invocation_timeout_s}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<JobSpec> JobSpec::FromJson(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return DataLoss("unreadable async job spec");
  try {
    JobSpec s;
    s.inference_id = j.at("inferenceId").get<std::string>();
    s.endpoint_name = j.value("endpointName", "");
    s.target_model = j.value("targetModel", "");
    s.input_location = j.at("inputLocation").get<std::string>();
    s.output_dir_uri = j.at("outputDirUri").get<std::string>();
    s.output_key = j.at("outputKey").get<std::string>();
    s.failure_dir_uri = j.at("failureDirUri").get<std::string>();
    s.failure_key = j.at("failureKey").get<std::string>();
    s.content_type = j.value("contentType", "");
    s.accept = j.value("accept", "");
    s.custom_attributes = j.value("customAttributes", "");
    s.enqueued_at = j.value("enqueuedAt", 0.0);
    s.expires_at = j.value("expiresAt", 0.0);
    s.invocation_timeout_s = j.value("invocationTimeoutSeconds", int64_t{900});
    return s;
  } catch (const nlohmann::json::exception& e) {
    return DataLoss(std::string("unreadable async job spec: ") + e.what());
  }
}

SqliteJobQueue::SqliteJobQueue(std::unique_ptr<db::Database> db, Clock clock)
    : db_(std::move(db)), clock_(clock ? std::move(clock) : Clock(NowEpochSeconds)) {}

Result<std::unique_ptr<SqliteJobQueue>> SqliteJobQueue::Open(const std::filesystem::path& path,
                                                             Clock clock) {
  OPENHI_ASSIGN_OR_RETURN(auto db, db::Database::Open(path));
  OPENHI_RETURN_IF_ERROR(db->Exec(kSchema));
  return std::unique_ptr<SqliteJobQueue>(new SqliteJobQueue(std::move(db), std::move(clock)));
}

Status SqliteJobQueue::Enqueue(const JobSpec& spec) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto st, db_->Prepare(
      "INSERT INTO async_jobs(inference_id, spec, state, enqueued_at) VALUES(?, ?, 'pending', ?)"));
  st.Bind(1, spec.inference_id).Bind(2, spec.ToJson()).Bind(3, spec.enqueued_at);
  Status s = st.Run();
  if (s.code() == StatusCode::kAlreadyExists) {
    return AlreadyExists("InferenceId " + spec.inference_id + " is already queued");
  }
  return s;
}

Result<std::optional<ClaimedJob>> SqliteJobQueue::Claim(std::string_view worker_id,
                                                        std::chrono::milliseconds lease) {
  std::lock_guard lock(mu_);
  const double now = Now();
  db::Transaction tx(*db_);
  OPENHI_RETURN_IF_ERROR(tx.begin_status());
  OPENHI_ASSIGN_OR_RETURN(auto pick, db_->Prepare(
      "SELECT seq, attempt, spec FROM async_jobs WHERE state = 'pending' "
      "OR (state = 'running' AND lease_expires < ?) ORDER BY seq LIMIT 1"));
  pick.Bind(1, now);
  OPENHI_ASSIGN_OR_RETURN(bool row, pick.Step());
  if (!row) return std::optional<ClaimedJob>();
  ClaimedJob job;
  job.seq = pick.Int(0);
  job.attempt = pick.Int(1) + 1;
  OPENHI_ASSIGN_OR_RETURN(job.spec, JobSpec::FromJson(pick.Text(2)));
  pick.Reset();
  OPENHI_ASSIGN_OR_RETURN(auto upd, db_->Prepare(
      "UPDATE async_jobs SET state = 'running', attempt = ?, lease_owner = ?, lease_expires = ? "
      "WHERE seq = ?"));
  upd.Bind(1, job.attempt).Bind(2, worker_id).Bind(3, now + lease.count() / 1000.0).Bind(4, job.seq);
  OPENHI_RETURN_IF_ERROR(upd.Run());
  OPENHI_RETURN_IF_ERROR(tx.Commit());
  return std::optional<ClaimedJob>(std::move(job));
}

Status SqliteJobQueue::Heartbeat(const ClaimedJob& job, std::chrono::milliseconds lease) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto st, db_->Prepare(
      "UPDATE async_jobs SET lease_expires = ? WHERE seq = ? AND attempt = ? AND state = 'running'"));
  st.Bind(1, Now() + lease.count() / 1000.0).Bind(2, job.seq).Bind(3, job.attempt);
  OPENHI_RETURN_IF_ERROR(st.Run());
  if (db_->Changes() != 1) {
    return Aborted("async job " + job.spec.inference_id + " attempt " +
                   std::to_string(job.attempt) + " lost its lease");
  }
  return Status::Ok();
}

Status SqliteJobQueue::Complete(const ClaimedJob& job, bool succeeded, std::string_view error) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto st, db_->Prepare(
      "UPDATE async_jobs SET state = ?, finished_at = ?, error = ?, completions = completions + 1, "
      "lease_owner = NULL, lease_expires = NULL "
      "WHERE seq = ? AND attempt = ? AND state = 'running'"));
  st.Bind(1, succeeded ? "succeeded" : "failed").Bind(2, Now());
  if (succeeded) {
    st.BindNull(3);
  } else {
    st.Bind(3, error);
  }
  st.Bind(4, job.seq).Bind(5, job.attempt);
  OPENHI_RETURN_IF_ERROR(st.Run());
  if (db_->Changes() != 1) {
    return Aborted("async job " + job.spec.inference_id + " attempt " +
                   std::to_string(job.attempt) + " no longer holds its lease");
  }
  return Status::Ok();
}

Result<JobRecord> SqliteJobQueue::Get(std::string_view inference_id) {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto st, db_->Prepare(
      "SELECT state, attempt, completions, error, spec FROM async_jobs WHERE inference_id = ?"));
  st.Bind(1, inference_id);
  OPENHI_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFound("no async job " + std::string(inference_id));
  JobRecord r;
  r.state = StateFromName(st.Text(0));
  r.attempt = st.Int(1);
  r.completions = st.Int(2);
  r.error = st.IsNull(3) ? "" : st.Text(3);
  OPENHI_ASSIGN_OR_RETURN(r.spec, JobSpec::FromJson(st.Text(4)));
  return r;
}

Result<QueueDepth> SqliteJobQueue::Depth() {
  std::lock_guard lock(mu_);
  OPENHI_ASSIGN_OR_RETURN(auto st,
                          db_->Prepare("SELECT state, COUNT(*) FROM async_jobs GROUP BY state"));
  QueueDepth d;
  for (;;) {
    OPENHI_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    const int64_t n = st.Int(1);
    switch (StateFromName(st.Text(0))) {
      case JobState::kPending: d.pending = n; break;
      case JobState::kRunning: d.running = n; break;
      case JobState::kSucceeded: d.succeeded = n; break;
      case JobState::kFailed: d.failed = n; break;
    }
  }
  return d;
}

}  // namespace openhi::hosting
