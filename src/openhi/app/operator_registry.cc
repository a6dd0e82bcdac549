#include "openhi/app/operator_registry.h"

namespace openhi::app {

Status OperatorRegistry::Register(std::string type, std::string description,
                                  OperatorFactory factory) {
  if (type.empty()) return InvalidArgument("operator type name is empty");
  if (!factory) return InvalidArgument("operator type '" + type + "': null factory");
  if (entries_.count(type) != 0) {
    return AlreadyExists("operator type '" + type + "' is already registered");
  }
  entries_.emplace(std::move(type), Entry{std::move(description), std::move(factory)});
  return Status::Ok();
}

Result<std::unique_ptr<Operator>> OperatorRegistry::Create(std::string_view type) const {
  auto it = entries_.find(type);
  if (it == entries_.end()) {
    std::string known;
    for (const auto& [name, entry] : entries_) known += (known.empty() ? "" : ", ") + name;
    return NotFound("unknown operator type '" + std::string(type) + "' (known: " +
                    (known.empty() ? "none" : known) + ")");
  }
  std::unique_ptr<Operator> op = it->second.factory();
  if (op == nullptr) return Internal("factory of '" + std::string(type) + "' returned null");
  return op;
}

std::vector<std::string> OperatorRegistry::Types() const {
  std::vector<std::string> types;
  for (const auto& [name, entry] : entries_) types.push_back(name);
  return types;
}

std::string OperatorRegistry::Description(std::string_view type) const {
  auto it = entries_.find(type);
  return it == entries_.end() ? std::string() : it->second.description;
}

}  // namespace openhi::app
