#pragma once
// The AHI route table: method + raw path -> operation and path parameters. All 18 operations of
// the medical-imaging service model (control and data plane) plus /health and /metrics live on
// one listener; the Host header is ignored (clients reach us with or without the `runtime-`
// prefix). Routes are declared once, in routes.cc.
#include <map>
#include <string>
#include <string_view>

#include "openhi/core/status.h"

namespace openhi::api {

enum class Operation {
  kCreateDatastore, kGetDatastore, kListDatastores, kDeleteDatastore,
  kStartDICOMImportJob, kGetDICOMImportJob, kListDICOMImportJobs,
  kTagResource, kListTagsForResource, kUntagResource,
  kSearchImageSets, kGetImageSet, kGetImageSetMetadata, kGetImageFrame,
  kListImageSetVersions, kUpdateImageSetMetadata, kCopyImageSet, kDeleteImageSet,
  kHealth, kMetrics,
};
inline constexpr int kOperationCount = static_cast<int>(Operation::kMetrics) + 1;

// The operation's service-model name ("GetImageFrame"), used in metrics and logs.
std::string_view OperationName(Operation op);

struct RouteMatch {
  Operation op;
  std::map<std::string, std::string> params;  // percent-decoded path parameters
};

// kNotFound when no route has this path; kInvalidArgument for a path with bad percent-encoding.
// A known path with another method is kNotFound as well (AWS answers UnknownOperationException).
Result<RouteMatch> MatchRoute(std::string_view method, std::string_view raw_path);

// Percent-decodes; kInvalidArgument on a malformed escape.
Result<std::string> PercentDecode(std::string_view s);

// Decoded query parameters (repeated names kept in order).
Result<std::multimap<std::string, std::string>> ParseQuery(std::string_view raw_query);

}  // namespace openhi::api
