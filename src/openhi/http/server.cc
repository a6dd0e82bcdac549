#include "openhi/http/server.h"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "openhi/core/check.h"
#include "openhi/core/logging.h"
#include "openhi/http/internal/endpoint.h"
#include "openhi/http/internal/listener.h"
#include "openhi/http/internal/server_context.h"
#include "openhi/http/internal/session.h"
#include "openhi/http/internal/wire.h"

namespace openhi::http {

namespace net = boost::asio;

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (internal::EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

Response DefaultErrorResponse(int status, std::string message) {
  Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  response.body = std::move(message);
  response.body.push_back('\n');
  return response;
}

// Member order matters: `context` outlives the io_context, whose destruction destroys the
// sessions still queued in it (they unregister from `context`).
struct Server::Impl {
  Impl(ServerOptions options, Handler handler, size_t thread_count)
      : context(std::move(options), std::move(handler)), io(static_cast<int>(thread_count)) {}

  // Lets the IO threads finish and joins them.
  void JoinThreads() {
    work.reset();
    io.stop();
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
  }

  internal::ServerContext context;
  net::io_context io;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::shared_ptr<internal::Listener> listener;
  net::ip::tcp::endpoint local;
  std::vector<std::thread> threads;

  std::mutex stop_mu;
  bool stopped = false;  // GUARDED_BY(stop_mu)
};

Server::Server(PassKey, std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options, Handler handler) {
  if (!handler) return InvalidArgument("http: handler is empty");
  if (options.max_connections == 0 || options.max_header_bytes == 0) {
    return InvalidArgument("http: max_connections and max_header_bytes must be positive");
  }
  if (options.header_timeout.count() <= 0 || options.body_timeout.count() <= 0 ||
      options.idle_timeout.count() <= 0) {
    return InvalidArgument("http: timeouts must be positive");
  }
  OPENHI_ASSIGN_OR_RETURN(net::ip::tcp::endpoint endpoint,
                          internal::ResolveListenAddress(options.listen));
  size_t threads = options.io_threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());

  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler), threads);
  impl->listener = std::make_shared<internal::Listener>(impl->io, impl->context);
  OPENHI_RETURN_IF_ERROR(impl->listener->Listen(endpoint));
  impl->local = impl->listener->local_endpoint();
  impl->work.emplace(net::make_work_guard(impl->io));
  impl->listener->Start();
  try {
    for (size_t i = 0; i < threads; ++i) {
      impl->threads.emplace_back([io = &impl->io] {
        for (;;) {
          try {
            io->run();
            return;
          } catch (const std::exception& e) {
            // Handlers catch their own errors; this is a last resort (e.g. bad_alloc).
            LogError(std::string("http.io_thread_exception what=") + e.what());
          }
        }
      });
    }
  } catch (const std::system_error& e) {
    impl->JoinThreads();
    return Internal(std::string("http: cannot start IO threads: ") + e.what());
  }
  LogInfo("http.listening address=" + internal::FormatEndpoint(impl->local) +
          " io_threads=" + std::to_string(threads));
  return std::make_unique<Server>(PassKey(), std::move(impl));
}

uint16_t Server::port() const { return impl_->local.port(); }

std::string Server::address() const { return internal::FormatEndpoint(impl_->local); }

const ServerStats& Server::stats() const { return impl_->context.stats(); }

void Server::Stop() {
  std::lock_guard lock(impl_->stop_mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  // Stop() from an IO thread would wait for itself.
  for (const auto& t : impl_->threads) OPENHI_CHECK(t.get_id() != std::this_thread::get_id());

  impl_->listener->Stop();
  {
    std::vector<std::shared_ptr<internal::Session>> sessions = impl_->context.BeginStop();
    for (auto& session : sessions) session->NotifyStop();
  }  // drop our references before waiting, or the sessions could not die
  if (!impl_->context.WaitForSessions(impl_->context.options().stop_timeout)) {
    LogWarn("http.stop_timeout in_flight_connections_closed=" +
            std::to_string(impl_->context.stats().active_connections.load()));
  }
  impl_->JoinThreads();
}

}  // namespace openhi::http
