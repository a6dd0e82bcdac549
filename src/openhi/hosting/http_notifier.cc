// MakeHttpNotifier: the libcurl implementation of Notifier (notifier.h). libcurl stays in this
// file; hosting links it privately.
#include <curl/curl.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "openhi/core/check.h"
#include "openhi/core/logging.h"
#include "openhi/hosting/notifier.h"

namespace openhi::hosting {
namespace {

void CurlGlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { OPENHI_CHECK(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK); });
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

// One POST. Returns the HTTP status, or 0 with `error` set on a transport failure.
long PostOnce(const Notification& n, std::chrono::milliseconds timeout, std::string& error) {
  CURL* easy = curl_easy_init();
  if (easy == nullptr) {
    error = "curl_easy_init failed";
    return 0;
  }
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(easy, CURLOPT_URL, n.url.c_str());
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, n.body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(n.body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Discard);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "openhi-hosting-notifier/1");
  long status = 0;
  CURLcode rc = curl_easy_perform(easy);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  } else {
    error = curl_easy_strerror(rc);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(easy);
  return status;
}

bool Retryable(long status) {
  return status == 0 || status == 408 || status == 429 || status >= 500;
}

class HttpNotifier final : public Notifier {
 public:
  HttpNotifier(HostingMetrics& metrics, HttpNotifierOptions options)
      : metrics_(metrics), options_(options) {
    CurlGlobalInitOnce();
    thread_ = std::thread([this] { Loop(); });
  }

  ~HttpNotifier() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void Notify(Notification n) override {
    {
      std::lock_guard lock(mu_);
      if (pending_.size() >= options_.max_pending) {
        metrics_.RecordNotification(false);
        LogWarn("hosting.notify dropped the notification of " + n.inference_id +
                ": too many are pending");
        return;
      }
      pending_.push_back(std::move(n));
    }
    cv_.notify_one();
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping, nothing left
      Notification n = std::move(pending_.front());
      pending_.pop_front();
      lock.unlock();
      Deliver(n);
      lock.lock();
    }
  }

  bool Stopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  void Deliver(const Notification& n) {
    auto backoff = options_.first_backoff;
    std::string last;
    for (int attempt = 1;; ++attempt) {
      std::string error;
      const long status = PostOnce(n, options_.timeout, error);
      if (status >= 200 && status < 300) {
        metrics_.RecordNotification(true);
        LogInfo("hosting.notify id=" + n.inference_id + " status=" + std::to_string(status));
        return;
      }
      last = status == 0 ? error : "HTTP " + std::to_string(status);
      if (!Retryable(status) || attempt >= options_.max_attempts || Stopping()) break;
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, backoff, [&] { return stopping_; });
      backoff *= 2;
    }
    metrics_.RecordNotification(false);
    LogWarn("hosting.notify failed for " + n.inference_id + " (" + n.url + "): " + last);
  }

  HostingMetrics& metrics_;
  const HttpNotifierOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Notification> pending_;  // GUARDED_BY(mu_)
  bool stopping_ = false;             // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Notifier> MakeHttpNotifier(HostingMetrics& metrics, HttpNotifierOptions options) {
  return std::make_unique<HttpNotifier>(metrics, options);
}

}  // namespace openhi::hosting
