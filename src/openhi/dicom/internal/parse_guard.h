#pragma once
// Guards that keep DCMTK's recursive parser (and recursive destructors) from exhausting the
// stack on hostile input: DCMTK recurses once per nested sequence/item and has no depth limit;
// about 5,500 nested sequences overflow an 8 MiB stack. Thread-safe.
#include <cstddef>
#include <cstdint>
#include <functional>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"

namespace openhi::dicom::internal {

// Counts item headers (FFFE,E000) in a byte stream fed in pieces: the byte patterns
// FE FF 00 E0 (little-endian) and FF FE E0 00 (big-endian), also across piece boundaries.
class ItemHeaderCounter {
 public:
  explicit ItemHeaderCounter(uint64_t limit) : limit_(limit) {}

  // Feeds the next piece. Returns false once the count exceeds the limit (counting stops).
  bool Feed(const unsigned char* data, size_t size);

  // The count, or limit + 1 when it was exceeded.
  uint64_t count() const { return count_ <= limit_ ? count_ : limit_ + 1; }

 private:
  // Counts the patterns of p[0, n) that start before `max_start`.
  void Scan(const unsigned char* p, size_t n, size_t max_start);

  uint64_t limit_;
  uint64_t count_ = 0;
  unsigned char tail_[3] = {};  // last bytes of the previous piece
  size_t tail_size_ = 0;
};

// An upper bound on the nesting depth DCMTK can reach while reading `p10`: the number of item
// headers (FFFE,E000) in the encoded bytes, little- or big-endian. For Deflated Explicit VR
// Little Endian the inflated dataset is scanned. Counting stops once the count exceeds `limit`
// (the result is then limit + 1). Fails with kInvalidArgument on a corrupt deflate stream and
// kResourceExhausted when the dataset inflates to more than 4 GiB.
Result<uint64_t> CountItemHeaders(ByteView p10, uint64_t limit);

// Runs `fn` to completion on a new thread whose stack is `stack_bytes` (reserved virtual
// memory; pages are committed only when touched). kResourceExhausted when the thread cannot be
// created. Exceptions must not escape `fn`.
Status RunWithStack(size_t stack_bytes, const std::function<void()>& fn);

}  // namespace openhi::dicom::internal
