#pragma once
// `openhi fetch` and `openhi dicomize`: the connector (openhi::client) on the command line.
#include <CLI/CLI.hpp>

namespace openhi::cli {

void AddConnectorCommands(CLI::App& app, int* exit_code);

}  // namespace openhi::cli
