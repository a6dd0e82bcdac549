#include "openhi/core/heap_policy.h"

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#endif

#include "openhi/core/logging.h"

namespace openhi {

bool HeapRetentionRequested(const char* env_value) {
  if (env_value == nullptr) return true;
  const std::string v(env_value);
  return !(v == "0" || v == "false" || v == "off");
}

size_t HeapReserveBytes(const char* env_value) {
  constexpr size_t kDefaultMiB = 1536;
  if (env_value == nullptr || *env_value == '\0') return kDefaultMiB << 20;
  char* end = nullptr;
  const unsigned long long mib = std::strtoull(env_value, &end, 10);
  if (end == env_value || *end != '\0' || mib > (size_t{1} << 20)) return kDefaultMiB << 20;
  return static_cast<size_t>(mib) << 20;
}

namespace {

#if defined(__GLIBC__)
// Grows the heap by `bytes` of untouched address space, advises transparent huge pages for it
// and frees it again: the freed block stays in the heap (the trim threshold is above it), so
// the run's large buffers are carved out of it and fault in 2 MiB at a time instead of 4 KiB.
// What GLIBC_TUNABLES=glibc.malloc.hugetlb=1 does for every heap extension, for this one
// region. Costs address space only until the memory is used. Best effort.
void ReserveHugePageHeap(size_t bytes) {
  if (bytes == 0) return;
  void* block = std::malloc(bytes);
  if (block == nullptr) {
    LogWarn("heap.reserve_failed bytes=" + std::to_string(bytes));
    return;
  }
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;  // x86-64 transparent huge page
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(block) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(block) + bytes) & ~(kHuge - 1);
  if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  std::free(block);
}
#else
void ReserveHugePageHeap(size_t) {}
#endif

}  // namespace

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
  ReserveHugePageHeap(HeapReserveBytes(std::getenv("OPENHI_HEAP_RESERVE_MB")));
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
