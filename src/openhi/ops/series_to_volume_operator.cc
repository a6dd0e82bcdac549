#include "openhi/ops/series_to_volume_operator.h"

#include <optional>

#include "openhi/ops/dicom_attributes.h"
#include "openhi/volume/slice_writer.h"

namespace openhi::ops {
namespace {

// The instances that become slices: index into the series, and their geometry.
struct Candidates {
  std::vector<size_t> instance_index;
  std::vector<volume::SliceGeometry> geometry;
};

Result<Candidates> CollectSlices(const DicomSeries& series, std::vector<std::string>& warnings) {
  Candidates c;
  for (size_t i = 0; i < series.instances.size(); ++i) {
    const DicomInstanceRef& inst = series.instances[i];
    const nlohmann::json& a = inst.attributes;
    std::string label = "instance " + GetText(a, "SOPInstanceUID").value_or(std::to_string(i));
    if (inst.number_of_frames == 0) {
      warnings.push_back(label + " has no pixel data: left out");
      continue;
    }
    if (inst.number_of_frames > 1) {
      return Unimplemented(label + ": multi-frame instances (" +
                           std::to_string(inst.number_of_frames) + " frames) are not supported");
    }
    volume::SliceAttributeText text;
    text.image_position_patient = GetTextValues(a, "ImagePositionPatient");
    text.image_orientation_patient = GetTextValues(a, "ImageOrientationPatient");
    if (text.image_position_patient.empty() || text.image_orientation_patient.empty()) {
      warnings.push_back(label + " has no ImagePositionPatient or ImageOrientationPatient: left out");
      continue;
    }
    std::string photometric = GetText(a, "PhotometricInterpretation").value_or("MONOCHROME2");
    if (photometric != "MONOCHROME2") {
      return Unimplemented(label + ": PhotometricInterpretation " + photometric +
                           " is not supported (MONOCHROME2 only)");
    }
    text.pixel_spacing = GetTextValues(a, "PixelSpacing");
    std::optional<std::vector<double>> rows = GetNumbers(a, "Rows");
    std::optional<std::vector<double>> columns = GetNumbers(a, "Columns");
    text.rows = rows && !rows->empty() && rows->front() > 0 ? static_cast<uint32_t>(rows->front()) : 0;
    text.columns = columns && !columns->empty() && columns->front() > 0
                       ? static_cast<uint32_t>(columns->front())
                       : 0;
    text.rescale_slope = GetText(a, "RescaleSlope").value_or("");
    text.rescale_intercept = GetText(a, "RescaleIntercept").value_or("");
    text.slice_thickness = GetText(a, "SliceThickness").value_or("");
    Result<volume::SliceGeometry> geometry = volume::ParseSliceGeometry(text);
    if (!geometry.ok()) return geometry.status().WithContext(label);
    c.instance_index.push_back(i);
    c.geometry.push_back(*geometry);
  }
  if (c.geometry.empty()) {
    return FailedPrecondition("series " + series.series_instance_uid +
                              " has no instance with pixels and slice geometry");
  }
  return c;
}

Result<volume::DuplicatePolicy> ParseDuplicates(const std::string& v) {
  if (v == "keep_first") return volume::DuplicatePolicy::kKeepFirst;
  if (v == "reject") return volume::DuplicatePolicy::kReject;
  return InvalidArgument("parameter 'duplicates': expected \"keep_first\" or \"reject\", got \"" +
                         v + "\"");
}
Result<volume::GapPolicy> ParseGaps(const std::string& v) {
  if (v == "fill") return volume::GapPolicy::kFillEmptySlices;
  if (v == "reject") return volume::GapPolicy::kReject;
  return InvalidArgument("parameter 'gaps': expected \"reject\" or \"fill\", got \"" + v + "\"");
}
Result<volume::IrregularSpacingPolicy> ParseIrregular(const std::string& v) {
  if (v == "stack") return volume::IrregularSpacingPolicy::kStackAtMeanSpacing;
  if (v == "reject") return volume::IrregularSpacingPolicy::kReject;
  return InvalidArgument("parameter 'irregular_spacing': expected \"reject\" or \"stack\", got \"" +
                         v + "\"");
}

}  // namespace

Result<SeriesVolume> BuildSeriesVolume(const SelectedSeries& selected,
                                       const SeriesToVolumeOptions& options,
                                       std::vector<std::string>* warnings) {
  std::vector<std::string> local_warnings;
  std::vector<std::string>& notes = warnings ? *warnings : local_warnings;
  const DicomSeries& series = selected.series;
  OPENHI_ASSIGN_OR_RETURN(Candidates candidates, CollectSlices(series, notes));
  OPENHI_ASSIGN_OR_RETURN(volume::VolumePlan plan,
                          volume::PlanVolume(candidates.geometry, options.plan));
  for (const volume::GeometryIssue& issue : plan.issues) {
    notes.push_back(std::string(volume::IssueKindName(issue.kind)) + ": " + issue.message);
  }
  if (series.pixels == nullptr) {
    return FailedPrecondition("series " + series.series_instance_uid + " has no pixel source");
  }

  // instance index -> slice k (or none: not a candidate, or dropped as a duplicate).
  constexpr size_t kNone = volume::VolumePlan::kNoSlice;
  std::vector<size_t> slice_of_instance(series.instances.size(), kNone);
  SeriesVolume out;
  out.slices.resize(plan.slice_order.size());
  for (size_t k = 0; k < plan.slice_order.size(); ++k) {
    size_t candidate = plan.slice_order[k];
    if (candidate == kNone) continue;
    size_t instance = candidates.instance_index[candidate];
    slice_of_instance[instance] = k;
    const nlohmann::json& a = series.instances[instance].attributes;
    out.slices[k] = SliceSource{GetText(a, "SOPClassUID").value_or(""),
                                GetText(a, "SOPInstanceUID").value_or(""), 0, instance};
  }

  out.volume = volume::AllocateVolume(plan);
  std::vector<uint8_t> written(plan.slice_order.size(), 0);  // distinct k per thread
  Status s = series.pixels->ForEachFrame(
      [&](size_t instance, uint32_t frame, const codec::Image& image) -> Status {
        if (instance >= slice_of_instance.size() || frame != 0) return Status::Ok();
        size_t k = slice_of_instance[instance];
        if (k == kNone) return Status::Ok();
        const volume::SliceGeometry& g = candidates.geometry[plan.slice_order[k]];
        OPENHI_RETURN_IF_ERROR(volume::WriteSlice(plan, k, image, g.rescale_slope,
                                                  g.rescale_intercept, &out.volume));
        written[k] = 1;
        return Status::Ok();
      });
  OPENHI_RETURN_IF_ERROR(s);
  for (size_t k = 0; k < written.size(); ++k) {
    if (plan.slice_order[k] != kNone && !written[k]) {
      return DataLoss("no frame was decoded for slice " + std::to_string(k) + " (instance " +
                      out.slices[k].sop_instance_uid + ")");
    }
  }
  out.study_instance_uid = series.study_instance_uid;
  out.series_instance_uid = series.series_instance_uid;
  out.selection_name = selected.selection_name;
  for (const SliceSource& slice : out.slices) {
    if (!slice.sop_instance_uid.empty()) {
      out.first_slice_attributes = series.instances[slice.instance_index].attributes;
      break;
    }
  }
  out.issues = std::move(plan.issues);
  return out;
}

void SeriesToVolumeOperator::Setup(app::OperatorSpec& spec) {
  spec.Input<SelectedSeriesList>("study_selected_series_list");
  spec.Output<SeriesVolume>("image");
  spec.Param(duplicates_, "duplicates", "slices at the same position: keep_first | reject",
             std::string("keep_first"));
  spec.Param(gaps_, "gaps", "missing slices: reject | fill", std::string("reject"));
  spec.Param(irregular_spacing_, "irregular_spacing",
             "uneven slice spacing: reject | stack (at the mean spacing, as MONAI)",
             std::string("reject"));
  spec.Param(empty_slice_value_, "empty_slice_value", "value of filled gap slices", 0.0);
}

Status SeriesToVolumeOperator::Compute(app::InputContext& in, app::OutputContext& out,
                                       app::ExecutionContext& ctx) {
  OPENHI_ASSIGN_OR_RETURN(auto selected,
                          in.Receive<SelectedSeriesList>("study_selected_series_list"));
  if (selected->empty()) {
    return in.PortError("study_selected_series_list",
                        FailedPrecondition("no series was selected"));
  }
  SeriesToVolumeOptions options;
  OPENHI_ASSIGN_OR_RETURN(options.plan.duplicates, ParseDuplicates(*duplicates_));
  OPENHI_ASSIGN_OR_RETURN(options.plan.gaps, ParseGaps(*gaps_));
  OPENHI_ASSIGN_OR_RETURN(options.plan.irregular_spacing, ParseIrregular(*irregular_spacing_));
  options.plan.empty_slice_value = static_cast<float>(*empty_slice_value_);
  std::vector<std::string> warnings;
  Result<SeriesVolume> built = BuildSeriesVolume(selected->front(), options, &warnings);
  for (const std::string& w : warnings) ctx.LogWarn(w);
  if (!built.ok()) return built.status();
  const auto& size = built->volume.geometry.size;
  ctx.LogInfo("volume series=" + built->series_instance_uid + " size=" +
              std::to_string(size[0]) + "x" + std::to_string(size[1]) + "x" +
              std::to_string(size[2]));
  return out.Emit<SeriesVolume>("image", std::move(*built));
}

Status RegisterSeriesToVolume(app::OperatorRegistry& registry) {
  return registry.Register<SeriesToVolumeOperator>(
      SeriesToVolumeOperator::kTypeName,
      "builds the scalar volume (LPS, modality units) of the first selected series");
}

}  // namespace openhi::ops
