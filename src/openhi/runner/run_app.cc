#include "openhi/runner/run_app.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <system_error>

#include "openhi/app/application.h"
#include "openhi/ops/builtin_operators.h"
#include "openhi/ops/torch/segmentation_operator.h"

namespace openhi::runner {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

// Linux: the peak RSS (VmHWM) of this process, and its reset.
uint64_t PeakRssBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      uint64_t kb = 0;
      fields >> kb;
      return kb * 1024;
    }
  }
  return 0;
}

void ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";  // resets VmHWM to the current RSS (Linux >= 4.0); harmless when refused
}

// Times the operator it wraps and records its peak RSS. Ports and parameters are the inner
// operator's own (Setup is forwarded), so app.json cannot tell the difference.
class TimedOperator : public app::Operator {
 public:
  TimedOperator(std::unique_ptr<app::Operator> inner, std::string type,
                std::shared_ptr<std::vector<OperatorRun>> runs, bool reset_peak)
      : inner_(std::move(inner)),
        type_(std::move(type)),
        runs_(std::move(runs)),
        reset_peak_(reset_peak) {}

  void Setup(app::OperatorSpec& spec) override { inner_->Setup(spec); }

  Status Compute(app::InputContext& in, app::OutputContext& out,
                 app::ExecutionContext& ctx) override {
    if (reset_peak_) ResetPeakRss();
    const auto start = Clock::now();
    Status s = inner_->Compute(in, out, ctx);
    OperatorRun run;
    run.name = ctx.operator_name();
    run.type = type_;
    run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    run.peak_rss_bytes = PeakRssBytes();
    runs_->push_back(std::move(run));
    return s;
  }

 private:
  std::unique_ptr<app::Operator> inner_;
  std::string type_;
  std::shared_ptr<std::vector<OperatorRun>> runs_;
  bool reset_peak_;
};

// A registry whose operators are the built-ins wrapped in TimedOperator.
Result<app::OperatorRegistry> TimedRegistry(std::shared_ptr<std::vector<OperatorRun>> runs,
                                            bool reset_peak) {
  auto base = std::make_shared<app::OperatorRegistry>();
  OPENHI_RETURN_IF_ERROR(RegisterAllOperators(*base));
  app::OperatorRegistry timed;
  for (const std::string& type : base->Types()) {
    OPENHI_RETURN_IF_ERROR(timed.Register(
        type, base->Description(type),
        [base, type, runs, reset_peak]() -> std::unique_ptr<app::Operator> {
          Result<std::unique_ptr<app::Operator>> inner = base->Create(type);
          if (!inner.ok()) return nullptr;  // cannot happen: `type` is registered
          return std::make_unique<TimedOperator>(std::move(*inner), type, runs, reset_peak);
        }));
  }
  return timed;
}

using Snapshot = std::map<fs::path, std::pair<fs::file_time_type, uintmax_t>>;

Snapshot FilesUnder(const fs::path& dir) {
  Snapshot files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code e;
    if (!it->is_regular_file(e)) continue;
    files[fs::relative(it->path(), dir, e)] = {it->last_write_time(e), it->file_size(e)};
  }
  return files;
}

// A private folder for an unpacked package, removed with this object.
class TempPackageDir {
 public:
  explicit TempPackageDir(const fs::path& base) {
    static std::atomic<uint64_t> counter{0};
    std::random_device random;
    path_ = (base.empty() ? fs::temp_directory_path() : base) /
            ("openhi-app-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
             std::to_string(random()));
  }
  ~TempPackageDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

Status RegisterAllOperators(app::OperatorRegistry& registry) {
  OPENHI_RETURN_IF_ERROR(ops::RegisterBuiltinOperators(registry));
  return ops::RegisterTorchOperators(registry);
}

Result<RunSummary> RunAppPackage(const fs::path& package_or_dir, const app::AppPaths& paths,
                                 const RunOptions& options) {
  const auto start = Clock::now();
  const uint64_t peak_before = PeakRssBytes();
  std::error_code ec;
  if (!fs::exists(package_or_dir, ec)) {
    return NotFound("app package " + package_or_dir.string() + " does not exist");
  }
  std::unique_ptr<TempPackageDir> unpacked;
  app::PackageInfo package;
  if (fs::is_directory(package_or_dir, ec)) {
    OPENHI_ASSIGN_OR_RETURN(package, app::InspectPackage(package_or_dir));
  } else {
    unpacked = std::make_unique<TempPackageDir>(paths.workdir);
    OPENHI_ASSIGN_OR_RETURN(app::UnpackedPackage u,
                            app::UnpackPackage(package_or_dir, unpacked->path(), options.limits));
    package = std::move(u.info);
  }

  RunSummary summary;
  summary.paths = paths;
  if (summary.paths.model.empty()) {
    summary.paths.model = package.model_path.empty() ? package.root : package.model_path;
  }
  auto runs = std::make_shared<std::vector<OperatorRun>>();
  OPENHI_ASSIGN_OR_RETURN(app::OperatorRegistry registry,
                          TimedRegistry(runs, options.per_operator_peak_rss));
  OPENHI_ASSIGN_OR_RETURN(app::LoadedApp loaded, app::LoadAppFromFile(package.app_json, registry));
  summary.app = loaded.info;

  fs::create_directories(summary.paths.output, ec);
  if (ec) {
    return Internal("cannot create output folder " + summary.paths.output.string() + ": " +
                    ec.message());
  }
  const Snapshot before = FilesUnder(summary.paths.output);
  app::AppContext context(summary.paths, options.threads);
  context.set_cancellation(options.cancel);
  context.set_resources(options.resources);
  auto warnings = std::make_shared<std::vector<std::string>>();
  auto warnings_mu = std::make_shared<std::mutex>();
  context.set_log_observer(
      [warnings, warnings_mu](LogLevel level, std::string_view op, std::string_view message) {
        if (level < LogLevel::kWarn) return;
        std::lock_guard lock(*warnings_mu);
        warnings->push_back(std::string(op) + ": " + std::string(message));
      });
  Status run = loaded.app->Run(context);
  summary.operators = *runs;
  {
    std::lock_guard lock(*warnings_mu);
    summary.warnings = *warnings;
  }
  if (!run.ok()) return run;

  for (const auto& [path, stamp] : FilesUnder(summary.paths.output)) {
    auto it = before.find(path);
    if (it == before.end() || it->second != stamp) summary.outputs.push_back(path);
  }
  summary.total_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  summary.peak_rss_bytes = peak_before;
  for (const OperatorRun& r : summary.operators) {
    summary.peak_rss_bytes = std::max(summary.peak_rss_bytes, r.peak_rss_bytes);
  }
  return summary;
}

Json RunSummaryToJson(const RunSummary& s) {
  Json operators = Json::array();
  for (const OperatorRun& r : s.operators) {
    operators.push_back({{"name", r.name},
                         {"type", r.type},
                         {"seconds", r.seconds},
                         {"peak_rss_bytes", r.peak_rss_bytes}});
  }
  Json outputs = Json::array();
  for (const fs::path& p : s.outputs) outputs.push_back((s.paths.output / p).string());
  return {{"app", {{"name", s.app.name}, {"version", s.app.version}}},
          {"paths",
           {{"input", s.paths.input.string()},
            {"output", s.paths.output.string()},
            {"model", s.paths.model.string()}}},
          {"outputs", outputs},
          {"operators", operators},
          {"total_seconds", s.total_seconds},
          {"peak_rss_bytes", s.peak_rss_bytes},
          {"warnings", s.warnings}};
}

}  // namespace openhi::runner
