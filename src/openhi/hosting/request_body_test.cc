#include "openhi/hosting/request_body.h"

#include <gtest/gtest.h>

namespace openhi::hosting {
namespace {

const std::string kDs = "0123456789abcdef0123456789abcdef";
const std::string kIs = "fedcba9876543210fedcba9876543210";

TEST(ParseInvocationBody, AcceptsTheBlogsTwoShapes) {
  auto a = ParseInvocationBody(R"({"inputs":[{"datastoreId":")" + kDs + R"(","imageSetId":")" +
                               kIs + R"("}]})");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].datastore_id, kDs);
  EXPECT_EQ((*a)[0].image_set_id, kIs);
  auto b = ParseInvocationBody(R"({"datastoreId":")" + kDs + R"(","imageSetId":")" + kIs +
                               R"(","extra":1})");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ((*b)[0].image_set_id, kIs);
}

TEST(ParseInvocationBody, RejectsMalformedBodiesWithTheMemberNamed) {
  struct Case {
    std::string body;
    std::string needle;
  } cases[] = {
      {"not json", "not valid JSON"},
      {"[1]", "JSON object"},
      {"{}", "must be"},
      {R"({"inputs":[]})", "non-empty"},
      {R"({"inputs":[{"datastoreId":")" + kDs + R"("}]})", "inputs[0].imageSetId is required"},
      {R"({"datastoreId":"x","imageSetId":")" + kIs + R"("})", "body.datastoreId"},
      {R"({"datastoreId":")" + kDs + R"(","imageSetId":7})", "body.imageSetId"},
  };
  for (const Case& c : cases) {
    auto r = ParseInvocationBody(c.body);
    ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_NE(r.status().message().find(c.needle), std::string::npos)
        << c.body << " -> " << r.status().message();
  }
}

}  // namespace
}  // namespace openhi::hosting
