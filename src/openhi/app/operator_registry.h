#pragma once
// OperatorRegistry: operator type name -> factory, so that app.json (app_json.h) can name
// operators by type. Built-in operators are registered by their module
// (ops::RegisterBuiltinOperators); other libraries (e.g. inference) add their own. Registration
// is explicit rather than by static initialisers, which a static library silently drops when
// nothing references their object file.
// Thread safety: register while starting up; Create and Types may then be called concurrently.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "openhi/app/operator.h"
#include "openhi/core/status.h"

namespace openhi::app {

using OperatorFactory = std::function<std::unique_ptr<Operator>()>;

class OperatorRegistry {
 public:
  // kInvalidArgument for an empty type or null factory; kAlreadyExists for a duplicate type.
  Status Register(std::string type, std::string description, OperatorFactory factory);

  template <typename T>
  Status Register(std::string type, std::string description) {
    return Register(std::move(type), std::move(description),
                    [] { return std::unique_ptr<Operator>(std::make_unique<T>()); });
  }

  // A new operator of `type`; kNotFound "unknown operator type 'x' (known: a, b)".
  Result<std::unique_ptr<Operator>> Create(std::string_view type) const;

  bool Contains(std::string_view type) const { return entries_.count(type) != 0; }
  // Registered type names, sorted.
  std::vector<std::string> Types() const;
  // "" for an unknown type.
  std::string Description(std::string_view type) const;

 private:
  struct Entry {
    std::string description;
    OperatorFactory factory;
  };
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace openhi::app
