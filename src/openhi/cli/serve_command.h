#pragma once
// `openhi store serve`: the AHI-compatible HTTP API on one listener.
#include <CLI/CLI.hpp>

namespace openhi::cli {

// Registers `serve` under the `store` subcommand.
void AddServeCommand(CLI::App& store_app, int* exit_code);

}  // namespace openhi::cli
