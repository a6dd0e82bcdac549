#include "openhi/hosting/package_unpack.h"

#include <gtest/gtest.h>

#include "openhi/core/file_util.h"
#include "openhi/hosting/internal/test_packages.h"

namespace openhi::hosting {
namespace {

using testing::TarEntry;
using testing::TempDir;
using testing::WriteTarGz;
namespace fs = std::filesystem;

TEST(UnpackModelPackage, ExtractsFilesAndFolders) {
  TempDir t;
  WriteTarGz(t.path / "m.tar.gz", {{"./app.json", "{}"},
                                   {"code", "", TarEntry::Type::kDir},
                                   {"code/app.py", "print(1)"}});
  auto st = UnpackModelPackage(t.path / "m.tar.gz", t.path / "out");
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->files, 2u);
  EXPECT_EQ(st->bytes, 10u);
  auto text = ReadFile(t.path / "out" / "code" / "app.py");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(AsStringView(*text), "print(1)");
}

struct HostileCase {
  const char* name;
  TarEntry entry;
  StatusCode code;
};

TEST(UnpackModelPackage, RefusesUnsafeEntriesAndLeavesNothing) {
  const HostileCase cases[] = {
      {"absolute", {"/etc/evil", "x"}, StatusCode::kInvalidArgument},
      {"dotdot", {"a/../../evil", "x"}, StatusCode::kInvalidArgument},
      {"symlink", {"link", "", TarEntry::Type::kSymlink, "/etc/passwd"}, StatusCode::kInvalidArgument},
      {"hardlink", {"hl", "", TarEntry::Type::kHardlink, "app.json"}, StatusCode::kInvalidArgument},
  };
  for (const HostileCase& c : cases) {
    TempDir t;
    WriteTarGz(t.path / "m.tar.gz", {{"app.json", "{}"}, c.entry});
    auto st = UnpackModelPackage(t.path / "m.tar.gz", t.path / "out");
    EXPECT_EQ(st.status().code(), c.code) << c.name << ": " << st.status().ToString();
    EXPECT_FALSE(fs::exists(t.path / "out")) << c.name;
    EXPECT_FALSE(fs::exists(t.path / "evil")) << c.name;
  }
}

TEST(UnpackModelPackage, EnforcesSizeAndEntryLimits) {
  TempDir t;
  WriteTarGz(t.path / "big.tar.gz", {{"app.json", "{}"}, {"w", std::string(5000, 'z')}});
  UnpackLimits small;
  small.max_file_bytes = 4096;
  EXPECT_EQ(UnpackModelPackage(t.path / "big.tar.gz", t.path / "o1", small).status().code(),
            StatusCode::kResourceExhausted);
  UnpackLimits total;
  total.max_total_bytes = 4000;
  EXPECT_EQ(UnpackModelPackage(t.path / "big.tar.gz", t.path / "o2", total).status().code(),
            StatusCode::kResourceExhausted);
  UnpackLimits entries;
  entries.max_entries = 1;
  EXPECT_EQ(UnpackModelPackage(t.path / "big.tar.gz", t.path / "o3", entries).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_FALSE(fs::exists(t.path / "o1"));
}

TEST(UnpackModelPackage, RejectsNonArchivesAndMissingFiles) {
  TempDir t;
  ASSERT_TRUE(WriteFileAtomic(t.path / "x.tar.gz", AsBytes("this is not a tarball at all")).ok());
  EXPECT_EQ(UnpackModelPackage(t.path / "x.tar.gz", t.path / "o").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(UnpackModelPackage(t.path / "missing.tar.gz", t.path / "o").status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace openhi::hosting
