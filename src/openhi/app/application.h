#pragma once
// Application: a graph of operators wired output port -> input port, and its executor.
//
// Composition (AddOperator, AddFlow) validates as it goes and fails with kInvalidArgument:
//   AddOperator  invalid or duplicate operator name ([A-Za-z0-9_-]+), Setup declaration errors;
//   AddFlow      unknown operator, unknown port ("<op>/<port>: no such output port"), type
//                mismatch, an input that is already connected (an input has one source; an
//                output may feed many inputs), a flow that would close a cycle.
// Validate() (also run by Run) adds: every required input is connected.
//
// Execution: Run() calls Compose() once, validates, then runs every operator once in
// topological order (ties in the order operators were added), sequentially on the calling
// thread. An operator runs when all its upstream operators have run; a required input whose
// upstream emitted nothing fails with kFailedPrecondition. Values are released as soon as
// their last consumer has run. Before each operator the context's cancellation token is
// checked: a cancelled run stops with CancelledError ("cancelled: the app stopped before <op>").
// The first failure stops the graph and is returned as
// "<operator>: <message>" or "<operator>/<port>: <message>" with its code kept.
//
// Thread safety: compose and run from one thread. Operators may use ctx.thread_pool().
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "openhi/app/execution_context.h"
#include "openhi/app/operator.h"
#include "openhi/core/status.h"

namespace openhi::app {

struct Flow {
  Operator* from = nullptr;
  std::string output;
  Operator* to = nullptr;
  std::string input;
};

class Application {
 public:
  Application() = default;
  virtual ~Application() = default;
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // Override to build the graph in a subclass (Holoscan's compose()); Run calls it once.
  virtual Status Compose() { return Status::Ok(); }

  // Adds `op` under `name` and runs its Setup. Returns the operator (owned by the app).
  Result<Operator*> AddOperator(std::string name, std::unique_ptr<Operator> op);

  template <typename T, typename... Args>
  Result<T*> AddOperator(std::string name, Args&&... args) {
    auto op = std::make_unique<T>(std::forward<Args>(args)...);
    T* raw = op.get();
    OPENHI_RETURN_IF_ERROR(AddOperator(std::move(name), std::move(op)).status());
    return raw;
  }

  Status AddFlow(Operator* from, std::string_view output, Operator* to, std::string_view input);
  Status AddFlow(std::string_view from, std::string_view output, std::string_view to,
                 std::string_view input);

  // nullptr when absent.
  Operator* FindOperator(std::string_view name) const;
  const std::vector<std::unique_ptr<Operator>>& operators() const { return operators_; }
  const std::vector<Flow>& flows() const { return flows_; }

  // kInvalidArgument "<op>/<port>: required input is not connected".
  Status Validate() const;

  // The execution order (Kahn's algorithm, ties by insertion order).
  std::vector<Operator*> ExecutionOrder() const;

  Status Run(const AppContext& context);

 private:
  size_t IndexOf(const Operator* op) const;  // operators_.size() when absent
  bool Reaches(size_t from, size_t to) const;

  std::vector<std::unique_ptr<Operator>> operators_;
  std::vector<Flow> flows_;
  bool composed_ = false;
};

}  // namespace openhi::app
