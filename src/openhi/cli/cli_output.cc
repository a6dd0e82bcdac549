#include "openhi/cli/cli_output.h"

#include <cstdio>

#include "openhi/ahi/errors.h"

namespace openhi::cli {

int PrintJson(const nlohmann::json& body) {
  std::string text = body.dump(4, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  return kExitOk;
}

int PrintError(const std::string& operation, const Status& status) {
  ahi::AwsError e = ahi::ToAwsError(status.code());
  std::fprintf(stderr, "\nAn error occurred (%.*s) when calling the %s operation: %s\n",
               static_cast<int>(e.name.size()), e.name.data(), operation.c_str(),
               status.message().c_str());
  return kExitService;
}

}  // namespace openhi::cli
