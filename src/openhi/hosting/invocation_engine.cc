#include "openhi/hosting/invocation_engine.h"

#include <algorithm>
#include <exception>
#include <system_error>

#include "openhi/core/file_util.h"
#include "openhi/core/ids.h"
#include "openhi/core/logging.h"
#include "openhi/hosting/request_body.h"

namespace openhi::hosting {
namespace fs = std::filesystem;
namespace {

InvocationOutcome Fail(InvocationError::Kind kind, int original_status, Status status) {
  InvocationOutcome out;
  out.error = InvocationError{kind, original_status, std::move(status)};
  return out;
}

// The status a container answers for a runner or load error.
int ContainerStatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kDeadlineExceeded: return 408;
    case StatusCode::kResourceExhausted: return 507;
    default: return 500;
  }
}

// Removes a scratch folder when the run ends, whatever the path out.
struct ScratchFolder {
  fs::path path;
  ~ScratchFolder() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

}  // namespace

Result<nlohmann::json> UploadFolder(const fs::path& dir, objstore::Location& location,
                                    const std::string& key_prefix) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fe;
    if (it->is_regular_file(fe)) files.push_back(it->path());
  }
  if (ec) return Internal("cannot list the results in " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  nlohmann::json outputs = nlohmann::json::array();
  for (const fs::path& f : files) {
    const std::string rel = fs::relative(f, dir, ec).generic_string();
    OPENHI_ASSIGN_OR_RETURN(Bytes data, ReadFile(f));
    const std::string key = location.prefix + key_prefix + rel;
    OPENHI_RETURN_IF_ERROR(location.store->Put(key, data));
    outputs.push_back({{"name", rel}, {"location", location.store->Uri(key)}, {"bytes", data.size()}});
  }
  return outputs;
}

InvocationEngine::InvocationEngine(ModelCache& cache, ModelRunner& runner, EngineOptions options)
    : cache_(cache), runner_(runner), options_(std::move(options)) {}

size_t InvocationEngine::active() const {
  std::lock_guard lock(mu_);
  return active_;
}

bool InvocationEngine::AcquireSlot(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  if (options_.max_concurrent == 0) {
    active_++;
    return true;
  }
  if (!slot_cv_.wait_until(lock, deadline, [&] { return active_ < options_.max_concurrent; })) {
    return false;
  }
  active_++;
  return true;
}

void InvocationEngine::ReleaseSlot() {
  {
    std::lock_guard lock(mu_);
    active_--;
  }
  slot_cv_.notify_one();
}

InvocationOutcome InvocationEngine::Run(const InvocationRequest& request) {
  const auto deadline = std::chrono::steady_clock::now() + request.timeout;
  auto refs = ParseInvocationBody(request.body);
  if (!refs.ok()) return Fail(InvocationError::Kind::kValidation, 400, refs.status());
  if (!AcquireSlot(deadline)) {
    return Fail(InvocationError::Kind::kBusy, 503,
                Unavailable("all " + std::to_string(options_.max_concurrent) +
                            " invocation slots stayed busy until the deadline"));
  }
  InvocationOutcome out = RunWithSlot(request, deadline);
  ReleaseSlot();
  return out;
}

InvocationOutcome InvocationEngine::RunWithSlot(const InvocationRequest& request,
                                                std::chrono::steady_clock::time_point deadline) {
  using Kind = InvocationError::Kind;
  auto model = request.loaded_name ? cache_.GetLoaded(request.target_model)
                                   : cache_.Acquire(request.target_model);
  if (!model.ok()) {
    const Status& s = model.status();
    // A malformed or unknown target is the caller's mistake; a package that will not load is
    // the model's.
    if (s.code() == StatusCode::kNotFound ||
        (s.code() == StatusCode::kInvalidArgument && s.message().rfind("TargetModel", 0) == 0)) {
      return Fail(Kind::kValidation, 404, s);
    }
    return Fail(Kind::kModel, ContainerStatusFor(s), s.WithContext("loading the model"));
  }

  InvocationInput input;
  input.model_name = request.target_model;
  input.inputs = *ParseInvocationBody(request.body);
  input.body = request.body;
  input.content_type = request.content_type;
  input.custom_attributes = request.custom_attributes;
  input.inference_id = request.inference_id;
  ScratchFolder scratch{options_.scratch_root / NewId()};
  std::error_code ec;
  fs::create_directories(scratch.path / "out", ec);
  if (!ec) fs::create_directories(scratch.path / "work", ec);
  if (ec) {
    return Fail(Kind::kInternal, 500,
                Internal("cannot create scratch folder " + scratch.path.string() + ": " +
                         ec.message()));
  }
  input.scratch_dir = scratch.path / "out";
  input.work_dir = scratch.path / "work";
  CancellationToken cancel(deadline);
  input.cancel = &cancel;

  Result<InvocationResult> result = Internal("unset");
  try {
    result = runner_.Invoke(**model, input);
  } catch (const std::exception& e) {
    result = Internal(std::string("the model threw an exception: ") + e.what());
  } catch (...) {
    result = Internal("the model threw a non-standard exception");
  }
  if (cancel.DeadlinePassed()) {
    return Fail(Kind::kModel, 408,
                {StatusCode::kDeadlineExceeded,
                 "the invocation did not finish within its timeout of " +
                     std::to_string(request.timeout.count() / 1000.0) + " s"});
  }
  if (!result.ok()) return Fail(Kind::kModel, ContainerStatusFor(result.status()), result.status());

  objstore::Location& location = request.output ? *request.output : *options_.output;
  auto outputs = UploadFolder(scratch.path / "out", location, request.output_key_prefix);
  if (!outputs.ok()) {
    return Fail(Kind::kInternal, 500, outputs.status().WithContext("uploading the results"));
  }
  InvocationOutcome out;
  out.response = {{"inferenceId", request.inference_id},
                  {"model", request.target_model},
                  {"summary", std::move(result->summary)},
                  {"outputs", std::move(*outputs)}};
  return out;
}

}  // namespace openhi::hosting
