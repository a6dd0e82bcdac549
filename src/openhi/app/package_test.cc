#include "openhi/app/package.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace openhi::app {
namespace {

namespace fs = std::filesystem;

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteText(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// One entry of a hand-crafted archive.
struct Entry {
  std::string name;
  mode_t type = AE_IFREG;
  std::string content;
  std::string link;      // symlink target
  std::string hardlink;  // hard link target
};

// Writes `entries` as a tar.gz with libarchive, exactly as given (no sanitising).
void WriteTarGz(const fs::path& path, const std::vector<Entry>& entries) {
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const Entry& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    archive_entry_set_filetype(entry, e.type);
    archive_entry_set_perm(entry, 0644);
    if (!e.link.empty()) archive_entry_set_symlink(entry, e.link.c_str());
    if (!e.hardlink.empty()) archive_entry_set_hardlink(entry, e.hardlink.c_str());
    if (e.type == AE_IFCHR) archive_entry_set_rdev(entry, makedev(1, 3));
    archive_entry_set_size(entry, e.type == AE_IFREG && e.hardlink.empty() ? e.content.size() : 0);
    ASSERT_EQ(archive_write_header(a, entry), ARCHIVE_OK) << archive_error_string(a);
    if (!e.content.empty() && e.type == AE_IFREG && e.hardlink.empty()) {
      archive_write_data(a, e.content.data(), e.content.size());
    }
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
}

class PackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("openhi_package_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Unpacks a crafted archive into a fresh folder; checks that it fails with `code`, that the
  // destination is gone again and that nothing appeared next to it.
  void ExpectRejected(const std::vector<Entry>& entries, StatusCode code,
                      const std::string& message_part, const PackageLimits& limits = {}) {
    const fs::path box = dir_ / ("box" + std::to_string(counter_++));
    fs::create_directories(box);
    WriteTarGz(box / "p.tar.gz", entries);
    auto r = UnpackPackage(box / "p.tar.gz", box / "sub" / "dest", limits);
    EXPECT_EQ(r.status().code(), code) << r.status().ToString();
    EXPECT_NE(r.status().message().find(message_part), std::string::npos) << r.status().message();
    EXPECT_FALSE(fs::exists(box / "sub" / "dest"));
    std::vector<std::string> left;
    for (const auto& e : fs::recursive_directory_iterator(box)) left.push_back(e.path().string());
    EXPECT_EQ(left,
              (std::vector<std::string>{(box / "p.tar.gz").string(), (box / "sub").string()}));
    EXPECT_FALSE(fs::exists(dir_ / "evil"));
    EXPECT_FALSE(fs::exists("/tmp/openhi_package_test_evil"));
  }

  static inline int counter_ = 0;
  fs::path dir_;
};

TEST_F(PackageTest, CreateAndUnpackRoundTrip) {
  WriteText(dir_ / "app" / "app.json", R"({"name": "demo", "version": "1.2", "operators": []})");
  WriteText(dir_ / "app" / "README.md", "read me");
  WriteText(dir_ / "app" / "docs" / "notes.txt", "notes");
  WriteText(dir_ / "model" / "model.ts", std::string(3 << 20, 'w'));  // > one 1 MiB chunk
  WriteText(dir_ / "model" / "extra" / "labels.json", "{}");
  ASSERT_TRUE(CreatePackage(dir_ / "app", dir_ / "model", dir_ / "out" / "model.tar.gz").ok());
  ASSERT_TRUE(CreatePackage(dir_ / "app", dir_ / "model", dir_ / "again.tar.gz").ok());
  EXPECT_EQ(ReadText(dir_ / "out" / "model.tar.gz"), ReadText(dir_ / "again.tar.gz"))
      << "packages of the same inputs differ";

  auto unpacked = UnpackPackage(dir_ / "out" / "model.tar.gz", dir_ / "unpacked");
  ASSERT_TRUE(unpacked.ok()) << unpacked.status().ToString();
  EXPECT_EQ(unpacked->entries, 5u);
  uintmax_t source_bytes = 0;
  for (const char* sub : {"app", "model"}) {
    for (const auto& e : fs::recursive_directory_iterator(dir_ / sub)) {
      if (e.is_regular_file()) source_bytes += e.file_size();
    }
  }
  EXPECT_EQ(unpacked->total_bytes, source_bytes);
  EXPECT_EQ(unpacked->info.name, "demo");
  EXPECT_EQ(unpacked->info.version, "1.2");
  EXPECT_EQ(unpacked->info.model_path, dir_ / "unpacked" / "models");
  EXPECT_EQ(ReadText(dir_ / "unpacked" / "models" / "model.ts"), std::string(3 << 20, 'w'));
  EXPECT_EQ(ReadText(dir_ / "unpacked" / "models" / "extra" / "labels.json"), "{}");
  EXPECT_EQ(ReadText(dir_ / "unpacked" / "docs" / "notes.txt"), "notes");
  EXPECT_EQ(ReadText(dir_ / "unpacked" / "README.md"), "read me");

  // A single model file goes to models/<name>; the tool's `tar` lists the same layout.
  ASSERT_TRUE(CreatePackage(dir_ / "app", dir_ / "model" / "model.ts", dir_ / "one.tar.gz").ok());
  auto one = UnpackPackage(dir_ / "one.tar.gz", dir_ / "one");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_TRUE(fs::is_regular_file(dir_ / "one" / "models" / "model.ts"));
  EXPECT_FALSE(fs::exists(dir_ / "one" / "models" / "extra"));
}

TEST_F(PackageTest, CreateRejectsMissingOrBadInputs) {
  EXPECT_EQ(CreatePackage(dir_ / "none", {}, dir_ / "x.tar.gz").code(), StatusCode::kNotFound);
  WriteText(dir_ / "app" / "app.json", "[1, 2]");
  EXPECT_EQ(CreatePackage(dir_ / "app", {}, dir_ / "x.tar.gz").code(),
            StatusCode::kInvalidArgument);
  WriteText(dir_ / "app" / "app.json", "{}");
  EXPECT_EQ(CreatePackage(dir_ / "app", dir_ / "no_model", dir_ / "x.tar.gz").code(),
            StatusCode::kNotFound);
  WriteText(dir_ / "app" / "models" / "model.ts", "a");
  WriteText(dir_ / "model" / "model.ts", "b");
  Status twice = CreatePackage(dir_ / "app", dir_ / "model", dir_ / "x.tar.gz");
  EXPECT_EQ(twice.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(twice.message().find("models/model.ts"), std::string::npos) << twice.message();
  EXPECT_FALSE(fs::exists(dir_ / "x.tar.gz"));
}

TEST_F(PackageTest, AcceptsTheWorkshopLayoutWithModelTsAtTheRoot) {
  WriteTarGz(
      dir_ / "p.tar.gz",
      {{"./", AE_IFDIR}, {"./app.json", AE_IFREG, "{}"}, {"./model.ts", AE_IFREG, "weights"}});
  auto r = UnpackPackage(dir_ / "p.tar.gz", dir_ / "dest");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->info.model_path, dir_ / "dest" / "model.ts");
  EXPECT_EQ(r->info.name, "");
}

TEST_F(PackageTest, RejectsUnsafeEntries) {
  const Entry app{"app.json", AE_IFREG, "{}"};
  ExpectRejected({app, {"/tmp/openhi_package_test_evil", AE_IFREG, "x"}},
                 StatusCode::kInvalidArgument, "absolute path");
  ExpectRejected({app, {"../evil", AE_IFREG, "x"}}, StatusCode::kInvalidArgument, "'..'");
  ExpectRejected({app, {"a/../../../evil", AE_IFREG, "x"}}, StatusCode::kInvalidArgument, "'..'");
  ExpectRejected({app, {"link", AE_IFLNK, "", "/etc"}, {"link/passwd", AE_IFREG, "x"}},
                 StatusCode::kInvalidArgument, "symbolic link");
  ExpectRejected({app, {"inside", AE_IFLNK, "", "app.json"}}, StatusCode::kInvalidArgument,
                 "symbolic link");
  ExpectRejected({app, {"hard", AE_IFREG, "", "", "/etc/passwd"}}, StatusCode::kInvalidArgument,
                 "hard link");
  ExpectRejected({app, {"null", AE_IFCHR}}, StatusCode::kInvalidArgument, "character device");
  ExpectRejected({app, {"fifo", AE_IFIFO}}, StatusCode::kInvalidArgument, "FIFO");
  ExpectRejected({app, {"app.json", AE_IFREG, "{\"again\": 1}"}}, StatusCode::kInvalidArgument,
                 "occurs twice");
  ExpectRejected({app, {"app.json/x", AE_IFREG, "x"}}, StatusCode::kInvalidArgument, "app.json/x");
  ExpectRejected({{"README.md", AE_IFREG, "no app"}}, StatusCode::kInvalidArgument, "no app.json");

  PackageLimits depth;
  depth.max_depth = 3;
  ExpectRejected({app, {"a/b/c/d", AE_IFREG, "x"}}, StatusCode::kInvalidArgument, "deeper", depth);
  PackageLimits length;
  length.max_path_length = 20;
  ExpectRejected({app, {std::string(21, 'n'), AE_IFREG, "x"}}, StatusCode::kInvalidArgument,
                 "longer", length);
}

TEST_F(PackageTest, CapsEntriesAndUnpackedBytes) {
  const Entry app{"app.json", AE_IFREG, "{}"};
  PackageLimits entries;
  entries.max_entries = 3;
  ExpectRejected({app, {"a", AE_IFREG, "1"}, {"d", AE_IFDIR}, {"b", AE_IFREG, "2"}},
                 StatusCode::kResourceExhausted, "entries", entries);
  PackageLimits bytes;
  bytes.max_total_bytes = 1000;
  // A well-compressible "bomb": 2000 zero bytes in a tiny archive.
  ExpectRejected({app, {"zeros", AE_IFREG, std::string(2000, '\0')}},
                 StatusCode::kResourceExhausted, "bytes", bytes);
  // Many files each under the cap, together over it.
  ExpectRejected(
      {app, {"a", AE_IFREG, std::string(600, 'a')}, {"b", AE_IFREG, std::string(600, 'b')}},
      StatusCode::kResourceExhausted, "bytes", bytes);
}

TEST_F(PackageTest, RejectsNonArchivesAndBusyDestinations) {
  WriteText(dir_ / "junk.tar.gz", "this is not an archive at all");
  auto junk = UnpackPackage(dir_ / "junk.tar.gz", dir_ / "dest");
  EXPECT_EQ(junk.status().code(), StatusCode::kInvalidArgument) << junk.status().ToString();
  EXPECT_FALSE(fs::exists(dir_ / "dest"));
  // A truncated archive.
  WriteTarGz(dir_ / "good.tar.gz",
             {{"app.json", AE_IFREG, "{}"}, {"big", AE_IFREG, std::string(100000, 'q')}});
  std::string bytes = ReadText(dir_ / "good.tar.gz");
  WriteText(dir_ / "cut.tar.gz", bytes.substr(0, bytes.size() / 2));
  auto cut = UnpackPackage(dir_ / "cut.tar.gz", dir_ / "dest");
  EXPECT_EQ(cut.status().code(), StatusCode::kInvalidArgument) << cut.status().ToString();
  EXPECT_FALSE(fs::exists(dir_ / "dest"));

  EXPECT_EQ(UnpackPackage(dir_ / "missing.tar.gz", dir_ / "dest").status().code(),
            StatusCode::kNotFound);
  WriteText(dir_ / "busy" / "file", "x");
  EXPECT_EQ(UnpackPackage(dir_ / "good.tar.gz", dir_ / "busy").status().code(),
            StatusCode::kFailedPrecondition);
  // An existing empty destination is used, and emptied again on failure.
  fs::create_directories(dir_ / "empty");
  WriteTarGz(dir_ / "bad.tar.gz", {{"app.json", AE_IFREG, "{}"}, {"../x", AE_IFREG, "x"}});
  EXPECT_FALSE(UnpackPackage(dir_ / "bad.tar.gz", dir_ / "empty").ok());
  EXPECT_TRUE(fs::is_directory(dir_ / "empty"));
  EXPECT_TRUE(fs::is_empty(dir_ / "empty"));
  EXPECT_TRUE(UnpackPackage(dir_ / "good.tar.gz", dir_ / "empty").ok());
}

TEST(InspectPackage, ReportsMissingAndMalformedPackages) {
  EXPECT_EQ(InspectPackage("/nonexistent/openhi").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace openhi::app
