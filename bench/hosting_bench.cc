// bench/hosting_bench: what the SageMaker-compatible server adds per invocation, against calling
// the same engine in-process, with the trivial EchoRunner (the "model" writes one small JSON file
// that is uploaded to a file:// output). Driven by bench/hosting.sh.
//
//   hosting_bench --model-dir DIR --work-dir DIR [--requests N] [--async-jobs N]
//
// DIR holds model.tar.gz (and cold-*.tar.gz copies for the cold-load measurement). Prints one JSON
// object: per-invocation p50/p99 (microseconds) for in-process calls, the container path
// (POST /invocations) and the SigV4 runtime path (POST /endpoints/E/invocations), at concurrency
// 1 and 8; async submit-to-runner-start latency (HTTP, SigV4, durable enqueue, wake, claim, input
// read, model lookup); model cold load against a warm cache hit.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "openhi/auth/sigv4.h"
#include "openhi/core/clock.h"
#include "openhi/core/file_util.h"
#include "openhi/hosting/async_worker.h"
#include "openhi/hosting/echo_runner.h"
#include "openhi/hosting/endpoint_service.h"
#include "openhi/hosting/sqlite_job_queue.h"
#include "openhi/http/server.h"

using namespace openhi;
using namespace openhi::hosting;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

const std::string kBody =
    R"({"inputs":[{"datastoreId":"0123456789abcdef0123456789abcdef","imageSetId":"fedcba9876543210fedcba9876543210"}]})";
const char* kKey = "AKIDEXAMPLE";
const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

double Us(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

nlohmann::json Summary(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto pct = [&](double p) { return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))]; };
  return {{"n", v.size()}, {"p50_us", pct(0.50)}, {"p99_us", pct(0.99)}, {"max_us", v.back()}};
}

// Runs fn(thread_index) -> latencies for `threads` threads of n/threads requests each.
template <typename Fn>
std::vector<double> RunConcurrent(size_t n, size_t threads, Fn fn) {
  std::vector<std::vector<double>> per(threads);
  std::vector<std::thread> ts;
  for (size_t t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] { per[t] = fn(t, n / threads); });
  }
  for (auto& t : ts) t.join();
  std::vector<double> all;
  for (auto& p : per) all.insert(all.end(), p.begin(), p.end());
  return all;
}

// A minimal keep-alive HTTP/1.1 client on one socket.
class Conn {
 public:
  explicit Conn(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
  }
  ~Conn() { ::close(fd_); }
  // Sends `request` and returns the status code (the body is read and discarded).
  int RoundTrip(const std::string& request) {
    for (size_t off = 0; off < request.size();) {
      ssize_t w = ::send(fd_, request.data() + off, request.size() - off, 0);
      if (w <= 0) std::abort();
      off += static_cast<size_t>(w);
    }
    std::string buf;
    size_t header_end;
    while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) Read(buf);
    size_t cl = 0;
    std::string head = buf.substr(0, header_end);
    for (auto& c : head) c = static_cast<char>(std::tolower(c));
    if (auto p = head.find("content-length:"); p != std::string::npos) cl = std::stoul(head.substr(p + 15));
    while (buf.size() < header_end + 4 + cl) Read(buf);
    return std::stoi(buf.substr(9, 3));
  }

 private:
  void Read(std::string& buf) {
    char tmp[16384];
    ssize_t r = ::recv(fd_, tmp, sizeof tmp, 0);
    if (r <= 0) std::abort();
    buf.append(tmp, static_cast<size_t>(r));
  }
  int fd_;
};

std::string ContainerRequest() {
  return "POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "X-Amzn-SageMaker-Target-Model: model.tar.gz\r\nContent-Length: " +
         std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
}

std::string SignedRequest(const std::string& path, const std::string& body,
                          std::vector<std::pair<std::string, std::string>> headers) {
  headers.emplace_back("host", "127.0.0.1");
  headers.emplace_back("x-amz-date", auth::FormatAmzDate(std::chrono::system_clock::now()));
  auth::SigV4Request sr{"POST", path, "", headers, body};
  std::string authz = *auth::SignRequest(sr, {kKey, kSecret}, "us-east-1", "sagemaker");
  std::string r = "POST " + path + " HTTP/1.1\r\n";
  for (auto& [k, v] : headers) r += k + ": " + v + "\r\n";
  r += "Authorization: " + authz + "\r\nContent-Length: " + std::to_string(body.size()) +
       "\r\n\r\n" + body;
  return r;
}

// Records when each async job reached the runner.
class TimedRunner : public EchoRunner {
 public:
  Result<InvocationResult> Invoke(const LoadedModel& m, const InvocationInput& in) override {
    {
      std::lock_guard lock(mu);
      started[in.inference_id] = Clock::now();
    }
    return EchoRunner::Invoke(m, in);
  }
  std::mutex mu;
  std::map<std::string, Clock::time_point> started;
};

}  // namespace

int main(int argc, char** argv) {
  fs::path model_dir, work_dir;
  size_t requests = 2000, async_jobs = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--model-dir") model_dir = argv[i + 1];
    else if (a == "--work-dir") work_dir = argv[i + 1];
    else if (a == "--requests") requests = std::stoul(argv[i + 1]);
    else if (a == "--async-jobs") async_jobs = std::stoul(argv[i + 1]);
  }
  if (model_dir.empty() || work_dir.empty()) {
    std::fprintf(stderr, "usage: hosting_bench --model-dir DIR --work-dir DIR [--requests N]\n");
    return 2;
  }
  fs::create_directories(work_dir);
  TimedRunner runner;
  ModelCache cache(runner, {model_dir, work_dir / "unpacked", 1ull << 30, {}});
  LocationCache locations;
  EngineOptions eo;
  eo.output = *locations.Open("file://" + fs::absolute(work_dir / "out").string() + "/");
  eo.scratch_root = work_dir / "scratch";
  InvocationEngine engine(cache, runner, eo);
  auto queue = std::move(*SqliteJobQueue::Open(work_dir / "queue.db"));
  HostingMetrics metrics;
  WorkerOptions wo;
  wo.threads = 1;
  wo.poll_interval = std::chrono::milliseconds(1000);  // pickup relies on Wake(), as in-process
  AsyncWorkers workers(*queue, engine, locations, metrics, wo);
  EndpointServiceOptions so;
  (void)so.credentials.Add(kKey, kSecret);
  so.output_dir_uri = eo.output->uri;
  so.failure_dir_uri = eo.output->uri;
  so.on_enqueued = [&workers] { workers.Wake(); };
  EndpointService service(cache, engine, queue.get(), metrics, so);
  http::ServerOptions ho;
  ho.io_threads = 8;
  auto server = http::Server::Start(ho, [&](const http::Request& r) { return service.Handle(r); });
  if (!server.ok()) return 1;
  const uint16_t port = (*server)->port();
  nlohmann::json report;

  // Warm-up: load the model, fill caches.
  InvocationRequest ir;
  ir.target_model = "model.tar.gz";
  ir.body = kBody;
  for (int i = 0; i < 50; ++i) {
    ir.inference_id = "warm" + std::to_string(i);
    ir.output_key_prefix = ir.inference_id + "/";
    if (!engine.Run(ir).ok()) return 1;
  }
  for (size_t conc : {size_t{1}, size_t{8}}) {
    const std::string c = "c" + std::to_string(conc);
    report["in_process"][c] = Summary(RunConcurrent(requests, conc, [&](size_t t, size_t n) {
      std::vector<double> lat;
      InvocationRequest r = ir;
      for (size_t i = 0; i < n; ++i) {
        r.inference_id = "ip" + std::to_string(t) + "-" + std::to_string(i);
        r.output_key_prefix = r.inference_id + "/";
        auto s = Clock::now();
        if (!engine.Run(r).ok()) std::abort();
        lat.push_back(Us(Clock::now() - s));
      }
      return lat;
    }));
    report["container_invocations"][c] = Summary(RunConcurrent(requests, conc, [&](size_t, size_t n) {
      Conn conn(port);
      const std::string req = ContainerRequest();
      std::vector<double> lat;
      for (size_t i = 0; i < n; ++i) {
        auto s = Clock::now();
        if (conn.RoundTrip(req) != 200) std::abort();
        lat.push_back(Us(Clock::now() - s));
      }
      return lat;
    }));
    report["runtime_sigv4"][c] = Summary(RunConcurrent(requests, conc, [&](size_t, size_t n) {
      Conn conn(port);
      std::vector<double> lat;
      for (size_t i = 0; i < n; ++i) {
        // Signing is client work, done before the clock starts.
        std::string req = SignedRequest("/endpoints/bench/invocations", kBody,
                                        {{"Content-Type", "application/json"},
                                         {"X-Amzn-SageMaker-Target-Model", "model.tar.gz"}});
        auto s = Clock::now();
        if (conn.RoundTrip(req) != 200) std::abort();
        lat.push_back(Us(Clock::now() - s));
      }
      return lat;
    }));
  }

  // Async: submit (HTTP 202, durable enqueue) -> the runner starts the job, one at a time.
  const std::string input = fs::absolute(work_dir / "async-input.json").string();
  (void)WriteFileAtomic(input, AsBytes(R"({"datastoreId":"0123456789abcdef0123456789abcdef","imageSetId":"fedcba9876543210fedcba9876543210"})"));
  workers.Start();
  std::vector<double> submit_us, pickup_us;
  {
    Conn conn(port);
    for (size_t i = 0; i < async_jobs; ++i) {
      const std::string id = "async-" + std::to_string(i);
      std::string req = SignedRequest("/endpoints/bench/async-invocations", "",
                                      {{"X-Amzn-SageMaker-InputLocation", "file://" + input},
                                       {"X-Amzn-SageMaker-Inference-Id", id},
                                       {"X-Amzn-SageMaker-Target-Model", "model.tar.gz"}});
      auto s = Clock::now();
      if (conn.RoundTrip(req) != 202) std::abort();
      auto accepted = Clock::now();
      for (;;) {
        {
          std::lock_guard lock(runner.mu);
          if (auto it = runner.started.find(id); it != runner.started.end()) {
            submit_us.push_back(Us(accepted - s));
            pickup_us.push_back(Us(it->second - s));  // the worker may start before the 202 lands
            break;
          }
        }
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
      while (queue->Get(id)->state == JobState::kRunning || queue->Get(id)->state == JobState::kPending) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    }
  }
  workers.Stop();
  report["async_submit_202"] = Summary(submit_us);
  report["async_submit_to_runner_start"] = Summary(pickup_us);

  // Model cold load (unpack + Load) against a warm cache hit.
  std::vector<double> cold, warm;
  for (int i = 0; i < 20; ++i) {
    ModelCache fresh(runner, {model_dir, work_dir / ("cold" + std::to_string(i)), 1ull << 30, {}});
    auto s = Clock::now();
    if (!fresh.Acquire("model.tar.gz").ok()) return 1;
    cold.push_back(Us(Clock::now() - s));
    for (int j = 0; j < 50; ++j) {
      auto w = Clock::now();
      if (!fresh.Acquire("model.tar.gz").ok()) return 1;
      warm.push_back(Us(Clock::now() - w));
    }
  }
  report["model_cold_load"] = Summary(cold);
  report["model_warm_hit"] = Summary(warm);
  (*server)->Stop();
  std::printf("%s\n", report.dump(2).c_str());
  return 0;
}
