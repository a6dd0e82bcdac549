#pragma once
// Resource IDs: 32 lower-case hex characters (random 128 bits), as AHI uses for datastores,
// image sets, jobs and frames. Thread-safe.
#include <string>
#include <string_view>

namespace openhi {

// Returns a fresh random ID from the OS random source.
std::string NewId();

// True when `id` is exactly 32 characters of [0-9a-f]. Every ID that reaches the catalog or the
// filesystem has passed this check.
bool IsValidId(std::string_view id);

}  // namespace openhi
