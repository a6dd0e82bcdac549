#include "openhi/volume/slice_geometry.h"

#include <charconv>
#include <cmath>

#include "openhi/volume/internal/vec_math.h"

namespace openhi::volume {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\0')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  return s;
}

// One DS value; nullopt-like failure reported through `ok`.
bool ParseOneDecimal(std::string_view text, double* out) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return false;
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

Result<double> ParseOptionalDecimal(const std::string& text, double fallback,
                                    std::string_view keyword) {
  if (Trim(text).empty()) return fallback;
  OPENHI_ASSIGN_OR_RETURN(std::vector<double> v,
                          ParseDecimalValues(std::span(&text, 1), 1, keyword));
  return v[0];
}

}  // namespace

Result<std::vector<double>> ParseDecimalValues(std::span<const std::string> values, size_t count,
                                               std::string_view keyword) {
  std::vector<double> out;
  for (const std::string& element : values) {
    std::string_view rest = element;
    while (true) {
      size_t cut = rest.find('\\');
      std::string_view one = rest.substr(0, cut);
      double v = 0;
      if (!ParseOneDecimal(one, &v)) {
        return InvalidArgument(std::string(keyword) + ": '" + std::string(one) +
                               "' is not a finite decimal number");
      }
      out.push_back(v);
      if (cut == std::string_view::npos) break;
      rest.remove_prefix(cut + 1);
    }
  }
  if (out.size() != count) {
    return InvalidArgument(std::string(keyword) + ": expected " + std::to_string(count) +
                           " values, got " + std::to_string(out.size()));
  }
  return out;
}

Result<SliceGeometry> ParseSliceGeometry(const SliceAttributeText& text) {
  SliceGeometry g;
  OPENHI_ASSIGN_OR_RETURN(
      auto ipp, ParseDecimalValues(text.image_position_patient, 3, "ImagePositionPatient"));
  OPENHI_ASSIGN_OR_RETURN(
      auto iop, ParseDecimalValues(text.image_orientation_patient, 6, "ImageOrientationPatient"));
  OPENHI_ASSIGN_OR_RETURN(auto ps, ParseDecimalValues(text.pixel_spacing, 2, "PixelSpacing"));
  for (int a = 0; a < 3; ++a) g.position[a] = ipp[a];
  for (int a = 0; a < 6; ++a) g.orientation[a] = iop[a];
  g.pixel_spacing = {ps[0], ps[1]};
  if (ps[0] <= 0 || ps[1] <= 0) {
    return InvalidArgument("PixelSpacing: values must be > 0 mm");
  }
  if (internal::Norm({iop[0], iop[1], iop[2]}) == 0 ||
      internal::Norm({iop[3], iop[4], iop[5]}) == 0) {
    return InvalidArgument("ImageOrientationPatient: row or column direction has zero length");
  }
  if (text.rows == 0 || text.columns == 0) {
    return InvalidArgument("Rows and Columns must be > 0");
  }
  g.rows = text.rows;
  g.columns = text.columns;
  OPENHI_ASSIGN_OR_RETURN(g.rescale_slope,
                          ParseOptionalDecimal(text.rescale_slope, 1.0, "RescaleSlope"));
  OPENHI_ASSIGN_OR_RETURN(g.rescale_intercept,
                          ParseOptionalDecimal(text.rescale_intercept, 0.0, "RescaleIntercept"));
  OPENHI_ASSIGN_OR_RETURN(g.slice_thickness_mm,
                          ParseOptionalDecimal(text.slice_thickness, 0.0, "SliceThickness"));
  return g;
}

}  // namespace openhi::volume
