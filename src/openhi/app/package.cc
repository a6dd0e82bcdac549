#include "openhi/app/package.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <system_error>
#include <vector>

#include "openhi/core/file_util.h"

namespace openhi::app {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr size_t kChunk = size_t{1} << 20;

struct ArchiveWriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

std::string ArchiveError(archive* a) {
  const char* m = archive_error_string(a);
  return m != nullptr ? m : "unknown libarchive error";
}

Result<Json> ReadAppJson(const fs::path& file) {
  OPENHI_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(file));
  Json doc = Json::parse(reinterpret_cast<const char*>(bytes.data()),
                         reinterpret_cast<const char*>(bytes.data()) + bytes.size(), nullptr,
                         /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return InvalidArgument(file.string() + ": not a JSON object");
  }
  return doc;
}

// Adds every regular file under `dir` to `entries` as prefix/<relative path> -> source path.
Status CollectFiles(const fs::path& dir, const std::string& prefix,
                    std::map<std::string, fs::path>& entries) {
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_regular_file(dir, ec)) {
    files.push_back(dir);
  } else {
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      if (it->is_regular_file(type_ec)) files.push_back(it->path());
    }
    if (ec) return Internal("cannot list " + dir.string() + ": " + ec.message());
  }
  for (const fs::path& f : files) {
    const std::string name =
        prefix + (f == dir ? f.filename() : fs::relative(f, dir)).generic_string();
    if (!entries.emplace(name, f).second) {
      return InvalidArgument("package entry " + name + " occurs twice (" + entries[name].string() +
                             " and " + f.string() + ")");
    }
  }
  return Status::Ok();
}

Status WriteEntry(archive* a, const std::string& name, const fs::path& source) {
  std::ifstream in(source, std::ios::binary);
  std::error_code ec;
  const uintmax_t size = fs::file_size(source, ec);
  if (!in || ec) return Internal("cannot read " + source.string());
  std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
  archive_entry_set_pathname(e.get(), name.c_str());
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), 0644);
  archive_entry_set_mtime(e.get(), 0, 0);
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  if (archive_write_header(a, e.get()) != ARCHIVE_OK) {
    return Internal("writing " + name + ": " + ArchiveError(a));
  }
  std::vector<char> buf(kChunk);
  uintmax_t left = size;
  while (left > 0) {
    const size_t n = static_cast<size_t>(std::min<uintmax_t>(left, buf.size()));
    if (!in.read(buf.data(), static_cast<std::streamsize>(n))) {
      return Internal("cannot read " + source.string() + " (changed while packaging?)");
    }
    if (archive_write_data(a, buf.data(), n) != static_cast<la_ssize_t>(n)) {
      return Internal("writing " + name + ": " + ArchiveError(a));
    }
    left -= n;
  }
  return Status::Ok();
}

// An entry's path made safe: components without "", "." and "..". Empty result = the root.
Result<fs::path> SafeRelativePath(const char* raw, const PackageLimits& limits) {
  if (raw == nullptr) return InvalidArgument("package entry with an unreadable path");
  const std::string_view name(raw);
  if (name.size() > limits.max_path_length) {
    return InvalidArgument("package entry path longer than " +
                           std::to_string(limits.max_path_length) + " bytes");
  }
  if (name.empty()) return InvalidArgument("package entry with an empty path");
  if (name.front() == '/') {
    return InvalidArgument("package entry '" + std::string(name) + "': absolute path");
  }
  fs::path out;
  size_t depth = 0;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view part = name.substr(start, end - start);
    if (part == "..") {
      return InvalidArgument("package entry '" + std::string(name) + "': '..' in path");
    }
    if (!part.empty() && part != ".") {
      if (++depth > limits.max_depth) {
        return InvalidArgument("package entry '" + std::string(name) + "': deeper than " +
                               std::to_string(limits.max_depth) + " folders");
      }
      out /= std::string(part);
    }
    start = end + 1;
  }
  return out;
}

const char* TypeName(mode_t type) {
  switch (type) {
    case AE_IFLNK:
      return "symbolic link";
    case AE_IFCHR:
      return "character device";
    case AE_IFBLK:
      return "block device";
    case AE_IFIFO:
      return "FIFO";
    case AE_IFSOCK:
      return "socket";
    default:
      return "special file";
  }
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

Status WriteAll(int fd, const char* data, size_t n, const fs::path& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Internal("writing " + path.string() + ": " + std::strerror(errno));
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

// Extracts every entry of the open archive `a` into `dest` (new or empty).
Status ExtractEntries(archive* a, const fs::path& dest, const PackageLimits& limits,
                      UnpackedPackage& out) {
  std::vector<char> buf(kChunk);
  archive_entry* entry = nullptr;
  while (true) {
    const int r = archive_read_next_header(a, &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return InvalidArgument("corrupt package archive: " + ArchiveError(a));
    }
    if (++out.entries > limits.max_entries) {
      return ResourceExhausted("package has more than " + std::to_string(limits.max_entries) +
                               " entries");
    }
    const char* raw_name = archive_entry_pathname(entry);
    const std::string shown = raw_name != nullptr ? raw_name : "?";
    if (archive_entry_hardlink(entry) != nullptr) {
      return InvalidArgument("package entry '" + shown + "': hard links are not allowed");
    }
    const mode_t type = archive_entry_filetype(entry);
    if (type != AE_IFREG && type != AE_IFDIR) {
      return InvalidArgument("package entry '" + shown + "': " + TypeName(type) +
                             "s are not allowed");
    }
    OPENHI_ASSIGN_OR_RETURN(fs::path relative, SafeRelativePath(raw_name, limits));
    if (relative.empty()) {
      if (type == AE_IFDIR) continue;  // "./"
      return InvalidArgument("package entry '" + shown + "': a file without a name");
    }
    const fs::path target = dest / relative;
    std::error_code ec;
    if (type == AE_IFDIR) {
      fs::create_directories(target, ec);
      if (ec || !fs::is_directory(fs::symlink_status(target))) {
        return InvalidArgument("package entry '" + shown + "': cannot create folder " +
                               target.string());
      }
      continue;
    }
    const la_int64_t declared = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : 0;
    if (declared < 0 ||
        static_cast<uint64_t>(declared) > limits.max_total_bytes - out.total_bytes) {
      return ResourceExhausted("package unpacks to more than " +
                               std::to_string(limits.max_total_bytes) + " bytes");
    }
    fs::create_directories(target.parent_path(), ec);
    if (ec) {
      return InvalidArgument("package entry '" + shown + "': cannot create its folder (" +
                             ec.message() + ")");
    }
    FileDescriptor fd(
        ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (fd.get() < 0) {
      if (errno == EEXIST) {
        return InvalidArgument("package entry '" + shown + "' occurs twice");
      }
      return InvalidArgument("package entry '" + shown + "': cannot create " + target.string() +
                             ": " + std::strerror(errno));
    }
    while (true) {
      const la_ssize_t n = archive_read_data(a, buf.data(), buf.size());
      if (n == 0) break;
      if (n < 0) return InvalidArgument("corrupt package archive: " + ArchiveError(a));
      if (static_cast<uint64_t>(n) > limits.max_total_bytes - out.total_bytes) {
        return ResourceExhausted("package unpacks to more than " +
                                 std::to_string(limits.max_total_bytes) + " bytes");
      }
      out.total_bytes += static_cast<uint64_t>(n);
      OPENHI_RETURN_IF_ERROR(WriteAll(fd.get(), buf.data(), static_cast<size_t>(n), target));
    }
    if (::close(fd.Release()) != 0) {
      return Internal("writing " + target.string() + ": " + std::strerror(errno));
    }
  }
  return Status::Ok();
}

}  // namespace

Status CreatePackage(const fs::path& app_dir, const fs::path& model_dir,
                     const fs::path& out_tar_gz) {
  std::error_code ec;
  if (!fs::is_regular_file(app_dir / "app.json", ec)) {
    return NotFound("no app.json in " + app_dir.string());
  }
  OPENHI_RETURN_IF_ERROR(ReadAppJson(app_dir / "app.json").status());
  std::map<std::string, fs::path> entries;  // sorted by entry name
  OPENHI_RETURN_IF_ERROR(CollectFiles(app_dir, "", entries));
  if (!model_dir.empty()) {
    if (!fs::exists(model_dir, ec))
      return NotFound("model path " + model_dir.string() + " does not exist");
    OPENHI_RETURN_IF_ERROR(CollectFiles(model_dir, "models/", entries));
  }
  // Never package the output into itself (e.g. `-o APP_DIR/model.tar.gz`).
  const fs::path out_abs = fs::weakly_canonical(out_tar_gz, ec);
  for (auto it = entries.begin(); it != entries.end();) {
    it = fs::weakly_canonical(it->second, ec) == out_abs ? entries.erase(it) : std::next(it);
  }

  if (!out_tar_gz.parent_path().empty()) fs::create_directories(out_tar_gz.parent_path(), ec);
  const fs::path tmp =
      out_tar_gz.string() + std::string(kAtomicWriteTempMarker) + std::to_string(::getpid());
  std::unique_ptr<archive, ArchiveWriteDeleter> a(archive_write_new());
  if (archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK ||
      archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK) {
    return Internal("libarchive: " + ArchiveError(a.get()));
  }
  // No timestamp in the gzip header (reproducible packages); older libarchive may not know it.
  archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr);
  if (archive_write_open_filename(a.get(), tmp.c_str()) != ARCHIVE_OK) {
    return Internal("cannot create " + tmp.string() + ": " + ArchiveError(a.get()));
  }
  Status s = Status::Ok();
  for (const auto& [name, source] : entries) {
    s = WriteEntry(a.get(), name, source);
    if (!s.ok()) break;
  }
  if (s.ok() && archive_write_close(a.get()) != ARCHIVE_OK) {
    s = Internal("writing " + tmp.string() + ": " + ArchiveError(a.get()));
  }
  a.reset();
  if (s.ok()) {
    fs::rename(tmp, out_tar_gz, ec);
    if (ec) s = Internal("cannot rename " + tmp.string() + ": " + ec.message());
  }
  if (!s.ok()) fs::remove(tmp, ec);
  return s;
}

Result<PackageInfo> InspectPackage(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return NotFound("package folder " + dir.string() + " not found");
  PackageInfo info;
  info.root = dir;
  info.app_json = dir / "app.json";
  if (!fs::is_regular_file(info.app_json, ec)) {
    return NotFound("package " + dir.string() + " has no app.json");
  }
  OPENHI_ASSIGN_OR_RETURN(Json doc, ReadAppJson(info.app_json));
  for (auto [key, target] :
       std::array<std::pair<const char*, std::string*>, 3>{{{"name", &info.name},
                                                            {"version", &info.version},
                                                            {"description", &info.description}}}) {
    if (!doc.contains(key)) continue;
    if (!doc[key].is_string()) {
      return InvalidArgument(info.app_json.string() + ": " + key + " must be a string");
    }
    *target = doc[key].get<std::string>();
  }
  if (fs::is_directory(dir / "models", ec)) {
    info.model_path = dir / "models";
  } else if (fs::is_regular_file(dir / "model.ts", ec)) {
    info.model_path = dir / "model.ts";
  }
  return info;
}

Result<UnpackedPackage> UnpackPackage(const fs::path& tar_gz, const fs::path& dest_dir,
                                      const PackageLimits& limits) {
  std::error_code ec;
  if (!fs::is_regular_file(tar_gz, ec))
    return NotFound("package " + tar_gz.string() + " not found");
  bool created = false;
  if (fs::exists(fs::symlink_status(dest_dir, ec))) {
    if (!fs::is_directory(fs::symlink_status(dest_dir, ec))) {
      return FailedPrecondition("unpack destination " + dest_dir.string() + " is not a folder");
    }
    if (!fs::is_empty(dest_dir, ec)) {
      return FailedPrecondition("unpack destination " + dest_dir.string() + " is not empty");
    }
  } else {
    fs::create_directories(dest_dir, ec);
    if (ec) return Internal("cannot create " + dest_dir.string() + ": " + ec.message());
    created = true;
  }
  auto cleanup = [&] {
    std::error_code ignored;
    if (created) {
      fs::remove_all(dest_dir, ignored);
    } else {
      for (fs::directory_iterator it(dest_dir, ignored), end; !ignored && it != end;
           it.increment(ignored)) {
        std::error_code e;
        fs::remove_all(it->path(), e);
      }
    }
  };

  UnpackedPackage out;
  std::unique_ptr<archive, ArchiveReadDeleter> a(archive_read_new());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  Status s = Status::Ok();
  if (archive_read_open_filename(a.get(), tar_gz.c_str(), 64 * 1024) != ARCHIVE_OK) {
    s = InvalidArgument("package " + tar_gz.string() +
                        " is not a tar archive: " + ArchiveError(a.get()));
  } else {
    s = ExtractEntries(a.get(), dest_dir, limits, out);
  }
  a.reset();
  if (s.ok()) {
    Result<PackageInfo> info = InspectPackage(dest_dir);
    if (info.ok()) {
      out.info = std::move(*info);
    } else {
      s = info.status().code() == StatusCode::kNotFound
              ? InvalidArgument("package " + tar_gz.string() + " has no app.json at its root")
              : info.status();
    }
  }
  if (!s.ok()) {
    cleanup();
    return s;
  }
  return out;
}

}  // namespace openhi::app
