#include "openhi/hosting/locations.h"

namespace openhi::hosting {

Result<ObjectUri> SplitObjectUri(std::string_view uri) {
  const bool s3 = uri.rfind("s3://", 0) == 0;
  const bool file = uri.rfind("file:///", 0) == 0 || uri.rfind("/", 0) == 0;
  if (!s3 && !file) {
    return InvalidArgument("location must be s3://bucket/key or file:///path: " +
                           std::string(uri.substr(0, 200)));
  }
  const size_t slash = uri.rfind('/');
  if (slash == std::string_view::npos || slash + 1 >= uri.size()) {
    return InvalidArgument("location names no object: " + std::string(uri.substr(0, 200)));
  }
  if (s3 && uri.find('/', 5) == std::string_view::npos) {
    return InvalidArgument("location names no object: " + std::string(uri.substr(0, 200)));
  }
  if (s3 && slash < 6) return InvalidArgument("location has no bucket");
  ObjectUri out{std::string(uri.substr(0, slash + 1)), std::string(uri.substr(slash + 1))};
  OPENHI_RETURN_IF_ERROR(objstore::ValidateKey(out.name));
  return out;
}

Result<std::shared_ptr<objstore::Location>> LocationCache::Open(const std::string& dir_uri) {
  std::lock_guard lock(mu_);
  if (auto it = open_.find(dir_uri); it != open_.end()) return it->second;
  OPENHI_ASSIGN_OR_RETURN(objstore::Location loc, objstore::OpenLocation(dir_uri));
  auto shared = std::make_shared<objstore::Location>(std::move(loc));
  open_.emplace(dir_uri, shared);
  return shared;
}

Result<Bytes> LocationCache::Read(std::string_view uri, uint64_t max_bytes) {
  OPENHI_ASSIGN_OR_RETURN(ObjectUri obj, SplitObjectUri(uri));
  OPENHI_ASSIGN_OR_RETURN(auto loc, Open(obj.dir_uri));
  const std::string key = loc->prefix + obj.name;
  OPENHI_ASSIGN_OR_RETURN(objstore::ObjectInfo info, loc->store->Head(key));
  if (info.size > max_bytes) {
    return ResourceExhausted("input object is " + std::to_string(info.size) +
                             " bytes; the limit is " + std::to_string(max_bytes));
  }
  return loc->store->Get(key);
}

Result<std::string> LocationCache::Write(const std::string& dir_uri, std::string_view key,
                                         ByteView data) {
  OPENHI_ASSIGN_OR_RETURN(auto loc, Open(dir_uri));
  const std::string full = loc->prefix + std::string(key);
  OPENHI_RETURN_IF_ERROR(loc->store->Put(full, data));
  return loc->store->Uri(full);
}

}  // namespace openhi::hosting
