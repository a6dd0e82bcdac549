#include "openhi/core/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

Status WriteFileAtomic(const fs::path& path, ByteView data, Durability durability) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Internal("create_directories " + path.parent_path().string() + ": " + ec.message());
  fs::path tmp = path;
  tmp += ".tmp-" + NewId().substr(0, 8);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("create", tmp);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = ErrnoStatus("write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    off += static_cast<size_t>(n);
  }
  if (durability == Durability::kStartWriteback) {
    ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);  // advisory: errors surface at syncfs
  }
  if (durability == Durability::kFsync && ::fsync(fd) != 0) {
    Status s = ErrnoStatus("fsync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = ErrnoStatus("rename", path);
    ::unlink(tmp.c_str());
    return s;
  }
  return Status::Ok();
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
