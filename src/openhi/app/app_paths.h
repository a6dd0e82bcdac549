#pragma once
// Where an app reads its input, writes its output and finds its models, as MONAI Deploy and
// Holoscan define it (spec monai-deploy-sagemaker.md §3.1, §3.6). Precedence, per path:
//   1. the command-line flag (-i / -o / -m / -w);
//   2. the Holoscan variable: HOLOSCAN_INPUT_PATH, HOLOSCAN_OUTPUT_PATH, HOLOSCAN_MODEL_PATH,
//      HOLOSCAN_WORKDIR (App SDK >= 0.6);
//   3. the older MONAI variable: MONAI_INPUTPATH, MONAI_OUTPUTPATH, MONAI_MODELPATH,
//      MONAI_WORKDIR (App SDK 0.5, the AWS blog's version);
//   4. the default: "input", "output", "models", and "" (the current folder) for workdir.
// A variable set to the empty string counts as unset. Paths are returned as given (relative
// paths stay relative to the process's working folder). Thread-safe (pure given `env`).
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace openhi::app {

struct AppPaths {
  std::filesystem::path input = "input";
  std::filesystem::path output = "output";
  std::filesystem::path model = "models";
  std::filesystem::path workdir;
};

// Values given on the command line; nullopt = not given.
struct AppPathFlags {
  std::optional<std::filesystem::path> input;
  std::optional<std::filesystem::path> output;
  std::optional<std::filesystem::path> model;
  std::optional<std::filesystem::path> workdir;
};

// Returns the value of an environment variable, nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// std::getenv.
std::optional<std::string> ProcessEnv(std::string_view name);

struct ResolvedAppPaths {
  AppPaths paths;
  // Where each value came from: "flag", the variable name, or "default" (for logs).
  std::string input_source, output_source, model_source, workdir_source;
};

ResolvedAppPaths ResolveAppPaths(const AppPathFlags& flags, const EnvLookup& env = ProcessEnv);

}  // namespace openhi::app
