#include "openhi/objstore/internal/s3_xml.h"

#include <charconv>
#include <pugixml.hpp>

namespace openhi::objstore::internal {
namespace {

// Loads `xml` without entity expansion beyond the XML built-ins (pugixml never fetches DTDs).
bool Load(std::string_view xml, pugi::xml_document* doc) {
  if (xml.empty()) return false;
  return doc->load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
}

}  // namespace

S3ErrorDoc ParseS3Error(std::string_view xml) {
  S3ErrorDoc out;
  pugi::xml_document doc;
  if (!Load(xml, &doc)) return out;
  pugi::xml_node error = doc.child("Error");
  if (!error) return out;
  out.code = error.child_value("Code");
  out.message = error.child_value("Message");
  return out;
}

Result<ListPage> ParseListObjectsV2(std::string_view xml) {
  pugi::xml_document doc;
  if (!Load(xml, &doc)) return Internal("S3 list: the answer is not XML");
  pugi::xml_node root = doc.child("ListBucketResult");
  if (!root) return Internal("S3 list: the answer is not a ListBucketResult");
  ListPage page;
  for (pugi::xml_node c = root.child("Contents"); c; c = c.next_sibling("Contents")) {
    pugi::xml_node key = c.child("Key");
    std::string_view size = c.child_value("Size");
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), n);
    if (!key || ec != std::errc() || end != size.data() + size.size() || size.empty()) {
      return Internal("S3 list: an entry lacks a Key or a valid Size");
    }
    page.objects.push_back({key.text().as_string(), n});
  }
  page.truncated = std::string_view(root.child_value("IsTruncated")) == "true";
  page.next_continuation_token = root.child_value("NextContinuationToken");
  if (page.truncated && page.next_continuation_token.empty()) {
    return Internal("S3 list: truncated answer without a NextContinuationToken");
  }
  return page;
}

}  // namespace openhi::objstore::internal
