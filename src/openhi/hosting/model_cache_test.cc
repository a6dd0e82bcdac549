#include "openhi/hosting/model_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "openhi/core/file_util.h"
#include "openhi/hosting/echo_runner.h"
#include "openhi/hosting/internal/test_packages.h"

namespace openhi::hosting {
namespace {

using testing::TempDir;
using testing::WriteEchoPackage;
namespace fs = std::filesystem;

// Counts loads; otherwise an EchoRunner.
class CountingRunner : public EchoRunner {
 public:
  Result<std::shared_ptr<const LoadedModel>> Load(const fs::path& dir) override {
    loads++;
    return EchoRunner::Load(dir);
  }
  std::atomic<int> loads{0};
};

struct CacheFixture {
  TempDir t;
  CountingRunner runner;
  std::unique_ptr<ModelCache> cache;
  explicit CacheFixture(uint64_t budget = 1 << 20) {
    fs::create_directories(t.path / "models");
    cache = std::make_unique<ModelCache>(
        runner, ModelCacheOptions{t.path / "models", t.path / "unpacked", budget, {}});
  }
  void Package(const std::string& name, uint64_t size) {
    WriteEchoPackage(t.path / "models" / name, name,
                     "{\"size_bytes\": " + std::to_string(size) + "}");
  }
};

TEST(ModelCache, LoadsLazilyOnceAndThenHits) {
  CacheFixture f;
  f.Package("model.tar.gz", 100);
  auto a = f.cache->Acquire("model.tar.gz");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ((*a)->size_bytes(), 100u);
  ASSERT_TRUE(f.cache->Acquire("model.tar.gz").ok());
  EXPECT_EQ(f.runner.loads, 1);
  ModelCacheStats s = f.cache->stats();
  EXPECT_EQ(s.loads, 1u);
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.loaded_bytes, 100u);
}

TEST(ModelCache, ConcurrentFirstRequestsShareOneLoad) {
  CacheFixture f;
  f.Package("m.tar.gz", 10);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] { ok += f.cache->Acquire("m.tar.gz").ok() ? 1 : 0; });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(f.runner.loads, 1);
}

TEST(ModelCache, UnknownAndMalformedTargetsAreTypedErrors) {
  CacheFixture f;
  EXPECT_EQ(f.cache->Acquire("nope.tar.gz").status().code(), StatusCode::kNotFound);
  for (const char* bad : {"../x.tar.gz", "/abs.tar.gz", "a//b.tar.gz", "model.zip", "./m.tar.gz"}) {
    EXPECT_EQ(f.cache->Acquire(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ModelCache, EvictsLeastRecentlyUsedToFitTheBudget) {
  CacheFixture f(/*budget=*/2500);
  f.Package("a.tar.gz", 1000);
  f.Package("b.tar.gz", 1000);
  f.Package("c.tar.gz", 1000);
  ASSERT_TRUE(f.cache->Acquire("a.tar.gz").ok());
  ASSERT_TRUE(f.cache->Acquire("b.tar.gz").ok());
  ASSERT_TRUE(f.cache->Acquire("a.tar.gz").ok());  // b is now least recently used
  ASSERT_TRUE(f.cache->Acquire("c.tar.gz").ok());
  ModelCacheStats s = f.cache->stats();
  EXPECT_EQ(s.evictions, 1u);
  EXPECT_EQ(s.loaded_models, 2u);
  EXPECT_EQ(s.loaded_bytes, 2000u);
  EXPECT_TRUE(f.cache->Get("a.tar.gz").ok());
  EXPECT_EQ(f.cache->Get("b.tar.gz").status().code(), StatusCode::kNotFound);
}

TEST(ModelCache, EvictedModelStaysUsableByItsHolderAndItsFolderGoesWithIt) {
  CacheFixture f(/*budget=*/1500);
  f.Package("a.tar.gz", 1000);
  f.Package("b.tar.gz", 1000);
  auto a = f.cache->Acquire("a.tar.gz");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(f.cache->Acquire("b.tar.gz").ok());  // evicts a while we hold it
  size_t folders = 0;
  for (auto& e : fs::directory_iterator(f.t.path / "unpacked")) folders += e.is_directory();
  EXPECT_EQ(folders, 2u);
  EXPECT_EQ((*a)->size_bytes(), 1000u);
  a = Internal("released");
  folders = 0;
  for (auto& e : fs::directory_iterator(f.t.path / "unpacked")) folders += e.is_directory();
  EXPECT_EQ(folders, 1u);
}

TEST(ModelCache, ModelLargerThanTheBudgetIsResourceExhausted) {
  CacheFixture f(/*budget=*/500);
  f.Package("big.tar.gz", 1000);
  EXPECT_EQ(f.cache->Acquire("big.tar.gz").status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(f.cache->stats().load_failures, 1u);
}

TEST(ModelCache, FindsPackagesAddedAndReloadsReplacedOnes) {
  CacheFixture f;
  auto none = f.cache->ListPackages();
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  f.Package("new.tar.gz", 10);
  fs::create_directories(f.t.path / "models" / "sub");
  f.Package("sub/deep.tar.gz", 10);
  auto listed = f.cache->ListPackages();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(*listed, (std::vector<std::string>{"new.tar.gz", "sub/deep.tar.gz"}));
  ASSERT_TRUE(f.cache->Acquire("sub/deep.tar.gz").ok());
  ASSERT_TRUE(f.cache->Acquire("new.tar.gz").ok());
  f.Package("new.tar.gz", 2000);  // replaced on disk (new mtime)
  auto again = f.cache->Acquire("new.tar.gz");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->size_bytes(), 2000u);
  EXPECT_EQ(f.runner.loads, 3);
}

TEST(ModelCache, BadPackagesFailToLoad) {
  CacheFixture f;
  WriteEchoPackage(f.t.path / "models" / "broken.tar.gz", "b", R"({"fail_load": "weights corrupt"})");
  auto r = f.cache->Acquire("broken.tar.gz");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("weights corrupt"), std::string::npos);
  ASSERT_TRUE(WriteFileAtomic(f.t.path / "models" / "junk.tar.gz", AsBytes("junk")).ok());
  EXPECT_EQ(f.cache->Acquire("junk.tar.gz").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.cache->stats().load_failures, 2u);
}

TEST(ModelCache, HostilePackagesAreRefusedAndLeaveNothingBehind) {
  CacheFixture f;
  using testing::TarEntry;
  testing::WriteTarGz(f.t.path / "models" / "escape.tar.gz",
                      {{"app.json", "{}"}, {"../../escaped", "x"}});
  testing::WriteTarGz(f.t.path / "models" / "link.tar.gz",
                      {{"app.json", "{}"}, {"l", "", TarEntry::Type::kSymlink, "/etc/passwd"}});
  EXPECT_EQ(f.cache->Acquire("escape.tar.gz").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.cache->Acquire("link.tar.gz").status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(f.t.path / "escaped"));
  EXPECT_FALSE(fs::exists(f.t.path / "unpacked" / "escaped"));
  EXPECT_EQ(f.runner.loads, 0);
}

TEST(ModelCache, ContainerApiStatusCodes) {
  CacheFixture f(/*budget=*/1500);
  f.Package("a.tar.gz", 1000);
  f.Package("b.tar.gz", 1000);
  const std::string a_url = (f.t.path / "models" / "a.tar.gz").string();
  ASSERT_TRUE(f.cache->Load("first", a_url).ok());
  EXPECT_EQ(f.cache->Load("first", a_url).code(), StatusCode::kAlreadyExists);      // 409
  EXPECT_EQ(f.cache->Load("second", "b.tar.gz").code(), StatusCode::kResourceExhausted);  // 507
  EXPECT_EQ(f.cache->Load("x", "/etc").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.cache->Load("x", "missing.tar.gz").code(), StatusCode::kNotFound);
  auto list = f.cache->List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "first");
  EXPECT_TRUE(f.cache->GetLoaded("first").ok());
  ASSERT_TRUE(f.cache->Unload("first").ok());
  EXPECT_EQ(f.cache->Unload("first").code(), StatusCode::kNotFound);  // 404
  EXPECT_EQ(f.cache->Get("first").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(f.cache->Load("second", "b.tar.gz").ok());  // fits now
}

TEST(ModelCache, SingleModelFolderLoadsInPlace) {
  TempDir t;
  ASSERT_TRUE(WriteFileAtomic(t.path / "app.json", AsBytes(R"({"name":"solo"})")).ok());
  EchoRunner runner;
  ModelCache cache(runner, {t.path, t.path / ".." / (t.path.filename().string() + "_u"), 1 << 20, {}});
  EXPECT_TRUE(cache.SingleModelFolder());
  EXPECT_TRUE(cache.Acquire("").ok());
}

}  // namespace
}  // namespace openhi::hosting
