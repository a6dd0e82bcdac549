#include "openhi/objstore/file_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace openhi::objstore {
namespace {
namespace fs = std::filesystem;

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("openhi_fs_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    store_ = NewFileStore(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(FileStoreTest, PutGetListDelete) {
  ASSERT_TRUE(store_->Put("a/b/c.bin", AsBytes("hello")).ok());
  ASSERT_TRUE(store_->Put("a/d.bin", AsBytes("x")).ok());
  ASSERT_TRUE(store_->Sync().ok());
  EXPECT_EQ(AsStringView(*store_->Get("a/b/c.bin")), "hello");
  EXPECT_EQ(store_->Head("a/b/c.bin")->size, 5u);
  auto list = store_->List("a/");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].key, "a/b/c.bin");
  ASSERT_TRUE(store_->Delete("a/b/c.bin").ok());
  EXPECT_EQ(store_->Get("a/b/c.bin").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->Delete("a/b/c.bin").ok());  // idempotent
}

TEST_F(FileStoreTest, RejectsKeysThatEscapeTheRoot) {
  for (const char* k : {"../x", "a/../../x", "/etc/passwd", "a//b", "", "a/./b", "a\\b"}) {
    EXPECT_EQ(store_->Put(k, AsBytes("x")).code(), StatusCode::kInvalidArgument) << k;
    EXPECT_EQ(store_->Get(k).status().code(), StatusCode::kInvalidArgument) << k;
  }
}

// A process killed inside Put leaves WriteFileAtomic's temporary file: invisible to List, and
// removed by RemoveIncompleteWrites under its prefix only.
TEST_F(FileStoreTest, RemoveIncompleteWritesDropsOnlyLeftoversUnderThePrefix) {
  ASSERT_TRUE(store_->Put("job/1/frame.htj2k", AsBytes("kept")).ok());
  ASSERT_TRUE(store_->Put("other/frame.htj2k", AsBytes("kept")).ok());
  for (const char* leftover : {"job/1/frame2.htj2k.tmp-1a2b3c4d", "other/x.tmp-99999999"}) {
    fs::create_directories((root_ / leftover).parent_path());
    std::ofstream(root_ / leftover) << "half a frame";
  }
  EXPECT_EQ(store_->List("job/")->size(), 1u);
  auto removed = store_->RemoveIncompleteWrites("job/");
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 1u);
  EXPECT_FALSE(fs::exists(root_ / "job/1/frame2.htj2k.tmp-1a2b3c4d"));
  EXPECT_TRUE(fs::exists(root_ / "other/x.tmp-99999999"));
  EXPECT_EQ(AsStringView(*store_->Get("job/1/frame.htj2k")), "kept");
  EXPECT_EQ(*store_->RemoveIncompleteWrites("job/"), 0u);
}

TEST(OpenLocation, AcceptsFileUrisAndPlainPaths) {
  auto a = OpenLocation("file:///tmp/x/");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->uri, "file:///tmp/x/");
  auto b = OpenLocation("/tmp/x");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->uri, "file:///tmp/x/");
  EXPECT_EQ(OpenLocation("file://relative").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenLocation("ftp://h/x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenLocation("s3://bucket/p/").status().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace openhi::objstore
