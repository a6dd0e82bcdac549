// openhi-decode-helper: decodes one untrusted JPEG 2000 / HTJ2K codestream and exits.
// Spawned by codec::DecodeUntrusted (sandboxed_decode.h), which owns the contract; the wire
// format is internal/decode_protocol.h. The vendor decoders may abort() or fault on corrupt
// entropy-coded data; here that only ends this process.
//
// Exit status: 0 when a response was written (the decode itself may have failed), 2 on a bad
// request, 3 when stdout could not be written.
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <exception>
#include <new>
#include <string>

#include "openhi/codec/htj2k.h"
#include "openhi/codec/internal/decode_protocol.h"
#include "openhi/codec/j2k.h"

namespace {

using namespace openhi;                   // NOLINT(build/namespaces): a main file
using namespace openhi::codec;            // NOLINT(build/namespaces)
using namespace openhi::codec::internal;  // NOLINT(build/namespaces)

// Limits for one decode. Address space: both decoders accept frames up to 1 GiB and OpenJPEG
// holds 32-bit samples per component, so 4 GiB covers every frame up to ~700 MB of 16-bit data.
// ASan reserves terabytes of shadow address space, so sanitizer builds skip RLIMIT_AS.
constexpr rlim_t kAddressSpaceBytes = rlim_t{4} << 30;
constexpr rlim_t kCpuSeconds = 30;  // then SIGXCPU; SIGKILL one second later

void ApplyLimits() {
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  const rlimit cpu{kCpuSeconds, kCpuSeconds + 1};
  setrlimit(RLIMIT_CPU, &cpu);
  const rlimit no_files{0, 0};  // the helper writes only to its pipes
  setrlimit(RLIMIT_FSIZE, &no_files);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  const rlimit as{kAddressSpaceBytes, kAddressSpaceBytes};
  setrlimit(RLIMIT_AS, &as);
#endif
  // Die with the caller, so a killed server leaves no decoders behind.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
}

bool ReadAll(int fd, std::byte* out, size_t n) {
  while (n > 0) {
    const ssize_t got = read(fd, out, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    out += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

bool WriteAll(int fd, const std::byte* in, size_t n) {
  while (n > 0) {
    const ssize_t put = write(fd, in, n);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    in += put;
    n -= static_cast<size_t>(put);
  }
  return true;
}

Result<Image> Decode(const DecodeRequest& request, ByteView codestream) {
  try {
    return request.codec == WireCodec::kHtj2k ? DecodeHtj2k(codestream)
                                              : DecodeJ2k(codestream, request.bytes_per_sample);
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("out of memory decoding the codestream");
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("cannot decode the codestream: ") + e.what());
  }
}

int Run() {
  ApplyLimits();
  std::array<std::byte, kRequestHeaderBytes> header;
  if (!ReadAll(STDIN_FILENO, header.data(), header.size())) return 2;
  Result<DecodeRequest> request = ParseRequestHeader(header);
  if (!request.ok()) return 2;
  Bytes codestream(request->payload_length);
  if (!ReadAll(STDIN_FILENO, codestream.data(), codestream.size())) return 2;
  close(STDIN_FILENO);

  Result<Image> image = Decode(*request, codestream);
  DecodeResponse response;
  ByteView body;
  if (image.ok()) {
    response.desc = image->desc;
    body = image->samples;
  } else {
    response.code = image.status().code();
    body = AsBytes(image.status().message())
               .first(std::min<size_t>(image.status().message().size(), kMaxMessageBytes));
  }
  response.body_length = body.size();
  const auto out = EncodeResponseHeader(response);
  if (!WriteAll(STDOUT_FILENO, out.data(), out.size()) ||
      !WriteAll(STDOUT_FILENO, body.data(), body.size())) {
    return 3;
  }
  return 0;
}

}  // namespace

int main() { return Run(); }
