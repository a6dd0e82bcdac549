#include "openhi/api/routes.h"

#include <array>
#include <vector>

namespace openhi::api {
namespace {

struct Route {
  std::string_view method;
  std::string_view pattern;  // segments; "{name}" captures one segment
  Operation op;
  std::string_view name;
};

// ahi-api.md §5: exact wire paths.
constexpr std::array<Route, kOperationCount> kRoutes{{
    {"POST", "/datastore", Operation::kCreateDatastore, "CreateDatastore"},
    {"GET", "/datastore/{datastoreId}", Operation::kGetDatastore, "GetDatastore"},
    {"GET", "/datastore", Operation::kListDatastores, "ListDatastores"},
    {"DELETE", "/datastore/{datastoreId}", Operation::kDeleteDatastore, "DeleteDatastore"},
    {"POST", "/startDICOMImportJob/datastore/{datastoreId}", Operation::kStartDICOMImportJob,
     "StartDICOMImportJob"},
    {"GET", "/getDICOMImportJob/datastore/{datastoreId}/job/{jobId}",
     Operation::kGetDICOMImportJob, "GetDICOMImportJob"},
    {"GET", "/listDICOMImportJobs/datastore/{datastoreId}", Operation::kListDICOMImportJobs,
     "ListDICOMImportJobs"},
    {"POST", "/tags/{resourceArn}", Operation::kTagResource, "TagResource"},
    {"GET", "/tags/{resourceArn}", Operation::kListTagsForResource, "ListTagsForResource"},
    {"DELETE", "/tags/{resourceArn}", Operation::kUntagResource, "UntagResource"},
    {"POST", "/datastore/{datastoreId}/searchImageSets", Operation::kSearchImageSets,
     "SearchImageSets"},
    {"POST", "/datastore/{datastoreId}/imageSet/{imageSetId}/getImageSet",
     Operation::kGetImageSet, "GetImageSet"},
    {"POST", "/datastore/{datastoreId}/imageSet/{imageSetId}/getImageSetMetadata",
     Operation::kGetImageSetMetadata, "GetImageSetMetadata"},
    {"POST", "/datastore/{datastoreId}/imageSet/{imageSetId}/getImageFrame",
     Operation::kGetImageFrame, "GetImageFrame"},
    {"POST", "/datastore/{datastoreId}/imageSet/{imageSetId}/listImageSetVersions",
     Operation::kListImageSetVersions, "ListImageSetVersions"},
    {"POST", "/datastore/{datastoreId}/imageSet/{imageSetId}/updateImageSetMetadata",
     Operation::kUpdateImageSetMetadata, "UpdateImageSetMetadata"},
    {"POST", "/datastore/{datastoreId}/imageSet/{sourceImageSetId}/copyImageSet",
     Operation::kCopyImageSet, "CopyImageSet"},
    {"POST", "/datastore/{datastoreId}/imageSet/{imageSetId}/deleteImageSet",
     Operation::kDeleteImageSet, "DeleteImageSet"},
    {"GET", "/health", Operation::kHealth, "Health"},
    {"GET", "/metrics", Operation::kMetrics, "Metrics"},
}};

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;
  if (path.empty() || path[0] != '/') return out;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view OperationName(Operation op) { return kRoutes[static_cast<int>(op)].name; }

Result<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return InvalidArgument("bad percent-encoding");
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return InvalidArgument("bad percent-encoding");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

Result<std::multimap<std::string, std::string>> ParseQuery(std::string_view q) {
  std::multimap<std::string, std::string> out;
  size_t start = 0;
  while (start < q.size()) {
    size_t end = q.find('&', start);
    if (end == std::string_view::npos) end = q.size();
    std::string_view pair = q.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string name(pair.substr(0, eq));
      std::string value(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
      for (auto* s : {&name, &value}) {
        for (char& c : *s)
          if (c == '+') c = ' ';
      }
      OPENHI_ASSIGN_OR_RETURN(std::string n, PercentDecode(name));
      OPENHI_ASSIGN_OR_RETURN(std::string v, PercentDecode(value));
      out.emplace(std::move(n), std::move(v));
    }
    start = end + 1;
  }
  return out;
}

Result<RouteMatch> MatchRoute(std::string_view method, std::string_view raw_path) {
  std::vector<std::string_view> segs = Segments(raw_path);
  for (const Route& r : kRoutes) {
    std::vector<std::string_view> pat = Segments(r.pattern);
    if (pat.size() != segs.size() || r.method != method) continue;
    RouteMatch m{r.op, {}};
    bool ok = true;
    for (size_t i = 0; i < pat.size() && ok; ++i) {
      if (pat[i].size() > 2 && pat[i].front() == '{') {
        if (segs[i].empty()) {
          ok = false;
          break;
        }
        OPENHI_ASSIGN_OR_RETURN(std::string v, PercentDecode(segs[i]));
        m.params[std::string(pat[i].substr(1, pat[i].size() - 2))] = std::move(v);
      } else if (pat[i] != segs[i]) {
        ok = false;
      }
    }
    if (ok) return m;
  }
  return NotFound("no operation for " + std::string(method) + " " + std::string(raw_path));
}

}  // namespace openhi::api
