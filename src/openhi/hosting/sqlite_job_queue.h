#pragma once
// SqliteJobQueue: JobQueue on one SQLite file (WAL), shared by the server and any number of
// `openhi endpoint worker` processes on the same machine. Claims run in BEGIN IMMEDIATE
// transactions, so two processes never claim the same delivery. Time is the wall clock (epoch
// seconds), so leases survive restarts; the clock can be replaced for tests.
//
// Thread safety: all methods may be called concurrently (one connection behind a mutex).
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>

#include "openhi/db/sqlite.h"
#include "openhi/hosting/job_queue.h"

namespace openhi::hosting {

class SqliteJobQueue : public JobQueue {
 public:
  using Clock = std::function<double()>;  // epoch seconds

  // Opens (creating) the queue at `path`. kInternal/kUnavailable on database errors.
  static Result<std::unique_ptr<SqliteJobQueue>> Open(const std::filesystem::path& path,
                                                      Clock clock = nullptr);

  Status Enqueue(const JobSpec& spec) override;
  Result<std::optional<ClaimedJob>> Claim(std::string_view worker_id,
                                          std::chrono::milliseconds lease) override;
  Status Heartbeat(const ClaimedJob& job, std::chrono::milliseconds lease) override;
  Status Complete(const ClaimedJob& job, bool succeeded, std::string_view error) override;
  Result<JobRecord> Get(std::string_view inference_id) override;
  Result<QueueDepth> Depth() override;

 private:
  SqliteJobQueue(std::unique_ptr<db::Database> db, Clock clock);
  double Now() const { return clock_(); }

  std::mutex mu_;
  std::unique_ptr<db::Database> db_;  // GUARDED_BY(mu_)
  Clock clock_;
};

}  // namespace openhi::hosting
