#pragma once
// JobLock: an exclusive, non-blocking flock(2) on <data_dir>/locks/<jobId>.lock. The holder is
// the one process running that import job; the kernel releases it when the process dies (even
// on kill -9), which is how recovery tells an orphaned job from a running one.
#include <filesystem>
#include <optional>

namespace openhi::store {

class JobLock {
 public:
  // nullopt when another process holds the lock (or the file cannot be opened).
  static std::optional<JobLock> TryAcquire(const std::filesystem::path& lock_file);
  JobLock(JobLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  JobLock& operator=(JobLock&&) = delete;
  ~JobLock();

 private:
  explicit JobLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace openhi::store
