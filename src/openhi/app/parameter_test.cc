#include <gtest/gtest.h>

#include "openhi/app/operator.h"

namespace openhi::app {
namespace {

class ParamsOp : public Operator {
 public:
  void Setup(OperatorSpec& spec) override {
    spec.Param(flag, "flag", "a boolean", false);
    spec.Param(count, "count", "an integer", int64_t{3});
    spec.Param(ratio, "ratio", "a number", 0.5);
    spec.Param(text, "text", "a string", std::string("hi"));
    spec.Param(names, "names", "strings", std::vector<std::string>{"a"});
    spec.Param(any, "any", "any JSON", nlohmann::json::object());
  }
  Status Compute(InputContext&, OutputContext&, ExecutionContext&) override { return {}; }
  Parameter<bool> flag;
  Parameter<int64_t> count;
  Parameter<double> ratio;
  Parameter<std::string> text;
  Parameter<std::vector<std::string>> names;
  Parameter<nlohmann::json> any;
};

TEST(Parameter, DefaultsAreSetBySetup) {
  ParamsOp op;
  EXPECT_EQ(op.spec().params().size(), 6u);
  EXPECT_EQ(*op.count, 3);
  EXPECT_EQ(*op.text, "hi");
  EXPECT_EQ(op.spec().FindParam("ratio")->default_value, nlohmann::json(0.5));
  EXPECT_EQ(op.spec().FindParam("names")->kind, "array of strings");
}

TEST(Parameter, SetsEveryKindFromJson) {
  ParamsOp op;
  auto params = nlohmann::json::parse(
      R"({"flag": true, "count": 7, "ratio": 2, "text": "x", "names": ["p", "q"],
          "any": {"k": [1]}})");
  ASSERT_TRUE(op.SetParameters(params).ok());
  EXPECT_TRUE(*op.flag);
  EXPECT_EQ(*op.count, 7);
  EXPECT_DOUBLE_EQ(*op.ratio, 2.0);
  EXPECT_EQ(*op.text, "x");
  EXPECT_EQ(*op.names, (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ((*op.any)["k"][0], 1);
}

TEST(Parameter, RejectsWrongTypesAndUnknownNames) {
  ParamsOp op;
  Status s = op.SetParameter("count", "7");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "parameter 'count': expected integer, got string");
  EXPECT_EQ(op.SetParameter("count", 1.5).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(op.SetParameter("flag", 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(op.SetParameter("names", nlohmann::json::array({"a", 2})).code(),
            StatusCode::kInvalidArgument);
  s = op.SetParameter("colour", "red");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("unknown parameter"), std::string::npos);
  EXPECT_NE(s.message().find("count"), std::string::npos);  // lists the known ones
  EXPECT_EQ(op.SetParameters(nlohmann::json::array()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*op.count, 3);  // unchanged by the failures
}

}  // namespace
}  // namespace openhi::app
