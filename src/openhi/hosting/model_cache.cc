#include "openhi/hosting/model_cache.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <future>
#include <system_error>

#include "openhi/core/ids.h"
#include "openhi/core/logging.h"

namespace openhi::hosting {
namespace fs = std::filesystem;
namespace {

// Keeps a package's unpacked folder alive as long as its model is in use.
struct UnpackedModel {
  fs::path dir;  // "" when loaded from a folder in place
  std::shared_ptr<const LoadedModel> model;
  ~UnpackedModel() {
    model.reset();
    if (!dir.empty()) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  }
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool IsInside(const fs::path& child, const fs::path& parent) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(child, ec);
  if (ec) return false;
  fs::path p = fs::weakly_canonical(parent, ec);
  if (ec) return false;
  auto [pe, ce] = std::mismatch(p.begin(), p.end(), c.begin(), c.end());
  return pe == p.end() || (std::next(pe) == p.end() && pe->empty());
}

}  // namespace

using LoadResult = Result<std::shared_ptr<const LoadedModel>>;

struct ModelCache::Entry {
  std::string name;
  fs::path source;
  Fingerprint fingerprint;
  bool lazy = true;  // loaded through Acquire (checked against the package on disk)
  bool ready = false;
  std::shared_ptr<std::promise<LoadResult>> promise;  // set by the loader (FinishLoad)
  std::shared_future<LoadResult> loading;              // what waiters wait on while !ready
  std::shared_ptr<const LoadedModel> model;
  uint64_t bytes = 0;
  uint64_t last_used = 0;
};

Status ValidateTargetModel(std::string_view target) {
  if (target.empty() || target.size() > 1024) {
    return InvalidArgument("TargetModel must be 1 to 1024 characters");
  }
  if (target.front() == '/') return InvalidArgument("TargetModel must be a relative path");
  for (char c : target) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e ||
        c == '\\') {
      return InvalidArgument("TargetModel contains a control character or a backslash");
    }
  }
  size_t pos = 0;
  while (pos <= target.size()) {
    size_t end = target.find('/', pos);
    if (end == std::string_view::npos) end = target.size();
    std::string_view seg = target.substr(pos, end - pos);
    if (seg.empty() || seg == "." || seg == "..") {
      return InvalidArgument("TargetModel has an empty, '.' or '..' path segment");
    }
    pos = end + 1;
  }
  if (!EndsWith(target, ".tar.gz")) return InvalidArgument("TargetModel must name a *.tar.gz");
  return Status::Ok();
}

ModelCache::ModelCache(ModelRunner& runner, ModelCacheOptions options)
    : runner_(runner), options_(std::move(options)) {}

ModelCache::~ModelCache() = default;

bool ModelCache::SingleModelFolder() const {
  std::error_code ec;
  return fs::is_regular_file(options_.model_dir / "app.json", ec);
}

Result<std::vector<std::string>> ModelCache::ListPackages() const {
  std::error_code ec;
  std::vector<std::string> out;
  auto it = fs::recursive_directory_iterator(options_.model_dir, ec);
  if (ec) {
    return Unavailable("model folder " + options_.model_dir.string() + " unreadable: " +
                       ec.message());
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return Unavailable("model folder unreadable: " + ec.message());
    if (it.depth() > 8) it.disable_recursion_pending();
    std::error_code fe;
    if (!it->is_regular_file(fe)) continue;
    std::string rel = fs::relative(it->path(), options_.model_dir, fe).generic_string();
    if (!fe && EndsWith(rel, ".tar.gz")) out.push_back(rel);
  }
  std::sort(out.begin(), out.end());
  return out;
}

LoadResult ModelCache::LoadFromSource(const fs::path& source) {
  auto holder = std::make_shared<UnpackedModel>();
  std::error_code ec;
  fs::path dir = source;
  if (!fs::is_directory(source, ec)) {
    holder->dir = options_.unpack_dir / NewId();
    fs::create_directories(options_.unpack_dir, ec);
    OPENHI_RETURN_IF_ERROR(
        app::UnpackPackage(source, holder->dir, options_.unpack_limits).status());
    dir = holder->dir;
  }
  LoadResult loaded = Internal("unset");
  try {
    loaded = runner_.Load(dir);
  } catch (const std::exception& e) {
    loaded = Internal(std::string("model load threw: ") + e.what());
  } catch (...) {
    loaded = Internal("model load threw a non-standard exception");
  }
  if (!loaded.ok()) return loaded.status();
  if (*loaded == nullptr) return Internal("runner returned no model");
  holder->model = std::move(*loaded);
  const LoadedModel* raw = holder->model.get();
  return std::shared_ptr<const LoadedModel>(holder, raw);  // aliasing: keeps the folder alive
}

void ModelCache::EraseLocked(std::map<std::string, std::shared_ptr<Entry>, std::less<>>::iterator it) {
  if (it->second->ready) {
    loaded_bytes_ -= it->second->bytes;
    stats_.loaded_models--;
  }
  entries_.erase(it);
}

void ModelCache::EvictToFitLocked(uint64_t incoming, const std::string& keep) {
  while (loaded_bytes_ + incoming > options_.budget_bytes) {
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (!it->second->ready || it->first == keep) continue;
      if (victim == entries_.end() || it->second->last_used < victim->second->last_used) {
        victim = it;
      }
    }
    if (victim == entries_.end()) return;
    LogInfo("hosting.evict model=" + victim->first);
    stats_.evictions++;
    EraseLocked(victim);
  }
}

std::shared_ptr<ModelCache::Entry> ModelCache::StartLoadLocked(const std::string& name,
                                                               fs::path source, Fingerprint fp,
                                                               bool lazy) {
  auto entry = std::make_shared<Entry>();
  entry->name = name;
  entry->source = std::move(source);
  entry->fingerprint = fp;
  entry->lazy = lazy;
  entry->promise = std::make_shared<std::promise<LoadResult>>();
  entry->loading = entry->promise->get_future().share();
  entries_[name] = entry;
  return entry;
}

LoadResult ModelCache::FinishLoad(const std::shared_ptr<Entry>& entry) {
  const auto start = std::chrono::steady_clock::now();
  LoadResult result = LoadFromSource(entry->source);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::shared_ptr<std::promise<LoadResult>> promise;
  {
    std::unique_lock lock(mu_);
    auto it = entries_.find(entry->name);
    const bool current = it != entries_.end() && it->second == entry;
    if (result.ok()) {
      const uint64_t size = (*result)->size_bytes();
      if (size > options_.budget_bytes ||
          (!entry->lazy && loaded_bytes_ + size > options_.budget_bytes)) {
        result = ResourceExhausted("model " + entry->name + " needs " + std::to_string(size) +
                                   " bytes; the cache budget is " +
                                   std::to_string(options_.budget_bytes) + " bytes with " +
                                   std::to_string(loaded_bytes_) + " in use");
      } else {
        if (entry->lazy) EvictToFitLocked(size, entry->name);
        if (current) {
          entry->ready = true;
          entry->model = *result;
          entry->bytes = size;
          entry->last_used = ++tick_;
          loaded_bytes_ += size;
          stats_.loaded_models++;
        }
        stats_.loads++;
        stats_.load_seconds_sum += secs;
      }
    }
    if (!result.ok()) {
      stats_.load_failures++;
      if (current) entries_.erase(it);
      LogWarn("hosting.load_failed model=" + entry->name + " " + result.status().ToString());
    }
    promise = std::move(entry->promise);
  }
  promise->set_value(result);
  return result;
}

LoadResult ModelCache::Acquire(std::string_view target) {
  if (!target.empty()) OPENHI_RETURN_IF_ERROR(ValidateTargetModel(target));
  const fs::path source = target.empty() ? options_.model_dir : options_.model_dir / target;
  std::error_code ec;
  const fs::path stat_path = target.empty() ? source / "app.json" : source;
  auto status = fs::status(stat_path, ec);
  if (ec || !fs::is_regular_file(status)) {
    return NotFound(target.empty() ? "the model folder holds no app.json"
                                   : "no model package " + std::string(target) +
                                         " in the model folder");
  }
  Fingerprint fp;
  fp.size = fs::file_size(stat_path, ec);
  fp.mtime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    fs::last_write_time(stat_path, ec).time_since_epoch())
                    .count();
  std::string name(target);
  std::shared_ptr<Entry> entry;
  {
    std::unique_lock lock(mu_);
    auto it = entries_.find(name);
    if (it != entries_.end()) {
      std::shared_ptr<Entry> e = it->second;
      if (!e->ready) {
        auto fut = e->loading;
        lock.unlock();
        return fut.get();
      }
      if (!e->lazy || e->fingerprint == fp) {
        e->last_used = ++tick_;
        stats_.hits++;
        return e->model;
      }
      LogInfo("hosting.package_changed model=" + name);
      EraseLocked(it);  // replaced on disk: reload below
    }
    entry = StartLoadLocked(name, source, fp, /*lazy=*/true);
  }
  return FinishLoad(entry);
}

Status ModelCache::Load(std::string_view name, std::string_view url) {
  if (name.empty() || name.size() > 1024) return InvalidArgument("model_name must be 1 to 1024 characters");
  if (url.empty()) return InvalidArgument("url is required");
  fs::path source(url);
  if (source.is_relative()) source = options_.model_dir / source;
  if (!IsInside(source, options_.model_dir)) {
    return InvalidArgument("url must lie inside the model folder " + options_.model_dir.string());
  }
  std::error_code ec;
  if (!fs::exists(source, ec)) return NotFound("no model at " + std::string(url));
  std::shared_ptr<Entry> entry;
  {
    std::unique_lock lock(mu_);
    if (entries_.count(name)) return AlreadyExists("model " + std::string(name) + " is loaded");
    entry = StartLoadLocked(std::string(name), source, {}, /*lazy=*/false);
  }
  return FinishLoad(entry).status();
}

LoadResult ModelCache::GetLoaded(std::string_view name) {
  std::unique_lock lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end() || !it->second->ready) {
    return NotFound("model " + std::string(name) + " is not loaded");
  }
  it->second->last_used = ++tick_;
  stats_.hits++;
  return it->second->model;
}

Result<ModelInfo> ModelCache::Get(std::string_view name) {
  std::unique_lock lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end() || !it->second->ready) {
    return NotFound("model " + std::string(name) + " is not loaded");
  }
  return ModelInfo{it->first, it->second->source.string(), it->second->bytes};
}

std::vector<ModelInfo> ModelCache::List() {
  std::unique_lock lock(mu_);
  std::vector<ModelInfo> out;
  for (const auto& [name, e] : entries_) {
    if (e->ready) out.push_back({name, e->source.string(), e->bytes});
  }
  return out;
}

Status ModelCache::Unload(std::string_view name) {
  std::unique_lock lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end() || !it->second->ready) {
    return NotFound("model " + std::string(name) + " is not loaded");
  }
  EraseLocked(it);
  return Status::Ok();
}

ModelCacheStats ModelCache::stats() const {
  std::unique_lock lock(mu_);
  ModelCacheStats s = stats_;
  s.loaded_bytes = loaded_bytes_;
  return s;
}

}  // namespace openhi::hosting
