#include "openhi/app/operator_spec.h"

namespace openhi::app {
namespace {

template <typename Spec>
const Spec* FindByName(const std::deque<Spec>& items, std::string_view name) {
  for (const Spec& item : items) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

}  // namespace

bool IsValidIdentifier(std::string_view name, bool allow_dash) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || (allow_dash && c == '-');
    if (!ok) return false;
  }
  return true;
}

const PortSpec* OperatorSpec::FindInput(std::string_view name) const {
  return FindByName(inputs_, name);
}
const PortSpec* OperatorSpec::FindOutput(std::string_view name) const {
  return FindByName(outputs_, name);
}
const ParamSpec* OperatorSpec::FindParam(std::string_view name) const {
  return FindByName(params_, name);
}

PortSpec& OperatorSpec::AddPort(std::deque<PortSpec>& ports, std::string_view what,
                                std::string name, PortType type) {
  std::string label = std::string(what) + " '" + name + "'";
  if (!IsValidIdentifier(name)) {
    if (status_.ok()) status_ = InvalidArgument(label + ": port names are [A-Za-z0-9_]+");
    return rejected_;
  }
  if (FindByName(ports, name) != nullptr) {
    if (status_.ok()) status_ = InvalidArgument(label + ": duplicate port name");
    return rejected_;
  }
  ports.push_back(PortSpec{std::move(name), std::move(type), false, ""});
  return ports.back();
}

bool OperatorSpec::CheckNewParam(const std::string& name) {
  if (!IsValidIdentifier(name)) {
    if (status_.ok()) {
      status_ = InvalidArgument("parameter '" + name + "': names are [A-Za-z0-9_]+");
    }
    return false;
  }
  if (FindParam(name) != nullptr) {
    if (status_.ok()) status_ = InvalidArgument("parameter '" + name + "': duplicate name");
    return false;
  }
  return true;
}

}  // namespace openhi::app
