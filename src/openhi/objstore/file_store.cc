#include "openhi/objstore/file_store.h"

#include <sys/stat.h>

#include <algorithm>

#include "openhi/core/file_util.h"
#include "openhi/objstore/s3_store.h"

namespace openhi::objstore {
namespace fs = std::filesystem;

Status ValidateKey(std::string_view key) {
  if (key.empty() || key.size() > 1024) return InvalidArgument("object key length out of range");
  if (key.front() == '/') return InvalidArgument("object key must be relative");
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view seg = key.substr(start, end - start);
    if (seg.empty() && end != key.size()) return InvalidArgument("object key has an empty segment");
    if (seg == "." || seg == "..") return InvalidArgument("object key has a dot segment");
    start = end + 1;
  }
  for (char c : key) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '\\' || c == 0x7f) {
      return InvalidArgument("object key has a forbidden character");
    }
  }
  return Status::Ok();
}

namespace {

class FileStore final : public ObjectStore {
 public:
  explicit FileStore(fs::path root) : root_(std::move(root)) {}

  Result<Bytes> Get(std::string_view key) override {
    OPENHI_RETURN_IF_ERROR(ValidateKey(key));
    auto r = ReadFile(root_ / key);
    if (!r.ok() && r.status().code() == StatusCode::kNotFound) {
      return NotFound("no object " + std::string(key));
    }
    return r;
  }

  Status Put(std::string_view key, ByteView data) override {
    OPENHI_RETURN_IF_ERROR(ValidateKey(key));
    return WriteFileAtomic(root_ / key, data, Durability::kStartWriteback);
  }

  Result<ObjectInfo> Head(std::string_view key) override {
    OPENHI_RETURN_IF_ERROR(ValidateKey(key));
    struct stat st {};
    if (::stat((root_ / key).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return NotFound("no object " + std::string(key));
    }
    return ObjectInfo{std::string(key), static_cast<uint64_t>(st.st_size)};
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    std::vector<ObjectInfo> out;
    OPENHI_RETURN_IF_ERROR(ForEachFile(prefix, [&](const std::string& key, const fs::path& p) {
      std::error_code ec;
      if (key.find(kAtomicWriteTempMarker) != std::string::npos) return;  // in-flight writes
      out.push_back({key, static_cast<uint64_t>(fs::file_size(p, ec))});
    }));
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.key < b.key; });
    return out;
  }

  // The temporary files of WriteFileAtomic under `prefix`.
  Result<size_t> RemoveIncompleteWrites(std::string_view prefix) override {
    std::vector<fs::path> leftovers;
    OPENHI_RETURN_IF_ERROR(ForEachFile(prefix, [&](const std::string& key, const fs::path& p) {
      if (key.find(kAtomicWriteTempMarker) != std::string::npos) leftovers.push_back(p);
    }));
    for (const fs::path& p : leftovers) {
      std::error_code ec;
      fs::remove(p, ec);
      if (ec) return Internal("remove " + p.string() + ": " + ec.message());
    }
    return leftovers.size();
  }

  Status Delete(std::string_view key) override {
    OPENHI_RETURN_IF_ERROR(ValidateKey(key));
    std::error_code ec;
    fs::remove(root_ / key, ec);
    if (ec) return Internal("delete " + std::string(key) + ": " + ec.message());
    return Status::Ok();
  }

  Status Sync() override {
    std::error_code ec;
    fs::create_directories(root_, ec);
    return SyncFilesystem(root_);
  }

  std::string Uri(std::string_view key) const override {
    return "file://" + (root_ / key).string();
  }

 private:
  // fn(key, path) for every regular file whose key starts with `prefix`, temporaries included.
  // Walks only the folder that holds the prefix's last complete segment, not the whole root.
  template <typename Fn>
  Status ForEachFile(std::string_view prefix, Fn fn) const {
    fs::path start = root_;
    if (const size_t slash = prefix.rfind('/'); slash != std::string_view::npos) {
      const std::string_view folder = prefix.substr(0, slash);
      if (ValidateKey(folder).ok()) start = root_ / folder;
    }
    std::error_code ec;
    if (!fs::exists(start, ec)) return Status::Ok();
    for (auto it = fs::recursive_directory_iterator(
             start, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      std::string key = fs::relative(it->path(), root_, ec).generic_string();
      if (key.compare(0, prefix.size(), prefix) != 0) continue;
      fn(key, it->path());
    }
    if (ec) return Internal("list " + start.string() + ": " + ec.message());
    return Status::Ok();
  }

  const fs::path root_;
};

}  // namespace

std::unique_ptr<ObjectStore> NewFileStore(const fs::path& root) {
  return std::make_unique<FileStore>(root);
}

Result<Location> OpenLocation(std::string_view uri) {
  std::string u(uri);
  if (u.empty()) return InvalidArgument("empty URI");
  if (u.rfind("s3://", 0) == 0) return OpenS3Location(u);
  std::string path = u;
  if (u.rfind("file://", 0) == 0) {
    path = u.substr(7);
    if (path.empty() || path.front() != '/') {
      return InvalidArgument("file:// URI must hold an absolute path: " + u);
    }
  } else if (u.find("://") != std::string::npos) {
    return InvalidArgument("unsupported URI scheme: " + u);
  }
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20) return InvalidArgument("URI has control characters");
  }
  std::error_code ec;
  fs::path abs = fs::absolute(fs::path(path), ec).lexically_normal();
  if (ec) return InvalidArgument("bad path " + path);
  std::string norm = abs.string();
  if (norm.size() > 1 && norm.back() == '/') norm.pop_back();
  Location loc;
  loc.store = NewFileStore(norm);
  loc.uri = "file://" + norm + "/";
  return loc;
}

}  // namespace openhi::objstore
