#include "openhi/app/app_json.h"

#include <set>
#include <string>
#include <utility>

#include "openhi/core/file_util.h"

namespace openhi::app {
namespace {

using nlohmann::json;

Status Bad(const std::string& location, const std::string& message) {
  return InvalidArgument("app.json: " + location + ": " + message);
}

// Rejects members of `object` outside `allowed`.
Status CheckMembers(const json& object, const std::string& location,
                    const std::set<std::string>& allowed) {
  for (const auto& [key, value] : object.items()) {
    if (allowed.count(key) == 0) {
      std::string list;
      for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return Bad(location.empty() ? key : location + "." + key,
                 "unknown member (allowed: " + list + ")");
    }
  }
  return Status::Ok();
}

Result<std::string> OptionalString(const json& object, const std::string& key,
                                   const std::string& location) {
  auto it = object.find(key);
  if (it == object.end()) return std::string();
  if (!it->is_string()) {
    return Bad(location.empty() ? key : location + "." + key,
               "expected string, got " + std::string(it->type_name()));
  }
  return it->get<std::string>();
}

// "operator.port" -> (operator, port).
Result<std::pair<std::string, std::string>> ParseEndpoint(const json& value,
                                                          const std::string& location) {
  if (!value.is_string()) {
    return Bad(location, "expected \"operator.port\" string, got " +
                             std::string(value.type_name()));
  }
  std::string text = value.get<std::string>();
  size_t dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size() ||
      text.find('.', dot + 1) != std::string::npos) {
    return Bad(location, "expected \"operator.port\", got \"" + text + "\"");
  }
  return std::make_pair(text.substr(0, dot), text.substr(dot + 1));
}

Status AddOperators(const json& doc, const OperatorRegistry& registry, Application& app) {
  auto it = doc.find("operators");
  if (it == doc.end()) return Bad("operators", "missing (an app needs at least one operator)");
  if (!it->is_array() || it->empty()) return Bad("operators", "expected a non-empty array");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& entry = (*it)[i];
    std::string loc = "operators[" + std::to_string(i) + "]";
    if (!entry.is_object()) return Bad(loc, "expected an object");
    OPENHI_RETURN_IF_ERROR(CheckMembers(entry, loc, {"name", "type", "params", "description"}));
    if (!entry.contains("name")) return Bad(loc + ".name", "missing");
    if (!entry.contains("type")) return Bad(loc + ".type", "missing");
    OPENHI_ASSIGN_OR_RETURN(std::string name, OptionalString(entry, "name", loc));
    OPENHI_ASSIGN_OR_RETURN(std::string type, OptionalString(entry, "type", loc));
    OPENHI_RETURN_IF_ERROR(OptionalString(entry, "description", loc).status());
    Result<std::unique_ptr<Operator>> op = registry.Create(type);
    if (!op.ok()) return Bad(loc + ".type", op.status().message());
    auto params = entry.find("params");
    if (params != entry.end()) {
      if (!params->is_object()) {
        return Bad(loc + ".params", "expected an object, got " +
                                        std::string(params->type_name()));
      }
      for (const auto& [key, value] : params->items()) {
        Status s = (*op)->SetParameter(key, value);
        if (!s.ok()) return Bad(loc + ".params." + key, s.message());
      }
    }
    Result<Operator*> added = app.AddOperator(name, std::move(*op));
    if (!added.ok()) return Bad(loc + ".name", added.status().message());
  }
  return Status::Ok();
}

Status AddFlows(const json& doc, Application& app) {
  auto it = doc.find("flows");
  if (it == doc.end()) return Status::Ok();  // a one-operator app needs none
  if (!it->is_array()) return Bad("flows", "expected an array");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& entry = (*it)[i];
    std::string loc = "flows[" + std::to_string(i) + "]";
    if (!entry.is_object()) return Bad(loc, "expected an object");
    OPENHI_RETURN_IF_ERROR(CheckMembers(entry, loc, {"from", "to"}));
    if (!entry.contains("from")) return Bad(loc + ".from", "missing");
    if (!entry.contains("to")) return Bad(loc + ".to", "missing");
    OPENHI_ASSIGN_OR_RETURN(auto from, ParseEndpoint(entry["from"], loc + ".from"));
    OPENHI_ASSIGN_OR_RETURN(auto to, ParseEndpoint(entry["to"], loc + ".to"));
    Operator* source = app.FindOperator(from.first);
    if (source == nullptr) {
      return Bad(loc + ".from", "no operator named '" + from.first + "'");
    }
    Operator* target = app.FindOperator(to.first);
    if (target == nullptr) return Bad(loc + ".to", "no operator named '" + to.first + "'");
    if (source->spec().FindOutput(from.second) == nullptr) {
      return Bad(loc + ".from", from.first + "/" + from.second + ": no such output port");
    }
    Status s = app.AddFlow(source, from.second, target, to.second);
    if (!s.ok()) return Bad(loc + ".to", s.message());
  }
  return Status::Ok();
}

}  // namespace

Result<LoadedApp> LoadAppFromJson(const json& doc, const OperatorRegistry& registry) {
  if (!doc.is_object()) return InvalidArgument("app.json: expected a JSON object at the top");
  OPENHI_RETURN_IF_ERROR(
      CheckMembers(doc, "", {"name", "version", "description", "operators", "flows"}));
  LoadedApp loaded;
  OPENHI_ASSIGN_OR_RETURN(loaded.info.name, OptionalString(doc, "name", ""));
  OPENHI_ASSIGN_OR_RETURN(loaded.info.version, OptionalString(doc, "version", ""));
  OPENHI_ASSIGN_OR_RETURN(loaded.info.description, OptionalString(doc, "description", ""));
  loaded.app = std::make_unique<Application>();
  OPENHI_RETURN_IF_ERROR(AddOperators(doc, registry, *loaded.app));
  OPENHI_RETURN_IF_ERROR(AddFlows(doc, *loaded.app));
  Status valid = loaded.app->Validate();
  if (!valid.ok()) return Bad("flows", valid.message());
  return loaded;
}

Result<LoadedApp> LoadAppFromText(std::string_view text, const OperatorRegistry& registry) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("app.json: invalid JSON: ") + e.what());
  }
  return LoadAppFromJson(doc, registry);
}

Result<LoadedApp> LoadAppFromFile(const std::filesystem::path& path,
                                  const OperatorRegistry& registry) {
  OPENHI_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path));
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return LoadAppFromText(text, registry);
}

}  // namespace openhi::app
