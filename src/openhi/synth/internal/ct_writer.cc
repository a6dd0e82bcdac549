#include "openhi/synth/internal/ct_writer.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcostrmb.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <charconv>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace openhi::synth::internal {
namespace {

constexpr char kCtImageStorage[] = "1.2.840.10008.5.1.4.1.1.2";
constexpr char kStudyTime[] = "120000";

std::string Join(std::span<const double> values) {
  std::string s;
  for (size_t n = 0; n < values.size(); ++n) {
    if (n > 0) s.push_back('\\');
    s += FormatDs(values[n]);
  }
  return s;
}

// Inserts string attributes, remembering the first failure.
class Inserter {
 public:
  explicit Inserter(DcmItem* item) : item_(item) {}
  void Put(const DcmTagKey& tag, const std::string& value) {
    if (cond_.good()) cond_ = item_->putAndInsertString(tag, value.c_str());
  }
  void PutU16(const DcmTagKey& tag, uint16_t value) {
    if (cond_.good()) cond_ = item_->putAndInsertUint16(tag, value);
  }
  const OFCondition& cond() const { return cond_; }

 private:
  DcmItem* item_;
  OFCondition cond_ = EC_Normal;
};

void InsertSeriesAttributes(const CtSeriesInfo& series, Inserter& in) {
  const SynthOptions& o = *series.options;
  const bool is_signed = o.pixel_representation == PixelRepresentation::kSigned;
  // SOP Common
  in.Put(DCM_SOPClassUID, kCtImageStorage);
  // Patient
  in.Put(DCM_PatientName, o.patient_name);
  in.Put(DCM_PatientID, o.patient_id);
  in.Put(DCM_PatientBirthDate, "");
  in.Put(DCM_PatientSex, "O");
  // General Study
  in.Put(DCM_StudyInstanceUID, series.study_instance_uid);
  in.Put(DCM_StudyDate, o.study_date);
  in.Put(DCM_StudyTime, kStudyTime);
  in.Put(DCM_ReferringPhysicianName, "");
  in.Put(DCM_StudyID, "1");
  in.Put(DCM_AccessionNumber, "");
  in.Put(DCM_StudyDescription, o.study_description);
  // General Series
  in.Put(DCM_Modality, "CT");
  in.Put(DCM_SeriesInstanceUID, series.series_instance_uid);
  in.Put(DCM_SeriesNumber, std::to_string(o.series_number));
  in.Put(DCM_SeriesDate, o.study_date);
  in.Put(DCM_SeriesTime, kStudyTime);
  in.Put(DCM_SeriesDescription, o.series_description);
  in.Put(DCM_BodyPartExamined, "ABDOMEN");
  in.Put(DCM_PatientPosition, o.patient_position);
  // Frame of Reference
  in.Put(DCM_FrameOfReferenceUID, series.frame_of_reference_uid);
  in.Put(DCM_PositionReferenceIndicator, "");
  // General Equipment
  in.Put(DCM_Manufacturer, "openhi");
  in.Put(DCM_ManufacturerModelName, "openhi synth");
  in.Put(DCM_SoftwareVersions, "openhi synth 1");
  // General Image / General Acquisition
  in.Put(DCM_ImageType, "ORIGINAL\\PRIMARY\\AXIAL");
  in.Put(DCM_AcquisitionNumber, "1");
  in.Put(DCM_ContentDate, o.study_date);
  in.Put(DCM_ContentTime, kStudyTime);
  in.Put(DCM_AcquisitionDate, o.study_date);
  in.Put(DCM_AcquisitionTime, kStudyTime);
  in.Put(DCM_BurnedInAnnotation, "NO");
  in.Put(DCM_LossyImageCompression, "00");
  // Image Plane
  const double spacing[2] = {o.row_spacing_mm, o.column_spacing_mm};
  in.Put(DCM_PixelSpacing, Join(spacing));
  in.Put(DCM_ImageOrientationPatient, Join(series.image_orientation_patient));
  in.Put(DCM_SliceThickness, FormatDs(o.slice_thickness_mm));
  // Image Pixel
  in.PutU16(DCM_SamplesPerPixel, 1);
  in.Put(DCM_PhotometricInterpretation, "MONOCHROME2");
  in.PutU16(DCM_Rows, static_cast<uint16_t>(o.rows));
  in.PutU16(DCM_Columns, static_cast<uint16_t>(o.columns));
  in.PutU16(DCM_BitsAllocated, 16);
  in.PutU16(DCM_BitsStored, static_cast<uint16_t>(o.bits_stored));
  in.PutU16(DCM_HighBit, static_cast<uint16_t>(o.bits_stored - 1));
  in.PutU16(DCM_PixelRepresentation, is_signed ? 1 : 0);
  // CT Image
  in.Put(DCM_RescaleIntercept, is_signed ? "0" : "-1024");
  in.Put(DCM_RescaleSlope, FormatDs(o.rescale_slope));
  in.Put(DCM_RescaleType, "HU");
  in.Put(DCM_KVP, "120");
  in.Put(DCM_ConvolutionKernel, "STANDARD");
  // VOI LUT: abdomen soft-tissue window
  in.Put(DCM_WindowCenter, "40");
  in.Put(DCM_WindowWidth, "400");
  in.Put(DCM_WindowCenterWidthExplanation, "ABDOMEN");
}

}  // namespace

Status CheckDicomDictionary() {
  if (!dcmDataDict.isDictionaryLoaded()) {
    return FailedPrecondition("DCMTK data dictionary is not loaded; set DCMDICTPATH");
  }
  return Status::Ok();
}

Result<ByteView> CtSliceEncoder::Encode(const CtSliceInfo& slice,
                                        std::span<const uint16_t> stored) {
  const CtSeriesInfo& series = series_;
  const SynthOptions& o = *series.options;
  const size_t pixels = static_cast<size_t>(o.rows) * static_cast<size_t>(o.columns);
  if (stored.size() != pixels) return Internal("EncodeCtSlice: pixel count mismatch");

  DcmFileFormat file;
  DcmDataset* ds = file.getDataset();
  Inserter in(ds);
  InsertSeriesAttributes(series, in);
  in.Put(DCM_SOPInstanceUID, slice.sop_instance_uid);
  in.Put(DCM_InstanceNumber, std::to_string(slice.instance_number));
  in.Put(DCM_ImagePositionPatient, Join(slice.image_position_mm));
  in.Put(DCM_SliceLocation, FormatDs(slice.slice_location_mm));
  if (in.cond().bad()) return Internal(std::string("DCMTK insert: ") + in.cond().text());
  OFCondition cond = ds->putAndInsertUint16Array(DCM_PixelData, stored.data(),
                                                 static_cast<unsigned long>(stored.size()));
  if (cond.bad()) return Internal(std::string("DCMTK pixel data: ") + cond.text());

  const E_TransferSyntax xfer = o.transfer_syntax == TransferSyntax::kImplicitVrLittleEndian
                                    ? EXS_LittleEndianImplicit
                                    : EXS_LittleEndianExplicit;
  // One chunk holds the whole object (the attributes take a few KiB); more chunks still work.
  scratch_.resize(pixels * 2 + 65536);
  out_.clear();
  DcmOutputBufferStream stream(scratch_.data(), static_cast<offile_off_t>(scratch_.size()));
  file.transferInit();
  do {
    cond = file.write(stream, xfer, EET_ExplicitLength, /*wcache=*/nullptr, EGL_recalcGL,
                      EPD_noChange, 0, 0, 0, EWM_createNewMeta);
    void* chunk = nullptr;
    offile_off_t length = 0;
    stream.flushBuffer(chunk, length);
    const auto* begin = static_cast<const std::byte*>(chunk);
    if (length > 0) out_.insert(out_.end(), begin, begin + length);
  } while (cond == EC_StreamNotifyClient);
  file.transferEnd();
  if (cond.bad()) return Internal(std::string("DCMTK write: ") + cond.text());
  return ByteView(out_);
}

std::string FormatDs(double value) {
  if (value == 0) return "0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, value);  // shortest exact representation
  if (r.ec == std::errc() && r.ptr - buf <= 16) return std::string(buf, r.ptr);
  for (int precision = 16; precision >= 1; --precision) {
    r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general, precision);
    if (r.ec == std::errc() && r.ptr - buf <= 16) return std::string(buf, r.ptr);
  }
  return "0";  // unreachable for finite values
}

double RoundToDs(double value) {
  const std::string s = FormatDs(value);
  return std::strtod(s.c_str(), nullptr);
}

}  // namespace openhi::synth::internal
