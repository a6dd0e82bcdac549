#include "openhi/client/internal/transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <queue>
#include <random>
#include <utility>
#include <vector>

#include "openhi/auth/sigv4.h"
#include "openhi/client/internal/aws_error.h"
#include "openhi/client/internal/curl_session.h"
#include "openhi/client/internal/endpoint.h"
#include "openhi/core/logging.h"

namespace openhi::client::internal {
namespace {

using Clock = std::chrono::steady_clock;

// How often a waiting call looks at its CancellationToken.
constexpr int kPollIntervalMs = 50;
// Idle Sessions (multi handles with their open connections) kept per client.
constexpr size_t kMaxIdleSessions = 4;

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// One attempt of one request while it is attached to the multi handle.
struct Transfer {
  CURL* easy = nullptr;  // null while the slot is free
  size_t index = 0;
  Slist headers;
  std::string url;
  Bytes body;
  size_t max_bytes = 0;
  bool too_big = false;
  char error[CURL_ERROR_SIZE] = {};
};

size_t WriteBody(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const size_t n = size * nmemb;
  if (t->body.empty()) {
    curl_off_t length = -1;
    if (curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK &&
        length > 0 && static_cast<uint64_t>(length) <= t->max_bytes) {
      t->body.reserve(static_cast<size_t>(length));
    }
  }
  if (t->body.size() + n > t->max_bytes) {
    t->too_big = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  auto* p = reinterpret_cast<const std::byte*>(data);
  t->body.insert(t->body.end(), p, p + n);
  return n;
}

// Failures of the request itself (a bad URL, a TLS certificate) do not heal by retrying;
// network failures and timeouts may.
bool IsRetryableCurl(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_WRITE_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
      return false;
    default:
      return true;
  }
}

// min(cap, base * 2^(attempt-1)), drawn uniformly from [half, full].
std::chrono::milliseconds Backoff(const ClientConfig& c, int attempt) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  const int64_t base = c.backoff_base.count();
  const int64_t full = std::min<int64_t>(c.backoff_cap.count(), base << std::min(attempt - 1, 20));
  std::uniform_int_distribution<int64_t> jitter(full / 2, std::max<int64_t>(full, 0));
  return std::chrono::milliseconds(jitter(rng));
}

std::string ResponseHeader(CURL* easy, const char* name) {
  curl_header* h = nullptr;
  if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h != nullptr &&
      h->value != nullptr) {
    return h->value;
  }
  return "";
}

std::string AttemptsSuffix(int n) {
  return " (" + std::to_string(n) + (n == 1 ? " attempt)" : " attempts)");
}

bool IsMethodToken(std::string_view m) {
  return !m.empty() && std::all_of(m.begin(), m.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

struct Transport::Impl {
  ClientConfig config;
  Endpoint endpoint;
  size_t max_in_flight = 1;
  SessionPool pool;
  TransportCounters counters;

  Impl(ClientConfig c, Endpoint e)
      : config(std::move(c)),
        endpoint(std::move(e)),
        max_in_flight(static_cast<size_t>(config.max_in_flight > 0 ? config.max_in_flight
                                                                   : config.connections)),
        pool(config.connections, kMaxIdleSessions) {}

  // Signs `call` for this attempt, configures `t.easy` and attaches it to the multi handle.
  Status Start(Session& session, Transfer& t, const HttpCall& call);
};

Status Transport::Impl::Start(Session& session, Transfer& t, const HttpCall& call) {
  if (!IsMethodToken(call.method)) {
    return InvalidArgument("HTTP method '" + call.method + "' must be an upper-case token");
  }
  OPENHI_RETURN_IF_ERROR(ValidatePathAndQuery(call.path_and_query));
  const std::string_view pq = call.path_and_query;
  const size_t q = pq.find('?');
  auth::SigV4Request req;
  req.method = call.method;
  req.raw_path = endpoint.base_path + std::string(pq.substr(0, q));
  req.raw_query = q == std::string_view::npos ? "" : std::string(pq.substr(q + 1));
  req.headers.emplace_back("host", endpoint.authority);
  req.headers.emplace_back("x-amz-date", auth::FormatAmzDate(std::chrono::system_clock::now()));
  if (!call.body.empty()) req.headers.emplace_back("content-type", "application/json");
  if (!config.session_token.empty()) {
    req.headers.emplace_back("x-amz-security-token", config.session_token);
  }
  req.body = call.body;
  OPENHI_ASSIGN_OR_RETURN(std::string authorization,
                          auth::SignRequest(req, config.credentials, config.region));

  // The headers go out exactly as signed: Host is set explicitly (curl would derive the same
  // value, but this way what is signed is what is sent), curl's default form Content-Type and
  // "Expect: 100-continue" are suppressed (a header with no value removes curl's own).
  std::vector<std::string> lines;
  for (const auto& [name, value] : req.headers) lines.push_back(name + ": " + value);
  lines.push_back("authorization: " + authorization);
  if (call.body.empty()) lines.emplace_back("Content-Type:");
  lines.emplace_back("Expect:");
  curl_slist* list = nullptr;
  for (const std::string& line : lines) {
    curl_slist* head = curl_slist_append(list, line.c_str());
    if (head == nullptr) {
      curl_slist_free_all(list);
      return Unavailable("out of memory building request headers");
    }
    list = head;
  }
  t.headers.reset(list);
  t.url = endpoint.origin + endpoint.base_path + call.path_and_query;

  t.easy = session.TakeEasy();
  if (t.easy == nullptr) return Unavailable("libcurl: curl_easy_init failed");
  t.body.clear();
  t.too_big = false;
  t.error[0] = '\0';
  t.max_bytes = config.max_response_bytes;
  CURL* h = t.easy;
  const long timeout_ms = static_cast<long>(config.request_timeout.count());
  curl_easy_setopt(h, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(h, CURLOPT_URL, t.url.c_str());
  curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);  // send the path that was signed, unnormalised
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, t.headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, "openhi-client/0.1");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L));
  // A stall (less than 1 byte/s) for the timeout, in whole seconds, also ends the attempt.
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, std::max(1L, timeout_ms / 1000));
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(config.max_response_bytes));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, config.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, config.verify_tls ? 2L : 0L);
  if (config.http2) {
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    // Over TLS, wait for the first connection to say whether it multiplexes instead of opening
    // `connections` connections at once.
    if (endpoint.https) curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  }
  if (call.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (call.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    if (call.method == "POST" || !call.body.empty()) {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, call.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
    }
    if (call.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  if (CURLMcode mc = curl_multi_add_handle(session.multi(), h); mc != CURLM_OK) {
    session.ReturnEasy(h);
    t.easy = nullptr;
    return Internal(std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc));
  }
  return Status::Ok();
}

Result<std::unique_ptr<Transport>> Transport::Create(ClientConfig config) {
  OPENHI_RETURN_IF_ERROR(ValidateClientConfig(config));
  if (config.credentials.access_key_id.empty() || config.credentials.secret.empty()) {
    return InvalidArgument(
        "credentials are required (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or flags)");
  }
  OPENHI_ASSIGN_OR_RETURN(Endpoint endpoint, ParseEndpoint(config.endpoint));
  CurlGlobalInitOnce();
  return std::make_unique<Transport>(std::make_unique<Impl>(std::move(config), std::move(endpoint)));
}

Transport::Transport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Transport::~Transport() = default;

const ClientConfig& Transport::config() const { return impl_->config; }
const TransportCounters& Transport::counters() const { return impl_->counters; }

Status Transport::Run(std::span<const HttpCall> calls, const OnResponse& on_response,
                      const CancellationToken* cancel) {
  Impl& m = *impl_;
  const size_t n = calls.size();
  if (n == 0) return Status::Ok();
  std::unique_ptr<Session> session = m.pool.Acquire();
  if (!session) return Unavailable("libcurl: cannot create a multi handle");
  CURLM* multi = session->multi();

  std::vector<std::unique_ptr<Transfer>> slots(std::min(m.max_in_flight, n));
  std::vector<Transfer*> free_slots;
  for (auto& s : slots) {
    s = std::make_unique<Transfer>();
    free_slots.push_back(s.get());
  }
  auto detach = [&](Transfer* t) {
    curl_multi_remove_handle(multi, t->easy);
    session->ReturnEasy(t->easy);
    t->easy = nullptr;
    t->headers.reset();
    free_slots.push_back(t);
  };
  // Whatever way Run ends, transfers still attached are stopped (their connections closed) and
  // the Session goes back to the pool with the connections that finished cleanly.
  struct Cleanup {
    std::vector<std::unique_ptr<Transfer>>& slots;
    std::unique_ptr<Session>& session;
    SessionPool& pool;
    ~Cleanup() {
      for (auto& t : slots) {
        if (t->easy == nullptr) continue;
        curl_multi_remove_handle(session->multi(), t->easy);
        session->ReturnEasy(t->easy);
        t->easy = nullptr;
      }
      pool.Release(std::move(session));
    }
  } cleanup{slots, session, m.pool};

  auto cancelled = [cancel] { return cancel != nullptr && cancel->IsCancelled(); };
  std::vector<int> attempts(n, 0);
  size_t next_fresh = 0;
  size_t done = 0;
  std::deque<size_t> retry_ready;
  using Due = std::pair<Clock::time_point, size_t>;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> delayed;

  while (done < n) {
    if (cancelled()) return CancelledError(calls[0].label);
    for (auto now = Clock::now(); !delayed.empty() && delayed.top().first <= now;) {
      retry_ready.push_back(delayed.top().second);
      delayed.pop();
    }
    while (!free_slots.empty() && (!retry_ready.empty() || next_fresh < n)) {
      size_t idx;
      if (!retry_ready.empty()) {
        idx = retry_ready.front();
        retry_ready.pop_front();
      } else {
        idx = next_fresh++;
      }
      Transfer* t = free_slots.back();
      free_slots.pop_back();
      t->index = idx;
      ++attempts[idx];
      if (Status s = m.Start(*session, *t, calls[idx]); !s.ok()) {
        free_slots.push_back(t);
        return s.WithContext(calls[idx].label);
      }
      m.counters.requests.fetch_add(1, std::memory_order_relaxed);
    }

    int running = 0;
    if (CURLMcode mc = curl_multi_perform(multi, &running); mc != CURLM_OK) {
      return Internal(std::string("curl_multi_perform: ") + curl_multi_strerror(mc));
    }
    bool progressed = false;
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      progressed = true;
      Transfer* t = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
      const CURLcode rc = msg->data.result;
      const size_t idx = t->index;
      const HttpCall& call = calls[idx];
      long http = 0;
      curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &http);
      long new_connections = 0;
      curl_easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &new_connections);
      m.counters.connections_opened.fetch_add(static_cast<uint64_t>(std::max(0L, new_connections)),
                                              std::memory_order_relaxed);

      if (rc == CURLE_OK && http >= 200 && http < 300) {
        HttpResult r;
        r.status = http;
        r.body = std::move(t->body);
        char* content_type = nullptr;
        curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &content_type);
        if (content_type != nullptr) r.content_type = content_type;
        r.content_encoding = ResponseHeader(t->easy, "Content-Encoding");
        detach(t);
        m.counters.bytes_received.fetch_add(r.body.size(), std::memory_order_relaxed);
        if (cancelled()) return CancelledError(call.label);
        OPENHI_RETURN_IF_ERROR(on_response(idx, std::move(r)));
        ++done;
        continue;
      }

      Status failure;
      bool retryable = false;
      if (rc != CURLE_OK) {
        if (t->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
          failure = ResourceExhausted(call.label + ": response body larger than " +
                                      std::to_string(m.config.max_response_bytes) + " bytes");
        } else {
          std::string detail = curl_easy_strerror(rc);
          if (t->error[0] != '\0') detail += std::string(" (") + t->error + ")";
          const StatusCode code = rc == CURLE_OPERATION_TIMEDOUT ? StatusCode::kDeadlineExceeded
                                                                 : StatusCode::kUnavailable;
          failure = Status(code, call.label + ": " + detail);
          retryable = IsRetryableCurl(rc);
        }
      } else {
        AwsErrorInfo e = ParseAwsError(ResponseHeader(t->easy, "x-amzn-ErrorType"),
                                       AsStringView(t->body));
        retryable = IsRetryableHttp(http, e.type);
        std::string detail = "HTTP " + std::to_string(http);
        if (!e.type.empty()) detail += " " + e.type;
        if (!e.message.empty()) detail += ": " + e.message;
        failure = Status(StatusCodeForAwsError(e.type, http), call.label + ": " + detail);
      }
      detach(t);
      if (retryable && attempts[idx] < m.config.max_attempts) {
        m.counters.retries.fetch_add(1, std::memory_order_relaxed);
        LogDebug("client.retry attempt=" + std::to_string(attempts[idx]) + " " +
                 failure.message());
        delayed.emplace(Clock::now() + Backoff(m.config, attempts[idx]), idx);
        continue;
      }
      return Status(failure.code(), failure.message() + AttemptsSuffix(attempts[idx]));
    }
    if (progressed) continue;  // start the next requests before waiting again

    int timeout_ms = kPollIntervalMs;
    if (!delayed.empty()) {
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(delayed.top().first -
                                                                     Clock::now());
      timeout_ms = static_cast<int>(std::clamp<int64_t>(wait.count(), 0, kPollIntervalMs));
    }
    curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
  }
  return Status::Ok();
}

}  // namespace openhi::client::internal
