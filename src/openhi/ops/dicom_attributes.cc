#include "openhi/ops/dicom_attributes.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace openhi::ops {

std::string_view TrimSpaces(std::string_view text) {
  size_t b = 0;
  size_t e = text.size();
  while (b < e && (text[b] == ' ' || text[b] == '\0')) ++b;
  while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\0')) --e;
  return text.substr(b, e - b);
}

const nlohmann::json* FindAttribute(const nlohmann::json& attributes, std::string_view keyword) {
  if (!attributes.is_object()) return nullptr;
  auto dicom = attributes.find("DICOM");
  if (dicom == attributes.end() || !dicom->is_object()) return nullptr;
  auto it = dicom->find(keyword);
  if (it == dicom->end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<double> ParseNumber(std::string_view text) {
  text = TrimSpaces(text);
  if (text.empty()) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string FormatNumber(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, ec == std::errc() ? ptr : buf);
}

namespace {

void AppendValues(const nlohmann::json& v, std::vector<std::string>& out) {
  if (v.is_array()) {
    for (const auto& item : v) AppendValues(item, out);
  } else if (v.is_string()) {
    std::string_view s = v.get_ref<const std::string&>();
    size_t start = 0;
    while (true) {
      size_t bs = s.find('\\', start);
      out.emplace_back(TrimSpaces(s.substr(start, bs == std::string_view::npos ? bs : bs - start)));
      if (bs == std::string_view::npos) break;
      start = bs + 1;
    }
  } else if (v.is_number()) {
    out.push_back(FormatNumber(v.get<double>()));
  } else if (v.is_boolean()) {
    out.push_back(v.get<bool>() ? "true" : "false");
  } else if (v.is_object() && v.contains("Alphabetic") && v["Alphabetic"].is_string()) {
    out.push_back(v["Alphabetic"].get<std::string>());  // PN in DICOM JSON form
  }
}

}  // namespace

std::vector<std::string> GetTextValues(const nlohmann::json& attributes,
                                       std::string_view keyword) {
  std::vector<std::string> out;
  if (const nlohmann::json* v = FindAttribute(attributes, keyword)) AppendValues(*v, out);
  return out;
}

std::optional<std::string> GetText(const nlohmann::json& attributes, std::string_view keyword) {
  std::vector<std::string> values = GetTextValues(attributes, keyword);
  if (values.empty() || values.front().empty()) return std::nullopt;
  return values.front();
}

std::optional<std::vector<double>> GetNumbers(const nlohmann::json& attributes,
                                              std::string_view keyword) {
  const nlohmann::json* v = FindAttribute(attributes, keyword);
  if (v == nullptr) return std::nullopt;
  std::vector<std::string> texts;
  AppendValues(*v, texts);
  if (texts.empty()) return std::nullopt;
  std::vector<double> out;
  for (const std::string& t : texts) {
    std::optional<double> d = ParseNumber(t);
    if (!d) return std::nullopt;
    out.push_back(*d);
  }
  return out;
}

}  // namespace openhi::ops
