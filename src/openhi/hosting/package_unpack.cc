#include "openhi/hosting/package_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace openhi::hosting {
namespace {

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

// The entry's path made relative and checked: "./a/b" -> "a/b"; "" for "." itself.
Result<std::string> SafeRelativePath(std::string_view name) {
  if (name.empty()) return InvalidArgument("package entry with an empty name");
  if (name.front() == '/') return InvalidArgument("package entry with an absolute path: " +
                                                  std::string(name));
  std::string out;
  size_t pos = 0;
  while (pos <= name.size()) {
    size_t end = name.find('/', pos);
    if (end == std::string_view::npos) end = name.size();
    std::string_view seg = name.substr(pos, end - pos);
    if (seg == "..") {
      return InvalidArgument("package entry escapes the package folder: " + std::string(name));
    }
    if (!seg.empty() && seg != ".") {
      for (char c : seg) {
        if (static_cast<unsigned char>(c) < 0x20 || c == '\\') {
          return InvalidArgument("package entry with a control character or backslash");
        }
      }
      if (!out.empty()) out += '/';
      out += seg;
    }
    pos = end + 1;
  }
  return out;
}

Status Extract(archive* a, const std::filesystem::path& dest, const UnpackLimits& limits,
               UnpackStats& stats) {
  archive_entry* entry = nullptr;
  uint64_t entries = 0;
  std::vector<char> buf(1 << 16);
  for (;;) {
    int r = archive_read_next_header(a, &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return InvalidArgument(std::string("not a valid tar.gz package: ") +
                             archive_error_string(a));
    }
    if (++entries > limits.max_entries) {
      return ResourceExhausted("package has more than " + std::to_string(limits.max_entries) +
                               " entries");
    }
    const char* raw = archive_entry_pathname(entry);
    OPENHI_ASSIGN_OR_RETURN(std::string rel, SafeRelativePath(raw ? raw : ""));
    if (archive_entry_hardlink(entry) != nullptr) {
      return InvalidArgument("package entry is a hard link: " + rel);
    }
    const mode_t type = archive_entry_filetype(entry);
    std::error_code ec;
    if (type == AE_IFDIR) {
      if (!rel.empty()) std::filesystem::create_directories(dest / rel, ec);
      if (ec) return Internal("cannot create " + (dest / rel).string() + ": " + ec.message());
      continue;
    }
    if (type != AE_IFREG) {
      return InvalidArgument("package entry is not a regular file or folder: " + rel);
    }
    if (rel.empty()) return InvalidArgument("package file entry without a name");
    const std::filesystem::path target = dest / rel;
    std::filesystem::create_directories(target.parent_path(), ec);
    if (ec) return Internal("cannot create " + target.parent_path().string() + ": " + ec.message());
    // O_EXCL | O_NOFOLLOW: never write through a link, never overwrite (duplicate entries fail).
    int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
      return InvalidArgument("cannot create package file " + rel + ": " + std::strerror(errno));
    }
    uint64_t file_bytes = 0;
    Status st;
    for (;;) {
      la_ssize_t n = archive_read_data(a, buf.data(), buf.size());
      if (n == 0) break;
      if (n < 0) {
        st = InvalidArgument(std::string("corrupt package data: ") + archive_error_string(a));
        break;
      }
      file_bytes += static_cast<uint64_t>(n);
      stats.bytes += static_cast<uint64_t>(n);
      if (file_bytes > limits.max_file_bytes || stats.bytes > limits.max_total_bytes) {
        st = ResourceExhausted("package exceeds the unpack limit (" +
                               std::to_string(limits.max_file_bytes) + " bytes per file, " +
                               std::to_string(limits.max_total_bytes) + " in total)");
        break;
      }
      const char* p = buf.data();
      la_ssize_t left = n;
      while (left > 0) {
        ssize_t w = ::write(fd, p, static_cast<size_t>(left));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          st = Internal("write " + target.string() + ": " + std::strerror(errno));
          break;
        }
        p += w;
        left -= w;
      }
      if (!st.ok()) break;
    }
    ::close(fd);
    OPENHI_RETURN_IF_ERROR(st);
    stats.files++;
  }
  return Status::Ok();
}

}  // namespace

Result<UnpackStats> UnpackModelPackage(const std::filesystem::path& archive_path,
                                       const std::filesystem::path& dest,
                                       const UnpackLimits& limits) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(archive_path, ec)) {
    return NotFound("no package file " + archive_path.string());
  }
  if (std::filesystem::exists(dest, ec)) return AlreadyExists(dest.string() + " exists");
  std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_none(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  if (archive_read_open_filename(a.get(), archive_path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return InvalidArgument("cannot open package " + archive_path.filename().string() + ": " +
                           archive_error_string(a.get()));
  }
  std::filesystem::create_directories(dest, ec);
  if (ec) return Internal("cannot create " + dest.string() + ": " + ec.message());
  UnpackStats stats;
  Status st = Extract(a.get(), dest, limits, stats);
  if (!st.ok()) {
    std::filesystem::remove_all(dest, ec);
    return st.WithContext(archive_path.filename().string());
  }
  return stats;
}

}  // namespace openhi::hosting
