#include "openhi/core/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "openhi/core/ids.h"

namespace openhi {
namespace fs = std::filesystem;

namespace {
Status ErrnoStatus(std::string_view what, const fs::path& p) {
  int e = errno;
  std::string m = std::string(what) + " " + p.string() + ": " + std::strerror(e);
  if (e == ENOENT) return NotFound(std::move(m));
  if (e == ENOSPC || e == EDQUOT) return ResourceExhausted(std::move(m));
  return Internal(std::move(m));
}
}  // namespace

Result<Bytes> ReadFile(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status s = ErrnoStatus("fstat", path);
    ::close(fd);
    return s;
  }
  // Read straight into a buffer of the file's size; grow only if the file grew meanwhile.
  Bytes out(static_cast<size_t>(st.st_size > 0 ? st.st_size : 0));
  size_t used = 0;
  while (true) {
    if (used == out.size()) out.resize(out.size() + (1 << 16));
    ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = ErrnoStatus("read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(used);
  return out;
}

AtomicFileWriter::AtomicFileWriter(fs::path target, fs::path temp, int fd,
                                   Durability durability)
    : target_(std::move(target)), temp_(std::move(temp)), fd_(fd), durability_(durability) {}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : target_(std::move(other.target_)),
      temp_(std::move(other.temp_)),
      fd_(std::exchange(other.fd_, -1)),
      durability_(other.durability_),
      written_(other.written_) {}

AtomicFileWriter::~AtomicFileWriter() { Abandon(); }

void AtomicFileWriter::Abandon() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(temp_.c_str());
}

Result<AtomicFileWriter> AtomicFileWriter::Create(const fs::path& path, Durability durability) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Internal("create_directories " + path.parent_path().string() + ": " + ec.message());
  fs::path temp = path;
  temp += std::string(kAtomicWriteTempMarker) + NewId().substr(0, 8);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("create", temp);
  return AtomicFileWriter(path, std::move(temp), fd, durability);
}

Status AtomicFileWriter::Append(ByteView data) {
  if (fd_ < 0) return FailedPrecondition("append to " + target_.string() + ": writer is closed");
  for (size_t off = 0; off < data.size();) {
    const ssize_t n = ::write(fd_, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = ErrnoStatus("write", temp_);
      Abandon();
      return s;
    }
    off += static_cast<size_t>(n);
  }
  if (durability_ != Durability::kNone && !data.empty()) {
    // Advisory: errors surface at fsync (kFsync) or at a later syncfs (kStartWriteback).
    ::sync_file_range(fd_, static_cast<off_t>(written_), static_cast<off_t>(data.size()),
                      SYNC_FILE_RANGE_WRITE);
  }
  written_ += data.size();
  return Status::Ok();
}

Status AtomicFileWriter::Commit() {
  if (fd_ < 0) return FailedPrecondition("commit " + target_.string() + ": writer is closed");
  if (durability_ == Durability::kFsync && ::fsync(fd_) != 0) {
    Status s = ErrnoStatus("fsync", temp_);
    Abandon();
    return s;
  }
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    Status s = ErrnoStatus("close", temp_);
    ::unlink(temp_.c_str());
    return s;
  }
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    Status s = ErrnoStatus("rename", target_);
    ::unlink(temp_.c_str());
    return s;
  }
  return Status::Ok();
}

Status WriteFileAtomic(const fs::path& path, ByteView data, Durability durability) {
  OPENHI_ASSIGN_OR_RETURN(AtomicFileWriter writer, AtomicFileWriter::Create(path, durability));
  OPENHI_RETURN_IF_ERROR(writer.Append(data));
  return writer.Commit();
}

Status SyncDirectory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open dir", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoStatus("fsync dir", dir);
  return Status::Ok();
}

Status SyncFilesystem(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path);
  int rc = ::syncfs(fd);
  ::close(fd);
  if (rc != 0) return ErrnoStatus("syncfs", path);
  return Status::Ok();
}

}  // namespace openhi
