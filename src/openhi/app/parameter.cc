#include "openhi/app/parameter.h"

#include <string>

namespace openhi::app {
namespace {

Status Mismatch(std::string_view kind, const nlohmann::json& j) {
  return InvalidArgument("expected " + std::string(kind) + ", got " + std::string(j.type_name()));
}

}  // namespace

Result<bool> ParamCodec<bool>::Decode(const nlohmann::json& j) {
  if (!j.is_boolean()) return Mismatch(kKind, j);
  return j.get<bool>();
}

Result<int64_t> ParamCodec<int64_t>::Decode(const nlohmann::json& j) {
  if (j.is_number_integer()) {
    if (j.is_number_unsigned() && j.get<uint64_t>() > uint64_t{INT64_MAX}) {
      return InvalidArgument("integer out of range");
    }
    return j.get<int64_t>();
  }
  if (j.is_number_float()) {
    double d = j.get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d)) && d >= -9.2e18 && d <= 9.2e18) {
      return static_cast<int64_t>(d);
    }
    return InvalidArgument("expected integer, got non-integral number");
  }
  return Mismatch(kKind, j);
}

Result<double> ParamCodec<double>::Decode(const nlohmann::json& j) {
  if (!j.is_number()) return Mismatch(kKind, j);
  return j.get<double>();
}

Result<std::string> ParamCodec<std::string>::Decode(const nlohmann::json& j) {
  if (!j.is_string()) return Mismatch(kKind, j);
  return j.get<std::string>();
}

Result<std::vector<std::string>> ParamCodec<std::vector<std::string>>::Decode(
    const nlohmann::json& j) {
  if (!j.is_array()) return Mismatch(kKind, j);
  std::vector<std::string> out;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) {
      return InvalidArgument("expected array of strings, element " + std::to_string(i) + " is " +
                             std::string(j[i].type_name()));
    }
    out.push_back(j[i].get<std::string>());
  }
  return out;
}

}  // namespace openhi::app
