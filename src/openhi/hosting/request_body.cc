#include "openhi/hosting/request_body.h"

#include <nlohmann/json.hpp>

#include "openhi/core/ids.h"

namespace openhi::hosting {
namespace {

Result<ImageSetRef> ParseRef(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) return InvalidArgument(where + " must be an object");
  ImageSetRef ref;
  for (auto [member, out] : {std::pair{"datastoreId", &ref.datastore_id},
                             std::pair{"imageSetId", &ref.image_set_id}}) {
    auto it = j.find(member);
    if (it == j.end()) return InvalidArgument(where + "." + member + " is required");
    if (!it->is_string() || !IsValidId(it->get_ref<const std::string&>())) {
      return InvalidArgument(where + "." + member + " must be 32 lower-case hex characters");
    }
    *out = it->get<std::string>();
  }
  return ref;
}

}  // namespace

Result<std::vector<ImageSetRef>> ParseInvocationBody(std::string_view body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("the request body is not valid JSON");
  if (!j.is_object()) return InvalidArgument("the request body must be a JSON object");
  std::vector<ImageSetRef> refs;
  if (auto it = j.find("inputs"); it != j.end()) {
    if (!it->is_array() || it->empty()) {
      return InvalidArgument("inputs must be a non-empty array of {datastoreId, imageSetId}");
    }
    if (it->size() > kMaxInputsPerRequest) {
      return InvalidArgument("inputs holds more than " + std::to_string(kMaxInputsPerRequest) +
                             " image sets");
    }
    for (size_t i = 0; i < it->size(); ++i) {
      OPENHI_ASSIGN_OR_RETURN(ImageSetRef r, ParseRef((*it)[i], "inputs[" + std::to_string(i) + "]"));
      refs.push_back(std::move(r));
    }
    return refs;
  }
  if (!j.contains("datastoreId") && !j.contains("imageSetId")) {
    return InvalidArgument(
        "the request body must be {\"inputs\":[{\"datastoreId\",\"imageSetId\"}]} or "
        "{\"datastoreId\",\"imageSetId\"}");
  }
  OPENHI_ASSIGN_OR_RETURN(ImageSetRef r, ParseRef(j, "body"));
  refs.push_back(std::move(r));
  return refs;
}

}  // namespace openhi::hosting
