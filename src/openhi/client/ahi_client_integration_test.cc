// AhiClient against the real server stack: store::Store (temp dir, a small synthetic CT series
// imported) behind api::AhiService (SigV4 verification) on an http::Server. Checks that the
// server accepts the client's signatures and that metadata and frames arrive exactly as stored.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "openhi/api/ahi_service.h"
#include "openhi/client/ahi_client.h"
#include "openhi/core/gzip.h"
#include "openhi/http/server.h"
#include "openhi/store/store.h"
#include "openhi/synth/synth.h"

namespace openhi::client {
namespace {
namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr char kKeyId[] = "AKIDINTEGRATION";
constexpr char kSecret[] = "integration/secret+key";
constexpr int kSlices = 5;

class AhiClientIntegration : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() /
                         ("openhi_client_it_" + std::to_string(::getpid())));
    fs::remove_all(*root_);
    auto s = store::Store::Open({*root_ / "data", 2});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = s->release();
    auto d = store_->CreateDatastore({"client-it", "token-1", {}, "", "", ""});
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    ds_ = new std::string(d->id);

    synth::SynthOptions o;
    o.output_dir = *root_ / "in";
    o.slices = kSlices;
    o.rows = o.columns = 64;
    auto series = synth::WriteSyntheticSeries(o);
    ASSERT_TRUE(series.ok()) << series.status().ToString();
    fs::remove(series->mask_path);
    store::StartImportRequest r{*ds_, "job", "arn:aws:iam::000000000000:role/x", "token-2",
                                (*root_ / "in").string(),
                                "file://" + (*root_ / "out").string() + "/", ""};
    auto job = store_->StartImport(r);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    ASSERT_TRUE(store_->RunImport(job->id).ok());
    auto page = store_->SearchImageSets(*ds_, {}, 50, "");
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ASSERT_EQ(page->summaries.size(), 1u);
    image_set_ = new std::string(page->summaries[0].image_set_id);

    api::ServiceOptions so;
    ASSERT_TRUE(so.credentials.Add(kKeyId, kSecret).ok());
    service_ = new api::AhiService(*store_, std::move(so));
    http::ServerOptions ho;
    ho.io_threads = 4;
    ho.error_responder = [](int status, std::string message) {
      return api::AhiService::ErrorResponse(status, message);
    };
    auto server = http::Server::Start(
        ho, [](const http::Request& req) { return service_->Handle(req); });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = server->release();
  }

  static void TearDownTestSuite() {
    delete server_;
    delete service_;
    delete store_;
    if (root_ != nullptr) fs::remove_all(*root_);
    delete root_;
    delete ds_;
    delete image_set_;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(image_set_, nullptr);
  }

  static ClientConfig Config() {
    ClientConfig c;
    c.endpoint = "http://" + server_->address();
    c.credentials = {kKeyId, kSecret};
    c.connections = 3;
    c.backoff_base = std::chrono::milliseconds(1);
    c.backoff_cap = std::chrono::milliseconds(5);
    return c;
  }

  static std::unique_ptr<AhiClient> Client(const ClientConfig& config = Config()) {
    auto c = AhiClient::Create(config);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  static Json StoredDocument() {
    auto gz = store_->GetImageSetMetadata(*ds_, *image_set_);
    EXPECT_TRUE(gz.ok());
    return Json::parse(AsStringView(*GzipDecompress(*gz)));
  }

  static std::vector<std::string> FrameIdsOf(const Json& doc) {
    std::vector<std::string> ids;
    for (const auto& [_, series] : doc["Study"]["Series"].items()) {
      for (const auto& [__, instance] : series["Instances"].items()) {
        for (const auto& frame : instance["ImageFrames"]) ids.push_back(frame["ID"]);
      }
    }
    return ids;
  }

  static fs::path* root_;
  static store::Store* store_;
  static std::string* ds_;
  static std::string* image_set_;
  static api::AhiService* service_;
  static http::Server* server_;
};

fs::path* AhiClientIntegration::root_ = nullptr;
store::Store* AhiClientIntegration::store_ = nullptr;
std::string* AhiClientIntegration::ds_ = nullptr;
std::string* AhiClientIntegration::image_set_ = nullptr;
api::AhiService* AhiClientIntegration::service_ = nullptr;
http::Server* AhiClientIntegration::server_ = nullptr;

TEST_F(AhiClientIntegration, MetadataEqualsTheStoredDocument) {
  auto client = Client();
  auto meta = client->GetImageSetMetadata(*ds_, *image_set_);
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  auto stored = GzipDecompress(*store_->GetImageSetMetadata(*ds_, *image_set_));
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(*meta == *stored);  // byte for byte, gunzipped
  Json doc = Json::parse(AsStringView(*meta), nullptr, false);
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(FrameIdsOf(doc).size(), static_cast<size_t>(kSlices));

  auto v1 = client->GetImageSetMetadata(*ds_, *image_set_, "1");
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_TRUE(*v1 == *stored);
  auto v99 = client->GetImageSetMetadata(*ds_, *image_set_, "99");
  EXPECT_EQ(v99.status().code(), StatusCode::kNotFound) << v99.status().ToString();
}

TEST_F(AhiClientIntegration, FramesAreByteIdenticalToTheStore) {
  auto client = Client();
  const std::vector<std::string> ids = FrameIdsOf(StoredDocument());
  ASSERT_EQ(ids.size(), static_cast<size_t>(kSlices));
  std::map<size_t, Bytes> got;
  std::map<size_t, std::string> types;
  Status s = client->GetImageFrames(*ds_, *image_set_, ids,
                                    [&](size_t i, Bytes body, std::string_view content_type) {
                                      EXPECT_EQ(got.count(i), 0u) << "index delivered twice";
                                      got[i] = std::move(body);
                                      types[i] = std::string(content_type);
                                      return Status::Ok();
                                    });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(got.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    auto frame = store_->GetImageFrame(*ds_, *image_set_, ids[i]);
    ASSERT_TRUE(frame.ok()) << frame.status().ToString();
    EXPECT_TRUE(got[i] == *frame->bytes) << "frame " << ids[i];
    EXPECT_EQ(types[i], frame->content_type);
  }
  EXPECT_EQ(client->Stats().retries, 0u);
}

TEST_F(AhiClientIntegration, CallJsonReachesOtherOperations) {
  auto client = Client();
  auto set = client->CallJson("POST",
                              "/datastore/" + *ds_ + "/imageSet/" + *image_set_ + "/getImageSet", "");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  Json j = Json::parse(*set);
  EXPECT_EQ(j["imageSetId"], *image_set_);
  EXPECT_EQ(j["versionId"], "1");

  auto found = client->CallJson("POST", "/datastore/" + *ds_ + "/searchImageSets?maxResults=10",
                                "{}");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  Json f = Json::parse(*found);
  ASSERT_EQ(f["imageSetsMetadataSummaries"].size(), 1u);
  EXPECT_EQ(f["imageSetsMetadataSummaries"][0]["imageSetId"], *image_set_);

  auto ds = client->CallJson("GET", "/datastore/" + *ds_, "");
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(Json::parse(*ds)["datastoreProperties"]["datastoreName"], "client-it");
}

TEST_F(AhiClientIntegration, SessionTokenIsSignedAndAccepted) {
  ClientConfig c = Config();
  c.session_token = "FwoGZXIvYXdzEXAMPLE//token+with/slashes=";
  auto meta = Client(c)->GetImageSetMetadata(*ds_, *image_set_);
  EXPECT_TRUE(meta.ok()) << meta.status().ToString();
}

TEST_F(AhiClientIntegration, WrongSecretIsDeniedAtOnceWithoutRetry) {
  ClientConfig c = Config();
  c.credentials.secret = "not-the-secret";
  auto client = Client(c);
  const uint64_t before = server_->stats().requests.load();
  auto meta = client->GetImageSetMetadata(*ds_, *image_set_);
  ASSERT_FALSE(meta.ok());
  EXPECT_TRUE(meta.status().code() == StatusCode::kUnauthenticated ||
              meta.status().code() == StatusCode::kPermissionDenied)
      << meta.status().ToString();
  EXPECT_NE(meta.status().message().find("HTTP 403"), std::string::npos);
  EXPECT_NE(meta.status().message().find("SignatureDoesNotMatch"), std::string::npos)
      << meta.status().message();
  EXPECT_EQ(server_->stats().requests.load() - before, 1u);
  EXPECT_EQ(client->Stats().requests, 1u);
}

TEST_F(AhiClientIntegration, UnknownAccessKeyIsDenied) {
  ClientConfig c = Config();
  c.credentials.access_key_id = "AKIDUNKNOWN";
  std::vector<std::string> ids = FrameIdsOf(StoredDocument());
  Status s = Client(c)->GetImageFrames(*ds_, *image_set_, ids,
                                       [](size_t, Bytes, std::string_view) { return Status::Ok(); });
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << s.ToString();
  EXPECT_NE(s.message().find("UnrecognizedClient"), std::string::npos) << s.message();
}

TEST_F(AhiClientIntegration, UnknownFrameAndImageSetFailFast) {
  auto client = Client();
  const std::string missing = "0123456789abcdef0123456789abcdef";
  auto meta = client->GetImageSetMetadata(*ds_, missing);
  EXPECT_EQ(meta.status().code(), StatusCode::kNotFound) << meta.status().ToString();
  std::vector<std::string> ids = FrameIdsOf(StoredDocument());
  ids.push_back(missing);
  Status s = client->GetImageFrames(*ds_, *image_set_, ids,
                                    [](size_t, Bytes, std::string_view) { return Status::Ok(); });
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find("imageFrameId=" + missing), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("ResourceNotFoundException"), std::string::npos) << s.message();
  EXPECT_EQ(client->Stats().retries, 0u);
}

}  // namespace
}  // namespace openhi::client
