#include "openhi/core/heap_policy.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace openhi {
namespace {

TEST(HeapPolicy, RetentionIsTheDefaultAndCanBeTurnedOff) {
  EXPECT_TRUE(HeapRetentionRequested(nullptr));
  EXPECT_TRUE(HeapRetentionRequested("1"));
  EXPECT_TRUE(HeapRetentionRequested(""));
  EXPECT_FALSE(HeapRetentionRequested("0"));
  EXPECT_FALSE(HeapRetentionRequested("false"));
  EXPECT_FALSE(HeapRetentionRequested("off"));
}

#if defined(__GLIBC__)
// A 64 MiB block (twice glibc's largest mmap threshold) must come from the heap and stay there
// once freed, so that the next one reuses mapped pages.
TEST(HeapPolicy, LargeBlocksStayInTheHeapOnceFreed) {
  unsetenv("OPENHI_HEAP_RETAIN");
  ASSERT_EQ(RetainFreedHeapMemory(), HeapPolicy::kRetain);
  constexpr size_t kBytes = size_t{64} << 20;
  const size_t mmapped_before = mallinfo2().hblkhd;
  void* block = std::malloc(kBytes);
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, kBytes);
  EXPECT_EQ(mallinfo2().hblkhd, mmapped_before) << "the block was mmapped";
  std::free(block);
  EXPECT_GE(mallinfo2().fordblks, kBytes) << "the freed block went back to the kernel";
  void* again = std::malloc(kBytes);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(mallinfo2().hblkhd, mmapped_before);
  std::free(again);
}
#endif

TEST(HeapPolicy, ReserveSizeComesFromTheEnvironment) {
  EXPECT_EQ(HeapReserveBytes(nullptr), size_t{1536} << 20);
  EXPECT_EQ(HeapReserveBytes(""), size_t{1536} << 20);
  EXPECT_EQ(HeapReserveBytes("0"), 0u);
  EXPECT_EQ(HeapReserveBytes("64"), size_t{64} << 20);
  EXPECT_EQ(HeapReserveBytes("lots"), size_t{1536} << 20);
}

#if defined(__GLIBC__)
// The reserve is freed memory kept in the heap and advised for transparent huge pages ("hg" in
// the VmFlags of /proc/self/smaps).
TEST(HeapPolicy, ReserveIsKeptAndAdvisedForHugePages) {
  unsetenv("OPENHI_HEAP_RETAIN");
  setenv("OPENHI_HEAP_RESERVE_MB", "64", 1);
  ASSERT_EQ(RetainFreedHeapMemory(), HeapPolicy::kRetain);
  unsetenv("OPENHI_HEAP_RESERVE_MB");
  EXPECT_GE(mallinfo2().fordblks, size_t{60} << 20);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool advised = false;
  while (std::getline(smaps, line)) {
    if (line.rfind("VmFlags:", 0) == 0 && line.find(" hg") != std::string::npos) advised = true;
  }
  EXPECT_TRUE(advised) << "no mapping advised MADV_HUGEPAGE";
}
#endif

TEST(HeapPolicy, OptOutLeavesTheSystemPolicy) {
  setenv("OPENHI_HEAP_RETAIN", "0", 1);
  EXPECT_EQ(RetainFreedHeapMemory(), HeapPolicy::kSystemDefault);
  unsetenv("OPENHI_HEAP_RETAIN");
  EXPECT_EQ(HeapPolicyName(HeapPolicy::kRetain), "retain");
}

}  // namespace
}  // namespace openhi
