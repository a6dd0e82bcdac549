#include "openhi/app/app_paths.h"

#include <cstdlib>

namespace openhi::app {
namespace {

void Resolve(const std::optional<std::filesystem::path>& flag, const char* holoscan_var,
             const char* monai_var, const EnvLookup& env, std::filesystem::path& value,
             std::string& source) {
  if (flag) {
    value = *flag;
    source = "flag";
    return;
  }
  for (const char* var : {holoscan_var, monai_var}) {
    std::optional<std::string> v = env(var);
    if (v && !v->empty()) {
      value = *v;
      source = var;
      return;
    }
  }
  source = "default";  // `value` keeps its default
}

}  // namespace

std::optional<std::string> ProcessEnv(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

ResolvedAppPaths ResolveAppPaths(const AppPathFlags& flags, const EnvLookup& env) {
  ResolvedAppPaths r;
  Resolve(flags.input, "HOLOSCAN_INPUT_PATH", "MONAI_INPUTPATH", env, r.paths.input,
          r.input_source);
  Resolve(flags.output, "HOLOSCAN_OUTPUT_PATH", "MONAI_OUTPUTPATH", env, r.paths.output,
          r.output_source);
  Resolve(flags.model, "HOLOSCAN_MODEL_PATH", "MONAI_MODELPATH", env, r.paths.model,
          r.model_source);
  Resolve(flags.workdir, "HOLOSCAN_WORKDIR", "MONAI_WORKDIR", env, r.paths.workdir,
          r.workdir_source);
  return r;
}

}  // namespace openhi::app
