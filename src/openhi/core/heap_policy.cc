#include "openhi/core/heap_policy.h"

#include <climits>
#include <cstdlib>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "openhi/core/logging.h"

namespace openhi {

bool HeapRetentionRequested(const char* env_value) {
  if (env_value == nullptr) return true;
  const std::string v(env_value);
  return !(v == "0" || v == "false" || v == "off");
}

HeapPolicy RetainFreedHeapMemory() {
  if (!HeapRetentionRequested(std::getenv("OPENHI_HEAP_RETAIN"))) {
    return HeapPolicy::kSystemDefault;
  }
#if defined(__GLIBC__)
  // Large blocks come from the heap (never a private mmap that free would unmap), and the top
  // of the heap is never trimmed below 2 GiB of free space (mallopt takes an int).
  const bool ok = mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, INT_MAX) == 1;
  if (!ok) {
    LogWarn("heap.retain_failed mallopt refused; the C library's heap policy stays");
    return HeapPolicy::kSystemDefault;
  }
  return HeapPolicy::kRetain;
#else
  return HeapPolicy::kSystemDefault;
#endif
}

std::string_view HeapPolicyName(HeapPolicy policy) {
  switch (policy) {
    case HeapPolicy::kRetain: return "retain";
    case HeapPolicy::kSystemDefault: return "system-default";
  }
  return "unknown";
}

}  // namespace openhi
