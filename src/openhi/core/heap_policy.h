#pragma once
// Process-wide heap policy for programs that allocate and free the same large buffers over and
// over: the TorchScript forward passes of a sliding window (activations of 50-230 MB per batch),
// resampled volumes, probability maps.
//
// With glibc's defaults every allocation above the mmap threshold (at most 32 MiB) is a fresh
// mmap, and every free gives it back; the next allocation then faults in zeroed pages again, one
// 4 KiB page at a time. On the VMs here those page faults, not arithmetic, were most of the
// UNet's time: 386-566 ms per 96^3 window against 93-101 ms with the heap kept (bench/README.md,
// "bench/app"). RetainFreedHeapMemory() keeps freed memory in the heap for reuse instead.
//
// Cost: resident memory stays at the process's high-water mark (the spleen app: ~1.2 GiB) until
// it exits. Meant for app runners (`openhi run`, `openhi endpoint`), not for library callers:
// call it once, early in main. Thread-safe (mallopt takes the allocator's locks), but it only
// affects allocations made after it.
#include <cstddef>
#include <string_view>

namespace openhi {

// What RetainFreedHeapMemory did.
enum class HeapPolicy {
  kRetain,          // freed memory stays in the heap; no mmap for large blocks
  kSystemDefault,   // left as the C library set it (opted out, or not glibc)
};

// True unless `env_value` (the value of OPENHI_HEAP_RETAIN, nullptr when unset) is "0", "false"
// or "off": retention is the default for app runners.
bool HeapRetentionRequested(const char* env_value);

// The heap reserve for OPENHI_HEAP_RESERVE_MB (`env_value`, nullptr when unset): that many MiB,
// 0 for none; 1536 MiB when unset or not a number (the spleen app peaks at ~1.2 GiB).
size_t HeapReserveBytes(const char* env_value);

// Applies the policy chosen by OPENHI_HEAP_RETAIN (see HeapRetentionRequested) and returns it.
// With retention it also reserves HeapReserveBytes(OPENHI_HEAP_RESERVE_MB) of address space at
// the top of the heap, advised for transparent huge pages (madvise MADV_HUGEPAGE), so that the
// first pass over large buffers faults 2 MiB pages rather than 4 KiB ones. The reserve costs no
// memory until used. Call it from the main thread (the main arena is the one reserved).
HeapPolicy RetainFreedHeapMemory();

std::string_view HeapPolicyName(HeapPolicy policy);

}  // namespace openhi
