#include "openhi/hosting/echo_runner.h"

#include <stdexcept>
#include <system_error>
#include <thread>

#include "openhi/core/file_util.h"

namespace openhi::hosting {
namespace {

struct EchoModel : LoadedModel {
  std::string app_name;
  uint64_t bytes = 0;
  std::string fail_invoke;
  std::string throw_invoke;
  int64_t sleep_ms = 0;
  uint64_t size_bytes() const override { return bytes; }
};

uint64_t FolderBytes(const std::filesystem::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

// Sleeps `ms`, returning early with CancelledError when `cancel` fires.
Status SleepCancellable(int64_t ms, const CancellationToken& cancel) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (cancel.IsCancelled()) return CancelledError("echo");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<const LoadedModel>> EchoRunner::Load(const std::filesystem::path& dir) {
  auto text = ReadFile(dir / "app.json");
  if (!text.ok()) {
    return InvalidArgument("package has no readable app.json: " + text.status().message());
  }
  nlohmann::json app = nlohmann::json::parse(AsStringView(*text), nullptr, false);
  if (!app.is_object()) return InvalidArgument("app.json is not a JSON object");
  auto model = std::make_shared<EchoModel>();
  model->app_name = app.value("name", std::string("echo"));
  model->bytes = FolderBytes(dir);
  if (auto it = app.find("echo"); it != app.end() && it->is_object()) {
    const nlohmann::json& e = *it;
    if (e.contains("fail_load")) return InvalidArgument(e.value("fail_load", std::string("load failed")));
    if (e.contains("size_bytes") && e["size_bytes"].is_number_unsigned()) {
      model->bytes = e["size_bytes"].get<uint64_t>();
    }
    model->fail_invoke = e.value("fail_invoke", "");
    model->throw_invoke = e.value("throw_invoke", "");
    model->sleep_ms = e.value("sleep_ms", int64_t{0});
  }
  return std::shared_ptr<const LoadedModel>(std::move(model));
}

Result<InvocationResult> EchoRunner::Invoke(const LoadedModel& loaded,
                                            const InvocationInput& input) {
  const auto& model = dynamic_cast<const EchoModel&>(loaded);
  int64_t sleep_ms = model.sleep_ms;
  nlohmann::json body = nlohmann::json::parse(input.body, nullptr, false);
  if (body.is_object() && body.contains("echo") && body["echo"].is_object()) {
    sleep_ms += body["echo"].value("sleep_ms", int64_t{0});
  }
  if (sleep_ms > 0) OPENHI_RETURN_IF_ERROR(SleepCancellable(sleep_ms, *input.cancel));
  if (!model.throw_invoke.empty()) throw std::runtime_error(model.throw_invoke);
  if (!model.fail_invoke.empty()) return Internal(model.fail_invoke);

  nlohmann::json ids = nlohmann::json::array();
  nlohmann::json refs = nlohmann::json::array();
  for (const ImageSetRef& r : input.inputs) {
    ids.push_back(r.image_set_id);
    refs.push_back({{"datastoreId", r.datastore_id}, {"imageSetId", r.image_set_id}});
  }
  nlohmann::json file{{"model", input.model_name}, {"inferenceId", input.inference_id},
                      {"inputs", refs}};
  OPENHI_RETURN_IF_ERROR(
      WriteFileAtomic(input.scratch_dir / "result.json", AsBytes(file.dump()), Durability::kNone));
  InvocationResult result;
  result.summary = {{"runner", "echo"},
                    {"app", model.app_name},
                    {"model", input.model_name},
                    {"inputs", input.inputs.size()},
                    {"imageSetIds", ids}};
  return result;
}

}  // namespace openhi::hosting
