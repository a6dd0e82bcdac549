#pragma once
// Reading attributes from the AHI-style JSON of dicom_series.h:
//   {"DICOM": {"<Keyword>": value, ...}, "DICOMVRs": {...}}
// Values follow ahi-api.md §7: numbers for binary numeric VRs, strings for IS/DS (padding
// kept), arrays when the dictionary VM allows several values, null when empty.
// Pure functions; thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace openhi::ops {

// The value of `keyword`, or nullptr when absent or null.
const nlohmann::json* FindAttribute(const nlohmann::json& attributes, std::string_view keyword);

// A single-valued text attribute (the first value of an array), surrounding spaces trimmed.
// nullopt when absent, null or empty after trimming.
std::optional<std::string> GetText(const nlohmann::json& attributes, std::string_view keyword);

// Every value as text (one per value; numbers formatted as by FormatNumber), trimmed, with
// each string also split at '\'. Empty when absent or null.
std::vector<std::string> GetTextValues(const nlohmann::json& attributes, std::string_view keyword);

// Every value as a number (IS/DS strings parsed); nullopt when absent, or when any value is
// not a finite number.
std::optional<std::vector<double>> GetNumbers(const nlohmann::json& attributes,
                                              std::string_view keyword);

// A decimal number in full (optional sign, digits, '.', exponent), surrounding spaces trimmed.
std::optional<double> ParseNumber(std::string_view text);

// Shortest text of `value` that reads back exactly; integral values without a decimal point
// ("5", "-2.5", "0.1").
std::string FormatNumber(double value);

std::string_view TrimSpaces(std::string_view text);

}  // namespace openhi::ops
