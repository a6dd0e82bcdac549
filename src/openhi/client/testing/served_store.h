#pragma once
// ServedStore (tests only): a real store::Store in a temporary folder, series imported from
// folders, served by api::AhiService (SigV4) on an http::Server at 127.0.0.1:<ephemeral>. An
// optional interceptor sees every request first and may answer it instead of the service
// (fault injection: wrong bodies, errors, delays).
//
// Thread safety: the interceptor runs on the server's I/O threads; make it thread-safe.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "openhi/client/client_config.h"
#include "openhi/core/status.h"
#include "openhi/http/server.h"
#include "openhi/store/store.h"

namespace openhi::client::testing {

class ServedStore {
 public:
  // Returns a response to send instead of the service's, or nullopt to pass the request on.
  using Interceptor = std::function<std::optional<http::Response>(const http::Request&)>;

  // Imports every folder of `import_dirs` as one job each (files of a folder may form several
  // image sets) and starts serving.
  static Result<std::unique_ptr<ServedStore>> Start(
      const std::vector<std::filesystem::path>& import_dirs);
  ~ServedStore();

  // A client configuration for this server: endpoint, credentials, fast retries.
  ClientConfig Config() const;
  store::Store& store() { return *store_; }
  const std::string& datastore_id() const { return datastore_id_; }
  // Image set IDs in search order.
  const std::vector<std::string>& image_set_ids() const { return image_set_ids_; }
  std::string endpoint() const;
  void SetInterceptor(Interceptor interceptor);

 private:
  ServedStore() = default;
  struct Shared;
  std::filesystem::path root_;
  std::unique_ptr<store::Store> store_;
  std::string datastore_id_;
  std::vector<std::string> image_set_ids_;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace openhi::client::testing
