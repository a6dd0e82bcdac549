#include "openhi/cli/serve_command.h"

#include <csignal>
#include <cstdio>
#include <memory>

#include "openhi/api/ahi_service.h"
#include "openhi/cli/cli_output.h"
#include "openhi/core/logging.h"
#include "openhi/http/server.h"
#include "openhi/objstore/s3_store.h"
#include "openhi/store/import_worker.h"

namespace openhi::cli {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

struct ServeFlags {
  std::string data_dir = "openhi-data";
  std::string listen = "127.0.0.1:8080";
  std::string credentials_file;
  std::string s3_endpoint;
  size_t io_threads = 0;
  size_t import_threads = 0;
  size_t max_body_bytes = 10 << 20;
  size_t max_connections = 1024;
};

int Serve(const ServeFlags& f) {
  auto fail = [](const Status& s) { return PrintError("Serve", s); };
  api::ServiceOptions options;
  if (!f.credentials_file.empty()) {
    auto creds = auth::CredentialStore::LoadFile(f.credentials_file);
    if (!creds.ok()) return fail(creds.status());
    options.credentials = std::move(*creds);
  } else {
    auto creds = auth::CredentialStore::FromEnv();
    if (!creds.ok()) {
      return fail(InvalidArgument(
          "no credentials: pass --credentials FILE or set OPENHI_ACCESS_KEY_ID and "
          "OPENHI_SECRET_ACCESS_KEY (" + creds.status().message() + ")"));
    }
    options.credentials = std::move(*creds);
  }
  if (!f.s3_endpoint.empty()) {
    objstore::SetDefaultS3Config(objstore::S3Config::FromEnvironment(f.s3_endpoint));
  }
  auto store = store::Store::Open({f.data_dir, f.import_threads});
  if (!store.ok()) return fail(store.status());
  store::ImportWorker worker(**store);
  options.on_import_submitted = [&worker] { worker.Wake(); };
  api::AhiService service(**store, std::move(options));

  http::ServerOptions so;
  so.listen = f.listen;
  so.io_threads = f.io_threads;
  so.max_body_bytes = f.max_body_bytes;
  so.max_connections = f.max_connections;
  so.error_responder = [](int status, std::string message) {
    return api::AhiService::ErrorResponse(status, message);
  };
  auto server = http::Server::Start(so, [&service](const http::Request& r) {
    return service.Handle(r);
  });
  if (!server.ok()) return fail(server.status());
  // The one line tests and scripts wait for: where we listen.
  std::printf("{\"listening\": \"%s\", \"port\": %u}\n", (*server)->address().c_str(),
              static_cast<unsigned>((*server)->port()));
  std::fflush(stdout);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  while (!g_stop) ::pause();
  LogInfo("serve.stopping");
  (*server)->Stop();
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& store_app, int* exit_code) {
  auto f = std::make_shared<ServeFlags>();
  CLI::App* c = store_app.add_subcommand("serve", "Serve the AHI-compatible HTTP API");
  c->add_option("--data-dir", f->data_dir)->capture_default_str();
  c->add_option("--listen", f->listen, "HOST:PORT (port 0: any free port)")->capture_default_str();
  c->add_option("--credentials", f->credentials_file,
                "File of 'ACCESS_KEY_ID SECRET' lines (or AWS credentials INI)");
  c->add_option("--s3-endpoint", f->s3_endpoint,
                "S3-compatible endpoint for s3:// URIs (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)");
  c->add_option("--io-threads", f->io_threads, "HTTP threads (0: one per core)");
  c->add_option("--import-threads", f->import_threads, "Import threads (0: one per core)");
  c->add_option("--max-body-bytes", f->max_body_bytes)->capture_default_str();
  c->add_option("--max-connections", f->max_connections)->capture_default_str();
  c->callback([=] { *exit_code = Serve(*f); });
}

}  // namespace openhi::cli
