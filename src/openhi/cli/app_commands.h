#pragma once
// The app commands (issue #5):
//   openhi package APP_DIR -m MODEL_DIR -o model.tar.gz     app::CreatePackage (app.json checked
//                                                           against every known operator first)
//   openhi run PACKAGE_OR_DIR [-i IN] [-o OUT] [-m MODELS] [-w WORKDIR] [--threads N]
//                                                           runner::RunAppPackage; paths follow
//                                                           app::ResolveAppPaths (flags, then
//                                                           HOLOSCAN_*, then MONAI_*); without -m
//                                                           or a variable the package's models
//   openhi model band --lo 40 --hi 60 -o model.ts          an analytic TorchScript model
//                                                           (infer::SaveBandModel) for demos
// Each prints a JSON summary on stdout; errors go to stderr (cli_output.h).
#include <CLI/CLI.hpp>

namespace openhi::cli {

void AddAppCommands(CLI::App& app, int* exit_code);

}  // namespace openhi::cli
