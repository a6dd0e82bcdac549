#pragma once
// OperatorSpec: what an operator declares in Setup: its named, typed input and output ports and
// its parameters. Declaration errors (an invalid or duplicate name) are not thrown or only
// logged: they are kept and returned by status(), and Application::AddOperator fails with them.
// Thread-compatible; written once in Setup, read-only afterwards.
#include <deque>
#include <string>
#include <string_view>

#include "openhi/app/parameter.h"
#include "openhi/app/port_type.h"
#include "openhi/core/status.h"

namespace openhi::app {

struct PortSpec {
  std::string name;
  PortType type;
  // Inputs only: an optional input may stay unconnected, and its upstream may emit nothing.
  bool optional = false;
  std::string description;

  PortSpec& Optional() {
    optional = true;
    return *this;
  }
  PortSpec& Describe(std::string text) {
    description = std::move(text);
    return *this;
  }
};

class OperatorSpec {
 public:
  // Declares an input port carrying std::shared_ptr<const T>. Required unless .Optional().
  // Names are [A-Za-z0-9_]+ and unique among the inputs. The reference stays valid.
  template <typename T>
  PortSpec& Input(std::string name) {
    return AddPort(inputs_, "input", std::move(name), PortType::Of<T>());
  }

  // Declares an output port carrying std::shared_ptr<const T>. An output may stay unconnected.
  template <typename T>
  PortSpec& Output(std::string name) {
    return AddPort(outputs_, "output", std::move(name), PortType::Of<T>());
  }

  // Binds `param` to the parameter `name` and sets it to `default_value`.
  template <typename T>
  void Param(Parameter<T>& param, std::string name, std::string description, T default_value) {
    if (!CheckNewParam(name)) return;
    param.set(default_value);
    ParamSpec spec;
    spec.name = std::move(name);
    spec.description = std::move(description);
    spec.kind = std::string(ParamCodec<T>::kKind);
    spec.default_value = nlohmann::json(default_value);
    Parameter<T>* target = &param;
    spec.set_from_json = [target](const nlohmann::json& value) -> Status {
      OPENHI_ASSIGN_OR_RETURN(T decoded, ParamCodec<T>::Decode(value));
      target->set(std::move(decoded));
      return Status::Ok();
    };
    params_.push_back(std::move(spec));
  }

  const std::deque<PortSpec>& inputs() const { return inputs_; }
  const std::deque<PortSpec>& outputs() const { return outputs_; }
  const std::deque<ParamSpec>& params() const { return params_; }

  // nullptr when not declared.
  const PortSpec* FindInput(std::string_view name) const;
  const PortSpec* FindOutput(std::string_view name) const;
  const ParamSpec* FindParam(std::string_view name) const;

  // The first declaration error: kInvalidArgument "input 'x': duplicate port name", ...
  const Status& status() const { return status_; }

 private:
  PortSpec& AddPort(std::deque<PortSpec>& ports, std::string_view what, std::string name,
                    PortType type);
  bool CheckNewParam(const std::string& name);

  std::deque<PortSpec> inputs_;
  std::deque<PortSpec> outputs_;
  std::deque<ParamSpec> params_;
  Status status_;
  PortSpec rejected_;  // returned for a rejected declaration so that chaining stays valid
};

// True for a non-empty [A-Za-z0-9_]+ name (ports, parameters; operator names also allow '-').
bool IsValidIdentifier(std::string_view name, bool allow_dash = false);

}  // namespace openhi::app
