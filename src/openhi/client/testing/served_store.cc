#include "openhi/client/testing/served_store.h"

#include <unistd.h>

#include <atomic>
#include <mutex>

#include "openhi/api/ahi_service.h"

namespace openhi::client::testing {
namespace fs = std::filesystem;

namespace {
constexpr char kKeyId[] = "AKIDSERVEDSTORE";
constexpr char kSecret[] = "served/store+secret";
std::atomic<int> next_instance{0};
}  // namespace

struct ServedStore::Shared {
  std::unique_ptr<api::AhiService> service;
  std::mutex mu;
  Interceptor interceptor;  // GUARDED_BY(mu)
};

Result<std::unique_ptr<ServedStore>> ServedStore::Start(const std::vector<fs::path>& import_dirs) {
  std::unique_ptr<ServedStore> s(new ServedStore());
  s->root_ = fs::temp_directory_path() / ("openhi_served_" + std::to_string(::getpid()) + "_" +
                                          std::to_string(next_instance++));
  fs::remove_all(s->root_);
  OPENHI_ASSIGN_OR_RETURN(s->store_, store::Store::Open({s->root_ / "data", 2}));
  OPENHI_ASSIGN_OR_RETURN(auto ds, s->store_->CreateDatastore({"served", "token", {}, "", "", ""}));
  s->datastore_id_ = ds.id;
  int n = 0;
  for (const fs::path& dir : import_dirs) {
    const std::string tag = std::to_string(n++);
    store::StartImportRequest r{s->datastore_id_, "job" + tag, "arn:aws:iam::000000000000:role/x",
                                "token-" + tag, dir.string(),
                                "file://" + (s->root_ / ("out" + tag)).string() + "/", ""};
    OPENHI_ASSIGN_OR_RETURN(auto job, s->store_->StartImport(r));
    OPENHI_RETURN_IF_ERROR(s->store_->RunImport(job.id));
  }
  OPENHI_ASSIGN_OR_RETURN(auto page, s->store_->SearchImageSets(s->datastore_id_, {}, 50, ""));
  for (const auto& summary : page.summaries) s->image_set_ids_.push_back(summary.image_set_id);

  api::ServiceOptions so;
  OPENHI_RETURN_IF_ERROR(so.credentials.Add(kKeyId, kSecret));
  s->shared_ = std::make_shared<Shared>();
  s->shared_->service = std::make_unique<api::AhiService>(*s->store_, std::move(so));
  http::ServerOptions ho;
  ho.io_threads = 2;
  ho.error_responder = [](int status, std::string message) {
    return api::AhiService::ErrorResponse(status, message);
  };
  std::shared_ptr<Shared> shared = s->shared_;
  OPENHI_ASSIGN_OR_RETURN(s->server_, http::Server::Start(ho, [shared](const http::Request& req) {
                            Interceptor interceptor;
                            {
                              std::lock_guard lock(shared->mu);
                              interceptor = shared->interceptor;
                            }
                            if (interceptor) {
                              if (auto response = interceptor(req)) return std::move(*response);
                            }
                            return shared->service->Handle(req);
                          }));
  return s;
}

ServedStore::~ServedStore() {
  server_.reset();  // stop serving before the service and store go
  shared_.reset();
  store_.reset();
  std::error_code ec;
  fs::remove_all(root_, ec);
}

std::string ServedStore::endpoint() const { return "http://" + server_->address(); }

ClientConfig ServedStore::Config() const {
  ClientConfig c;
  c.endpoint = endpoint();
  c.credentials = {kKeyId, kSecret};
  c.connections = 4;
  c.backoff_base = std::chrono::milliseconds(1);
  c.backoff_cap = std::chrono::milliseconds(5);
  return c;
}

void ServedStore::SetInterceptor(Interceptor interceptor) {
  std::lock_guard lock(shared_->mu);
  shared_->interceptor = std::move(interceptor);
}

}  // namespace openhi::client::testing
