#pragma once
// Process-wide setup of OpenJPH 0.9, which keeps global state that is not thread-safe.
// Vendor-free header: only htj2k.cc (and its benchmark) include it.
//
// What OpenJPH 0.9 does (checked against libopenjph.so.0.9 on Debian 12):
//  - OJPH_ERROR prints to a global FILE* (stderr) and then throws std::runtime_error. A NULL
//    stream makes it crash in fprintf, and configure_error() is a no-op (it slices the handler),
//    so a custom throwing handler cannot be installed. Warnings and info go to stdout.
//  - Allocation failure throws a `const char*`.
//  - Its SIMD function tables are filled lazily behind an unsynchronised static bool.
// EnsureOjphRuntime() therefore, once per process (std::call_once): points the three message
// streams at an unbuffered sink that appends the text to a thread_local buffer of the calling
// thread (so messages never reach stdout/stderr and concurrent decodes do not mix them), and
// runs a tiny encode and decode so the lazy tables are filled before any concurrent use.
#include <functional>
#include <string>

namespace openhi::codec::internal {

// Idempotent and thread-safe. `warm_up` runs inside the once-block after the streams are set
// (htj2k.cc passes a tiny encode+decode); it must not call EnsureOjphRuntime itself.
void EnsureOjphRuntime(const std::function<void()>& warm_up);

// Clears the calling thread's captured OpenJPH messages.
void ClearOjphMessages();

// The last line OpenJPH printed on this thread since ClearOjphMessages(), or "" (bounded size).
std::string LastOjphMessage();

}  // namespace openhi::codec::internal
