// IsNumberStringAttribute: which attributes hold IS/DS (numbers written as text), for the
// selector's numeric matchers. The dicom module does not expose dictionary VRs, so the IS/DS
// attributes that selection rules plausibly test are listed here (PS3.6; image, CT, MR, PET,
// equipment and geometry modules). "DICOMVRs" entries of an instance take precedence. An
// attribute missing from both is treated as text (string matchers then use re.search instead
// of re.fullmatch; numeric matchers still work because text is compared as a number).
#include <algorithm>
#include <array>
#include <string_view>

#include "openhi/ops/dicom_attributes.h"
#include "openhi/ops/series_selector.h"

namespace openhi::ops {
namespace {

// Sorted (std::binary_search).
constexpr std::array<std::string_view, 60> kNumberStringKeywords = {
    "AcquisitionNumber",
    "ActualFrameDuration",
    "CTDIvol",
    "DataCollectionDiameter",
    "DistanceSourceToDetector",
    "DistanceSourceToPatient",
    "EchoNumbers",
    "EchoTime",
    "EchoTrainLength",
    "Exposure",
    "ExposureInuAs",
    "ExposureTime",
    "FlipAngle",
    "FrameTime",
    "GantryDetectorTilt",
    "HeartRate",
    "ImageOrientationPatient",
    "ImagePositionPatient",
    "ImagingFrequency",
    "InstanceNumber",
    "InversionTime",
    "KVP",
    "MagneticFieldStrength",
    "NumberOfAverages",
    "NumberOfFrames",
    "NumberOfPhaseEncodingSteps",
    "NumberOfSlices",
    "NumberOfTemporalPositions",
    "PatientSize",
    "PatientWeight",
    "PercentPhaseFieldOfView",
    "PercentSampling",
    "PixelBandwidth",
    "PixelSpacing",
    "RadionuclideHalfLife",
    "RadionuclideTotalDose",
    "ReconstructionDiameter",
    "ReconstructionTargetCenterPatient",
    "RepetitionTime",
    "RescaleIntercept",
    "RescaleSlope",
    "RevolutionTime",
    "SAR",
    "SeriesNumber",
    "SingleCollimationWidth",
    "SliceLocation",
    "SliceThickness",
    "SpacingBetweenSlices",
    "SpiralPitchFactor",
    "TableFeedPerRotation",
    "TableHeight",
    "TableSpeed",
    "TemporalPositionIdentifier",
    "TotalCollimationWidth",
    "TriggerTime",
    "WindowCenter",
    "WindowWidth",
    "XRayTubeCurrent",
    "XRayTubeCurrentInmA",
    "dBdt",
};

}  // namespace

bool IsNumberStringAttribute(const nlohmann::json& attributes, std::string_view keyword) {
  if (attributes.is_object()) {
    auto vrs = attributes.find("DICOMVRs");
    if (vrs != attributes.end() && vrs->is_object()) {
      auto it = vrs->find(keyword);
      if (it != vrs->end() && it->is_string()) {
        return *it == "IS" || *it == "DS";
      }
    }
  }
  return std::binary_search(kNumberStringKeywords.begin(), kNumberStringKeywords.end(), keyword);
}

}  // namespace openhi::ops
