// bench/hosting_bench: what the SageMaker-compatible server adds per invocation, against calling
// the same engine in-process. Driven by bench/hosting.sh. Two runners:
//   --runner echo (default): hosting's trivial EchoRunner (the "model" writes one small JSON
//     file that is uploaded to a file:// output); --model-dir holds model.tar.gz.
//   --runner app: the real app runner (runner/hosted_app_runner.h) with the apps/spleen_seg_ahi
//     package (--app DIR) and the analytic band model (infer::SaveBandModel), reading a small
//     synthetic image set (--slices, --rows: rows = columns, 1.5 x 1.5 x 2.0 mm, blob in the
//     middle) from a store served in-process (client/testing/served_store.h, SigV4 over
//     loopback). The bench writes the package itself into WORK/app-models/model.tar.gz.
//
//   hosting_bench --work-dir DIR [--runner echo|app] [--model-dir DIR] [--app DIR]
//                 [--requests N] [--async-jobs N] [--cold-loads N] [--slices N] [--rows N]
//                 [--runner-threads N]
//
// Prints one JSON object: per-invocation p50/p99 (microseconds) for in-process calls
// (InvocationEngine::Run), the container path (POST /invocations) and the SigV4 runtime path
// (POST /endpoints/E/invocations), at concurrency 1 and 8, and the added p50/p99 of both HTTP
// paths over in-process ("added_*"). Under "outside_runner" the same per request minus that
// request's own ModelRunner::Invoke time (paired by inference id, sent as
// X-Amzn-SageMaker-Inference-Id): for the app, whose run time varies by tens of ms from run to
// run, this is the server's cost without the app's spread. Then: async submit-to-runner-start
// latency (HTTP, SigV4, durable enqueue, wake, claim, input read, model lookup); model cold load (unpack + Load: for the app,
// InspectPackage) against a warm cache hit; for the app also the first invocation of a freshly
// loaded package (which loads the TorchScript model into the package's ResourceCache) against
// later ones.
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

#include "openhi/app/package.h"
#include "openhi/auth/sigv4.h"
#include "openhi/client/testing/served_store.h"
#include "openhi/core/clock.h"
#include "openhi/core/file_util.h"
#include "openhi/core/heap_policy.h"
#include "openhi/core/logging.h"
#include "openhi/hosting/async_worker.h"
#include "openhi/hosting/echo_runner.h"
#include "openhi/hosting/endpoint_service.h"
#include "openhi/hosting/sqlite_job_queue.h"
#include "openhi/http/server.h"
#include "openhi/infer/analytic_models.h"
#include "openhi/runner/hosted_app_runner.h"
#include "openhi/synth/synth.h"

using namespace openhi;
using namespace openhi::hosting;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

// The image set the requests name (the echo runner ignores it; the app reads it).
std::string g_reference =
    R"({"datastoreId":"0123456789abcdef0123456789abcdef","imageSetId":"fedcba9876543210fedcba9876543210"})";
std::string g_body = R"({"inputs":[)" + g_reference + "]}";
const char* kKey = "AKIDEXAMPLE";
const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

double Us(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

nlohmann::json Summary(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto pct = [&](double p) { return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))]; };
  return {{"n", v.size()}, {"p50_us", pct(0.50)}, {"p99_us", pct(0.99)}, {"max_us", v.back()}};
}

// One timed request: its inference id and latency (microseconds).
struct Sample {
  std::string id;
  double us = 0;
  Clock::time_point start;  // when the client started it
};

// Runs fn(thread_index, count) -> samples for `threads` threads of n/threads requests each.
template <typename Fn>
std::vector<Sample> RunConcurrent(size_t n, size_t threads, Fn fn) {
  std::vector<std::vector<Sample>> per(threads);
  std::vector<std::thread> ts;
  for (size_t t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] { per[t] = fn(t, n / threads); });
  }
  for (auto& t : ts) t.join();
  std::vector<Sample> all;
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

std::string ContainerRequest(const std::string& inference_id) {
  return "POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "X-Amzn-SageMaker-Target-Model: model.tar.gz\r\nX-Amzn-SageMaker-Inference-Id: " +
         inference_id + "\r\nContent-Length: " +
         std::to_string(g_body.size()) + "\r\n\r\n" + g_body;
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

// Records when each invocation reached the runner and how long its Invoke took; otherwise the
// wrapped runner.
class TimedRunner : public ModelRunner {
 public:
  explicit TimedRunner(ModelRunner& inner) : inner_(inner) {}
  Result<std::shared_ptr<const LoadedModel>> Load(const fs::path& dir) override {
    return inner_.Load(dir);
  }
  Result<InvocationResult> Invoke(const LoadedModel& m, const InvocationInput& in) override {
    const auto start = Clock::now();
    {
      std::lock_guard lock(mu);
      started[in.inference_id] = start;
    }
    auto result = inner_.Invoke(m, in);
    const double us = Us(Clock::now() - start);
    std::lock_guard lock(mu);
    invoke_us[in.inference_id] = us;
    return result;
  }
  // The Invoke time of `inference_id` (microseconds); aborts when it never ran.
  double InvokeUs(const std::string& inference_id) { return Recorded(invoke_us, inference_id); }
  // When Invoke of `inference_id` started; aborts when it never ran.
  Clock::time_point InvokeStart(const std::string& inference_id) {
    return Recorded(started, inference_id);
  }
  std::mutex mu;
  std::map<std::string, Clock::time_point> started;
  std::map<std::string, double> invoke_us;

 private:
  template <typename Map>
  typename Map::mapped_type Recorded(const Map& map, const std::string& inference_id) {
    std::lock_guard lock(mu);
    auto it = map.find(inference_id);
    if (it == map.end()) std::abort();
    return it->second;
  }

  ModelRunner& inner_;
};

// What `in` adds over `base` at p50 and p99 (microseconds).
nlohmann::json Added(const nlohmann::json& in, const nlohmann::json& base) {
  return {{"p50_us", in["p50_us"].get<double>() - base["p50_us"].get<double>()},
          {"p99_us", in["p99_us"].get<double>() - base["p99_us"].get<double>()}};
}

// App mode: a synthetic series served in-process, the package written to `model_dir`.
struct AppFixture {
  std::unique_ptr<client::testing::ServedStore> served;
  nlohmann::json series;  // what was served
};

Result<AppFixture> PrepareApp(const fs::path& app_dir, const fs::path& work_dir,
                              const fs::path& model_dir, int slices, int rows) {
  synth::SynthOptions o;
  o.output_dir = work_dir / "series";
  o.overwrite = true;
  o.slices = slices;
  o.rows = rows;
  o.columns = rows;
  o.row_spacing_mm = 1.5;
  o.column_spacing_mm = 1.5;
  o.slice_spacing_mm = 2.0;
  o.slice_thickness_mm = 2.0;
  o.blob_center_mm = {0, 0, 0};
  o.blob_radii_mm = {0.3 * 1.5 * rows, 0.3 * 1.5 * rows, 0.3 * 2.0 * slices};
  o.noise_sigma_hu = 0;
  OPENHI_ASSIGN_OR_RETURN(synth::SynthSeries written, synth::WriteSyntheticSeries(o));
  fs::remove(written.mask_path);
  AppFixture f;
  OPENHI_ASSIGN_OR_RETURN(f.served, client::testing::ServedStore::Start({o.output_dir}));
  if (f.served->image_set_ids().size() != 1) return Internal("expected one image set");
  const client::ClientConfig config = f.served->Config();
  ::setenv("AWS_ACCESS_KEY_ID", config.credentials.access_key_id.c_str(), 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", config.credentials.secret.c_str(), 1);
  ::setenv("AWS_ENDPOINT_URL_MEDICAL_IMAGING", f.served->endpoint().c_str(), 1);
  const fs::path weights = work_dir / "app-weights";
  fs::create_directories(weights);
  fs::create_directories(model_dir);
  OPENHI_RETURN_IF_ERROR(infer::SaveBandModel(weights / "model.ts", 40, 60));
  OPENHI_RETURN_IF_ERROR(app::CreatePackage(app_dir, weights, model_dir / "model.tar.gz"));
  f.series = {{"slices", slices}, {"rows", rows}, {"columns", rows},
              {"spacing_mm", {1.5, 1.5, 2.0}}, {"package_bytes", fs::file_size(model_dir / "model.tar.gz")}};
  g_reference = nlohmann::json{{"datastoreId", f.served->datastore_id()},
                               {"imageSetId", f.served->image_set_ids()[0]}}
                    .dump();
  g_body = R"({"inputs":[)" + g_reference + "]}";
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path model_dir, work_dir, app_dir;
  std::string runner_kind = "echo";
  size_t requests = 2000, async_jobs = 200, cold_loads = 20, runner_threads = 1;
  int slices = 24, rows = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--model-dir") model_dir = argv[i + 1];
    else if (a == "--work-dir") work_dir = argv[i + 1];
    else if (a == "--app") app_dir = argv[i + 1];
    else if (a == "--runner") runner_kind = argv[i + 1];
    else if (a == "--requests") requests = std::stoul(argv[i + 1]);
    else if (a == "--async-jobs") async_jobs = std::stoul(argv[i + 1]);
    else if (a == "--cold-loads") cold_loads = std::stoul(argv[i + 1]);
    else if (a == "--runner-threads") runner_threads = std::stoul(argv[i + 1]);
    else if (a == "--slices") slices = std::stoi(argv[i + 1]);
    else if (a == "--rows") rows = std::stoi(argv[i + 1]);
  }
  const bool app_mode = runner_kind == "app";
  if (work_dir.empty() || (runner_kind != "echo" && !app_mode) || (app_mode && app_dir.empty()) ||
      (!app_mode && model_dir.empty())) {
    std::fprintf(stderr,
                 "usage: hosting_bench --work-dir DIR [--runner echo --model-dir DIR | --runner app "
                 "--app DIR] [--requests N] [--async-jobs N] [--cold-loads N] [--slices N] "
                 "[--rows N] [--runner-threads N]\n");
    return 2;
  }
  fs::create_directories(work_dir);
  SetLogLevel(LogLevel::kWarn);
  nlohmann::json report;
  report["runner"] = runner_kind;
  AppFixture fixture;
  if (app_mode) {
    // As `openhi endpoint serve` does for the app runner (OPENHI_HEAP_RETAIN=0 turns it off).
    report["heap_policy"] = std::string(HeapPolicyName(RetainFreedHeapMemory()));
    model_dir = work_dir / "app-models";
    auto f = PrepareApp(app_dir, work_dir, model_dir, slices, rows);
    if (!f.ok()) {
      std::fprintf(stderr, "app setup: %s\n", f.status().ToString().c_str());
      return 1;
    }
    fixture = std::move(*f);
    report["image_set"] = fixture.series;
    report["runner_threads"] = runner_threads;
  }
  EchoRunner echo;
  runner::HostedAppRunner app_runner({runner_threads});
  ModelRunner& inner = app_mode ? static_cast<ModelRunner&>(app_runner) : echo;
  TimedRunner runner(inner);
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

  // Warm-up: load the model, fill caches.
  InvocationRequest ir;
  ir.target_model = "model.tar.gz";
  ir.body = g_body;
  for (int i = 0; i < (app_mode ? 10 : 50); ++i) {
    ir.inference_id = "warm" + std::to_string(i);
    ir.output_key_prefix = ir.inference_id + "/";
    InvocationOutcome o = engine.Run(ir);
    if (!o.ok()) {
      std::fprintf(stderr, "warm-up: %s\n", o.error->status.ToString().c_str());
      return 1;
    }
    if (app_mode) {  // the last warm run's operator times, for reference
      report["app_warm_run_operator_seconds"] = nlohmann::json::object();
      for (const auto& op : o.response["summary"]["runs"][0]["operators"]) {
        report["app_warm_run_operator_seconds"][op["name"].get<std::string>()] = op["seconds"];
      }
      report["app_warm_run_outputs"] = o.response["outputs"].size();
    }
  }
  // Result files pile up in the output folder (hundreds of KB per app run): emptied between
  // phases, outside the timed requests.
  const fs::path out_dir = work_dir / "out";
  auto clear_outputs = [&] {
    std::error_code ec;
    std::vector<fs::path> entries;
    for (auto it = fs::directory_iterator(out_dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      entries.push_back(it->path());
    }
    for (const fs::path& e : entries) fs::remove_all(e, ec);
  };
  for (size_t conc : {size_t{1}, size_t{8}}) {
    const std::string c = "c" + std::to_string(conc);
    // Each path: latency per request, and latency minus the runner's own Invoke time for that
    // request (paired by inference id), which takes the app's run-to-run spread out of the
    // comparison.
    auto record = [&](const std::string& path, const std::vector<Sample>& samples) {
      std::vector<double> latency, outside, before, after;
      for (const Sample& smp : samples) {
        latency.push_back(smp.us);
        outside.push_back(smp.us - runner.InvokeUs(smp.id));
        before.push_back(Us(runner.InvokeStart(smp.id) - smp.start));
        after.push_back(outside.back() - before.back());
      }
      report[path][c] = Summary(latency);
      report["outside_runner"][path][c] = Summary(outside);
      // Where that time goes: request start -> Invoke start, Invoke end -> response read.
      report["outside_runner_split"][path][c] = {{"before_invoke", Summary(before)},
                                                 {"after_invoke", Summary(after)}};
    };
    const std::string cp = c + "-";
    clear_outputs();
    record("in_process", RunConcurrent(requests, conc, [&](size_t t, size_t n) {
      std::vector<Sample> lat;
      InvocationRequest r = ir;
      for (size_t i = 0; i < n; ++i) {
        r.inference_id = "ip" + cp + std::to_string(t) + "-" + std::to_string(i);
        r.output_key_prefix = r.inference_id + "/";
        auto s = Clock::now();
        if (!engine.Run(r).ok()) std::abort();
        lat.push_back({r.inference_id, Us(Clock::now() - s), s});
      }
      return lat;
    }));
    clear_outputs();
    record("container_invocations", RunConcurrent(requests, conc, [&](size_t t, size_t n) {
      Conn conn(port);
      std::vector<Sample> lat;
      for (size_t i = 0; i < n; ++i) {
        const std::string id = "ct" + cp + std::to_string(t) + "-" + std::to_string(i);
        const std::string req = ContainerRequest(id);
        auto s = Clock::now();
        if (conn.RoundTrip(req) != 200) std::abort();
        lat.push_back({id, Us(Clock::now() - s), s});
      }
      return lat;
    }));
    clear_outputs();
    record("runtime_sigv4", RunConcurrent(requests, conc, [&](size_t t, size_t n) {
      Conn conn(port);
      std::vector<Sample> lat;
      for (size_t i = 0; i < n; ++i) {
        const std::string id = "rt" + cp + std::to_string(t) + "-" + std::to_string(i);
        // Signing is client work, done before the clock starts.
        std::string req = SignedRequest("/endpoints/bench/invocations", g_body,
                                        {{"Content-Type", "application/json"},
                                         {"X-Amzn-SageMaker-Target-Model", "model.tar.gz"},
                                         {"X-Amzn-SageMaker-Inference-Id", id}});
        auto s = Clock::now();
        if (conn.RoundTrip(req) != 200) std::abort();
        lat.push_back({id, Us(Clock::now() - s), s});
      }
      return lat;
    }));
    for (const char* path : {"container_invocations", "runtime_sigv4"}) {
      const std::string added = std::string("added_") + path;
      report[added][c] = Added(report[path][c], report["in_process"][c]);
      report["outside_runner"][added][c] =
          Added(report["outside_runner"][path][c], report["outside_runner"]["in_process"][c]);
    }
  }

  clear_outputs();
  // Async: submit (HTTP 202, durable enqueue) -> the runner starts the job, one at a time.
  const std::string input = fs::absolute(work_dir / "async-input.json").string();
  (void)WriteFileAtomic(input, AsBytes(g_reference));
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

  clear_outputs();
  // Model cold load (unpack + Load) against a warm cache hit.
  std::vector<double> cold, warm;
  for (size_t i = 0; i < cold_loads; ++i) {
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

  // App: the first invocation of a freshly loaded package (unpack, InspectPackage, the
  // TorchScript model into its ResourceCache, the run) against the next ones (in-process).
  if (app_mode) {
    std::vector<double> first, later;
    for (size_t i = 0; i < cold_loads; ++i) {
      ModelCache fresh(runner, {model_dir, work_dir / ("first" + std::to_string(i)), 1ull << 30, {}});
      InvocationEngine e(fresh, runner, eo);
      for (int j = 0; j < 4; ++j) {
        InvocationRequest r = ir;
        r.inference_id = "first" + std::to_string(i) + "-" + std::to_string(j);
        r.output_key_prefix = r.inference_id + "/";
        auto s = Clock::now();
        if (!e.Run(r).ok()) return 1;
        (j == 0 ? first : later).push_back(Us(Clock::now() - s));
      }
    }
    report["app_first_invocation"] = Summary(first);
    report["app_later_invocations"] = Summary(later);
  }
  (*server)->Stop();
  std::printf("%s\n", report.dump(2).c_str());
  return 0;
}
