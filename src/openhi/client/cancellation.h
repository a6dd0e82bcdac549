#pragma once
// CancellationToken: a one-way flag a caller sets (from any thread) to stop a running client call.
//
// Contract: once Cancel() has been called, IsCancelled() returns true forever. A client call
// that is handed the token checks it at least every ~50 ms while it waits on the network and
// before every callback, then stops all its transfers and returns the status of
// CancelledError(). A token may be shared by several calls (cancels them all); it must outlive
// every call it was handed to.
//
// Thread safety: Cancel() and IsCancelled() may be called concurrently from any threads.
#include <atomic>
#include <string>

#include "openhi/core/status.h"

namespace openhi::client {

class CancellationToken {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_release); }
  bool IsCancelled() const { return cancelled_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> cancelled_{false};
};

// The status a cancelled call returns. core/status.h has no kCancelled code yet, so this is
// kAborted ("stop; the caller decided") with a message that starts with "cancelled". Test for
// cancellation with IsCancelledError(), never with the code alone: when core gains kCancelled
// only these two functions change.
inline Status CancelledError(const std::string& what) {
  return Status(StatusCode::kAborted, "cancelled: " + what);
}
inline bool IsCancelledError(const Status& status) {
  return status.code() == StatusCode::kAborted && status.message().rfind("cancelled", 0) == 0;
}

}  // namespace openhi::client
