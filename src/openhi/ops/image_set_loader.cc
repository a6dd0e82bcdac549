#include "openhi/ops/image_set_loader.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>

#include "openhi/client/client_config.h"
#include "openhi/core/file_util.h"
#include "openhi/dicom/p10_rebuild.h"
#include "openhi/ops/duplicate_positions.h"

namespace openhi::ops {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr size_t kMaxReferenceFileBytes = size_t{1} << 20;
constexpr size_t kNoInstance = std::numeric_limits<size_t>::max();

// The reference file the operator reads when no port value and no IDs are given.
Result<fs::path> FindReferenceFile(const fs::path& input_path, const std::string& input_file) {
  std::error_code ec;
  if (!input_file.empty()) {
    fs::path p =
        fs::path(input_file).is_absolute() ? fs::path(input_file) : input_path / input_file;
    if (!fs::is_regular_file(p, ec))
      return NotFound("image set reference " + p.string() + " not found");
    return p;
  }
  if (fs::is_regular_file(input_path, ec)) return input_path;
  if (!fs::is_directory(input_path, ec)) {
    return NotFound("input path " + input_path.string() + " does not exist");
  }
  std::vector<fs::path> candidates;
  for (fs::directory_iterator it(input_path, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->path().extension() == ".json" && it->is_regular_file(type_ec)) {
      candidates.push_back(it->path());
    }
  }
  if (ec) return InvalidArgument("cannot list " + input_path.string() + ": " + ec.message());
  if (candidates.empty()) {
    return NotFound("no *.json image set reference in " + input_path.string());
  }
  return *std::min_element(candidates.begin(), candidates.end());
}

Result<ImageSetRef> ReadReferenceFile(const fs::path& path) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > kMaxReferenceFileBytes) {
    return InvalidArgument(path.string() + ": an image set reference must be under 1 MiB");
  }
  OPENHI_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path));
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  Result<ImageSetRef> ref = ParseImageSetRef(text);
  if (!ref.ok()) return ref.status().WithContext(path.string());
  return ref;
}

}  // namespace

Result<ImageSetRef> ParseImageSetRef(std::string_view json_text) {
  Json doc = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument("image set reference: invalid JSON");
  if (!doc.is_object()) {
    return InvalidArgument(
        "image set reference: expected an object {\"datastoreId\": ..., \"imageSetId\": ...}");
  }
  ImageSetRef ref;
  for (const auto& [key, value] : doc.items()) {
    std::string* target = key == "datastoreId"  ? &ref.datastore_id
                          : key == "imageSetId" ? &ref.image_set_id
                          : key == "versionId"  ? &ref.version_id
                                                : nullptr;
    if (target == nullptr) {
      return InvalidArgument("image set reference: unknown member '" + key +
                             "' (known: datastoreId, imageSetId, versionId)");
    }
    if (!value.is_string()) {
      return InvalidArgument("image set reference: " + key + " must be a string");
    }
    *target = value.get<std::string>();
  }
  if (ref.datastore_id.empty()) return InvalidArgument("image set reference: no datastoreId");
  if (ref.image_set_id.empty()) return InvalidArgument("image set reference: no imageSetId");
  return ref;
}

Status ImageSetPixelSource::ForEachFrame(
    const std::function<Status(size_t, uint32_t, const codec::Image&)>& on_frame) const {
  const client::SeriesMetadata& series = metadata_.series().at(series_index_);
  std::vector<size_t> ref_of_instance(series.instances.size(), kNoInstance);
  std::vector<client::FrameRef> frames;
  for (size_t n = 0; n < instances_.size(); ++n) {
    const size_t i = instances_[n];
    ref_of_instance.at(i) = n;
    for (uint32_t f = 0; f < series.instances[i].frames.size(); ++f) {
      frames.push_back({series_index_, i, f});
    }
  }
  if (frames.empty()) return Status::Ok();
  return client::RetrieveFrames(
      *client_, metadata_, frames,
      [&](client::RetrievedFrame frame) -> Status {
        if (!frame.decoded) {
          return Unimplemented("frame " + std::to_string(frame.ref.frame) + " of instance " +
                               series.instances[frame.ref.instance].sop_instance_uid +
                               " is stored as " + frame.transfer_syntax +
                               ", which cannot be decoded here");
        }
        return on_frame(ref_of_instance[frame.ref.instance], frame.ref.frame, *frame.decoded);
      },
      options_, cancel_);
}

Result<ImageSetLoadResult> StudiesFromImageSet(std::shared_ptr<client::AhiClient> client,
                                               const client::ImageSetMetadata& metadata,
                                               const client::RetrieveOptions& options,
                                               const CancellationToken* cancel) {
  if (metadata.study_instance_uid().empty()) {
    return InvalidArgument("image set " + metadata.image_set_id() + " has no StudyInstanceUID");
  }
  ImageSetLoadResult result;
  DicomStudy study;
  study.study_instance_uid = metadata.study_instance_uid();
  const Json patient = metadata.PatientDicom();
  const Json study_dicom = metadata.StudyDicom();
  for (size_t s = 0; s < metadata.series().size(); ++s) {
    const client::SeriesMetadata& series_metadata = metadata.series()[s];
    const Json series_dicom = metadata.SeriesDicom(s);
    std::vector<DicomInstanceRef> all;
    all.reserve(series_metadata.instances.size());
    for (size_t i = 0; i < series_metadata.instances.size(); ++i) {
      DicomInstanceRef ref;
      ref.attributes =
          dicom::MergeAhiLevels(patient, study_dicom, series_dicom, metadata.InstanceObject(s, i));
      ref.number_of_frames = static_cast<uint32_t>(series_metadata.instances[i].frames.size());
      all.push_back(std::move(ref));
    }
    std::vector<const DicomInstanceRef*> pointers;
    for (const DicomInstanceRef& r : all) pointers.push_back(&r);
    std::vector<size_t> kept = DeduplicatePositions(
        pointers, series_metadata.series_instance_uid,
        [&](size_t i) { return "instance " + series_metadata.instances[i].sop_instance_uid; },
        &result.warnings);

    DicomSeries series;
    series.study_instance_uid = study.study_instance_uid;
    series.series_instance_uid = series_metadata.series_instance_uid;
    for (size_t i : kept) series.instances.push_back(std::move(all[i]));
    result.instances_loaded += series.instances.size();
    series.pixels =
        std::make_shared<ImageSetPixelSource>(client, metadata, s, std::move(kept), options,
                                              cancel);
    study.series.push_back(std::move(series));
  }
  result.studies.push_back(std::move(study));
  return result;
}

Result<ImageSetLoadResult> LoadImageSet(std::shared_ptr<client::AhiClient> client,
                                        const ImageSetRef& ref,
                                        const client::RetrieveOptions& options,
                                        const CancellationToken* cancel) {
  std::optional<std::string> version;
  if (!ref.version_id.empty()) version = ref.version_id;
  OPENHI_ASSIGN_OR_RETURN(Bytes document, client->GetImageSetMetadata(
                                              ref.datastore_id, ref.image_set_id, version, cancel));
  OPENHI_ASSIGN_OR_RETURN(client::ImageSetMetadata metadata,
                          client::ImageSetMetadata::Parse(document));
  document = Bytes();
  return StudiesFromImageSet(std::move(client), metadata, options, cancel);
}

void ImageSetLoaderOperator::Setup(app::OperatorSpec& spec) {
  spec.Input<fs::path>("json_file")
      .Optional()
      .Describe("the {\"datastoreId\", \"imageSetId\"} file; overrides the parameters");
  spec.Output<DicomStudyList>("dicom_study_list");
  spec.Param(input_file_, "input_file",
             "reference file, relative to the input path; empty: the input path if it is a "
             "file, else its first *.json",
             std::string());
  spec.Param(datastore_id_, "datastore_id", "datastore ID (with image_set_id: no file is read)",
             std::string());
  spec.Param(image_set_id_, "image_set_id", "image set ID (with datastore_id)", std::string());
  spec.Param(endpoint_, "endpoint", "service URL; empty: from the AWS environment", std::string());
  spec.Param(connections_, "connections", "parallel keep-alive connections", int64_t{8});
  spec.Param(must_load_, "must_load", "fail when the image set holds no instance", true);
}

Status ImageSetLoaderOperator::Compute(app::InputContext& in, app::OutputContext& out,
                                       app::ExecutionContext& ctx) {
  OPENHI_ASSIGN_OR_RETURN(std::shared_ptr<const fs::path> port_file,
                          in.Receive<fs::path>("json_file"));
  ImageSetRef ref;
  if (port_file) {
    OPENHI_ASSIGN_OR_RETURN(ref, ReadReferenceFile(*port_file));
  } else if (!datastore_id_->empty() && !image_set_id_->empty()) {
    ref.datastore_id = *datastore_id_;
    ref.image_set_id = *image_set_id_;
  } else {
    OPENHI_ASSIGN_OR_RETURN(fs::path file, FindReferenceFile(ctx.input_path(), *input_file_));
    OPENHI_ASSIGN_OR_RETURN(ref, ReadReferenceFile(file));
  }
  OPENHI_ASSIGN_OR_RETURN(client::ClientConfig config, client::ConfigFromEnvironment());
  if (!endpoint_->empty()) config.endpoint = *endpoint_;
  if (*connections_ < 1 || *connections_ > 256) {
    return InvalidArgument("parameter 'connections' must be in 1..256");
  }
  config.connections = static_cast<int>(*connections_);
  OPENHI_ASSIGN_OR_RETURN(std::unique_ptr<client::AhiClient> client,
                          client::AhiClient::Create(std::move(config)));
  ctx.LogInfo("loading image set datastore=" + ref.datastore_id + " image_set=" + ref.image_set_id);
  client::RetrieveOptions options;
  options.decode_threads = ctx.app().threads();
  OPENHI_ASSIGN_OR_RETURN(ImageSetLoadResult loaded,
                          LoadImageSet(std::move(client), ref, options, ctx.cancellation()));
  for (const std::string& w : loaded.warnings) ctx.LogWarn(w);
  size_t series_count = 0;
  for (const DicomStudy& s : loaded.studies) series_count += s.series.size();
  ctx.LogInfo("loaded instances=" + std::to_string(loaded.instances_loaded) +
              " series=" + std::to_string(series_count));
  if (*must_load_ && loaded.instances_loaded == 0) {
    return NotFound("image set " + ref.image_set_id + " holds no instance");
  }
  return out.Emit<DicomStudyList>("dicom_study_list", std::move(loaded.studies));
}

Status RegisterImageSetLoader(app::OperatorRegistry& registry) {
  return registry.Register<ImageSetLoaderOperator>(
      ImageSetLoaderOperator::kTypeName,
      "loads an image set ({\"datastoreId\", \"imageSetId\"}) through the AHI connector");
}

}  // namespace openhi::ops
