#include "openhi/cli/endpoint_commands.h"

#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "openhi/cli/cli_output.h"
#include "openhi/core/heap_policy.h"
#include "openhi/core/logging.h"
#include "openhi/hosting/async_worker.h"
#include "openhi/hosting/echo_runner.h"
#include "openhi/hosting/endpoint_service.h"
#include "openhi/hosting/notifier.h"
#include "openhi/hosting/sqlite_job_queue.h"
#include "openhi/http/server.h"
#include "openhi/objstore/s3_store.h"
#include "openhi/runner/hosted_app_runner.h"

namespace openhi::cli {
namespace fs = std::filesystem;

Result<std::unique_ptr<hosting::ModelRunner>> MakeModelRunner(std::string_view kind,
                                                              const RunnerConfig& config) {
  if (kind == "echo") return std::unique_ptr<hosting::ModelRunner>(new hosting::EchoRunner());
  if (kind == "app") {
    if (!config.store_endpoint.empty()) {
      ::setenv("AWS_ENDPOINT_URL_MEDICAL_IMAGING", config.store_endpoint.c_str(), 1);
    }
    // App runs allocate and free the same large tensors per window: keep freed memory.
    const HeapPolicy heap = RetainFreedHeapMemory();
    LogInfo(std::string("endpoint.heap_policy ") + std::string(HeapPolicyName(heap)));
    return runner::MakeHostedAppRunner({config.threads});
  }
  return InvalidArgument("unknown --runner " + std::string(kind) + " (app or echo)");
}

namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

// Flags shared by `serve` and `worker`.
struct CommonFlags {
  std::string model_dir;
  std::string data_dir = "openhi-endpoint-data";
  std::string s3_endpoint;
  std::string store_endpoint;
  std::string runner = "app";
  uint64_t model_cache_bytes = 8ull << 30;
  size_t workers = 1;
  size_t max_concurrent = 0;
  size_t runner_threads = 0;
  double lease_seconds = 30;
  int64_t poll_ms = 250;
  int64_t max_attempts = 3;
  // Async completion notifications (hosting/notifier.h); the specific URLs override the common one.
  std::string notification_url;
  std::string success_notification_url;
  std::string error_notification_url;
};

struct ServeFlags : CommonFlags {
  std::string listen = "127.0.0.1:8080";
  std::string output_path;
  std::string failure_path;
  std::string credentials_file;
  std::string endpoint_name;
  std::string default_model;
  std::string region = "us-east-1";
  size_t io_threads = 8;
  double realtime_timeout_seconds = 60;
};

struct WorkerFlags : CommonFlags {
  bool exit_when_idle = false;
  std::string region = "us-east-1";  // "awsRegion" of notifications
};

// Removes per-process folders (named by pid) left behind by processes that are gone.
void RemoveStaleProcessFolders(const fs::path& root) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    char* end = nullptr;
    long pid = std::strtol(name.c_str(), &end, 10);
    if (end == name.c_str() || *end != '\0' || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code rm;
      fs::remove_all(it->path(), rm);
    }
  }
}

std::string DirUri(const fs::path& p) { return "file://" + fs::absolute(p).lexically_normal().string() + "/"; }

// The pieces both commands run: runner, model cache, engine, queue, workers.
struct Stack {
  std::unique_ptr<hosting::ModelRunner> runner;
  std::unique_ptr<hosting::ModelCache> cache;
  std::unique_ptr<hosting::InvocationEngine> engine;
  std::unique_ptr<hosting::SqliteJobQueue> queue;
  hosting::HostingMetrics metrics;
  hosting::LocationCache locations;
  std::unique_ptr<hosting::Notifier> notifier;  // null without notification URLs; outlives workers
  std::unique_ptr<hosting::AsyncWorkers> workers;
  std::string output_uri, failure_uri;
};

// The notification URLs of the flags, validated (kInvalidArgument for a bad one).
Result<hosting::NotificationConfig> NotificationsFromFlags(const CommonFlags& f,
                                                           const std::string& region) {
  hosting::NotificationConfig n;
  n.region = region;
  n.success_url =
      f.success_notification_url.empty() ? f.notification_url : f.success_notification_url;
  n.error_url = f.error_notification_url.empty() ? f.notification_url : f.error_notification_url;
  for (auto [flag, url] : {std::pair{"--notification-url", &f.notification_url},
                           std::pair{"--success-notification-url", &f.success_notification_url},
                           std::pair{"--error-notification-url", &f.error_notification_url}}) {
    if (!url->empty()) OPENHI_RETURN_IF_ERROR(hosting::ValidateNotificationUrl(flag, *url));
  }
  return n;
}

Status BuildStack(const CommonFlags& f, const std::string& output_path,
                  const std::string& failure_path, const std::string& region, Stack& s) {
  if (f.model_dir.empty()) return InvalidArgument("--model-dir is required");
  OPENHI_ASSIGN_OR_RETURN(hosting::NotificationConfig notifications,
                          NotificationsFromFlags(f, region));
  if (!f.s3_endpoint.empty()) {
    objstore::SetDefaultS3Config(objstore::S3Config::FromEnvironment(f.s3_endpoint));
  }
  OPENHI_ASSIGN_OR_RETURN(s.runner, MakeModelRunner(f.runner, {f.store_endpoint, f.runner_threads}));
  const fs::path data = fs::absolute(f.data_dir);
  std::error_code ec;
  fs::create_directories(data, ec);
  if (ec) return InvalidArgument("cannot create --data-dir " + data.string() + ": " + ec.message());
  const std::string pid = std::to_string(::getpid());
  RemoveStaleProcessFolders(data / "unpacked");
  RemoveStaleProcessFolders(data / "scratch");
  hosting::ModelCacheOptions co;
  co.model_dir = fs::absolute(f.model_dir);
  co.unpack_dir = data / "unpacked" / pid;
  co.budget_bytes = f.model_cache_bytes;
  s.cache = std::make_unique<hosting::ModelCache>(*s.runner, co);

  OPENHI_ASSIGN_OR_RETURN(
      auto out, s.locations.Open(output_path.empty() ? DirUri(data / "output") : output_path));
  OPENHI_ASSIGN_OR_RETURN(
      auto failures,
      s.locations.Open(failure_path.empty() ? DirUri(data / "failures") : failure_path));
  s.output_uri = out->uri;
  s.failure_uri = failures->uri;
  hosting::EngineOptions eo;
  eo.output = out;
  eo.scratch_root = data / "scratch" / pid;
  eo.max_concurrent = f.max_concurrent;
  s.engine = std::make_unique<hosting::InvocationEngine>(*s.cache, *s.runner, eo);
  OPENHI_ASSIGN_OR_RETURN(s.queue, hosting::SqliteJobQueue::Open(data / "async-queue.db"));

  char host[256] = "host";
  ::gethostname(host, sizeof host - 1);
  hosting::WorkerOptions wo;
  wo.worker_id = std::string(host) + ":" + pid;
  wo.threads = f.workers;
  wo.poll_interval = std::chrono::milliseconds(f.poll_ms);
  wo.lease = std::chrono::milliseconds(static_cast<int64_t>(f.lease_seconds * 1000));
  wo.max_attempts = f.max_attempts;
  if (notifications.enabled()) s.notifier = hosting::MakeHttpNotifier(s.metrics);
  wo.notifications = std::move(notifications);
  s.workers = std::make_unique<hosting::AsyncWorkers>(*s.queue, *s.engine, s.locations, s.metrics,
                                                      wo, s.notifier.get());
  return Status::Ok();
}

void AddCommonFlags(CLI::App* c, CommonFlags& f) {
  c->add_option("--model-dir", f.model_dir,
                "Folder of *.tar.gz app packages (or one unpacked package holding app.json)")
      ->required();
  c->add_option("--data-dir", f.data_dir, "Queue, unpacked models, default output")
      ->capture_default_str();
  c->add_option("--s3-endpoint", f.s3_endpoint,
                "S3-compatible endpoint for s3:// URIs (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)");
  c->add_option("--store-endpoint", f.store_endpoint, "AHI store the apps read image sets from");
  c->add_option("--model-cache-bytes", f.model_cache_bytes, "Memory budget of loaded models (LRU)")
      ->capture_default_str();
  c->add_option("--max-concurrent-invocations", f.max_concurrent,
                "Invocations run at once in this process, real-time and async (0: no limit)")
      ->capture_default_str();
  c->add_option("--runner-threads", f.runner_threads, "CPU threads per invocation (0: default)");
  c->add_option("--lease-seconds", f.lease_seconds,
                "Async lease: a job whose worker stops heartbeating is redelivered after this")
      ->capture_default_str();
  c->add_option("--poll-ms", f.poll_ms, "Idle workers look for jobs from other processes this often")
      ->capture_default_str();
  c->add_option("--max-attempts", f.max_attempts, "Deliveries of an async job before it fails")
      ->capture_default_str();
  c->add_option("--notification-url", f.notification_url,
                "http(s) URL that gets a JSON POST (SageMaker SNS message shape) when an async job "
                "completes or fails; best effort, 5 s timeout, retried on 5xx");
  c->add_option("--success-notification-url", f.success_notification_url,
                "Like --notification-url, for completed jobs only (SuccessTopic)");
  c->add_option("--error-notification-url", f.error_notification_url,
                "Like --notification-url, for failed jobs only (ErrorTopic)");
  // Hidden: which ModelRunner (see MakeModelRunner); "echo" for tests until the app runner lands.
  c->add_option("--runner", f.runner)->group("");
}

int Serve(const ServeFlags& f) {
  auto fail = [](const Status& s) { return PrintError("EndpointServe", s); };
  Stack s;
  if (Status st = BuildStack(f, f.output_path, f.failure_path, f.region, s); !st.ok()) {
    return fail(st);
  }

  hosting::EndpointServiceOptions so;
  if (!f.credentials_file.empty()) {
    auto creds = auth::CredentialStore::LoadFile(f.credentials_file);
    if (!creds.ok()) return fail(creds.status());
    so.credentials = std::move(*creds);
  } else if (auto creds = auth::CredentialStore::FromEnv(); creds.ok()) {
    so.credentials = std::move(*creds);
  } else {
    LogWarn("endpoint: no credentials (--credentials or OPENHI_ACCESS_KEY_ID/"
            "OPENHI_SECRET_ACCESS_KEY): the runtime API will refuse every request");
  }
  so.endpoint_name = f.endpoint_name;
  so.region = f.region;
  so.output_dir_uri = s.output_uri;
  so.failure_dir_uri = s.failure_uri;
  so.default_model = f.default_model;
  so.realtime_timeout = std::chrono::milliseconds(static_cast<int64_t>(f.realtime_timeout_seconds * 1000));
  so.on_enqueued = [&s] { s.workers->Wake(); };
  hosting::EndpointService service(*s.cache, *s.engine, s.queue.get(), s.metrics, std::move(so));

  http::ServerOptions ho;
  ho.listen = f.listen;
  ho.io_threads = f.io_threads;
  ho.max_body_bytes = 6u << 20;  // the runtime API's BodyBlob limit (6 MB)
  ho.body_timeout = std::chrono::milliseconds(static_cast<int64_t>(f.realtime_timeout_seconds * 1000) + 5000);
  ho.error_responder = [](int status, std::string message) {
    return hosting::EndpointService::ErrorResponse(status, message);
  };
  auto server = http::Server::Start(ho, [&service](const http::Request& r) { return service.Handle(r); });
  if (!server.ok()) return fail(server.status());
  s.workers->Start();
  std::printf("{\"listening\": \"%s\", \"port\": %u, \"output\": \"%s\", \"failures\": \"%s\"}\n",
              (*server)->address().c_str(), static_cast<unsigned>((*server)->port()),
              s.output_uri.c_str(), s.failure_uri.c_str());
  std::fflush(stdout);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  while (!g_stop) ::pause();
  LogInfo("endpoint.stopping");
  (*server)->Stop();
  s.workers->Stop();
  return kExitOk;
}

int Work(const WorkerFlags& f) {
  auto fail = [](const Status& s) { return PrintError("EndpointWorker", s); };
  Stack s;
  if (f.workers == 0) return fail(InvalidArgument("--workers must be at least 1 for a worker"));
  if (Status st = BuildStack(f, "", "", f.region, s); !st.ok()) return fail(st);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  s.workers->Start();
  std::printf("{\"worker\": %d}\n", static_cast<int>(::getpid()));
  std::fflush(stdout);
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::max<int64_t>(f.poll_ms, 50)));
    if (f.exit_when_idle) {
      auto d = s.queue->Depth();
      if (d.ok() && d->pending == 0 && d->running == 0) break;
    }
  }
  s.workers->Stop();
  return kExitOk;
}

}  // namespace

void AddEndpointCommands(CLI::App& app, int* exit_code) {
  CLI::App* endpoint = app.add_subcommand("endpoint", "SageMaker-compatible model hosting");
  endpoint->require_subcommand(1);

  auto sf = std::make_shared<ServeFlags>();
  CLI::App* serve = endpoint->add_subcommand(
      "serve", "Serve /ping, /invocations, /models and the SageMaker runtime API on one listener");
  AddCommonFlags(serve, *sf);
  serve->add_option("--listen", sf->listen,
                    "HOST:PORT (port 0: any free port; default honours SAGEMAKER_BIND_TO_PORT)")
      ->capture_default_str();
  serve->add_option("--output-path", sf->output_path,
                    "s3:// or file:// folder for results (default: DATA_DIR/output)");
  serve->add_option("--failure-path", sf->failure_path,
                    "s3:// or file:// folder for async failures (default: DATA_DIR/failures)");
  serve->add_option("--credentials", sf->credentials_file,
                    "File of 'ACCESS_KEY_ID SECRET' lines (or AWS credentials INI) for SigV4");
  serve->add_option("--workers", sf->workers, "In-process async workers (0: queue only)")
      ->capture_default_str();
  serve->add_option("--endpoint-name", sf->endpoint_name, "Answer only this EndpointName");
  serve->add_option("--default-model", sf->default_model,
                    "Package used when a request names no TargetModel (async requests)");
  serve->add_option("--region", sf->region)->capture_default_str();
  serve->add_option("--io-threads", sf->io_threads, "HTTP threads")->capture_default_str();
  serve->add_option("--realtime-timeout-seconds", sf->realtime_timeout_seconds)
      ->capture_default_str();
  serve->callback([sf, exit_code, serve] {
    ServeFlags f = *sf;
    if (serve->count("--listen") == 0) {
      if (const char* port = std::getenv("SAGEMAKER_BIND_TO_PORT"); port && *port) {
        f.listen = std::string("0.0.0.0:") + port;
      }
    }
    *exit_code = Serve(f);
  });

  auto wf = std::make_shared<WorkerFlags>();
  CLI::App* worker = endpoint->add_subcommand(
      "worker", "Drain the async queue of DATA_DIR (next to or instead of in-process workers)");
  AddCommonFlags(worker, *wf);
  worker->add_option("--workers", wf->workers, "Jobs run at once")->capture_default_str();
  worker->add_flag("--exit-when-idle", wf->exit_when_idle,
                   "Exit once no job is pending or running (drain and stop)");
  worker->add_option("--region", wf->region, "awsRegion of async notifications")
      ->capture_default_str();
  worker->callback([wf, exit_code] { *exit_code = Work(*wf); });
}

}  // namespace openhi::cli
