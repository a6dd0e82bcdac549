#pragma once
// `openhi synth`: writes a realistic synthetic CT series (and its blob mask) with DCMTK.
#include <CLI/CLI.hpp>

namespace openhi::cli {

void AddSynthCommand(CLI::App& app, int* exit_code);

}  // namespace openhi::cli
