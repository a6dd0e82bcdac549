#include "openhi/app/app_paths.h"

#include <gtest/gtest.h>

#include <map>

namespace openhi::app {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(AppPaths, DefaultsWithoutFlagsOrVariables) {
  ResolvedAppPaths r = ResolveAppPaths({}, FakeEnv({}));
  EXPECT_EQ(r.paths.input, "input");
  EXPECT_EQ(r.paths.output, "output");
  EXPECT_EQ(r.paths.model, "models");
  EXPECT_EQ(r.paths.workdir, "");
  EXPECT_EQ(r.input_source, "default");
}

TEST(AppPaths, MonaiVariablesApplyWhenAlone) {
  ResolvedAppPaths r = ResolveAppPaths(
      {}, FakeEnv({{"MONAI_INPUTPATH", "/m/in"}, {"MONAI_OUTPUTPATH", "/m/out"},
                   {"MONAI_MODELPATH", "/m/models"}, {"MONAI_WORKDIR", "/m/work"}}));
  EXPECT_EQ(r.paths.input, "/m/in");
  EXPECT_EQ(r.paths.output, "/m/out");
  EXPECT_EQ(r.paths.model, "/m/models");
  EXPECT_EQ(r.paths.workdir, "/m/work");
  EXPECT_EQ(r.model_source, "MONAI_MODELPATH");
}

TEST(AppPaths, HoloscanBeatsMonaiAndFlagsBeatBoth) {
  auto env = FakeEnv({{"MONAI_INPUTPATH", "/m/in"}, {"HOLOSCAN_INPUT_PATH", "/h/in"},
                      {"MONAI_OUTPUTPATH", "/m/out"}, {"HOLOSCAN_OUTPUT_PATH", "/h/out"},
                      {"MONAI_MODELPATH", "/m/models"}, {"HOLOSCAN_MODEL_PATH", "/h/models"}});
  AppPathFlags flags;
  flags.output = "/flag/out";
  ResolvedAppPaths r = ResolveAppPaths(flags, env);
  EXPECT_EQ(r.paths.input, "/h/in");
  EXPECT_EQ(r.input_source, "HOLOSCAN_INPUT_PATH");
  EXPECT_EQ(r.paths.output, "/flag/out");
  EXPECT_EQ(r.output_source, "flag");
  EXPECT_EQ(r.paths.model, "/h/models");
}

TEST(AppPaths, EmptyVariableCountsAsUnset) {
  ResolvedAppPaths r = ResolveAppPaths(
      {}, FakeEnv({{"HOLOSCAN_INPUT_PATH", ""}, {"MONAI_INPUTPATH", "/m/in"}}));
  EXPECT_EQ(r.paths.input, "/m/in");
}

TEST(AppPaths, ReadsTheProcessEnvironment) {
  ::setenv("HOLOSCAN_MODEL_PATH", "/from/process", 1);
  ResolvedAppPaths r = ResolveAppPaths({});
  ::unsetenv("HOLOSCAN_MODEL_PATH");
  EXPECT_EQ(r.paths.model, "/from/process");
}

}  // namespace
}  // namespace openhi::app
