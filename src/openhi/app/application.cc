#include "openhi/app/application.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

namespace openhi::app {
namespace {

std::string PortLabel(const Operator* op, std::string_view port) {
  return op->name() + "/" + std::string(port);
}

}  // namespace

size_t Application::IndexOf(const Operator* op) const {
  for (size_t i = 0; i < operators_.size(); ++i) {
    if (operators_[i].get() == op) return i;
  }
  return operators_.size();
}

Operator* Application::FindOperator(std::string_view name) const {
  for (const auto& op : operators_) {
    if (op->name() == name) return op.get();
  }
  return nullptr;
}

Result<Operator*> Application::AddOperator(std::string name, std::unique_ptr<Operator> op) {
  if (op == nullptr) return InvalidArgument("operator '" + name + "': null operator");
  if (!IsValidIdentifier(name, /*allow_dash=*/true)) {
    return InvalidArgument("operator '" + name + "': names are [A-Za-z0-9_-]+");
  }
  if (FindOperator(name) != nullptr) {
    return InvalidArgument("operator '" + name + "': duplicate operator name");
  }
  op->name_ = name;
  const OperatorSpec& spec = op->MutableSpec();
  if (!spec.status().ok()) return spec.status().WithContext(name);
  operators_.push_back(std::move(op));
  return operators_.back().get();
}

bool Application::Reaches(size_t from, size_t to) const {
  std::vector<bool> seen(operators_.size(), false);
  std::vector<size_t> stack = {from};
  while (!stack.empty()) {
    size_t cur = stack.back();
    stack.pop_back();
    if (cur == to) return true;
    if (seen[cur]) continue;
    seen[cur] = true;
    for (const Flow& f : flows_) {
      if (IndexOf(f.from) == cur) stack.push_back(IndexOf(f.to));
    }
  }
  return false;
}

Status Application::AddFlow(Operator* from, std::string_view output, Operator* to,
                            std::string_view input) {
  size_t from_index = IndexOf(from);
  size_t to_index = IndexOf(to);
  if (from == nullptr || from_index == operators_.size()) {
    return InvalidArgument("flow source is not an operator of this application");
  }
  if (to == nullptr || to_index == operators_.size()) {
    return InvalidArgument("flow target is not an operator of this application");
  }
  const PortSpec* out = from->spec().FindOutput(output);
  if (out == nullptr) return InvalidArgument(PortLabel(from, output) + ": no such output port");
  const PortSpec* in = to->spec().FindInput(input);
  if (in == nullptr) return InvalidArgument(PortLabel(to, input) + ": no such input port");
  if (!(out->type == in->type)) {
    return InvalidArgument(PortLabel(to, input) + ": type mismatch: " + PortLabel(from, output) +
                           " carries " + out->type.name + ", the input takes " + in->type.name);
  }
  for (const Flow& f : flows_) {
    if (f.to == to && f.input == input) {
      return InvalidArgument(PortLabel(to, input) + ": already connected from " +
                             PortLabel(f.from, f.output));
    }
  }
  if (from_index == to_index || Reaches(to_index, from_index)) {
    return InvalidArgument(PortLabel(to, input) + ": the flow from " + PortLabel(from, output) +
                           " would close a cycle");
  }
  flows_.push_back(Flow{from, std::string(output), to, std::string(input)});
  return Status::Ok();
}

Status Application::AddFlow(std::string_view from, std::string_view output, std::string_view to,
                            std::string_view input) {
  Operator* a = FindOperator(from);
  if (a == nullptr) return InvalidArgument("flow source '" + std::string(from) + "': no such operator");
  Operator* b = FindOperator(to);
  if (b == nullptr) return InvalidArgument("flow target '" + std::string(to) + "': no such operator");
  return AddFlow(a, output, b, input);
}

Status Application::Validate() const {
  for (const auto& op : operators_) {
    for (const PortSpec& port : op->spec().inputs()) {
      if (port.optional) continue;
      bool connected = false;
      for (const Flow& f : flows_) connected |= (f.to == op.get() && f.input == port.name);
      if (!connected) {
        return InvalidArgument(PortLabel(op.get(), port.name) +
                               ": required input is not connected");
      }
    }
  }
  return Status::Ok();
}

std::vector<Operator*> Application::ExecutionOrder() const {
  std::vector<size_t> indegree(operators_.size(), 0);
  for (const Flow& f : flows_) ++indegree[IndexOf(f.to)];
  std::vector<bool> done(operators_.size(), false);
  std::vector<Operator*> order;
  // Cycles are rejected by AddFlow, so each pass finds at least one ready operator.
  while (order.size() < operators_.size()) {
    size_t ready = operators_.size();
    for (size_t i = 0; i < operators_.size(); ++i) {
      if (!done[i] && indegree[i] == 0) {
        ready = i;
        break;
      }
    }
    if (ready == operators_.size()) break;  // unreachable (no cycles)
    done[ready] = true;
    order.push_back(operators_[ready].get());
    for (const Flow& f : flows_) {
      if (f.from == operators_[ready].get()) --indegree[IndexOf(f.to)];
    }
  }
  return order;
}

Status Application::Run(const AppContext& context) {
  if (!composed_) {
    composed_ = true;
    OPENHI_RETURN_IF_ERROR(Compose());
  }
  OPENHI_RETURN_IF_ERROR(Validate());

  // Values emitted and not yet consumed by all their flows: (operator, output) -> value.
  std::map<std::pair<const Operator*, std::string>, PortValue> values;
  std::map<std::pair<const Operator*, std::string>, size_t> pending_consumers;
  for (const Flow& f : flows_) ++pending_consumers[{f.from, f.output}];

  for (Operator* op : ExecutionOrder()) {
    if (context.cancelled()) return CancelledError("the app stopped before " + op->name());
    const OperatorSpec& spec = op->spec();
    std::map<std::string, PortValue, std::less<>> inputs;
    std::vector<const Flow*> incoming;
    for (const Flow& f : flows_) {
      if (f.to != op) continue;
      incoming.push_back(&f);
      auto it = values.find({f.from, f.output});
      if (it != values.end()) {
        inputs.emplace(f.input, it->second);
      } else if (!spec.FindInput(f.input)->optional) {
        return FailedPrecondition(PortLabel(op, f.input) + ": no value: " +
                                  PortLabel(f.from, f.output) + " emitted nothing");
      }
    }

    PortErrorLog errors;
    InputContext in(op->name(), spec, std::move(inputs), errors);
    OutputContext out(op->name(), spec, errors);
    ExecutionContext ctx(context, op->name());
    auto start = std::chrono::steady_clock::now();
    Status status = op->Compute(in, out, ctx);
    if (!status.ok()) {
      return errors.Produced(status) ? status : status.WithContext(op->name());
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char buf[64];
    std::snprintf(buf, sizeof(buf), "computed seconds=%.3f", seconds);
    ctx.LogInfo(buf);

    // Release inputs whose last consumer has run, then publish this operator's outputs.
    for (const Flow* f : incoming) {
      auto key = std::make_pair(static_cast<const Operator*>(f->from), f->output);
      if (--pending_consumers[key] == 0) values.erase(key);
    }
    for (auto& [port, value] : out.emitted()) {
      auto key = std::make_pair(static_cast<const Operator*>(op), port);
      if (pending_consumers[key] > 0) values[key] = std::move(value);
    }
  }
  return Status::Ok();
}

}  // namespace openhi::app
