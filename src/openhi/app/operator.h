#pragma once
// Operator: one step of an application graph (Holoscan's operator API, DESIGN.md §6).
//   Setup(spec)            declares typed input/output ports and parameters (once);
//   Compute(in, out, ctx)  does the work: Receive inputs, Emit outputs, return a Status.
// Values travel as std::shared_ptr<const T>; receiving or emitting a type other than the
// port's declared type is an error naming the operator and port.
//
// Error format: a Compute failure stops the graph with "<operator>: <message>", or
// "<operator>/<port>: <message>" when the failure is about a port (Receive/Emit errors, or an
// operator's own `in.PortError(port, status)` / `out.PortError(...)`). The code is kept.
//
// Thread safety: the executor calls Setup and Compute of one operator from one thread at a
// time, never concurrently; Compute may use ctx.thread_pool() internally. Values received are
// immutable and may be shared with pool threads.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "openhi/app/execution_context.h"
#include "openhi/app/operator_spec.h"
#include "openhi/app/port_type.h"
#include "openhi/core/status.h"

namespace openhi::app {

// Shared by the input and output context of one Compute: remembers the port errors they
// produced, so that the executor leaves those messages as they are.
class PortErrorLog {
 public:
  Status Record(const std::string& operator_name, std::string_view port, const Status& status);
  bool Produced(const Status& status) const;

 private:
  std::vector<Status> produced_;
};

class InputContext {
 public:
  InputContext(const std::string& operator_name, const OperatorSpec& spec,
               std::map<std::string, PortValue, std::less<>> values, PortErrorLog& errors)
      : operator_name_(operator_name), spec_(spec), values_(std::move(values)), errors_(errors) {}

  // The value on input `port`. nullptr for an optional input that received nothing.
  // Errors ("<op>/<port>: ..."): kInternal when the port is not declared or T is not its type;
  // kFailedPrecondition when a required input has no value.
  template <typename T>
  Result<std::shared_ptr<const T>> Receive(std::string_view port) {
    OPENHI_ASSIGN_OR_RETURN(const PortValue* value, Find(port, PortType::Of<T>()));
    if (value == nullptr) return std::shared_ptr<const T>();
    return value->As<T>();
  }

  bool HasValue(std::string_view port) const;

  // Returns `status` as a failure of input `port`: "<op>/<port>: <message>".
  Status PortError(std::string_view port, const Status& status) {
    return errors_.Record(operator_name_, port, status);
  }

 private:
  // nullptr (OK) for an optional port without value.
  Result<const PortValue*> Find(std::string_view port, const PortType& requested);

  const std::string& operator_name_;
  const OperatorSpec& spec_;
  std::map<std::string, PortValue, std::less<>> values_;
  PortErrorLog& errors_;
};

class OutputContext {
 public:
  OutputContext(const std::string& operator_name, const OperatorSpec& spec, PortErrorLog& errors)
      : operator_name_(operator_name), spec_(spec), errors_(errors) {}

  // Emits `value` on output `port` (once per Compute). Errors ("<op>/<port>: ..."), all
  // kInternal (bugs in the operator): undeclared port, wrong type, null value, emitted twice.
  template <typename T>
  Status Emit(std::string_view port, std::shared_ptr<const T> value) {
    if (value == nullptr) return PortError(port, Internal("emitted a null value"));
    return Put(port, PortValue::Make<T>(std::move(value)));
  }
  template <typename T>
  Status Emit(std::string_view port, T value) {
    return Emit<T>(port, std::make_shared<const T>(std::move(value)));
  }

  Status PortError(std::string_view port, const Status& status) {
    return errors_.Record(operator_name_, port, status);
  }

  // What Compute emitted (the executor takes it).
  std::map<std::string, PortValue, std::less<>>& emitted() { return emitted_; }

 private:
  Status Put(std::string_view port, PortValue value);

  const std::string& operator_name_;
  const OperatorSpec& spec_;
  std::map<std::string, PortValue, std::less<>> emitted_;
  PortErrorLog& errors_;
};

class Operator {
 public:
  virtual ~Operator() = default;

  // Declares ports and parameters. Called once, before any parameter is set.
  virtual void Setup(OperatorSpec& spec) = 0;

  // Does the work. See the error format at the top of this file.
  virtual Status Compute(InputContext& in, OutputContext& out, ExecutionContext& ctx) = 0;

  // The name given by Application::AddOperator ("" before).
  const std::string& name() const { return name_; }

  // The declared ports and parameters (runs Setup on first use).
  const OperatorSpec& spec();

  // Sets parameter `name` from JSON. kInvalidArgument "parameter 'x': unknown parameter
  // (known: a, b)" or "parameter 'x': expected integer, got string".
  Status SetParameter(std::string_view name, const nlohmann::json& value);

  // Sets every member of a JSON object as a parameter; the first error is returned.
  Status SetParameters(const nlohmann::json& params);

 private:
  friend class Application;
  OperatorSpec& MutableSpec();

  std::string name_;
  bool setup_done_ = false;
  OperatorSpec spec_;
};

}  // namespace openhi::app
