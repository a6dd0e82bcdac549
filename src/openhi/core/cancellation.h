#pragma once
// CancellationToken: a one-way stop flag, optionally with a deadline, shared by whoever starts
// a piece of work (a CLI's Ctrl-C handler, hosting's InvocationTimeoutSeconds) and the code
// doing it (client transfers, app runs, the sliding window).
//
// Contract: IsCancelled() is true once Cancel() was called or the deadline (steady clock) has
// passed, and stays true. Work that is handed a token polls it at its own natural steps
// (documented where it is accepted: e.g. every ~50 ms in client transfers, between operators
// and between forward passes in apps) and then returns CancelledError(). A token may be shared
// by several calls (it stops them all); it must outlive every call it was handed to.
//
// Thread safety: every method may be called concurrently from any thread.
#include <atomic>
#include <chrono>
#include <string>

#include "openhi/core/status.h"

namespace openhi {

class CancellationToken {
 public:
  using Clock = std::chrono::steady_clock;

  CancellationToken() = default;
  explicit CancellationToken(Clock::time_point deadline) : deadline_(deadline) {}
  CancellationToken(const CancellationToken&) = delete;
  CancellationToken& operator=(const CancellationToken&) = delete;

  void Cancel() { cancelled_.store(true, std::memory_order_release); }
  bool IsCancelled() const {
    return cancelled_.load(std::memory_order_acquire) || DeadlinePassed();
  }
  // True once the deadline has passed (whether or not Cancel() was called): lets the owner
  // tell a timeout from an explicit stop.
  bool DeadlinePassed() const {
    return deadline_ != Clock::time_point::max() && Clock::now() >= deadline_;
  }
  Clock::time_point deadline() const { return deadline_; }

 private:
  std::atomic<bool> cancelled_{false};
  const Clock::time_point deadline_ = Clock::time_point::max();
};

// The status cancelled work returns. core/status.h has no kCancelled code, so this is kAborted
// ("stop; the caller decided") with a message that starts with "cancelled". Test for
// cancellation with IsCancelledError(), never with the code alone.
inline Status CancelledError(const std::string& what) {
  return Status(StatusCode::kAborted, "cancelled: " + what);
}
inline bool IsCancelledError(const Status& status) {
  return status.code() == StatusCode::kAborted && status.message().rfind("cancelled", 0) == 0;
}

// Null-tolerant check for the optional `const CancellationToken*` parameters.
inline bool IsCancelled(const CancellationToken* token) {
  return token != nullptr && token->IsCancelled();
}

}  // namespace openhi
