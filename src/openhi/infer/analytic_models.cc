#include "openhi/infer/analytic_models.h"

#include <torch/script.h>

#include <cstdio>
#include <string>

namespace openhi::infer {
namespace {

std::string Literal(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

Status SaveBandModel(const std::filesystem::path& path, const BandModelSpec& spec) {
  if (!(spec.lo_hu < spec.hi_hu)) return InvalidArgument("band model needs lo_hu < hi_hu");
  if (!(spec.a_min < spec.a_max)) return InvalidArgument("band model needs a_min < a_max");
  if (!(spec.sharpness > 0)) return InvalidArgument("band model needs sharpness > 0");
  const double range = static_cast<double>(spec.a_max) - spec.a_min;
  const double lo = (spec.lo_hu - static_cast<double>(spec.a_min)) / range;
  const double hi = (spec.hi_hu - static_cast<double>(spec.a_min)) / range;
  const std::string source =
      "def forward(self, x):\n"
      "    inside = torch.minimum(x - " + Literal(lo) + ", " + Literal(hi) + " - x) * " +
      Literal(spec.sharpness) + "\n"
      "    return torch.cat([torch.zeros_like(inside), inside], dim=1)\n";
  try {
    torch::jit::Module module("openhi_band_model");
    module.define(source);
    module.save(path.string());
  } catch (const c10::Error& e) {
    return Internal("writing band model " + path.string() + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    return Internal("writing band model " + path.string() + ": " + e.what());
  }
  return Status::Ok();
}

Status SaveEdgeModel(const std::filesystem::path& path, int axis, float step, float sharpness) {
  if (axis < 0 || axis > 2) return InvalidArgument("edge model axis must be 0, 1 or 2");
  if (!(step > 0) || !(sharpness > 0)) {
    return InvalidArgument("edge model needs step > 0 and sharpness > 0");
  }
  const std::string dim = std::to_string(axis + 2);  // NCDHW
  const std::string source =
      "def forward(self, x):\n"
      "    n = x.size(" + dim + ")\n"
      "    last = x.narrow(" + dim + ", n - 1, 1)\n"
      "    ahead = torch.cat([x.narrow(" + dim + ", 2, n - 2), last, last], dim=" + dim + ")\n"
      "    edge = (x - ahead - " + Literal(step) + ") * " + Literal(sharpness) + "\n"
      "    return torch.cat([torch.zeros_like(edge), edge], dim=1)\n";
  try {
    torch::jit::Module module("openhi_edge_model");
    module.define(source);
    module.save(path.string());
  } catch (const c10::Error& e) {
    return Internal("writing edge model " + path.string() + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    return Internal("writing edge model " + path.string() + ": " + e.what());
  }
  return Status::Ok();
}

}  // namespace openhi::infer
