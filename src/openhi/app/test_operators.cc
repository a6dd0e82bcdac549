#include "openhi/app/test_operators.h"

namespace openhi::app::testing {

void SourceOp::Setup(OperatorSpec& spec) {
  spec.Output<int64_t>("out");
  spec.Param(value, "value", "the integer to emit", int64_t{1});
  spec.Param(emit, "emit", "false: emit nothing", true);
}

Status SourceOp::Compute(InputContext&, OutputContext& out, ExecutionContext&) {
  if (!*emit) return Status::Ok();
  return out.Emit<int64_t>("out", *value);
}

void AddOp::Setup(OperatorSpec& spec) {
  spec.Input<int64_t>("a");
  spec.Input<int64_t>("b").Optional();
  spec.Output<int64_t>("sum");
  spec.Param(fail_with, "fail_with", "if set, fail with this message", std::string());
}

Status AddOp::Compute(InputContext& in, OutputContext& out, ExecutionContext&) {
  if (!fail_with->empty()) return DataLoss(*fail_with);
  OPENHI_ASSIGN_OR_RETURN(auto a, in.Receive<int64_t>("a"));
  OPENHI_ASSIGN_OR_RETURN(auto b, in.Receive<int64_t>("b"));
  return out.Emit<int64_t>("sum", *a + (b ? *b : 0));
}

SinkOp::SinkOp(std::shared_ptr<std::vector<int64_t>> s)
    : seen(s ? std::move(s) : std::make_shared<std::vector<int64_t>>()) {}

void SinkOp::Setup(OperatorSpec& spec) { spec.Input<int64_t>("in"); }

Status SinkOp::Compute(InputContext& in, OutputContext&, ExecutionContext&) {
  OPENHI_ASSIGN_OR_RETURN(auto v, in.Receive<int64_t>("in"));
  seen->push_back(*v);
  return Status::Ok();
}

void StringSinkOp::Setup(OperatorSpec& spec) { spec.Input<std::string>("in"); }

Status StringSinkOp::Compute(InputContext& in, OutputContext&, ExecutionContext&) {
  return in.Receive<std::string>("in").status();
}

OperatorRegistry TestRegistry() {
  OperatorRegistry r;
  (void)r.Register<SourceOp>("Source", "emits an integer");
  (void)r.Register<AddOp>("Add", "adds two integers");
  (void)r.Register<SinkOp>("Sink", "collects integers");
  (void)r.Register<StringSinkOp>("StringSink", "takes a string");
  return r;
}

}  // namespace openhi::app::testing
