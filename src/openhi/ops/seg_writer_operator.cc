#include "openhi/ops/seg_writer_operator.h"

#include "openhi/core/file_util.h"
#include "openhi/dicom/dicom_file.h"
#include "openhi/ops/label_volume.h"
#include "openhi/ops/output_file.h"

namespace openhi::ops {
namespace {

using Json = nlohmann::json;

Json DefaultSegments() {
  return Json::array(
      {Json{{"label", "Spleen"},
            {"label_value", 1},
            {"category", {{"value", "113343008"}, {"scheme", "SCT"}, {"meaning", "Organ"}}},
            {"type", {{"value", "78961009"}, {"scheme", "SCT"}, {"meaning", "Spleen"}}}}});
}

Result<dicom::CodedConcept> ParseCode(const Json& j, const std::string& where) {
  if (!j.is_object())
    return InvalidArgument(where + ": expected {\"value\", \"scheme\", \"meaning\"}");
  dicom::CodedConcept code;
  for (const auto& [key, value] : j.items()) {
    std::string* target = key == "value"     ? &code.value
                          : key == "scheme"  ? &code.scheme
                          : key == "meaning" ? &code.meaning
                                             : nullptr;
    if (target == nullptr) return InvalidArgument(where + ": unknown member '" + key + "'");
    if (!value.is_string() || value.get<std::string>().empty()) {
      return InvalidArgument(where + "." + key + ": expected a non-empty string");
    }
    *target = value.get<std::string>();
  }
  if (code.value.empty() || code.scheme.empty() || code.meaning.empty()) {
    return InvalidArgument(where + ": value, scheme and meaning are all required");
  }
  return code;
}

}  // namespace

Result<std::vector<dicom::SegSegment>> ParseSegments(const Json& segments) {
  if (!segments.is_array() || segments.empty()) {
    return InvalidArgument("segments: expected a non-empty array of segment objects");
  }
  std::vector<dicom::SegSegment> out;
  for (size_t n = 0; n < segments.size(); ++n) {
    const std::string where = "segments[" + std::to_string(n) + "]";
    const Json& s = segments[n];
    if (!s.is_object()) return InvalidArgument(where + ": expected an object");
    dicom::SegSegment seg;
    seg.label_value = static_cast<uint16_t>(n + 1);
    seg.label.clear();
    for (const auto& [key, value] : s.items()) {
      const std::string at = where + "." + key;
      if (key == "label_value") {
        if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 255) {
          return InvalidArgument(at + ": expected an integer in 1..255");
        }
        seg.label_value = static_cast<uint16_t>(value.get<int64_t>());
      } else if (key == "category" || key == "type") {
        OPENHI_ASSIGN_OR_RETURN(dicom::CodedConcept code, ParseCode(value, at));
        (key == "category" ? seg.category : seg.type) = std::move(code);
      } else if (key == "label" || key == "description" || key == "algorithm_name" ||
                 key == "algorithm_version") {
        if (!value.is_string()) return InvalidArgument(at + ": expected a string");
        std::string text = value.get<std::string>();
        if (key == "label") seg.label = std::move(text);
        if (key == "description") seg.description = std::move(text);
        if (key == "algorithm_name") seg.algorithm_name = std::move(text);
        if (key == "algorithm_version") seg.algorithm_version = std::move(text);
      } else {
        return InvalidArgument(at +
                               ": unknown member (known: label, label_value, category, "
                               "type, description, algorithm_name, algorithm_version)");
      }
    }
    if (seg.label.empty()) return InvalidArgument(where + ".label: required");
    out.push_back(std::move(seg));
  }
  return out;
}

void SegWriterOperator::Setup(app::OperatorSpec& spec) {
  spec.Input<LabelVolume>("seg_image");
  spec.Param(segments_, "segments", "segment descriptions (label, label_value, category, type)",
             DefaultSegments());
  spec.Param(algorithm_name_, "algorithm_name", "SegmentAlgorithmName of every segment",
             std::string("volumetric (3D) segmentation of the spleen from CT image"));
  spec.Param(algorithm_version_, "algorithm_version", "algorithm version", std::string("0.1.0"));
  spec.Param(series_description_, "series_description", "SeriesDescription of the SEG",
             std::string("AI generated Seg, not for clinical use."));
  spec.Param(output_file_, "output_file",
             "file name relative to the output folder; empty: <SOPInstanceUID>.dcm", std::string());
}

Status SegWriterOperator::Compute(app::InputContext& in, app::OutputContext& out,
                                  app::ExecutionContext& ctx) {
  OPENHI_ASSIGN_OR_RETURN(std::shared_ptr<const LabelVolume> labels,
                          in.Receive<LabelVolume>("seg_image"));
  Result<std::vector<dicom::SegSegment>> segments = ParseSegments(*segments_);
  if (!segments.ok()) return segments.status().WithContext("parameter 'segments'");

  dicom::SegRequest request;
  request.labels = &labels->labels;
  for (size_t k = 0; k < labels->slices.size(); ++k) {
    const SliceSource& s = labels->slices[k];
    if (s.sop_instance_uid.empty()) {
      return in.PortError("seg_image",
                          FailedPrecondition("slice " + std::to_string(k) +
                                             " has no source instance (a filled gap); a SEG "
                                             "can only reference acquired slices"));
    }
    request.sources.push_back({s.sop_class_uid, s.sop_instance_uid});
  }
  request.source_attributes = labels->first_slice_attributes;
  request.segments = std::move(*segments);
  request.series_description = *series_description_;
  request.algorithm_name = *algorithm_name_;
  request.algorithm_version = *algorithm_version_;
  OPENHI_ASSIGN_OR_RETURN(Bytes seg, dicom::WriteBinarySeg(request));

  std::string name = *output_file_;
  if (name.empty()) {
    OPENHI_ASSIGN_OR_RETURN(dicom::DicomFile parsed, dicom::DicomFile::Parse(seg));
    OPENHI_ASSIGN_OR_RETURN(std::string uid, parsed.GetString(dicom::MakeTag(0x0008, 0x0018)));
    name = uid + ".dcm";
  }
  OPENHI_ASSIGN_OR_RETURN(std::filesystem::path path,
                          ResolveOutputFile(ctx.output_path(), "output_file", name));
  OPENHI_RETURN_IF_ERROR(WriteFileAtomic(path, seg, Durability::kNone));
  ctx.LogInfo("wrote DICOM SEG " + path.string() + " (" + std::to_string(seg.size()) + " bytes)");
  return Status::Ok();
}

Status RegisterSegWriter(app::OperatorRegistry& registry) {
  return registry.Register<SegWriterOperator>(
      SegWriterOperator::kTypeName, "writes a label volume as a BINARY DICOM Segmentation");
}

}  // namespace openhi::ops
