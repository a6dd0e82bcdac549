#include "openhi/dicom/seg_writer.h"

#include <dcmtk/config/osconfig.h>  // must come first
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dcostrmb.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmfg/fgderimg.h>
#include <dcmtk/dcmfg/fgfracon.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmiod/iodmacro.h>
#include <dcmtk/dcmiod/modcommoninstanceref.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string_view>

#include "openhi/dicom/internal/dcmtk.h"

namespace openhi::dicom {
namespace {

using nlohmann::json;

// Attributes copied from the source instance: Patient, General Study, Patient Study modules and
// the Frame of Reference module (DcmIODCommon::importHierarchy reads exactly these levels).
constexpr const char* kCopiedKeywords[] = {
    // Patient
    "PatientName", "PatientID", "IssuerOfPatientID", "PatientBirthDate", "PatientBirthTime",
    "PatientSex", "OtherPatientIDs", "EthnicGroup", "PatientComments", "PatientIdentityRemoved",
    "DeidentificationMethod",
    // General Study
    "StudyInstanceUID", "StudyDate", "StudyTime", "ReferringPhysicianName", "StudyID",
    "AccessionNumber", "StudyDescription",
    // Patient Study
    "PatientAge", "PatientSize", "PatientWeight",
    // Frame of Reference
    "FrameOfReferenceUID", "PositionReferenceIndicator"};

constexpr const char* kDerivationSegmentation[3] = {"113076", "DCM", "Segmentation"};
constexpr const char* kPurposeSourceImage[3] = {"121322", "DCM",
                                                "Source image for image processing operation"};
constexpr const char* kAlgorithmFamilyAi[3] = {"123110", "DCM", "Artificial Intelligence"};

Status DcmtkError(std::string_view what, const OFCondition& cond) {
  return Internal("DICOM SEG: " + std::string(what) + ": " + internal::ConditionText(cond));
}

// A DS value (at most 16 characters) for `v`, with as many significant digits as fit.
std::string FormatDs(double v) {
  if (std::abs(v) < 1e-9) v = 0;  // no "-0" / "1e-17" noise from direction cosines
  char buf[32];
  for (int precision = 12; precision > 1; --precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, v);
    if (std::string_view(buf).size() <= 16) break;
  }
  return buf;
}

// A JSON attribute value as a DICOM string value: strings as is, arrays joined with '\',
// numbers formatted, null as empty. Sequences (arrays of objects) and objects: nullopt.
std::optional<std::string> JsonToDicomString(const json& value) {
  if (value.is_null()) return std::string();
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number()) return FormatDs(value.get<double>());
  if (value.is_array()) {
    std::string joined;
    for (size_t n = 0; n < value.size(); ++n) {
      std::optional<std::string> part = JsonToDicomString(value[n]);
      if (!part || value[n].is_array()) return std::nullopt;
      if (n > 0) joined += '\\';
      joined += *part;
    }
    return joined;
  }
  return std::nullopt;
}

std::string StringAttribute(const json& dicom, const char* keyword) {
  auto it = dicom.find(keyword);
  if (it == dicom.end()) return {};
  return JsonToDicomString(*it).value_or(std::string());
}

// The copied source attributes as a DCMTK item, ready for importHierarchy. Text is UTF-8 in the
// JSON: the item declares ISO_IR 192 when any copied value is not plain ASCII.
Result<std::unique_ptr<DcmItem>> SourceItem(const json& dicom) {
  auto item = std::make_unique<DcmItem>();
  bool non_ascii = false;
  for (const char* keyword : kCopiedKeywords) {
    auto it = dicom.find(keyword);
    if (it == dicom.end()) continue;
    std::optional<std::string> value = JsonToDicomString(*it);
    if (!value) {
      return InvalidArgument(std::string("DICOM SEG: source attribute ") + keyword +
                             " is not a string value");
    }
    const std::optional<uint32_t> tag = internal::LookupKeyword(keyword);
    if (!tag) return Internal(std::string("DICOM SEG: dictionary lacks ") + keyword);
    const DcmTagKey key(static_cast<Uint16>(*tag >> 16), static_cast<Uint16>(*tag & 0xFFFF));
    for (char c : *value) non_ascii |= static_cast<unsigned char>(c) >= 0x80;
    const OFCondition cond = item->putAndInsertString(key, value->c_str());
    if (cond.bad()) return DcmtkError(std::string("cannot set ") + keyword, cond);
  }
  if (non_ascii) item->putAndInsertString(DCM_SpecificCharacterSet, "ISO_IR 192");
  return item;
}

Status ValidateRequest(const SegRequest& r) {
  if (r.labels == nullptr) return InvalidArgument("DICOM SEG: no label volume");
  const volume::VolumeGeometry& g = r.labels->geometry;
  if (g.size[0] == 0 || g.size[1] == 0 || g.size[2] == 0) {
    return InvalidArgument("DICOM SEG: the label volume is empty (a zero dimension)");
  }
  if (g.size[0] > 65535 || g.size[1] > 65535) {
    return InvalidArgument("DICOM SEG: more than 65535 rows or columns");
  }
  if (r.labels->voxels.size() != g.VoxelCount()) {
    return InvalidArgument("DICOM SEG: the label volume has " +
                           std::to_string(r.labels->voxels.size()) + " voxels, its geometry " +
                           std::to_string(g.VoxelCount()));
  }
  for (int a = 0; a < 3; ++a) {
    if (!(g.spacing_mm[a] > 0)) return InvalidArgument("DICOM SEG: spacing must be > 0");
  }
  if (r.sources.empty()) return InvalidArgument("DICOM SEG: no source instances");
  if (r.sources.size() != g.size[2]) {
    return InvalidArgument("DICOM SEG: " + std::to_string(r.sources.size()) +
                           " source instances for " + std::to_string(g.size[2]) + " slices");
  }
  for (const SegSourceSlice& s : r.sources) {
    if (s.sop_class_uid.empty() || s.sop_instance_uid.empty()) {
      return InvalidArgument("DICOM SEG: a source instance without SOP class/instance UID");
    }
  }
  if (r.segments.empty()) return InvalidArgument("DICOM SEG: no segments");
  std::set<uint16_t> values;
  for (const SegSegment& s : r.segments) {
    if (s.label_value == 0 || s.label_value > 255) {
      return InvalidArgument("DICOM SEG: segment label values must be 1..255");
    }
    if (!values.insert(s.label_value).second) {
      return InvalidArgument("DICOM SEG: label value " + std::to_string(s.label_value) +
                             " used by two segments");
    }
    if (s.label.empty()) return InvalidArgument("DICOM SEG: a segment without a label");
    if ((s.algorithm_name.empty() && r.algorithm_name.empty()) ||
        (s.algorithm_version.empty() && r.algorithm_version.empty())) {
      return InvalidArgument("DICOM SEG: segment '" + s.label +
                             "' has no algorithm name or version");
    }
  }
  auto dicom = r.source_attributes.find("DICOM");
  if (!r.source_attributes.is_object() || dicom == r.source_attributes.end() ||
      !dicom->is_object()) {
    return InvalidArgument("DICOM SEG: source attributes must be {\"DICOM\": {...}}");
  }
  for (const char* required : {"StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID"}) {
    if (StringAttribute(*dicom, required).empty()) {
      return InvalidArgument(std::string("DICOM SEG: source attributes lack ") + required);
    }
  }
  return Status();
}

std::string NewUid(const char* root) {
  char buf[100];
  dcmGenerateUniqueIdentifier(buf, root);
  return buf;
}

CodeSequenceMacro Code(const CodedConcept& c) {
  return CodeSequenceMacro(c.value.c_str(), c.scheme.c_str(), c.meaning.c_str());
}
CodeSequenceMacro Code(const char* const (&c)[3]) { return CodeSequenceMacro(c[0], c[1], c[2]); }

// Serialises the dataset as a P10 file (Explicit VR Little Endian, meta header generated).
Result<Bytes> ToP10(DcmDataset& dataset) {
  DcmFileFormat file(&dataset);
  const E_TransferSyntax xfer = EXS_LittleEndianExplicit;
  file.validateMetaInfo(xfer);
  const Uint32 estimate = file.calcElementLength(xfer, EET_ExplicitLength) + 4096;
  std::vector<char> buffer(estimate);
  DcmOutputBufferStream out(buffer.data(), buffer.size());
  file.transferInit();
  const OFCondition cond = file.write(out, xfer, EET_ExplicitLength, nullptr);
  file.transferEnd();
  if (cond.bad()) return DcmtkError("writing P10", cond);
  void* data = nullptr;
  offile_off_t length = 0;
  out.flushBuffer(data, length);
  const auto* begin = static_cast<const std::byte*>(data);
  return Bytes(begin, begin + length);
}

// Frames (segment index, slice k) to write: the non-empty ones, or all when all are empty.
std::vector<std::pair<size_t, size_t>> FramesToWrite(const SegRequest& r) {
  const volume::Mask& m = *r.labels;
  const size_t slice_voxels = m.geometry.size[0] * m.geometry.size[1];
  std::vector<std::pair<size_t, size_t>> frames, all;
  for (size_t s = 0; s < r.segments.size(); ++s) {
    const uint8_t value = static_cast<uint8_t>(r.segments[s].label_value);
    for (size_t k = 0; k < m.geometry.size[2]; ++k) {
      all.emplace_back(s, k);
      const uint8_t* slice = m.voxels.data() + k * slice_voxels;
      for (size_t n = 0; n < slice_voxels; ++n) {
        if (slice[n] == value) {
          frames.emplace_back(s, k);
          break;
        }
      }
    }
  }
  return frames.empty() ? all : frames;
}

Status AddSegments(const SegRequest& r, DcmSegmentation& seg, std::vector<Uint16>& numbers) {
  for (const SegSegment& s : r.segments) {
    const std::string& name = s.algorithm_name.empty() ? r.algorithm_name : s.algorithm_name;
    const std::string& version =
        s.algorithm_version.empty() ? r.algorithm_version : s.algorithm_version;
    DcmSegment* raw = nullptr;
    OFCondition cond = DcmSegment::create(raw, s.label.c_str(), Code(s.category), Code(s.type),
                                          DcmSegTypes::SAT_AUTOMATIC, name.c_str());
    std::unique_ptr<DcmSegment> segment(raw);
    if (cond.bad() || !segment) return DcmtkError("segment '" + s.label + "'", cond);
    if (!s.description.empty()) {
      cond = segment->setSegmentDescription(s.description.c_str());
      if (cond.bad()) return DcmtkError("segment description", cond);
    }
    AlgorithmIdentificationMacro& algo = segment->getSegmentationAlgorithmIdentification();
    algo.getAlgorithmFamilyCode() = Code(kAlgorithmFamilyAi);
    cond = algo.setAlgorithmName(name.c_str());
    if (cond.good()) cond = algo.setAlgorithmVersion(version.c_str());
    if (cond.bad()) return DcmtkError("algorithm identification", cond);
    Uint16 number = 0;
    cond = seg.addSegment(segment.get(), number);
    if (cond.bad()) return DcmtkError("adding segment '" + s.label + "'", cond);
    segment.release();  // owned by `seg` now
    numbers.push_back(number);
  }
  return Status();
}

Status AddSharedGroups(const SegRequest& r, const json& dicom, DcmSegmentation& seg) {
  const volume::VolumeGeometry& g = r.labels->geometry;
  const volume::Vec3& row = g.direction[0];
  const volume::Vec3& col = g.direction[1];
  std::unique_ptr<FGPlaneOrientationPatient> orientation(FGPlaneOrientationPatient::createMinimal(
      FormatDs(row[0]).c_str(), FormatDs(row[1]).c_str(), FormatDs(row[2]).c_str(),
      FormatDs(col[0]).c_str(), FormatDs(col[1]).c_str(), FormatDs(col[2]).c_str()));
  if (!orientation) return Internal("DICOM SEG: cannot create the plane orientation group");
  OFCondition cond = seg.addForAllFrames(*orientation);
  if (cond.bad()) return DcmtkError("plane orientation", cond);

  FGPixelMeasures measures;
  std::string thickness = StringAttribute(dicom, "SliceThickness");
  while (!thickness.empty() && thickness.back() == ' ') thickness.pop_back();
  if (thickness.empty()) thickness = FormatDs(g.spacing_mm[2]);
  cond = measures.setPixelSpacing(
      (FormatDs(g.spacing_mm[1]) + "\\" + FormatDs(g.spacing_mm[0])).c_str());
  if (cond.good()) cond = measures.setSliceThickness(thickness.c_str());
  if (cond.good()) cond = measures.setSpacingBetweenSlices(FormatDs(g.spacing_mm[2]).c_str());
  if (cond.bad()) return DcmtkError("pixel measures", cond);
  cond = seg.addForAllFrames(measures);
  if (cond.bad()) return DcmtkError("pixel measures", cond);
  return Status();
}

Status AddFrames(const SegRequest& r, const std::vector<Uint16>& numbers, DcmSegmentation& seg,
                 std::set<size_t>& referenced_slices) {
  const volume::Mask& m = *r.labels;
  const size_t slice_voxels = m.geometry.size[0] * m.geometry.size[1];
  std::vector<Uint8> frame(slice_voxels);
  for (const auto& [s, k] : FramesToWrite(r)) {
    const uint8_t value = static_cast<uint8_t>(r.segments[s].label_value);
    const uint8_t* slice = m.voxels.data() + k * slice_voxels;
    for (size_t n = 0; n < slice_voxels; ++n) frame[n] = slice[n] == value ? 1 : 0;

    const volume::Vec3 p = m.geometry.VoxelToLps(0, 0, static_cast<double>(k));
    std::unique_ptr<FGPlanePosPatient> position(FGPlanePosPatient::createMinimal(
        FormatDs(p[0]).c_str(), FormatDs(p[1]).c_str(), FormatDs(p[2]).c_str()));
    FGFrameContent content;
    OFCondition cond = content.setDimensionIndexValues(numbers[s], 0);
    if (cond.good()) cond = content.setDimensionIndexValues(static_cast<Uint32>(k + 1), 1);
    if (cond.bad()) return DcmtkError("frame content", cond);

    ImageSOPInstanceReferenceMacro source;
    cond = source.setReferencedSOPClassUID(r.sources[k].sop_class_uid.c_str());
    if (cond.good()) {
      cond = source.setReferencedSOPInstanceUID(r.sources[k].sop_instance_uid.c_str());
    }
    if (cond.bad()) return DcmtkError("source reference of slice " + std::to_string(k), cond);
    OFVector<ImageSOPInstanceReferenceMacro> sources;
    sources.push_back(source);
    std::unique_ptr<FGDerivationImage> derivation(FGDerivationImage::createMinimal(
        sources, "", Code(kDerivationSegmentation), Code(kPurposeSourceImage)));
    if (!position || !derivation) return Internal("DICOM SEG: cannot create per-frame groups");

    OFVector<FGBase*> groups;
    groups.push_back(position.get());
    groups.push_back(&content);
    groups.push_back(derivation.get());
    cond = seg.addFrame(frame.data(), numbers[s], groups);  // copies the groups
    if (cond.bad()) return DcmtkError("frame of slice " + std::to_string(k), cond);
    referenced_slices.insert(k);
  }
  return Status();
}

Status AddSeriesReference(const SegRequest& r, const std::string& series_uid,
                          const std::set<size_t>& referenced_slices, DcmSegmentation& seg) {
  using SeriesItem = IODSeriesAndInstanceReferenceMacro::ReferencedSeriesItem;
  auto series = std::make_unique<SeriesItem>();
  OFCondition cond = series->setSeriesInstanceUID(series_uid.c_str());
  if (cond.bad()) return DcmtkError("referenced series", cond);
  std::set<std::string> seen;
  for (size_t k : referenced_slices) {
    const SegSourceSlice& s = r.sources[k];
    if (!seen.insert(s.sop_instance_uid).second) continue;
    auto instance = std::make_unique<SOPInstanceReferenceMacro>();
    cond = instance->setReferencedSOPClassUID(s.sop_class_uid.c_str());
    if (cond.good()) cond = instance->setReferencedSOPInstanceUID(s.sop_instance_uid.c_str());
    if (cond.bad()) return DcmtkError("referenced instance", cond);
    series->getReferencedInstanceItems().push_back(instance.release());  // owned by `series`
  }
  seg.getCommonInstanceReference().getReferencedSeriesItems().push_back(series.release());
  return Status();
}

std::string Today(bool time) {
  OFString value;
  if (time) {
    DcmTime::getCurrentTime(value, /*seconds=*/true);
  } else {
    DcmDate::getCurrentDate(value);
  }
  return value.c_str();
}

}  // namespace

Result<Bytes> WriteBinarySeg(const SegRequest& request) {
  OPENHI_RETURN_IF_ERROR(ValidateRequest(request));
  OPENHI_RETURN_IF_ERROR(internal::InitDcmtk());
  const json& dicom = request.source_attributes["DICOM"];
  const volume::VolumeGeometry& g = request.labels->geometry;

  IODGeneralEquipmentModule::EquipmentInfo equipment(
      request.manufacturer.empty() ? "openhi" : request.manufacturer.c_str(),
      request.manufacturer_model_name.empty() ? "openhi"
                                              : request.manufacturer_model_name.c_str(),
      "0000",
      request.software_versions.empty() ? "0.1.0" : request.software_versions.c_str());
  ContentIdentificationMacro content("1", "SEGMENTATION",
                                     request.series_description.substr(0, 64).c_str(), "");
  DcmSegmentation* raw = nullptr;
  OFCondition cond = DcmSegmentation::createBinarySegmentation(
      raw, static_cast<Uint16>(g.size[1]), static_cast<Uint16>(g.size[0]), equipment, content);
  std::unique_ptr<DcmSegmentation> seg(raw);
  if (cond.bad() || !seg) return DcmtkError("creating the segmentation", cond);

  OPENHI_ASSIGN_OR_RETURN(std::unique_ptr<DcmItem> source, SourceItem(dicom));
  cond = seg->importHierarchy(*source, /*readPatient=*/OFTrue, /*readStudy=*/OFTrue,
                              /*readFoR=*/OFTrue, /*readSeries=*/OFFalse);
  if (cond.bad()) return DcmtkError("importing patient/study/frame of reference", cond);

  const std::string series_uid = NewUid(SITE_SERIES_UID_ROOT);
  const std::string instance_uid = NewUid(SITE_INSTANCE_UID_ROOT);
  int32_t series_number = request.series_number;
  if (series_number == 0) {
    std::random_device random;
    series_number = std::uniform_int_distribution<int32_t>(1000, 9999)(random);
  }
  cond = seg->getSeries().setSeriesInstanceUID(series_uid.c_str());
  if (cond.good()) cond = seg->getSeries().setSeriesNumber(std::to_string(series_number).c_str());
  if (cond.good()) cond = seg->getSOPCommon().setSOPInstanceUID(instance_uid.c_str());
  if (cond.bad()) return DcmtkError("series/instance UIDs", cond);

  const std::string dimension_uid = NewUid(SITE_INSTANCE_UID_ROOT);
  IODMultiframeDimensionModule& dimensions = seg->getDimensions();
  cond = dimensions.addDimensionIndex(DCM_ReferencedSegmentNumber, dimension_uid.c_str(),
                                      DCM_SegmentIdentificationSequence, "ReferencedSegmentNumber");
  if (cond.good()) {
    cond = dimensions.addDimensionIndex(DCM_ImagePositionPatient, dimension_uid.c_str(),
                                        DCM_PlanePositionSequence, "ImagePositionPatient");
  }
  if (cond.bad()) return DcmtkError("dimension index", cond);

  OPENHI_RETURN_IF_ERROR(AddSharedGroups(request, dicom, *seg));
  std::vector<Uint16> numbers;
  OPENHI_RETURN_IF_ERROR(AddSegments(request, *seg, numbers));
  std::set<size_t> referenced_slices;
  OPENHI_RETURN_IF_ERROR(AddFrames(request, numbers, *seg, referenced_slices));
  OPENHI_RETURN_IF_ERROR(AddSeriesReference(request, StringAttribute(dicom, "SeriesInstanceUID"),
                                            referenced_slices, *seg));

  const std::string date = Today(false), time = Today(true);
  seg->getGeneralImage().setContentDate(date.c_str());
  seg->getGeneralImage().setContentTime(time.c_str());

  DcmDataset dataset;
  cond = seg->writeDataset(dataset);
  if (cond.bad()) return DcmtkError("writing the dataset", cond);
  for (const auto& [key, value] :
       {std::pair{DCM_SeriesDescription, request.series_description.substr(0, 64)},
        std::pair{DCM_SeriesDate, date}, std::pair{DCM_SeriesTime, time},
        std::pair{DCM_SegmentsOverlap, std::string("NO")}}) {
    cond = dataset.putAndInsertString(key, value.c_str());
    if (cond.bad()) return DcmtkError("setting " + std::string(DcmTag(key).getTagName()), cond);
  }
  return ToP10(dataset);
}

}  // namespace openhi::dicom
