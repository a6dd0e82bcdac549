#include "openhi/dicom/internal/parse_guard.h"

#include <pthread.h>
#include <zlib.h>

#include <cstring>
#include <string_view>

namespace openhi::dicom::internal {
namespace {

constexpr std::string_view kDeflateUid = "1.2.840.10008.1.2.1.99";
constexpr uint64_t kMaxInflatedBytes = uint64_t{4} << 30;

// Offset of the dataset after the file meta group (explicit VR little endian with a group
// length), or 0 when it cannot be located.
size_t DatasetOffset(const unsigned char* p, size_t n) {
  size_t at = 0;
  if (n >= 132 && std::memcmp(p + 128, "DICM", 4) == 0) at = 132;
  if (at + 12 > n || p[at] != 0x02 || p[at + 1] != 0x00 || p[at + 2] != 0x00 || p[at + 3] != 0x00 ||
      p[at + 4] != 'U' || p[at + 5] != 'L') {
    return 0;
  }
  uint32_t group_length;
  std::memcpy(&group_length, p + at + 8, 4);
  const uint64_t end = uint64_t{at} + 12 + group_length;
  return end <= n ? static_cast<size_t>(end) : 0;
}

bool LooksDeflated(const unsigned char* p, size_t n, size_t dataset_offset) {
  const size_t meta_end = dataset_offset > 0 ? dataset_offset : (n < 4096 ? n : 4096);
  const std::string_view meta(reinterpret_cast<const char*>(p), meta_end);
  return meta.find(kDeflateUid) != std::string_view::npos;
}

struct ThreadCall {
  const std::function<void()>* fn;
};

void* ThreadMain(void* arg) {
  (*static_cast<ThreadCall*>(arg)->fn)();
  return nullptr;
}

}  // namespace

bool ItemHeaderCounter::Feed(const unsigned char* data, size_t size) {
  if (tail_size_ > 0) {  // patterns that start in the previous piece and end in this one
    unsigned char joined[6];
    const size_t take = size < 3 ? size : 3;
    std::memcpy(joined, tail_, tail_size_);
    std::memcpy(joined + tail_size_, data, take);
    Scan(joined, tail_size_ + take, tail_size_);
  }
  Scan(data, size, size);
  unsigned char last[6];
  std::memcpy(last, tail_, tail_size_);
  const size_t take = size < 3 ? size : 3;
  std::memcpy(last + tail_size_, data + size - take, take);
  const size_t total = tail_size_ + take;
  tail_size_ = total < 3 ? total : 3;
  std::memcpy(tail_, last + total - tail_size_, tail_size_);
  return count_ <= limit_;
}

void ItemHeaderCounter::Scan(const unsigned char* p, size_t n, size_t max_start) {
  const size_t end = max_start + 1 < n ? max_start + 1 : n;  // FE sits at most 1 past a start
  size_t k = 0;
  while (k < end && count_ <= limit_) {
    const void* hit = std::memchr(p + k, 0xFE, end - k);
    if (hit == nullptr) break;
    k = static_cast<size_t>(static_cast<const unsigned char*>(hit) - p);
    if (k < max_start && k + 3 < n && p[k + 1] == 0xFF && p[k + 2] == 0x00 && p[k + 3] == 0xE0) {
      ++count_;
    }
    if (k >= 1 && k - 1 < max_start && k + 2 < n && p[k - 1] == 0xFF && p[k + 1] == 0xE0 &&
        p[k + 2] == 0x00) {
      ++count_;
    }
    ++k;
  }
}

Result<uint64_t> CountItemHeaders(ByteView p10, uint64_t limit) {
  const auto* p = reinterpret_cast<const unsigned char*>(p10.data());
  const size_t n = p10.size();
  const size_t dataset_offset = DatasetOffset(p, n);
  ItemHeaderCounter counter(limit);
  if (!LooksDeflated(p, n, dataset_offset)) {
    counter.Feed(p, n);
    return counter.count();
  }
  // Meta group as stored, then the inflated dataset (raw deflate, RFC 1951).
  if (!counter.Feed(p, dataset_offset)) return counter.count();
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) return Internal("zlib inflateInit2 failed");
  z.next_in = const_cast<Bytef*>(p + dataset_offset);
  z.avail_in = static_cast<uInt>(n - dataset_offset);
  unsigned char out[1 << 16];
  uint64_t total = 0;
  Status status;
  while (true) {
    z.next_out = out;
    z.avail_out = sizeof out;
    const int rc = inflate(&z, Z_NO_FLUSH);
    const size_t produced = sizeof out - z.avail_out;
    total += produced;
    if (!counter.Feed(out, produced)) break;
    if (total > kMaxInflatedBytes) {
      status = ResourceExhausted("the deflated dataset inflates to more than 4 GiB");
      break;
    }
    if (rc == Z_STREAM_END || (rc == Z_BUF_ERROR && z.avail_in == 0)) break;  // end or truncated
    if (rc != Z_OK) {
      status = InvalidArgument("corrupt deflated dataset");
      break;
    }
  }
  inflateEnd(&z);
  if (!status.ok()) return status;
  return counter.count();
}

Status RunWithStack(size_t stack_bytes, const std::function<void()>& fn) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return ResourceExhausted("pthread_attr_init failed");
  pthread_t thread;
  ThreadCall call{&fn};
  int rc = pthread_attr_setstacksize(&attr, stack_bytes);
  if (rc == 0) rc = pthread_create(&thread, &attr, &ThreadMain, &call);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    return ResourceExhausted("cannot create a parser thread with a " +
                             std::to_string(stack_bytes >> 20) + " MiB stack");
  }
  pthread_join(thread, nullptr);
  return Status::Ok();
}

}  // namespace openhi::dicom::internal
