#include "openhi/hosting/endpoint_service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "openhi/auth/sigv4.h"
#include "openhi/hosting/internal/test_fixture.h"

namespace openhi::hosting {
namespace {

using namespace testing;

const char* kKey = "AKIDEXAMPLE";
const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

struct Service {
  Stack s;
  int enqueued = 0;
  std::unique_ptr<EndpointService> svc;
  explicit Service(EndpointServiceOptions o = {}) {
    EXPECT_TRUE(o.credentials.Add(kKey, kSecret).ok());
    o.output_dir_uri = s.out_uri;
    o.failure_dir_uri = s.fail_uri;
    o.on_enqueued = [this] { enqueued++; };
    svc = std::make_unique<EndpointService>(*s.cache, *s.engine, s.queue.get(), s.metrics, o);
  }
  http::Request Req(std::string method, std::string path, std::string body = "",
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::Request r;
    r.method = std::move(method);
    r.raw_path = path;
    r.target = path;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
  }
  // Signs like botocore does for service "sagemaker".
  http::Request Signed(std::string path, std::string body,
                       std::vector<std::pair<std::string, std::string>> headers = {},
                       const char* secret = kSecret) {
    http::Request r = Req("POST", std::move(path), std::move(body), std::move(headers));
    r.headers.emplace_back("host", "runtime.sagemaker.us-east-1.amazonaws.com");
    r.headers.emplace_back("x-amz-date", auth::FormatAmzDate(std::chrono::system_clock::now()));
    auth::SigV4Request sr{r.method, r.raw_path, "", r.headers, r.body};
    auto a = auth::SignRequest(sr, {kKey, secret}, "us-east-1", "sagemaker");
    EXPECT_TRUE(a.ok());
    r.headers.emplace_back("Authorization", *a);
    return r;
  }
  http::Response Do(const http::Request& r) { return svc->Handle(r); }
};

std::string Header(const http::Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (strcasecmp(k.c_str(), std::string(name).c_str()) == 0) return v;
  }
  return "";
}

nlohmann::json Body(const http::Response& r) { return nlohmann::json::parse(r.body, nullptr, false); }

TEST(EndpointService, PingIsHealthyOnlyWhenTheModelFolderIsReadable) {
  Service v;
  EXPECT_EQ(v.Do(v.Req("GET", "/ping")).status, 200);
  std::filesystem::remove_all(v.s.t.path / "models");
  http::Response r = v.Do(v.Req("GET", "/ping"));
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("model folder"), std::string::npos);
}

TEST(EndpointService, PingFailsWhenTheSingleModelDoesNotLoad) {
  EndpointServiceOptions o;
  o.default_model = "model.tar.gz";
  Service v(o);
  v.s.Package("model.tar.gz", R"({"fail_load": "bad weights"})");
  EXPECT_EQ(v.Do(v.Req("GET", "/ping")).status, 503);
  v.s.Package("model.tar.gz", "{}");
  EXPECT_EQ(v.Do(v.Req("GET", "/ping")).status, 200);
}

TEST(EndpointService, RuntimeInvokeReturnsTheSummaryAndOutputLocations) {
  Service v;
  v.s.Package("model.tar.gz");
  v.s.Package("other.tar.gz");
  http::Response r = v.Do(v.Signed("/endpoints/E/invocations", BlogBody(),
                                   {{"Content-Type", "application/json"},
                                    {"X-Amzn-SageMaker-Target-Model", "other.tar.gz"},
                                    {"X-Amzn-SageMaker-Inference-Id", "id-1"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Header(r, "x-Amzn-Invoked-Production-Variant"), "AllTraffic");
  nlohmann::json b = Body(r);
  EXPECT_EQ(b["inferenceId"], "id-1");
  EXPECT_EQ(b["model"], "other.tar.gz");
  EXPECT_EQ(b["summary"]["app"], "other.tar.gz");
  EXPECT_EQ(b["outputs"][0]["name"], "result.json");
  EXPECT_FALSE(v.s.ReadOut("out/id-1/result.json").empty());
}

TEST(EndpointService, RuntimeErrorsUseTheModeledShapes) {
  Service v;
  v.s.Package("model.tar.gz");
  v.s.Package("throws.tar.gz", R"({"throw_invoke": "boom"})");
  auto target = [](const char* t) {
    return std::vector<std::pair<std::string, std::string>>{{"X-Amzn-SageMaker-Target-Model", t}};
  };
  http::Response unknown = v.Do(v.Signed("/endpoints/E/invocations", BlogBody(), target("nope.tar.gz")));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(Header(unknown, "x-amzn-ErrorType"), "ValidationError");
  http::Response ambiguous = v.Do(v.Signed("/endpoints/E/invocations", BlogBody()));
  EXPECT_EQ(ambiguous.status, 400);
  EXPECT_NE(ambiguous.body.find("TargetModel is required"), std::string::npos);
  http::Response bad_body = v.Do(v.Signed("/endpoints/E/invocations", "{", target("model.tar.gz")));
  EXPECT_EQ(bad_body.status, 400);
  http::Response threw = v.Do(v.Signed("/endpoints/E/invocations", BlogBody(), target("throws.tar.gz")));
  EXPECT_EQ(threw.status, 424);
  nlohmann::json b = Body(threw);
  EXPECT_EQ(b["__type"], "ModelError");
  EXPECT_EQ(b["OriginalStatusCode"], 500);
  EXPECT_NE(b["OriginalMessage"].get<std::string>().find("boom"), std::string::npos);
  EXPECT_NE(b["LogStreamArn"].get<std::string>().find("/aws/sagemaker/Endpoints/E"), std::string::npos);
  http::Response forged = v.Do(v.Signed("/endpoints/E/invocations", BlogBody(), target("model.tar.gz"),
                                        "wrong-secret-wrong-secret"));
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(Header(forged, "x-amzn-ErrorType"), "InvalidSignatureException");
  http::Response unsigned_req = v.Do(v.Req("POST", "/endpoints/E/invocations", BlogBody()));
  EXPECT_EQ(unsigned_req.status, 403);
  http::Response bad_name = v.Do(v.Signed("/endpoints/-bad/invocations", BlogBody()));
  EXPECT_EQ(bad_name.status, 400);
}

TEST(EndpointService, AsyncInvokeQueuesAndAnswers202WithLocations) {
  Service v;
  v.s.Package("model.tar.gz");
  const std::string input = v.s.InputFile("in.json", AsyncInput());
  http::Response r = v.Do(v.Signed("/endpoints/E/async-invocations", "",
                                   {{"X-Amzn-SageMaker-InputLocation", input},
                                    {"X-Amzn-SageMaker-Inference-Id", "job-7"},
                                    {"X-Amzn-SageMaker-RequestTTLSeconds", "600"}}));
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(Body(r)["InferenceId"], "job-7");
  EXPECT_EQ(Header(r, "X-Amzn-SageMaker-OutputLocation"), v.s.out_uri + "job-7.out");
  EXPECT_EQ(Header(r, "X-Amzn-SageMaker-FailureLocation"), v.s.fail_uri + "job-7-error.out");
  EXPECT_EQ(v.enqueued, 1);
  auto job = v.s.queue->Get("job-7");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->spec.target_model, "model.tar.gz");  // the folder's only package
  EXPECT_NEAR(job->spec.expires_at - job->spec.enqueued_at, 600, 1e-6);

  struct Bad {
    std::vector<std::pair<std::string, std::string>> headers;
    std::string needle;
  } bad[] = {
      {{}, "InputLocation"},
      {{{"X-Amzn-SageMaker-InputLocation", "http://x/y"}}, "s3://"},
      {{{"X-Amzn-SageMaker-InputLocation", input}, {"X-Amzn-SageMaker-RequestTTLSeconds", "5"}},
       "RequestTTLSeconds"},
      {{{"X-Amzn-SageMaker-InputLocation", input},
        {"X-Amzn-SageMaker-InvocationTimeoutSeconds", "99999"}},
       "InvocationTimeoutSeconds"},
      {{{"X-Amzn-SageMaker-InputLocation", input}, {"X-Amzn-SageMaker-Inference-Id", "job-7"}},
       "already queued"},
      {{{"X-Amzn-SageMaker-InputLocation", input}, {"X-Amzn-SageMaker-Inference-Id", "a/b"}},
       "slashes"},
  };
  for (const Bad& b : bad) {
    http::Response e = v.Do(v.Signed("/endpoints/E/async-invocations", "", b.headers));
    EXPECT_EQ(e.status, 400) << b.needle;
    EXPECT_NE(e.body.find(b.needle), std::string::npos) << e.body;
  }
}

TEST(EndpointService, ContainerInvocationsAndModelsApi) {
  Service v;
  v.s.Package("a.tar.gz");
  http::Response inv = v.Do(v.Req("POST", "/invocations", BlogBody(),
                                  {{"X-Amzn-SageMaker-Target-Model", "a.tar.gz"}}));
  ASSERT_EQ(inv.status, 200) << inv.body;
  EXPECT_EQ(Body(inv)["summary"]["runner"], "echo");
  const std::string load = R"({"model_name":"m1","url":")" + (v.s.t.path / "models/a.tar.gz").string() + "\"}";
  EXPECT_EQ(v.Do(v.Req("POST", "/models", load)).status, 200);
  EXPECT_EQ(v.Do(v.Req("POST", "/models", load)).status, 409);
  EXPECT_EQ(v.Do(v.Req("POST", "/models", "{}")).status, 400);
  nlohmann::json list = Body(v.Do(v.Req("GET", "/models")));
  bool found = false;
  for (auto& m : list["models"]) found |= m["modelName"] == "m1";
  EXPECT_TRUE(found) << list.dump();
  EXPECT_EQ(Body(v.Do(v.Req("GET", "/models/m1")))["modelName"], "m1");
  EXPECT_EQ(v.Do(v.Req("POST", "/models/m1/invoke", BlogBody())).status, 200);
  EXPECT_EQ(v.Do(v.Req("POST", "/models/zz/invoke", BlogBody())).status, 404);
  EXPECT_EQ(v.Do(v.Req("DELETE", "/models/m1")).status, 200);
  EXPECT_EQ(v.Do(v.Req("DELETE", "/models/m1")).status, 404);
  EXPECT_EQ(v.Do(v.Req("GET", "/models/m1")).status, 404);
}

TEST(EndpointService, ModelsApiAnswers507WhenTheBudgetIsFull) {
  EndpointServiceOptions o;
  Service v(o);
  v.s.cache = std::make_unique<ModelCache>(
      v.s.runner, ModelCacheOptions{v.s.t.path / "models", v.s.t.path / "u2", 1500, {}});
  v.svc = std::make_unique<EndpointService>(*v.s.cache, *v.s.engine, v.s.queue.get(), v.s.metrics, o);
  v.s.Package("a.tar.gz", R"({"size_bytes": 1000})");
  v.s.Package("b.tar.gz", R"({"size_bytes": 1000})");
  EXPECT_EQ(v.Do(v.Req("POST", "/models", R"({"model_name":"a","url":"a.tar.gz"})")).status, 200);
  http::Response full = v.Do(v.Req("POST", "/models", R"({"model_name":"b","url":"b.tar.gz"})"));
  EXPECT_EQ(full.status, 507) << full.body;
}

TEST(EndpointService, MetricsExposeInvocationsCacheAndQueue) {
  Service v;
  v.s.Package("model.tar.gz");
  ASSERT_EQ(v.Do(v.Req("POST", "/invocations", BlogBody())).status, 200);
  std::string m = v.Do(v.Req("GET", "/metrics")).body;
  for (const char* name :
       {"openhi_hosting_invocations_total{mode=\"realtime\",outcome=\"ok\"} 1",
        "openhi_hosting_model_loads_total{outcome=\"ok\"} 1", "openhi_hosting_model_evictions_total 0",
        "openhi_hosting_queue_depth 0", "openhi_hosting_invocation_duration_seconds_bucket",
        "openhi_hosting_async_pickup_seconds_count"}) {
    EXPECT_NE(m.find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace openhi::hosting
