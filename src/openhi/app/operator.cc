#include "openhi/app/operator.h"

#include <string>

namespace openhi::app {

Status PortErrorLog::Record(const std::string& operator_name, std::string_view port,
                            const Status& status) {
  if (status.ok()) return status;
  Status s(status.code(), operator_name + "/" + std::string(port) + ": " + status.message());
  produced_.push_back(s);
  return s;
}

bool PortErrorLog::Produced(const Status& status) const {
  for (const Status& s : produced_) {
    if (s.code() == status.code() && s.message() == status.message()) return true;
  }
  return false;
}

bool InputContext::HasValue(std::string_view port) const {
  auto it = values_.find(port);
  return it != values_.end() && it->second.has_value();
}

Result<const PortValue*> InputContext::Find(std::string_view port, const PortType& requested) {
  const PortSpec* spec = spec_.FindInput(port);
  if (spec == nullptr) return PortError(port, Internal("no such input port"));
  if (!(spec->type == requested)) {
    return PortError(port, Internal("type mismatch: the port carries " + spec->type.name +
                                        ", Receive asked for " + requested.name));
  }
  auto it = values_.find(port);
  if (it == values_.end() || !it->second.has_value()) {
    if (spec->optional) return static_cast<const PortValue*>(nullptr);
    return PortError(port, FailedPrecondition("required input has no value"));
  }
  return &it->second;
}

Status OutputContext::Put(std::string_view port, PortValue value) {
  const PortSpec* spec = spec_.FindOutput(port);
  if (spec == nullptr) return PortError(port, Internal("no such output port"));
  if (!(spec->type == value.type())) {
    return PortError(port, Internal("type mismatch: the port carries " + spec->type.name +
                                        ", Emit was given " + value.type().name));
  }
  if (emitted_.count(port) != 0) return PortError(port, Internal("emitted twice"));
  emitted_.emplace(std::string(port), std::move(value));
  return Status::Ok();
}

OperatorSpec& Operator::MutableSpec() {
  if (!setup_done_) {
    setup_done_ = true;
    Setup(spec_);
  }
  return spec_;
}

const OperatorSpec& Operator::spec() { return MutableSpec(); }

Status Operator::SetParameter(std::string_view name, const nlohmann::json& value) {
  const OperatorSpec& spec = MutableSpec();
  const ParamSpec* param = spec.FindParam(name);
  std::string label = "parameter '" + std::string(name) + "'";
  if (param == nullptr) {
    std::string known;
    for (const ParamSpec& p : spec.params()) known += (known.empty() ? "" : ", ") + p.name;
    return InvalidArgument(label + ": unknown parameter (known: " +
                           (known.empty() ? "none" : known) + ")");
  }
  return param->set_from_json(value).WithContext(label);
}

Status Operator::SetParameters(const nlohmann::json& params) {
  if (!params.is_object()) {
    return InvalidArgument("parameters must be a JSON object, got " +
                           std::string(params.type_name()));
  }
  for (const auto& [key, value] : params.items()) {
    OPENHI_RETURN_IF_ERROR(SetParameter(key, value));
  }
  return Status::Ok();
}

}  // namespace openhi::app
