#pragma once
// Wire format between DecodeUntrusted (sandboxed_decode.cc) and openhi-decode-helper
// (decode_helper_main.cc). Both ends are built from the same tree, so there is no versioning
// beyond the magic; all integers are little-endian.
//
//   request  (stdin):  kRequestHeaderBytes header, then `payload_length` codestream bytes
//     0  "OHDQ"   4  kind (u8: 1 J2K, 2 HTJ2K)   5  bytes_per_sample (u8)   6  zero (u16)
//     8  payload_length (u64)
//   response (stdout): kResponseHeaderBytes header, then `body_length` bytes: the samples of
//   the image (layout of image.h) when `code` is kOk, else the UTF-8 error message.
//     0  "OHDR"   4  code (u32, StatusCode)   8  width (u32)   12 height (u32)
//     16 components (u16)   18 bits_stored (u8)   19 bytes_per_sample (u8)   20 is_signed (u8)
//     21 zero (3 bytes)     24 body_length (u64)
//
// The parsers validate every field, so a helper that was replaced or went wrong cannot make the
// caller allocate more than kMaxFrameBytes.
#include <array>
#include <cstddef>
#include <cstdint>

#include "openhi/codec/image.h"
#include "openhi/core/status.h"

namespace openhi::codec::internal {

inline constexpr size_t kRequestHeaderBytes = 16;
inline constexpr size_t kResponseHeaderBytes = 32;
// Both decoders reject frames above 1 GiB; codestreams are bounded the same way.
inline constexpr uint64_t kMaxFrameBytes = uint64_t{1} << 30;
inline constexpr uint64_t kMaxCodestreamBytes = uint64_t{1} << 30;
inline constexpr uint64_t kMaxMessageBytes = 64 * 1024;

enum class WireCodec : uint8_t { kJ2k = 1, kHtj2k = 2 };

struct DecodeRequest {
  WireCodec codec = WireCodec::kJ2k;
  uint8_t bytes_per_sample = 2;
  uint64_t payload_length = 0;
};

struct DecodeResponse {
  StatusCode code = StatusCode::kOk;
  ImageDesc desc;            // meaningful when code is kOk
  uint64_t body_length = 0;  // samples (kOk) or message bytes
};

std::array<std::byte, kRequestHeaderBytes> EncodeRequestHeader(const DecodeRequest& request);
// kInvalidArgument on a bad magic, codec, bytes_per_sample (1 or 2) or a payload above
// kMaxCodestreamBytes.
Result<DecodeRequest> ParseRequestHeader(ByteView header);

std::array<std::byte, kResponseHeaderBytes> EncodeResponseHeader(const DecodeResponse& response);
// kInvalidArgument on a bad magic or status code, an image descriptor outside image.h's
// contract, a body that is not desc.FrameBytes() (kOk) or a message above kMaxMessageBytes.
Result<DecodeResponse> ParseResponseHeader(ByteView header);

}  // namespace openhi::codec::internal
