#pragma once
// `openhi store <verb> --data-dir DIR ...`: the local store CLI. Verbs and flags mirror
// `aws medical-imaging`; each prints the JSON the HTTP API returns for that operation.
#include <CLI/CLI.hpp>

namespace openhi::cli {

// Registers the `store` subcommand tree on `app`. The chosen verb's exit code is written to
// `*exit_code` when it runs.
void AddStoreCommands(CLI::App& app, int* exit_code);

}  // namespace openhi::cli
