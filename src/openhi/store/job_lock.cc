#include "openhi/store/internal/job_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace openhi::store {

std::optional<JobLock> JobLock::TryAcquire(const std::filesystem::path& lock_file) {
  std::error_code ec;
  std::filesystem::create_directories(lock_file.parent_path(), ec);
  int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return std::nullopt;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  return JobLock(fd);
}

JobLock::~JobLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace openhi::store
