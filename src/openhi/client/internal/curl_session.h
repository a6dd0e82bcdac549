#pragma once
// Pooled libcurl state of the AHI client. Private to client (libcurl types appear only in
// client/internal).
//
// A Session is one multi handle plus the easy handles that run on it. libcurl keeps open
// connections in the multi handle's connection cache, so reusing a Session across calls keeps
// its keep-alive (or HTTP/2) connections; each call leases one Session for its whole duration.
//
// Thread safety: SessionPool::Acquire/Release may be called from any threads. A leased Session
// is used by one thread at a time.
#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <vector>

namespace openhi::client::internal {

// curl_global_init, once per process (never undone: handles may live until exit).
void CurlGlobalInitOnce();

class Session {
 public:
  // `connections`: CURLMOPT_MAX_HOST_CONNECTIONS and the connection cache size.
  explicit Session(int connections);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  CURLM* multi() const { return multi_; }
  // Null only when the multi handle could not be created (out of memory).
  bool ok() const { return multi_ != nullptr; }

  // An idle easy handle (reset to defaults), or null when libcurl cannot allocate one.
  CURL* TakeEasy();
  // Gives back an easy handle that is not attached to the multi handle.
  void ReturnEasy(CURL* easy);

 private:
  CURLM* multi_ = nullptr;
  std::vector<CURL*> idle_;
};

class SessionPool {
 public:
  SessionPool(int connections, size_t max_idle) : connections_(connections), max_idle_(max_idle) {}

  // A pooled Session, or a new one. Null only when libcurl cannot allocate one.
  std::unique_ptr<Session> Acquire();
  void Release(std::unique_ptr<Session> session);

 private:
  const int connections_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Session>> idle_;  // GUARDED_BY(mu_)
};

}  // namespace openhi::client::internal
