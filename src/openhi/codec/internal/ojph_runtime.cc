#include "openhi/codec/internal/ojph_runtime.h"

#include <openjph/ojph_arch.h>
#include <openjph/ojph_message.h>
#include <stdio.h>
#include <sys/types.h>

#include <mutex>

namespace openhi::codec::internal {
namespace {

constexpr size_t kMaxCapturedBytes = 2048;

std::string& ThreadMessages() {
  thread_local std::string messages;
  return messages;
}

// fopencookie write callback. The stream is unbuffered, so glibc calls this from inside the
// fprintf of the thread that raised the message.
ssize_t CaptureWrite(void* /*cookie*/, const char* buf, size_t size) {
  std::string& messages = ThreadMessages();
  messages.append(buf, size);
  if (messages.size() > kMaxCapturedBytes) {
    messages.erase(0, messages.size() - kMaxCapturedBytes);
  }
  return static_cast<ssize_t>(size);
}

FILE* OpenCaptureStream() {
  cookie_io_functions_t functions{};
  functions.write = CaptureWrite;
  FILE* stream = fopencookie(nullptr, "w", functions);
  if (stream == nullptr) stream = fopen("/dev/null", "w");
  if (stream != nullptr) setvbuf(stream, nullptr, _IONBF, 0);
  return stream;  // intentionally never closed: OpenJPH holds it for the process lifetime
}

}  // namespace

void EnsureOjphRuntime(const std::function<void()>& warm_up) {
  static std::once_flag once;
  std::call_once(once, [&] {
    if (FILE* stream = OpenCaptureStream()) {
      ojph::set_error_stream(stream);
      ojph::set_warning_stream(stream);
      ojph::set_info_stream(stream);
    }
    warm_up();
    ClearOjphMessages();
  });
}

void ClearOjphMessages() { ThreadMessages().clear(); }

std::string LastOjphMessage() {
  std::string_view text = ThreadMessages();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  const size_t newline = text.rfind('\n');
  if (newline != std::string_view::npos) text.remove_prefix(newline + 1);
  return std::string(text);
}

}  // namespace openhi::codec::internal
