#include "openhi/client/client_config.h"

#include <gtest/gtest.h>

#include <map>

namespace openhi::client {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ConfigFromEnvironment, ReadsTheStandardAwsVariables) {
  auto c = ConfigFromEnvironment(FakeEnv({{"AWS_ACCESS_KEY_ID", "AKID"},
                                          {"AWS_SECRET_ACCESS_KEY", "secret"},
                                          {"AWS_SESSION_TOKEN", "token"},
                                          {"AWS_REGION", "eu-west-1"},
                                          {"AWS_DEFAULT_REGION", "us-west-2"},
                                          {"AWS_ENDPOINT_URL", "http://generic:1"},
                                          {"AWS_ENDPOINT_URL_MEDICAL_IMAGING", "http://h:9/"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->credentials.access_key_id, "AKID");
  EXPECT_EQ(c->credentials.secret, "secret");
  EXPECT_EQ(c->session_token, "token");
  EXPECT_EQ(c->region, "eu-west-1");
  EXPECT_EQ(c->endpoint, "http://h:9");
  EXPECT_TRUE(ValidateClientConfig(*c).ok());
}

TEST(ConfigFromEnvironment, FallsBackToDefaultRegionGenericEndpointThenRuntimeHost) {
  auto c = ConfigFromEnvironment(
      FakeEnv({{"AWS_DEFAULT_REGION", "us-west-2"}, {"AWS_ENDPOINT_URL", "http://generic:1"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->region, "us-west-2");
  EXPECT_EQ(c->endpoint, "http://generic:1");
  EXPECT_TRUE(c->credentials.access_key_id.empty());  // flags may still supply them

  c = ConfigFromEnvironment(FakeEnv({{"AWS_REGION", ""}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->region, "us-east-1");
  EXPECT_EQ(c->endpoint, "https://runtime-medical-imaging.us-east-1.amazonaws.com");
}

TEST(ConfigFromEnvironment, RejectsHalfCredentialsAndBadEndpoints) {
  auto c = ConfigFromEnvironment(FakeEnv({{"AWS_ACCESS_KEY_ID", "AKID"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  c = ConfigFromEnvironment(FakeEnv({{"AWS_ENDPOINT_URL", "localhost:8080"}}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
}

TEST(ValidateClientConfig, NamesTheBadField) {
  ClientConfig c;
  c.endpoint = "http://127.0.0.1:1";
  EXPECT_TRUE(ValidateClientConfig(c).ok());
  ClientConfig bad = c;
  bad.connections = 0;
  EXPECT_NE(ValidateClientConfig(bad).message().find("connections"), std::string::npos);
  bad = c;
  bad.max_attempts = 0;
  EXPECT_NE(ValidateClientConfig(bad).message().find("max_attempts"), std::string::npos);
  bad = c;
  bad.request_timeout = std::chrono::milliseconds(0);
  EXPECT_NE(ValidateClientConfig(bad).message().find("request_timeout"), std::string::npos);
  bad = c;
  bad.region = "US East";
  EXPECT_EQ(ValidateClientConfig(bad).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openhi::client
