#include "openhi/hosting/internal/test_packages.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdlib>
#include <cstdio>

#include "openhi/core/ids.h"

namespace openhi::hosting::testing {

void WriteTarGz(const std::filesystem::path& out, const std::vector<TarEntry>& entries) {
  archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  if (archive_write_open_filename(a, out.c_str()) != ARCHIVE_OK) {
    std::fprintf(stderr, "cannot write %s\n", out.c_str());
    std::abort();
  }
  for (const TarEntry& e : entries) {
    archive_entry* en = archive_entry_new();
    archive_entry_set_pathname(en, e.path.c_str());
    archive_entry_set_perm(en, 0644);
    switch (e.type) {
      case TarEntry::Type::kFile:
        archive_entry_set_filetype(en, AE_IFREG);
        archive_entry_set_size(en, static_cast<la_int64_t>(e.content.size()));
        break;
      case TarEntry::Type::kDir: archive_entry_set_filetype(en, AE_IFDIR); break;
      case TarEntry::Type::kSymlink:
        archive_entry_set_filetype(en, AE_IFLNK);
        archive_entry_set_symlink(en, e.link_target.c_str());
        break;
      case TarEntry::Type::kHardlink:
        archive_entry_set_filetype(en, AE_IFREG);
        archive_entry_set_hardlink(en, e.link_target.c_str());
        break;
    }
    archive_write_header(a, en);
    if (e.type == TarEntry::Type::kFile && !e.content.empty()) {
      archive_write_data(a, e.content.data(), e.content.size());
    }
    archive_entry_free(en);
  }
  archive_write_close(a);
  archive_write_free(a);
}

void WriteEchoPackage(const std::filesystem::path& out, const std::string& name,
                      const std::string& echo_json) {
  WriteTarGz(out, {{"app.json", "{\"name\": \"" + name + "\", \"echo\": " + echo_json + "}"},
                   {"model.ts", std::string(1000, 'w')}});
}

TempDir::TempDir() {
  path = std::filesystem::temp_directory_path() / ("openhi_hosting_" + NewId());
  std::filesystem::create_directories(path);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

}  // namespace openhi::hosting::testing
