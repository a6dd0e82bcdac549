#pragma once
// WriteBinarySeg: a label volume on a source series grid -> one DICOM Segmentation Storage
// object (BINARY, 1 bit per pixel, bit-packed frames), written with DCMTK dcmseg. The content
// follows the MONAI Deploy DICOMSegmentationWriterOperator (highdicom) output described in
// shared/spec/monai-deploy-sagemaker.md §2.7. Thread-safe (distinct requests in parallel).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "openhi/core/bytes.h"
#include "openhi/core/status.h"
#include "openhi/volume/geometry.h"

namespace openhi::dicom {

// A code sequence item: CodeValue, CodingSchemeDesignator, CodeMeaning.
struct CodedConcept {
  std::string value;
  std::string scheme;
  std::string meaning;
};

// The source instance of label slice k (the k-th entry of SegRequest::sources).
struct SegSourceSlice {
  std::string sop_class_uid;
  std::string sop_instance_uid;
};

// One segment: the voxels of the label volume equal to `label_value`. Segment numbers are 1..N
// in the order of SegRequest::segments (as highdicom numbers them), whatever the label values.
struct SegSegment {
  uint16_t label_value = 1;  // 1..255 (the Mask holds uint8 labels)
  std::string label = "Spleen";  // SegmentLabel (LO, <= 64 characters)
  std::string description;       // SegmentDescription; optional
  CodedConcept category{"113343008", "SCT", "Organ"};
  CodedConcept type{"78961009", "SCT", "Spleen"};
  // SegmentAlgorithmType AUTOMATIC, algorithm family DCM 123110 "Artificial Intelligence".
  // Empty: SegRequest::algorithm_name / algorithm_version.
  std::string algorithm_name;
  std::string algorithm_version;
};

struct SegRequest {
  // The label volume on the source series grid: slice k is sources[k], voxel (i, j, k) is
  // column i, row j of that instance. Not owned; must outlive the call. 0 = background.
  const volume::Mask* labels = nullptr;
  std::vector<SegSourceSlice> sources;
  // AHI-style attributes of one source instance: {"DICOM": {"PatientName": ..., ...}} (the shape
  // of DicomFile::ToAhiJson; text in UTF-8). Copied into the SEG: the Patient, General Study and
  // Patient Study modules, FrameOfReferenceUID and PositionReferenceIndicator. Required:
  // StudyInstanceUID, SeriesInstanceUID (the referenced series) and FrameOfReferenceUID.
  // A series whose slices carry different FrameOfReferenceUIDs (the shared LIDC CT) gets the one
  // of the instance given here: callers pass the first source slice's attributes.
  // SliceThickness, when present, becomes the SEG's PixelMeasures SliceThickness (else the
  // slice spacing).
  nlohmann::json source_attributes;
  std::vector<SegSegment> segments;
  std::string series_description = "AI generated Seg, not for clinical use.";
  // General Equipment; empty values are written as "openhi", "openhi", "0.1.0".
  std::string manufacturer;
  std::string manufacturer_model_name;
  std::string software_versions;
  std::string algorithm_name;     // default for the segments; must end up non-empty
  std::string algorithm_version;  // default for the segments; must end up non-empty
  // SeriesNumber; 0 picks a random 4-digit number (as the MONAI writer does).
  int32_t series_number = 0;
};

// Builds the SEG and returns it as a P10 file (Explicit VR Little Endian). The object has:
//  * a new SeriesInstanceUID and SOPInstanceUID, InstanceNumber 1, SeriesDescription from the
//    request, SeriesDate/Time and ContentDate/Time = now; Modality SEG;
//  * shared functional groups: PlaneOrientation (the Mask's row and column directions) and
//    PixelMeasures (PixelSpacing = row spacing \ column spacing, SpacingBetweenSlices);
//  * per frame: PlanePosition (the LPS position of voxel (0, 0, k), mm), FrameContent with
//    DimensionIndexValues (segment number, k + 1), SegmentIdentification and a
//    DerivationImageSequence (derivation DCM 113076 "Segmentation") whose SourceImageSequence
//    references sources[k] (purpose DCM 121322);
//  * ReferencedSeriesSequence listing the source series and every instance a frame references.
// Frames are ordered by segment number, then by k. Empty frames are omitted, as highdicom does
// by default (omit_empty_frames=True); if every frame of every segment would be empty, all
// frames are written instead (a SEG needs at least one frame). SegmentsOverlap is "NO" (a
// label volume cannot overlap).
// Errors: kInvalidArgument for a null or inconsistent label volume (voxel count, zero size,
// more than 65535 rows/columns), no sources or a source count that differs from the slice
// count, empty source UIDs, no segments, duplicate or zero label values, a segment without an
// algorithm name/version or label, source attributes without {"DICOM": {...}} or without the
// required UIDs; kInternal when DCMTK rejects the object (the message says why).
Result<Bytes> WriteBinarySeg(const SegRequest& request);

}  // namespace openhi::dicom
