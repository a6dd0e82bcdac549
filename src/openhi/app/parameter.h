#pragma once
// Parameter<T>: a typed operator parameter with a default, settable from C++ or from JSON
// (app.json "params"). Supported T: bool, int64_t, double, std::string,
// std::vector<std::string> and nlohmann::json (any JSON value, passed through unchecked).
// Thread-compatible: parameters are set while the graph is composed, read during Compute.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "openhi/core/status.h"

namespace openhi::app {

// JSON conversion of the supported parameter types. Decode fails with kInvalidArgument
// ("expected <kind>, got <json type>"); integers accept only integral JSON numbers, doubles any
// JSON number.
template <typename T>
struct ParamCodec;

template <>
struct ParamCodec<bool> {
  static constexpr std::string_view kKind = "boolean";
  static Result<bool> Decode(const nlohmann::json& j);
};
template <>
struct ParamCodec<int64_t> {
  static constexpr std::string_view kKind = "integer";
  static Result<int64_t> Decode(const nlohmann::json& j);
};
template <>
struct ParamCodec<double> {
  static constexpr std::string_view kKind = "number";
  static Result<double> Decode(const nlohmann::json& j);
};
template <>
struct ParamCodec<std::string> {
  static constexpr std::string_view kKind = "string";
  static Result<std::string> Decode(const nlohmann::json& j);
};
template <>
struct ParamCodec<std::vector<std::string>> {
  static constexpr std::string_view kKind = "array of strings";
  static Result<std::vector<std::string>> Decode(const nlohmann::json& j);
};
template <>
struct ParamCodec<nlohmann::json> {
  static constexpr std::string_view kKind = "any JSON value";
  static Result<nlohmann::json> Decode(const nlohmann::json& j) { return j; }
};

// Storage of one parameter inside an operator. Declare it as a member and bind it in Setup with
// OperatorSpec::Param, which sets the default.
template <typename T>
class Parameter {
 public:
  const T& get() const { return value_; }
  const T& operator*() const { return value_; }
  const T* operator->() const { return &value_; }
  void set(T value) { value_ = std::move(value); }

 private:
  T value_{};
};

// What OperatorSpec records about a parameter.
struct ParamSpec {
  std::string name;
  std::string description;
  std::string kind;              // ParamCodec<T>::kKind
  nlohmann::json default_value;  // as JSON
  // Decodes `value` and stores it in the bound Parameter<T>. kInvalidArgument on a type
  // mismatch (the message does not name the parameter; the caller adds it).
  std::function<Status(const nlohmann::json& value)> set_from_json;
};

}  // namespace openhi::app
