#pragma once
// Small operators for the app module's own tests.
#include <memory>
#include <string>
#include <vector>

#include "openhi/app/operator.h"
#include "openhi/app/operator_registry.h"

namespace openhi::app::testing {

// Emits its "value" parameter (integer) on "out".
class SourceOp : public Operator {
 public:
  void Setup(OperatorSpec& spec) override;
  Status Compute(InputContext& in, OutputContext& out, ExecutionContext& ctx) override;
  Parameter<int64_t> value;
  Parameter<bool> emit;
};

// out = a + b (b optional, 0 when absent); "fail_with" (string) makes Compute fail.
class AddOp : public Operator {
 public:
  void Setup(OperatorSpec& spec) override;
  Status Compute(InputContext& in, OutputContext& out, ExecutionContext& ctx) override;
  Parameter<std::string> fail_with;
};

// Records every integer it receives on "in" into a shared vector.
class SinkOp : public Operator {
 public:
  explicit SinkOp(std::shared_ptr<std::vector<int64_t>> seen = nullptr);
  void Setup(OperatorSpec& spec) override;
  Status Compute(InputContext& in, OutputContext& out, ExecutionContext& ctx) override;
  std::shared_ptr<std::vector<int64_t>> seen;
};

// Takes a string on "in" (to test type mismatches).
class StringSinkOp : public Operator {
 public:
  void Setup(OperatorSpec& spec) override;
  Status Compute(InputContext& in, OutputContext& out, ExecutionContext& ctx) override;
};

// Registers Source, Add, Sink and StringSink.
OperatorRegistry TestRegistry();

}  // namespace openhi::app::testing
