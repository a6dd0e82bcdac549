#include "openhi/app/application.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "openhi/app/resource_cache.h"
#include "openhi/app/test_operators.h"

namespace openhi::app {
namespace {

using testing::AddOp;
using testing::SinkOp;
using testing::SourceOp;
using testing::StringSinkOp;

// A bad operator: receives an input with the wrong type, or emits on an undeclared port.
class MisbehavingOp : public Operator {
 public:
  explicit MisbehavingOp(int mode) : mode_(mode) {}
  void Setup(OperatorSpec& spec) override {
    spec.Input<int64_t>("in");
    spec.Output<int64_t>("out");
  }
  Status Compute(InputContext& in, OutputContext& out, ExecutionContext&) override {
    if (mode_ == 0) return in.Receive<std::string>("in").status();
    if (mode_ == 1) return out.Emit<int64_t>("nope", 3);
    if (mode_ == 2) return out.Emit<std::string>("out", std::string("x"));
    return in.PortError("in", InvalidArgument("value 1 is not allowed"));
  }

 private:
  int mode_;
};

class DuplicatePortOp : public Operator {
 public:
  void Setup(OperatorSpec& spec) override {
    spec.Input<int64_t>("in");
    spec.Input<double>("in");
  }
  Status Compute(InputContext&, OutputContext&, ExecutionContext&) override { return {}; }
};

TEST(Application, RunsOperatorsInTopologicalOrderAndFansOut) {
  Application app;
  auto seen = std::make_shared<std::vector<int64_t>>();
  // Added in reverse order on purpose: the executor orders by the flows.
  auto* sink1 = app.AddOperator<SinkOp>("sink1", seen).value();
  ASSERT_TRUE(app.AddOperator<SinkOp>("sink2", seen).ok());
  auto* add = app.AddOperator<AddOp>("add").value();
  auto* a = app.AddOperator<SourceOp>("a").value();
  auto* b = app.AddOperator<SourceOp>("b").value();
  ASSERT_TRUE(a->SetParameter("value", 2).ok());
  ASSERT_TRUE(b->SetParameter("value", 40).ok());
  ASSERT_TRUE(app.AddFlow(a, "out", add, "a").ok());
  ASSERT_TRUE(app.AddFlow(b, "out", add, "b").ok());
  ASSERT_TRUE(app.AddFlow(add, "sum", sink1, "in").ok());
  ASSERT_TRUE(app.AddFlow("add", "sum", "sink2", "in").ok());

  std::vector<Operator*> order = app.ExecutionOrder();
  ASSERT_EQ(order.size(), 5u);
  EXPECT_EQ(order[0], a);
  EXPECT_EQ(order[1], b);
  EXPECT_EQ(order[2], add);

  AppContext ctx;
  Status s = app.Run(ctx);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(*seen, (std::vector<int64_t>{42, 42}));
}

TEST(Application, OptionalInputMayStayUnconnected) {
  Application app;
  auto seen = std::make_shared<std::vector<int64_t>>();
  auto* a = app.AddOperator<SourceOp>("a").value();
  auto* add = app.AddOperator<AddOp>("add").value();
  auto* sink = app.AddOperator<SinkOp>("sink", seen).value();
  ASSERT_TRUE(app.AddFlow(a, "out", add, "a").ok());
  ASSERT_TRUE(app.AddFlow(add, "sum", sink, "in").ok());
  ASSERT_TRUE(app.Run(AppContext()).ok());
  EXPECT_EQ(*seen, (std::vector<int64_t>{1}));
}

TEST(Application, RejectsMissingPorts) {
  Application app;
  auto* a = app.AddOperator<SourceOp>("a").value();
  auto* add = app.AddOperator<AddOp>("add").value();
  Status s = app.AddFlow(a, "output", add, "a");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "a/output: no such output port");
  s = app.AddFlow(a, "out", add, "c");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "add/c: no such input port");
  s = app.AddFlow("zz", "out", "add", "a");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'zz'"), std::string::npos);
}

TEST(Application, RejectsTypeMismatch) {
  Application app;
  auto* a = app.AddOperator<SourceOp>("a").value();
  auto* text = app.AddOperator<StringSinkOp>("text").value();
  Status s = app.AddFlow(a, "out", text, "in");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("text/in: type mismatch"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("long"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("std::"), std::string::npos) << s.message();
}

TEST(Application, RejectsCyclesAndDoubleConnections) {
  Application app;
  auto* add1 = app.AddOperator<AddOp>("add1").value();
  auto* add2 = app.AddOperator<AddOp>("add2").value();
  ASSERT_TRUE(app.AddFlow(add1, "sum", add2, "a").ok());
  Status s = app.AddFlow(add2, "sum", add1, "a");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("cycle"), std::string::npos) << s.message();
  s = app.AddFlow(add1, "sum", add1, "b");
  EXPECT_NE(s.message().find("cycle"), std::string::npos) << s.message();
  s = app.AddFlow(add1, "sum", add2, "a");
  EXPECT_EQ(s.message(), "add2/a: already connected from add1/sum");
}

TEST(Application, RejectsUnconnectedRequiredInput) {
  Application app;
  auto* a = app.AddOperator<SourceOp>("a").value();
  auto* add = app.AddOperator<AddOp>("add").value();
  ASSERT_TRUE(app.AddFlow(a, "out", add, "b").ok());
  Status s = app.Validate();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "add/a: required input is not connected");
  EXPECT_EQ(app.Run(AppContext()).message(), s.message());
}

TEST(Application, RejectsBadOperatorNamesAndSetupErrors) {
  Application app;
  ASSERT_TRUE(app.AddOperator<SourceOp>("a").ok());
  EXPECT_EQ(app.AddOperator<SourceOp>("a").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(app.AddOperator<SourceOp>("a.b").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(app.AddOperator<SourceOp>("").status().code(), StatusCode::kInvalidArgument);
  Status s = app.AddOperator<DuplicatePortOp>("dup").status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "dup: input 'in': duplicate port name");
}

TEST(Application, ComputeFailureStopsTheGraphWithOperatorName) {
  Application app;
  auto seen = std::make_shared<std::vector<int64_t>>();
  auto* a = app.AddOperator<SourceOp>("a").value();
  auto* add = app.AddOperator<AddOp>("adder").value();
  auto* sink = app.AddOperator<SinkOp>("sink", seen).value();
  ASSERT_TRUE(add->SetParameter("fail_with", "disk on fire").ok());
  ASSERT_TRUE(app.AddFlow(a, "out", add, "a").ok());
  ASSERT_TRUE(app.AddFlow(add, "sum", sink, "in").ok());
  Status s = app.Run(AppContext());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);  // the operator's code is kept
  EXPECT_EQ(s.message(), "adder: disk on fire");
  EXPECT_TRUE(seen->empty());  // the sink never ran
}

TEST(Application, PortErrorsNameOperatorAndPort) {
  struct Case {
    int mode;
    StatusCode code;
    std::string prefix;
  };
  for (const Case& c : {Case{0, StatusCode::kInternal, "bad/in: type mismatch"},
                        Case{1, StatusCode::kInternal, "bad/nope: no such output port"},
                        Case{2, StatusCode::kInternal, "bad/out: type mismatch"},
                        Case{3, StatusCode::kInvalidArgument, "bad/in: value 1 is not allowed"}}) {
    Application app;
    auto* a = app.AddOperator<SourceOp>("a").value();
    auto* bad = app.AddOperator<MisbehavingOp>("bad", c.mode).value();
    ASSERT_TRUE(app.AddFlow(a, "out", bad, "in").ok());
    Status s = app.Run(AppContext());
    EXPECT_EQ(s.code(), c.code) << c.mode;
    EXPECT_EQ(s.message().rfind(c.prefix, 0), 0u) << s.message();
  }
}

TEST(Application, RequiredInputWithoutValueFails) {
  Application app;
  auto* a = app.AddOperator<SourceOp>("a").value();
  auto* sink = app.AddOperator<SinkOp>("sink").value();
  ASSERT_TRUE(a->SetParameter("emit", false).ok());
  ASSERT_TRUE(app.AddFlow(a, "out", sink, "in").ok());
  Status s = app.Run(AppContext());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "sink/in: no value: a/out emitted nothing");
}

TEST(Application, ComposeIsCalledOnceByRun) {
  class MyApp : public Application {
   public:
    Status Compose() override {
      ++composed;
      OPENHI_ASSIGN_OR_RETURN(auto* a, AddOperator<SourceOp>("a"));
      OPENHI_ASSIGN_OR_RETURN(auto* sink, AddOperator<SinkOp>("sink", seen));
      return AddFlow(a, "out", sink, "in");
    }
    int composed = 0;
    std::shared_ptr<std::vector<int64_t>> seen = std::make_shared<std::vector<int64_t>>();
  };
  MyApp app;
  ASSERT_TRUE(app.Run(AppContext()).ok());
  ASSERT_TRUE(app.Run(AppContext()).ok());
  EXPECT_EQ(app.composed, 1);
  EXPECT_EQ(*app.seen, (std::vector<int64_t>{1, 1}));
}

TEST(Application, LogObserverSeesOperatorName) {
  class WarnOp : public Operator {
   public:
    void Setup(OperatorSpec&) override {}
    Status Compute(InputContext&, OutputContext&, ExecutionContext& ctx) override {
      ctx.LogWarn("careful");
      return Status::Ok();
    }
  };
  Application app;
  ASSERT_TRUE(app.AddOperator<WarnOp>("w").ok());
  AppContext ctx;
  std::vector<std::string> warnings;
  ctx.set_log_observer([&](LogLevel level, std::string_view op, std::string_view m) {
    if (level == LogLevel::kWarn) warnings.push_back(std::string(op) + ":" + std::string(m));
  });
  ASSERT_TRUE(app.Run(ctx).ok());
  EXPECT_EQ(warnings, std::vector<std::string>{"w:careful"});
}

TEST(Application, CancelledRunStopsBeforeTheNextOperator) {
  // The first operator cancels the token (as a deadline would pass mid-run): the second never
  // runs, and the run reports cancellation naming it.
  CancellationToken token;
  class CancellingOp : public Operator {
   public:
    explicit CancellingOp(CancellationToken* token) : token_(token) {}
    void Setup(OperatorSpec& spec) override { spec.Output<int64_t>("out"); }
    Status Compute(InputContext&, OutputContext& out, ExecutionContext& ctx) override {
      EXPECT_FALSE(ctx.cancelled());
      token_->Cancel();
      EXPECT_TRUE(ctx.cancelled());
      return out.Emit<int64_t>("out", 1);
    }

   private:
    CancellationToken* token_;
  };
  Application app;
  auto seen = std::make_shared<std::vector<int64_t>>();
  ASSERT_TRUE(app.AddOperator<CancellingOp>("first", &token).ok());
  ASSERT_TRUE(app.AddOperator<SinkOp>("second", seen).ok());
  ASSERT_TRUE(app.AddFlow("first", "out", "second", "in").ok());
  AppContext ctx;
  ctx.set_cancellation(&token);
  Status s = app.Run(ctx);
  EXPECT_TRUE(IsCancelledError(s)) << s.ToString();
  EXPECT_NE(s.message().find("second"), std::string::npos) << s.ToString();
  EXPECT_TRUE(seen->empty());
}

TEST(Application, ExpiredDeadlineStopsBeforeTheFirstOperator) {
  CancellationToken expired(CancellationToken::Clock::now());
  Application app;
  auto seen = std::make_shared<std::vector<int64_t>>();
  ASSERT_TRUE(app.AddOperator<SourceOp>("a").ok());
  ASSERT_TRUE(app.AddOperator<SinkOp>("b", seen).ok());
  ASSERT_TRUE(app.AddFlow("a", "out", "b", "in").ok());
  AppContext ctx;
  ctx.set_cancellation(&expired);
  EXPECT_TRUE(expired.DeadlinePassed());
  EXPECT_TRUE(IsCancelledError(app.Run(ctx)));
  EXPECT_TRUE(seen->empty());
  // Without a token the same graph runs.
  Application again;
  ASSERT_TRUE(again.AddOperator<SourceOp>("a").ok());
  ASSERT_TRUE(again.AddOperator<SinkOp>("b", seen).ok());
  ASSERT_TRUE(again.AddFlow("a", "out", "b", "in").ok());
  EXPECT_TRUE(again.Run(AppContext()).ok());
  EXPECT_EQ(seen->size(), 1u);
}

TEST(ResourceCache, CreatesOnceSharesAndDoesNotCacheFailures) {
  ResourceCache cache;
  int made = 0;
  auto make = [&]() -> Result<std::shared_ptr<const std::string>> {
    ++made;
    return std::make_shared<const std::string>("weights");
  };
  auto a = cache.GetOrCreate<std::string>("model:/a", make);
  auto b = cache.GetOrCreate<std::string>("model:/a", make);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(made, 1);
  EXPECT_EQ(a->get(), b->get());  // the same object, not a copy
  EXPECT_EQ(**b, "weights");

  auto fail = [&]() -> Result<std::shared_ptr<const std::string>> {
    ++made;
    return NotFound("no such model");
  };
  EXPECT_EQ(cache.GetOrCreate<std::string>("model:/missing", fail).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(cache.GetOrCreate<std::string>("model:/missing", fail).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(made, 3);  // a failure is retried, not remembered
  EXPECT_EQ(cache.size(), 1u);

  auto as_int = [&]() -> Result<std::shared_ptr<const int>> { return std::make_shared<const int>(1); };
  EXPECT_EQ(cache.GetOrCreate<int>("model:/a", as_int).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(ResourceCache, ConcurrentFirstUsesCreateOnce) {
  ResourceCache cache;
  std::atomic<int> made{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto v = cache.GetOrCreate<int>("k", [&]() -> Result<std::shared_ptr<const int>> {
        made.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return std::make_shared<const int>(7);
      });
      EXPECT_TRUE(v.ok());
      EXPECT_EQ(**v, 7);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(made.load(), 1);
}

}  // namespace
}  // namespace openhi::app
