#pragma once
// `openhi endpoint serve` and `openhi endpoint worker`: SageMaker-compatible hosting
// (hosting/endpoint_service.h, docs/formats/hosting.md).
#include <memory>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "openhi/core/status.h"
#include "openhi/hosting/model_runner.h"

namespace openhi::cli {

// What a runner may need from the command line.
struct RunnerConfig {
  std::string store_endpoint;  // --store-endpoint: the AHI store the app reads image sets from
  size_t threads = 0;          // CPU threads per invocation (0: the runner's default)
};

// THE runner factory: the one place that decides which ModelRunner `openhi endpoint` hosts.
//   "echo": hosting::EchoRunner (tests, benchmarks).
//   "app":  the app-package runner (runner/hosted_app_runner.h, HostedAppRunner over RunAppPackage),
//           the default.
// kInvalidArgument for an unknown kind. "app" sets AWS_ENDPOINT_URL_MEDICAL_IMAGING from
// config.store_endpoint (process-wide) when given.
Result<std::unique_ptr<hosting::ModelRunner>> MakeModelRunner(std::string_view kind,
                                                              const RunnerConfig& config);

// Registers `endpoint serve` and `endpoint worker`.
void AddEndpointCommands(CLI::App& app, int* exit_code);

}  // namespace openhi::cli
