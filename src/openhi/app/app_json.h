#pragma once
// app.json: an application's graph and parameters as JSON, so a packaged app runs without
// recompiling. Schema: docs/formats/app-json.md. In short:
//   {"name": "spleen_seg", "version": "1.0", "description": "...",
//    "operators": [{"name": "loader", "type": "DicomFolderLoader", "params": {...}}, ...],
//    "flows": [{"from": "loader.dicom_study_list", "to": "selector.dicom_study_list"}, ...]}
// Every error is kInvalidArgument and starts with the location in the document, e.g.
//   "app.json: operators[1].type: unknown operator type 'Foo' (known: ...)"
//   "app.json: operators[0].params: parameter 'x': unknown parameter (known: rules)"
//   "app.json: flows[2].to: selector/studies: no such input port"
// Unknown members are errors too (a typo must not be silently ignored).
// Thread safety: pure functions (the registry is only read).
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "openhi/app/application.h"
#include "openhi/app/operator_registry.h"
#include "openhi/core/status.h"

namespace openhi::app {

// What app.json says about the app besides its graph.
struct AppInfo {
  std::string name;
  std::string version;
  std::string description;
};

struct LoadedApp {
  AppInfo info;
  std::unique_ptr<Application> app;
};

// Builds the application described by `doc`. The graph is validated (Application::Validate).
Result<LoadedApp> LoadAppFromJson(const nlohmann::json& doc, const OperatorRegistry& registry);

// Parses `text` then LoadAppFromJson. Bad JSON: "app.json: invalid JSON: <parser message>".
Result<LoadedApp> LoadAppFromText(std::string_view text, const OperatorRegistry& registry);

// Reads and loads a file; kNotFound when it does not exist.
Result<LoadedApp> LoadAppFromFile(const std::filesystem::path& path,
                                  const OperatorRegistry& registry);

}  // namespace openhi::app
