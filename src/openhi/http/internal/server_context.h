#pragma once
// ServerContext: what the listener and every session of one Server share — options, handler,
// stats and the registry of live sessions that Stop() walks.
//
// Ownership: owned by Server::Impl, declared before the io_context so that it outlives every
// session (sessions still queued in the io_context are destroyed with it and unregister here).
// Thread safety: options and handler are immutable after Start; stats are atomics; the
// registry is guarded by mu_.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "openhi/http/server.h"

namespace openhi::http::internal {

class Session;

class ServerContext {
 public:
  ServerContext(ServerOptions options, Handler handler);

  const ServerOptions& options() const { return options_; }
  ServerStats& stats() { return stats_; }

  // Runs the handler; an exception or an invalid response becomes a 500 from ErrorResponse.
  Response CallHandler(const Request& request);

  // Renders one of the server's own errors through options().error_responder, falling back to
  // DefaultErrorResponse if the responder is empty, throws or returns an invalid response.
  Response ErrorResponse(int status, std::string message);

  // Adds a live session. Returns false once BeginStop() has run: the caller must close.
  bool Register(Session* session, std::weak_ptr<Session> weak);
  // Removes a session (from its destructor) and wakes WaitForSessions.
  void Unregister(Session* session);

  // Marks the server as stopping and returns the sessions alive now; sessions created later
  // fail Register.
  std::vector<std::shared_ptr<Session>> BeginStop();
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  // Waits until no session is registered or `timeout` passes. Returns true when drained.
  bool WaitForSessions(std::chrono::milliseconds timeout);

 private:
  const ServerOptions options_;
  const Handler handler_;
  ServerStats stats_;

  mutable std::mutex mu_;
  std::condition_variable drained_;
  // Written under mu_ (so Register cannot miss it), read lock-free by stopping().
  std::atomic<bool> stopping_{false};
  std::unordered_map<Session*, std::weak_ptr<Session>> live_;  // GUARDED_BY(mu_)
};

}  // namespace openhi::http::internal
