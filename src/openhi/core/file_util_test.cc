#include "openhi/core/file_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace openhi {
namespace {

namespace fs = std::filesystem;

class FileUtilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("openhi_file_util_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  size_t EntriesIn(const fs::path& d) {
    size_t n = 0;
    for (auto it = fs::directory_iterator(d); it != fs::directory_iterator(); ++it) ++n;
    return n;
  }
  std::string Read(const fs::path& p) {
    auto b = ReadFile(p);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? std::string(AsStringView(*b)) : std::string();
  }

  fs::path dir_;
};

TEST_F(FileUtilTest, StreamedWriteAppearsOnlyOnCommit) {
  const fs::path target = dir_ / "sub" / "result.bin";
  ASSERT_TRUE(WriteFileAtomic(target, AsBytes("old")).ok());
  for (Durability d : {Durability::kNone, Durability::kStartWriteback, Durability::kFsync}) {
    auto writer = AtomicFileWriter::Create(target, d);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    ASSERT_TRUE(writer->Append(AsBytes("new ")).ok());
    ASSERT_TRUE(writer->Append(AsBytes("")).ok());
    ASSERT_TRUE(writer->Append(AsBytes("content")).ok());
    EXPECT_EQ(Read(target), "old");  // not yet committed
    ASSERT_TRUE(writer->Commit().ok());
    EXPECT_EQ(Read(target), "new content");
    EXPECT_EQ(writer->Commit().code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(writer->Append(AsBytes("x")).code(), StatusCode::kFailedPrecondition);
    ASSERT_TRUE(WriteFileAtomic(target, AsBytes("old")).ok());
  }
  EXPECT_EQ(EntriesIn(target.parent_path()), 1u);  // no temporary file left
}

TEST_F(FileUtilTest, AnAbandonedWriterLeavesTheOldFileAndNoTemporary) {
  const fs::path target = dir_ / "result.bin";
  ASSERT_TRUE(WriteFileAtomic(target, AsBytes("keep me")).ok());
  {
    auto writer = AtomicFileWriter::Create(target);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->Append(AsBytes("half a file")).ok());
    AtomicFileWriter moved(std::move(*writer));  // the moved-from writer owns nothing
    EXPECT_EQ(EntriesIn(dir_), 2u);
  }
  EXPECT_EQ(Read(target), "keep me");
  EXPECT_EQ(EntriesIn(dir_), 1u);
}

TEST_F(FileUtilTest, CreateFailsWhereNothingCanBeWritten) {
  fs::create_directories(dir_);
  ASSERT_TRUE(WriteFileAtomic(dir_ / "file", AsBytes("x")).ok());
  // A parent that is a regular file.
  EXPECT_FALSE(AtomicFileWriter::Create(dir_ / "file" / "child").ok());
  EXPECT_FALSE(WriteFileAtomic(dir_ / "file" / "child", AsBytes("y")).ok());
}

}  // namespace
}  // namespace openhi
