#include "openhi/codec/internal/decode_protocol.h"

#include <cstring>
#include <string>

namespace openhi::codec::internal {
namespace {

constexpr char kRequestMagic[4] = {'O', 'H', 'D', 'Q'};
constexpr char kResponseMagic[4] = {'O', 'H', 'D', 'R'};

template <typename T>
void PutLe(std::byte* out, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) {
    out[i] = static_cast<std::byte>(static_cast<uint64_t>(value) >> (8 * i));
  }
}

template <typename T>
T GetLe(const std::byte* in) {
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= std::to_integer<uint64_t>(in[i]) << (8 * i);
  return static_cast<T>(v);
}

bool AllZero(const std::byte* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != std::byte{0}) return false;
  }
  return true;
}

}  // namespace

std::array<std::byte, kRequestHeaderBytes> EncodeRequestHeader(const DecodeRequest& request) {
  std::array<std::byte, kRequestHeaderBytes> out{};
  std::memcpy(out.data(), kRequestMagic, 4);
  out[4] = static_cast<std::byte>(request.codec);
  out[5] = static_cast<std::byte>(request.bytes_per_sample);
  PutLe<uint64_t>(out.data() + 8, request.payload_length);
  return out;
}

Result<DecodeRequest> ParseRequestHeader(ByteView header) {
  if (header.size() != kRequestHeaderBytes || std::memcmp(header.data(), kRequestMagic, 4) != 0 ||
      !AllZero(header.data() + 6, 2)) {
    return InvalidArgument("decode request: bad header");
  }
  DecodeRequest r;
  const auto codec = std::to_integer<uint8_t>(header[4]);
  if (codec != static_cast<uint8_t>(WireCodec::kJ2k) &&
      codec != static_cast<uint8_t>(WireCodec::kHtj2k)) {
    return InvalidArgument("decode request: unknown codec " + std::to_string(codec));
  }
  r.codec = static_cast<WireCodec>(codec);
  r.bytes_per_sample = std::to_integer<uint8_t>(header[5]);
  if (r.bytes_per_sample != 1 && r.bytes_per_sample != 2) {
    return InvalidArgument("decode request: bytes_per_sample must be 1 or 2");
  }
  r.payload_length = GetLe<uint64_t>(header.data() + 8);
  if (r.payload_length > kMaxCodestreamBytes) {
    return InvalidArgument("decode request: the codestream is larger than 1 GiB");
  }
  return r;
}

std::array<std::byte, kResponseHeaderBytes> EncodeResponseHeader(const DecodeResponse& response) {
  std::array<std::byte, kResponseHeaderBytes> out{};
  std::memcpy(out.data(), kResponseMagic, 4);
  PutLe<uint32_t>(out.data() + 4, static_cast<uint32_t>(response.code));
  PutLe<uint32_t>(out.data() + 8, response.desc.width);
  PutLe<uint32_t>(out.data() + 12, response.desc.height);
  PutLe<uint16_t>(out.data() + 16, response.desc.components);
  out[18] = static_cast<std::byte>(response.desc.bits_stored);
  out[19] = static_cast<std::byte>(response.desc.bytes_per_sample);
  out[20] = static_cast<std::byte>(response.desc.is_signed ? 1 : 0);
  PutLe<uint64_t>(out.data() + 24, response.body_length);
  return out;
}

Result<DecodeResponse> ParseResponseHeader(ByteView header) {
  if (header.size() != kResponseHeaderBytes || std::memcmp(header.data(), kResponseMagic, 4) != 0 ||
      !AllZero(header.data() + 21, 3)) {
    return InvalidArgument("decode response: bad header");
  }
  DecodeResponse r;
  const auto code = GetLe<uint32_t>(header.data() + 4);
  if (code > static_cast<uint32_t>(StatusCode::kInternal)) {
    return InvalidArgument("decode response: unknown status code " + std::to_string(code));
  }
  r.code = static_cast<StatusCode>(code);
  r.body_length = GetLe<uint64_t>(header.data() + 24);
  if (r.code != StatusCode::kOk) {
    if (r.body_length > kMaxMessageBytes) return InvalidArgument("decode response: bad message");
    return r;
  }
  r.desc.width = GetLe<uint32_t>(header.data() + 8);
  r.desc.height = GetLe<uint32_t>(header.data() + 12);
  r.desc.components = GetLe<uint16_t>(header.data() + 16);
  r.desc.bits_stored = std::to_integer<uint8_t>(header[18]);
  r.desc.bytes_per_sample = std::to_integer<uint8_t>(header[19]);
  const auto is_signed = std::to_integer<uint8_t>(header[20]);
  r.desc.is_signed = is_signed == 1;
  const ImageDesc& d = r.desc;
  if (d.width == 0 || d.height == 0 || d.width > 65535 || d.height > 65535 ||
      (d.components != 1 && d.components != 3) ||
      (d.bytes_per_sample != 1 && d.bytes_per_sample != 2) || d.bits_stored == 0 ||
      d.bits_stored > 8 * d.bytes_per_sample || is_signed > 1 || d.FrameBytes() > kMaxFrameBytes ||
      r.body_length != d.FrameBytes()) {
    return InvalidArgument("decode response: bad image descriptor");
  }
  return r;
}

}  // namespace openhi::codec::internal
