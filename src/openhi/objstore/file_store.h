#pragma once
// FileStore: an ObjectStore over a local folder. Key "a/b" is file <root>/a/b.
// Put writes a temporary file and renames it (atomic replace); Sync() calls syncfs(2) once for
// the whole filesystem, so a batch of Puts costs one flush. Thread-safe.
#include <filesystem>
#include <memory>

#include "openhi/objstore/object_store.h"

namespace openhi::objstore {

std::unique_ptr<ObjectStore> NewFileStore(const std::filesystem::path& root);

}  // namespace openhi::objstore
