#include "openhi/ops/duplicate_positions.h"

#include <map>
#include <optional>
#include <tuple>

#include "openhi/ops/dicom_attributes.h"

namespace openhi::ops {
namespace {

double AcquisitionNumber(const DicomInstanceRef& instance) {
  std::optional<std::vector<double>> n = GetNumbers(instance.attributes, "AcquisitionNumber");
  return n && !n->empty() ? n->front() : -1.0;
}

std::string PositionText(const std::vector<double>& ipp) {
  return "(" + FormatNumber(ipp[0]) + ", " + FormatNumber(ipp[1]) + ", " + FormatNumber(ipp[2]) +
         ")";
}

}  // namespace

std::vector<size_t> DeduplicatePositions(std::span<const DicomInstanceRef* const> instances,
                                         std::string_view series_instance_uid,
                                         const std::function<std::string(size_t)>& describe,
                                         std::vector<std::string>* warnings) {
  std::vector<size_t> kept;
  std::map<std::tuple<double, double, double>, size_t> by_position;  // -> index in `kept`
  for (size_t i = 0; i < instances.size(); ++i) {
    std::optional<std::vector<double>> ipp =
        GetNumbers(instances[i]->attributes, "ImagePositionPatient");
    if (ipp && ipp->size() == 3) {
      auto pos = std::make_tuple((*ipp)[0], (*ipp)[1], (*ipp)[2]);
      auto [it, new_position] = by_position.try_emplace(pos, kept.size());
      if (!new_position) {
        size_t& slot = kept[it->second];
        size_t dropped = i;
        if (AcquisitionNumber(*instances[i]) > AcquisitionNumber(*instances[slot])) {
          std::swap(slot, dropped);
        }
        if (warnings != nullptr) {
          warnings->push_back("duplicate position " + PositionText(*ipp) + " in series " +
                              std::string(series_instance_uid) + ": dropped " + describe(dropped) +
                              " (AcquisitionNumber " +
                              FormatNumber(AcquisitionNumber(*instances[dropped])) + "), kept " +
                              describe(slot) + " (AcquisitionNumber " +
                              FormatNumber(AcquisitionNumber(*instances[slot])) + ")");
        }
        continue;
      }
    }
    kept.push_back(i);
  }
  return kept;
}

}  // namespace openhi::ops
