// S3Store against real servers started by the fixtures: moto (accepts any signature) and Ceph
// radosgw (verifies SigV4, so it is the one that proves the signing, encoding and payload hash).
// The same round trips run against both. A server that cannot start fails every test of its
// suite with the reason.
#include "openhi/objstore/s3_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <thread>

#include "openhi/objstore/internal/s3_test_server.h"

namespace openhi::objstore {
namespace {

using internal::TestS3Server;
using Clock = std::chrono::steady_clock;

constexpr char kBucket[] = "openhi-test";

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

enum class Backend { kMoto, kRadosgw };

std::string BackendName(Backend b) { return b == Backend::kMoto ? "moto" : "radosgw"; }
void PrintTo(Backend b, std::ostream* os) { *os << BackendName(b); }  // for test names

// Runs fn(i) for i in [0, n) on `threads` threads.
void ParallelFor(int n, int threads, const std::function<void(int)>& fn) {
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < n; i = next++) fn(i);
    });
  }
  for (auto& t : pool) t.join();
}

struct Server {
  bool tried = false;
  std::unique_ptr<TestS3Server> server;
  std::string error;
};

// Each backend's server starts on the first test that needs it (so a filtered run starts only
// what it uses) and stops when the suite ends.
class S3StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  static void TearDownTestSuite() {
    for (Backend b : {Backend::kMoto, Backend::kRadosgw}) {
      Server& s = servers_[static_cast<int>(b)];
      if (!s.server) continue;
      const auto t0 = Clock::now();
      s.server.reset();
      std::cerr << "[ " << BackendName(b) << " ] stopped in " << SecondsSince(t0) << " s\n";
    }
  }

  static void Start(Backend b, Server* s) {
    s->tried = true;
    auto server = b == Backend::kMoto
                      ? TestS3Server::StartMoto()
                      : TestS3Server::StartRadosgw(OPENHI_SHARED_DIR "/tools/s3-radosgw-start");
    if (!server.ok()) {
      s->error = server.status().ToString();
      return;
    }
    Status bucket = CreateS3Bucket((*server)->config(), kBucket);
    if (!bucket.ok()) {
      s->error = "CreateS3Bucket: " + bucket.ToString();
      return;
    }
    s->server = std::move(*server);
    std::cerr << "[ " << BackendName(b) << " ] started in " << s->server->startup_seconds()
              << " s at " << s->server->config().endpoint << "\n";
  }

  void SetUp() override {
    Server& s = servers_[static_cast<int>(GetParam())];
    if (!s.tried) Start(GetParam(), &s);
    if (!s.server) FAIL() << BackendName(GetParam()) << " S3 server did not start: " << s.error;
    auto store = NewS3Store(config(), kBucket);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  const S3Config& config() const { return servers_[static_cast<int>(GetParam())].server->config(); }
  // moto accepts any signature; radosgw verifies SigV4.
  bool VerifiesSignatures() const { return GetParam() == Backend::kRadosgw; }

  std::unique_ptr<ObjectStore> store_;
  static inline Server servers_[2];
};

INSTANTIATE_TEST_SUITE_P(Servers, S3StoreTest, ::testing::Values(Backend::kMoto, Backend::kRadosgw),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return BackendName(info.param);
                         });

TEST_P(S3StoreTest, PutGetHeadDeleteRoundTrip) {
  ObjectStore& s = *store_;
  ASSERT_TRUE(s.Put("rt/a/b.bin", AsBytes("hello")).ok());
  auto got = s.Get("rt/a/b.bin");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(AsStringView(*got), "hello");
  ASSERT_TRUE(s.Put("rt/a/b.bin", AsBytes("hello, world")).ok());  // replace
  EXPECT_EQ(AsStringView(*s.Get("rt/a/b.bin")), "hello, world");
  auto head = s.Head("rt/a/b.bin");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, 12u);
  EXPECT_EQ(head->key, "rt/a/b.bin");
  EXPECT_TRUE(s.Sync().ok());
  EXPECT_EQ(s.Uri("rt/a/b.bin"), "s3://openhi-test/rt/a/b.bin");

  ASSERT_TRUE(s.Put("rt/empty", {}).ok());
  EXPECT_EQ(s.Get("rt/empty")->size(), 0u);
  EXPECT_EQ(s.Head("rt/empty")->size, 0u);

  // Larger than curl's 1 MiB "Expect: 100-continue" threshold.
  Bytes big(3 << 20);
  std::mt19937 rng(7);
  for (auto& b : big) b = static_cast<std::byte>(rng());
  auto t0 = Clock::now();
  ASSERT_TRUE(s.Put("rt/big.bin", big).ok());
  const double put_s = SecondsSince(t0);
  t0 = Clock::now();
  auto big_back = s.Get("rt/big.bin");
  ASSERT_TRUE(big_back.ok()) << big_back.status().ToString();
  EXPECT_TRUE(*big_back == big);
  std::cerr << "3 MiB put " << put_s << " s, get " << SecondsSince(t0) << " s\n";

  ASSERT_TRUE(s.Delete("rt/a/b.bin").ok());
  EXPECT_EQ(s.Get("rt/a/b.bin").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(s.Head("rt/a/b.bin").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(s.Delete("rt/a/b.bin").ok());  // idempotent
  EXPECT_EQ(s.Get("rt/never-written").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(s.Put("../x", AsBytes("x")).code(), StatusCode::kInvalidArgument);
}

TEST_P(S3StoreTest, KeysThatNeedEncoding) {
  ObjectStore& s = *store_;
  std::vector<std::string> keys = {
      "enc/with space.bin",     "enc/unicodé/数据 1.dcm", "enc/a+b.bin",
      "enc/a=b&c=d.bin",        "enc/x/y/z/deep.bin",     "enc/tilde~_-.bin",
      "enc/percent%41.bin",     "enc/semi;colon:at@.bin", "enc/paren(1)!*'.bin",
      "enc/comma,dollar$#.bin", "enc/q?uery.bin"};
  for (const auto& k : keys) ASSERT_TRUE(s.Put(k, AsBytes(k)).ok()) << k;
  for (const auto& k : keys) {
    auto got = s.Get(k);
    ASSERT_TRUE(got.ok()) << k << ": " << got.status().ToString();
    EXPECT_EQ(AsStringView(*got), k);
    auto head = s.Head(k);
    ASSERT_TRUE(head.ok()) << k << ": " << head.status().ToString();
    EXPECT_EQ(head->size, k.size());
  }
  auto list = s.List("enc/");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  std::vector<std::string> listed;
  for (const auto& o : *list) listed.push_back(o.key);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(listed, keys);
  // Prefixes with '/', ' ', '+' and non-ASCII go into the query string (and its signature).
  EXPECT_EQ(s.List("enc/with sp")->size(), 1u);
  EXPECT_EQ(s.List("enc/x/y/")->size(), 1u);
  EXPECT_EQ(s.List("enc/a+")->size(), 1u);
  EXPECT_EQ(s.List("enc/unicodé/数")->size(), 1u);
  for (const auto& k : keys) ASSERT_TRUE(s.Delete(k).ok()) << k;
  EXPECT_TRUE(s.List("enc/")->empty());
}

TEST_P(S3StoreTest, ListFollowsContinuationTokensUnderConcurrentUse) {
  ObjectStore& s = *store_;
  constexpr int kKeys = 1100;  // > 1000, the page size of ListObjectsV2
  auto name = [](int i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "many/%05d.bin", i);
    return std::string(buf);
  };
  std::atomic<int> failures{0};
  auto t0 = Clock::now();
  ParallelFor(kKeys, 8, [&](int i) {
    if (!s.Put(name(i), AsBytes(std::string(i % 7, 'x'))).ok()) failures++;
  });
  ASSERT_EQ(failures.load(), 0);
  const double put_s = SecondsSince(t0);
  t0 = Clock::now();
  auto list = s.List("many/");
  const double list_s = SecondsSince(t0);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) {
    EXPECT_EQ((*list)[i].key, name(i));
    EXPECT_EQ((*list)[i].size, static_cast<uint64_t>(i % 7));
  }
  EXPECT_EQ(s.List("many/0050")->size(), 10u);
  EXPECT_TRUE(s.List("nothing-here/")->empty());
  t0 = Clock::now();
  ParallelFor(kKeys, 8, [&](int i) {
    auto got = s.Get(name(i));
    if (!got.ok() || got->size() != static_cast<size_t>(i % 7)) failures++;
  });
  EXPECT_EQ(failures.load(), 0);
  std::cerr << kKeys << " puts (8 threads) " << put_s << " s, list " << list_s << " s, gets "
            << SecondsSince(t0) << " s\n";
}

TEST_P(S3StoreTest, MissingBucketIsNotFound) {
  auto store = NewS3Store(config(), "openhi-no-such-bucket");
  ASSERT_TRUE(store.ok());
  ObjectStore& s = **store;
  for (const Status& st : {s.Get("k").status(), s.Put("k", AsBytes("x")), s.List("").status()}) {
    EXPECT_EQ(st.code(), StatusCode::kNotFound) << st.ToString();
    EXPECT_NE(st.message().find("NoSuchBucket"), std::string::npos) << st.ToString();
  }
  EXPECT_EQ(s.Head("k").status().code(), StatusCode::kNotFound);
}

TEST_P(S3StoreTest, WrongCredentials) {
  ASSERT_TRUE(store_->Put("cred/k", AsBytes("v")).ok());
  S3Config bad_secret = config();
  bad_secret.secret_access_key = "not-the-secret";
  S3Config bad_key = config();
  bad_key.access_key_id = "NOSUCHKEY";
  for (const S3Config& c : {bad_secret, bad_key}) {
    auto s = std::move(*NewS3Store(c, kBucket));
    Status put = s->Put("cred/k2", AsBytes("v"));
    Status get = s->Get("cred/k").status();
    Status list = s->List("cred/").status();
    Status head = s->Head("cred/k").status();
    if (!VerifiesSignatures()) {
      // moto accepts any signature: why radosgw is in this test at all.
      EXPECT_TRUE(put.ok() && get.ok() && list.ok() && head.ok()) << put.ToString();
      continue;
    }
    for (const Status& st : {put, get, list, head}) {
      EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
    }
    const char* code =
        c.access_key_id == "NOSUCHKEY" ? "InvalidAccessKeyId" : "SignatureDoesNotMatch";
    EXPECT_NE(put.message().find(code), std::string::npos) << put.ToString();
    EXPECT_NE(list.message().find(code), std::string::npos) << list.ToString();
  }
  // A session token is sent as x-amz-security-token, inside the signature.
  S3Config with_token = config();
  with_token.session_token = "session-token/with+odd=chars";
  auto s = std::move(*NewS3Store(with_token, kBucket));
  EXPECT_TRUE(s->Get("cred/k").ok()) << s->Get("cred/k").status().ToString();
}

TEST_P(S3StoreTest, SizeLimits) {
  S3Config small = config();
  small.max_object_bytes = 16;
  auto s = std::move(*NewS3Store(small, kBucket));
  EXPECT_EQ(s->Put("lim/a", Bytes(17)).code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(s->Put("lim/b", Bytes(16)).ok());
  ASSERT_TRUE(store_->Put("lim/c", Bytes(1000)).ok());
  EXPECT_EQ(s->Get("lim/c").status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s->Head("lim/c")->size, 1000u);  // HEAD is not a download
  EXPECT_EQ(store_->Get("lim/c")->size(), 1000u);
}

TEST_P(S3StoreTest, OpenLocationUsesTheDefaultConfig) {
  SetDefaultS3Config(config());
  auto loc = OpenLocation("s3://openhi-test/loc/sub");
  ClearDefaultS3Config();
  ASSERT_TRUE(loc.ok()) << loc.status().ToString();
  EXPECT_EQ(loc->prefix, "loc/sub/");
  EXPECT_EQ(loc->uri, "s3://openhi-test/loc/sub/");
  ASSERT_TRUE(loc->store->Put(loc->prefix + "x.bin", AsBytes("x")).ok());
  auto list = loc->store->List(loc->prefix);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].key, "loc/sub/x.bin");
  EXPECT_EQ(loc->store->Uri((*list)[0].key), "s3://openhi-test/loc/sub/x.bin");
  EXPECT_EQ(OpenLocation("s3://openhi-test/loc/").status().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace openhi::objstore
