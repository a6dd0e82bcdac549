#include "openhi/runner/hosted_app_runner.h"

#include <string>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

#include "openhi/app/app_paths.h"
#include "openhi/core/file_util.h"
#include "openhi/runner/run_app.h"

namespace openhi::runner {
namespace fs = std::filesystem;

HostedAppModel::HostedAppModel(app::PackageInfo info, uint64_t bytes)
    : info_(std::move(info)), bytes_(bytes) {}

Result<std::shared_ptr<const hosting::LoadedModel>> HostedAppRunner::Load(const fs::path& dir) {
  OPENHI_ASSIGN_OR_RETURN(app::PackageInfo info, app::InspectPackage(dir));
  uint64_t bytes = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) bytes += it->file_size(ec);
  }
  return std::shared_ptr<const hosting::LoadedModel>(
      std::make_shared<HostedAppModel>(std::move(info), bytes));
}

Result<hosting::InvocationResult> HostedAppRunner::Invoke(const hosting::LoadedModel& loaded,
                                                          const hosting::InvocationInput& in) {
  const auto* model = dynamic_cast<const HostedAppModel*>(&loaded);
  if (model == nullptr) return InvalidArgument("HostedAppRunner: a model of another runner");
  nlohmann::json runs = nlohmann::json::array();
  for (size_t i = 0; i < in.inputs.size(); ++i) {
    if (IsCancelled(in.cancel)) return CancelledError("app run");
    const hosting::ImageSetRef& ref = in.inputs[i];
    const fs::path input = in.work_dir / ("input" + std::to_string(i));
    nlohmann::json reference{{"datastoreId", ref.datastore_id}, {"imageSetId", ref.image_set_id}};
    OPENHI_RETURN_IF_ERROR(WriteFileAtomic(input / "inputImageSets.json",
                                           AsBytes(reference.dump()), Durability::kNone));
    app::AppPaths paths;
    paths.input = input;
    paths.output = in.inputs.size() == 1 ? in.scratch_dir : in.scratch_dir / ref.image_set_id;
    paths.model.clear();  // the package's own models
    paths.workdir = in.work_dir / ("work" + std::to_string(i));
    RunOptions options;
    options.threads = options_.threads;
    options.per_operator_peak_rss = false;
    options.cancel = in.cancel;
    options.resources = model->resources();
    OPENHI_ASSIGN_OR_RETURN(RunSummary summary,
                            RunAppPackage(model->info().root, paths, options));
    nlohmann::json run = RunSummaryToJson(summary);
    run.erase("paths");
    run["outputs"] = nlohmann::json::array();
    const fs::path prefix = paths.output.lexically_relative(in.scratch_dir);
    for (const fs::path& output : summary.outputs) {
      run["outputs"].push_back((prefix / output).lexically_normal().generic_string());
    }
    runs.push_back(std::move(run));
  }
  hosting::InvocationResult result;
  result.summary = {{"app", model->info().name}, {"version", model->info().version},
                    {"imageSets", in.inputs.size()}, {"runs", std::move(runs)}};
  return result;
}

}  // namespace openhi::runner
