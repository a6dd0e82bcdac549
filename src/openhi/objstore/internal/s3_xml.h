#pragma once
// Parsers for the XML documents S3 answers with (pugixml kept out of this header). The input is
// untrusted bytes from the network: malformed documents give errors, never crashes.
// Thread safety: pure functions.
#include <string>
#include <string_view>
#include <vector>

#include "openhi/core/status.h"
#include "openhi/objstore/object_store.h"

namespace openhi::objstore::internal {

// <Error><Code>..</Code><Message>..</Message></Error>. Fields are empty when `xml` is not such a
// document (empty HEAD bodies, HTML from a proxy).
struct S3ErrorDoc {
  std::string code;
  std::string message;
};
S3ErrorDoc ParseS3Error(std::string_view xml);

// One page of a ListObjectsV2 answer (<ListBucketResult>).
struct ListPage {
  std::vector<ObjectInfo> objects;  // in the order S3 sent them
  bool truncated = false;
  std::string next_continuation_token;  // non-empty when truncated
};
// kInternal for a document that is not a ListBucketResult, lacks Key/Size, or is truncated
// without a NextContinuationToken.
Result<ListPage> ParseListObjectsV2(std::string_view xml);

}  // namespace openhi::objstore::internal
