#pragma once
// The DICOM data that flows between the loaders, the series selector and series-to-volume
// (MONAI Deploy's DICOMStudy / DICOMSeries / SelectedSeries, spec §3.3). No DCMTK here.
//
// Attributes are AHI-style JSON, the same whether the series came from a folder
// (dicom::DicomFile::ToAhiJson) or from the store (a merged metadata document):
//   {"DICOM": {"<Keyword or 8-hex tag>": value, ...}, "DICOMVRs": {...}}
// with the Patient, Study, Series and Instance levels merged into one "DICOM" object
// (dicom_attributes.h reads it). Pixels are not held: a PixelSource decodes them on demand,
// so a store loader can fetch frames only for the series that was selected.
//
// Thread safety: all types are values; a PixelSource is immutable and its ForEachFrame may be
// called from any thread (not from a worker of the pool it uses, see the implementation).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "openhi/app/port_type.h"
#include "openhi/codec/image.h"
#include "openhi/core/status.h"

namespace openhi::ops {

struct DicomInstanceRef {
  nlohmann::json attributes;  // {"DICOM": {...}, "DICOMVRs": {...}}, all levels merged
  uint32_t number_of_frames = 1;  // 0 for an object without Pixel Data (SR, RTSTRUCT, ...)
};

// Decoded frames of one series' instances, indexed like DicomSeries::instances.
class PixelSource {
 public:
  virtual ~PixelSource() = default;
  // Calls on_frame(instance_index, frame_index, image) for every frame of every instance, in
  // no particular order and possibly from several threads at once (the callback must be
  // thread-safe for distinct frames; `image` is valid only during the call). Instances
  // without Pixel Data are skipped. The first error (from decoding or from on_frame) stops it
  // and is returned; frames already delivered stay delivered.
  virtual Status ForEachFrame(
      const std::function<Status(size_t instance_index, uint32_t frame_index,
                                 const codec::Image& image)>& on_frame) const = 0;
};

struct DicomSeries {
  std::string study_instance_uid;
  std::string series_instance_uid;
  // In load order (the folder loader: sorted file paths). instances[0] is the "first SOP
  // instance" that selection rules read attributes from.
  std::vector<DicomInstanceRef> instances;
  std::shared_ptr<const PixelSource> pixels;  // may be null when there is nothing to decode
};

struct DicomStudy {
  std::string study_instance_uid;
  std::vector<DicomSeries> series;  // in order of first appearance
};

// What the loaders emit (MONAI's List[DICOMStudy]).
using DicomStudyList = std::vector<DicomStudy>;

// One series chosen by a named selection (MONAI's SelectedSeries).
struct SelectedSeries {
  std::string selection_name;
  DicomSeries series;
};

// What the selector emits, flattened: MONAI's List[StudySelectedSeries] in order (studies in
// loader order, then selections in rules order, then matched series); each entry knows its
// study through series.study_instance_uid. Downstream operators use the first entry, as
// MONAI's use [0].selected_series[0].
using SelectedSeriesList = std::vector<SelectedSeries>;

}  // namespace openhi::ops

template <>
struct openhi::app::PortTypeName<openhi::ops::DicomStudyList> {
  static std::string Get() { return "openhi::ops::DicomStudyList"; }
};
template <>
struct openhi::app::PortTypeName<openhi::ops::SelectedSeriesList> {
  static std::string Get() { return "openhi::ops::SelectedSeriesList"; }
};
