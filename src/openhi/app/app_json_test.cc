#include "openhi/app/app_json.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "openhi/app/test_operators.h"

namespace openhi::app {
namespace {

constexpr char kGood[] = R"({
  "name": "adder", "version": "1.2", "description": "adds",
  "operators": [
    {"name": "a", "type": "Source", "params": {"value": 40}},
    {"name": "b", "type": "Source", "params": {"value": 2}},
    {"name": "add", "type": "Add"},
    {"name": "sink", "type": "Sink", "description": "collects"}
  ],
  "flows": [
    {"from": "a.out", "to": "add.a"},
    {"from": "b.out", "to": "add.b"},
    {"from": "add.sum", "to": "sink.in"}
  ]
})";

TEST(AppJson, LoadsAndRunsAGoodApp) {
  OperatorRegistry registry = testing::TestRegistry();
  Result<LoadedApp> loaded = LoadAppFromText(kGood, registry);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->info.name, "adder");
  EXPECT_EQ(loaded->info.version, "1.2");
  ASSERT_EQ(loaded->app->operators().size(), 4u);
  ASSERT_TRUE(loaded->app->Run(AppContext()).ok());
  auto* sink = dynamic_cast<testing::SinkOp*>(loaded->app->FindOperator("sink"));
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(*sink->seen, std::vector<int64_t>{42});
}

TEST(AppJson, LoadsFromFile) {
  auto path = std::filesystem::temp_directory_path() / "openhi_app_json_test.json";
  { std::ofstream(path) << kGood; }
  OperatorRegistry registry = testing::TestRegistry();
  Result<LoadedApp> loaded = LoadAppFromFile(path, registry);
  std::filesystem::remove(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(LoadAppFromFile(path, registry).status().code(), StatusCode::kNotFound);
}

struct BadCase {
  const char* what;
  std::string json;
  std::string expected_prefix;  // of the message
};

TEST(AppJson, EachBadDocumentNamesItsLocation) {
  OperatorRegistry registry = testing::TestRegistry();
  const std::string ops2 =
      R"("operators": [{"name": "a", "type": "Source"}, {"name": "s", "type": "Sink"}])";
  std::vector<BadCase> cases = {
      {"syntax", R"({"operators": [)", "app.json: invalid JSON"},
      {"not an object", R"([1, 2])", "app.json: expected a JSON object"},
      {"unknown top member", R"({"operator": []})", "app.json: operator: unknown member"},
      {"no operators", R"({"flows": []})", "app.json: operators: missing"},
      {"empty operators", R"({"operators": []})", "app.json: operators: expected a non-empty"},
      {"operator not object", R"({"operators": [3]})", "app.json: operators[0]: expected an"},
      {"missing type", R"({"operators": [{"name": "a"}]})", "app.json: operators[0].type: missing"},
      {"type not string", R"({"operators": [{"name": "a", "type": 1}]})",
       "app.json: operators[0].type: expected string"},
      {"unknown type", R"({"operators": [{"name": "a", "type": "Nope"}]})",
       "app.json: operators[0].type: unknown operator type 'Nope' (known: Add, Sink, Source"},
      {"unknown operator member", R"({"operators": [{"name": "a", "type": "Source", "x": 1}]})",
       "app.json: operators[0].x: unknown member"},
      {"unknown param", R"({"operators": [{"name": "a", "type": "Source", "params": {"v": 1}}]})",
       "app.json: operators[0].params.v: parameter 'v': unknown parameter (known: value, emit)"},
      {"bad param type",
       R"({"operators": [{"name": "a", "type": "Source", "params": {"value": "1"}}]})",
       "app.json: operators[0].params.value: parameter 'value': expected integer, got string"},
      {"params not object", R"({"operators": [{"name": "a", "type": "Source", "params": 1}]})",
       "app.json: operators[0].params: expected an object"},
      {"duplicate name",
       R"({"operators": [{"name": "a", "type": "Source"}, {"name": "a", "type": "Source"}]})",
       "app.json: operators[1].name: operator 'a': duplicate"},
      {"flow endpoint syntax", "{" + ops2 + R"(, "flows": [{"from": "a", "to": "s.in"}]})",
       "app.json: flows[0].from: expected \"operator.port\""},
      {"flow unknown operator", "{" + ops2 + R"(, "flows": [{"from": "a.out", "to": "t.in"}]})",
       "app.json: flows[0].to: no operator named 't'"},
      {"flow unknown output", "{" + ops2 + R"(, "flows": [{"from": "a.o", "to": "s.in"}]})",
       "app.json: flows[0].from: a/o: no such output port"},
      {"flow unknown input", "{" + ops2 + R"(, "flows": [{"from": "a.out", "to": "s.x"}]})",
       "app.json: flows[0].to: s/x: no such input port"},
      {"flow missing to", "{" + ops2 + R"(, "flows": [{"from": "a.out"}]})",
       "app.json: flows[0].to: missing"},
      {"flow unknown member",
       "{" + ops2 + R"(, "flows": [{"from": "a.out", "to": "s.in", "via": 1}]})",
       "app.json: flows[0].via: unknown member"},
      {"flow type mismatch",
       R"({"operators": [{"name": "a", "type": "Source"}, {"name": "s", "type": "StringSink"}],
           "flows": [{"from": "a.out", "to": "s.in"}]})",
       "app.json: flows[0].to: s/in: type mismatch"},
      {"cycle",
       R"({"operators": [{"name": "x", "type": "Add"}, {"name": "y", "type": "Add"}],
           "flows": [{"from": "x.sum", "to": "y.a"}, {"from": "y.sum", "to": "x.a"}]})",
       "app.json: flows[1].to: x/a: the flow from y/sum would close a cycle"},
      {"unconnected input", "{" + ops2 + "}",
       "app.json: flows: s/in: required input is not connected"},
  };
  for (const BadCase& c : cases) {
    Result<LoadedApp> r = LoadAppFromText(c.json, registry);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.what;
    EXPECT_EQ(r.status().message().rfind(c.expected_prefix, 0), 0u)
        << c.what << ": " << r.status().message();
  }
}

TEST(OperatorRegistry, RejectsDuplicatesAndUnknownTypes) {
  OperatorRegistry registry = testing::TestRegistry();
  EXPECT_EQ(registry.Register<testing::SourceOp>("Source", "again").code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.Create("Nope").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(registry.Create("Add").ok());
  EXPECT_EQ(registry.Types(), (std::vector<std::string>{"Add", "Sink", "Source", "StringSink"}));
  EXPECT_EQ(registry.Description("Add"), "adds two integers");
}

}  // namespace
}  // namespace openhi::app
