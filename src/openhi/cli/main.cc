// openhi: one binary, subcommands. Thin: flags -> options -> library call.
#include <CLI/CLI.hpp>

#include "openhi/cli/app_commands.h"
#include "openhi/cli/connector_commands.h"
#include "openhi/cli/endpoint_commands.h"
#include "openhi/cli/store_commands.h"
#include "openhi/cli/synth_command.h"
#include "openhi/core/logging.h"

int main(int argc, char** argv) {
  CLI::App app{"openhi: self-hosted medical imaging store, connector, apps and hosting"};
  app.require_subcommand(1);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "debug|info|warn|error|off")->capture_default_str();
  int exit_code = 0;
  openhi::cli::AddStoreCommands(app, &exit_code);
  openhi::cli::AddSynthCommand(app, &exit_code);
  openhi::cli::AddConnectorCommands(app, &exit_code);
  openhi::cli::AddAppCommands(app, &exit_code);
  openhi::cli::AddEndpointCommands(app, &exit_code);
  app.parse_complete_callback([&] { openhi::SetLogLevel(log_level); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 252;
  }
  return exit_code;
}
