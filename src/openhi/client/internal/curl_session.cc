#include "openhi/client/internal/curl_session.h"

#include "openhi/core/check.h"

namespace openhi::client::internal {

void CurlGlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { OPENHI_CHECK(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK); });
}

Session::Session(int connections) {
  CurlGlobalInitOnce();
  multi_ = curl_multi_init();
  if (multi_ == nullptr) return;
  curl_multi_setopt(multi_, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX));
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(connections));
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(connections));
}

Session::~Session() {
  // Easy handles are detached whenever they are idle; cleaning them up before the multi handle
  // is the order libcurl asks for.
  for (CURL* e : idle_) curl_easy_cleanup(e);
  if (multi_ != nullptr) curl_multi_cleanup(multi_);
}

CURL* Session::TakeEasy() {
  if (!idle_.empty()) {
    CURL* e = idle_.back();
    idle_.pop_back();
    return e;
  }
  return curl_easy_init();
}

void Session::ReturnEasy(CURL* easy) {
  // Options are cleared; the multi handle keeps the connection the transfer used.
  curl_easy_reset(easy);
  idle_.push_back(easy);
}

std::unique_ptr<Session> SessionPool::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Session> s = std::move(idle_.back());
      idle_.pop_back();
      return s;
    }
  }
  auto s = std::make_unique<Session>(connections_);
  if (!s->ok()) return nullptr;
  return s;
}

void SessionPool::Release(std::unique_ptr<Session> session) {
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(session));
}

}  // namespace openhi::client::internal
