#pragma once
// LargeBufferAllocator: a std::allocator replacement for big numeric buffers (volumes, masks,
// model tensors kept in vectors). Allocations of at least 2 MiB are 2 MiB-aligned and marked
// MADV_HUGEPAGE, so the kernel backs them with transparent huge pages: first-touch page faults
// drop 512-fold. On the virtual machines openhi runs on, faulting in a fresh 315 MB volume with
// 4 KiB pages takes ~1.5 s, with huge pages ~0.05 s (bench/README.md, retrieval). Smaller
// allocations behave like std::allocator. Stateless: any two instances compare equal.
//
// Value-initialisation is default-initialisation: `LargeVector<float> v(n)` and `v.resize(n)`
// leave trivially constructible elements UNINITIALISED (like `new float[n]`), so a buffer that
// is about to be overwritten is never written twice. Use `assign(n, value)` or `v(n, value)` for
// a filled buffer.
//
// Thread safety: as std::allocator.
#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace openhi {

template <typename T>
struct LargeBufferAllocator {
  using value_type = T;
  static constexpr size_t kHugePage = size_t{2} << 20;

  LargeBufferAllocator() noexcept = default;
  template <typename U>
  LargeBufferAllocator(const LargeBufferAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    if (n > size_t(-1) / sizeof(T)) throw std::bad_array_new_length();
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return static_cast<T*>(::operator new(bytes, std::align_val_t{alignof(T)}));
    const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    ::madvise(p, rounded, MADV_HUGEPAGE);  // advisory: failure only costs speed
#endif
    return static_cast<T*>(p);
  }

  void deallocate(T* p, size_t n) noexcept {
    if (n * sizeof(T) < kHugePage) {
      ::operator delete(p, std::align_val_t{alignof(T)});
    } else {
      std::free(p);
    }
  }

  // Default-initialise instead of value-initialise (see above); other forms as usual.
  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

  template <typename U>
  bool operator==(const LargeBufferAllocator<U>&) const noexcept {
    return true;
  }
};

// A vector whose large buffers live on huge pages (see above).
template <typename T>
using LargeVector = std::vector<T, LargeBufferAllocator<T>>;

}  // namespace openhi
