#pragma once
// One function per AHI operation: decode the wire request (path, query, JSON body), validate it
// against the service model, call the store, encode the response. Errors are Status values that
// the service renders as AWS error envelopes.
#include <string>

#include "openhi/api/routes.h"
#include "openhi/core/status.h"
#include "openhi/http/server.h"
#include "openhi/store/store.h"

namespace openhi::api {

Result<http::Response> Dispatch(store::Store& store, const RouteMatch& route,
                                const http::Request& request);

// Prometheus gauges of import jobs by state, over all datastores.
std::string ImportJobGauges(store::Store& store);

}  // namespace openhi::api
