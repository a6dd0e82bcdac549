#pragma once
// The image-set loader: the AWS blog's AHIDataLoaderOperator (spec §2.1), built on the
// connector (openhi::client) instead of AHItoDICOM. It reads an image set reference
//   {"datastoreId": "<32 hex>", "imageSetId": "<32 hex>"}            (+ optional "versionId")
// fetches and parses the image set's metadata document (GetImageSetMetadata) and emits the same
// DicomStudyList as the folder loader (dicom_folder_loader.h):
//   * one study (the image set's), its series in document order, their instances in document
//     order; attributes = the Patient, Study, Series and Instance levels merged
//     (dicom::MergeAhiLevels, the instance wins), the same AHI JSON shape the folder loader
//     produces from files;
//   * the duplicate-position rule of the folder loader (duplicate_positions.h);
//   * number_of_frames = the instance's ImageFrames count (0 for objects without pixels);
//   * per series an ImageSetPixelSource: pixels are fetched only when a series is converted,
//     and only that series' frames (GetImageFrame, then decode + CRC check on decode threads,
//     client::RetrieveFrames).
// No DICOM file is rebuilt: the attributes and decoded frames go straight to series-to-volume.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "openhi/app/operator.h"
#include "openhi/app/operator_registry.h"
#include "openhi/client/ahi_client.h"
#include "openhi/client/image_set_metadata.h"
#include "openhi/client/retriever.h"
#include "openhi/core/status.h"
#include "openhi/ops/dicom_series.h"

namespace openhi::ops {

struct ImageSetRef {
  std::string datastore_id;
  std::string image_set_id;
  std::string version_id;  // empty = the latest version
};

// Parses the input JSON above. kInvalidArgument naming the problem: not JSON, not an object,
// a missing or empty datastoreId / imageSetId, a non-string value, or an unknown member.
Result<ImageSetRef> ParseImageSetRef(std::string_view json_text);

// The PixelSource of one series of an image set. ForEachFrame fetches the frames of the
// instances it was built for (and no other) through client::RetrieveFrames: transfers on the
// calling thread, decoding and `on_frame` on RetrieveFrames' decode threads, concurrently.
// Errors: those of RetrieveFrames (naming the frame), kUnimplemented for a frame whose stored
// syntax cannot be decoded here, or on_frame's.
// Thread safety: immutable; ForEachFrame may be called concurrently (AhiClient is thread-safe).
class ImageSetPixelSource : public PixelSource {
 public:
  // `instances[n]` = the index, in metadata.series()[series_index].instances, of the series'
  // n-th DicomInstanceRef.
  // `cancel` (may be null) stops ForEachFrame (IsCancelledError); it must outlive every
  // ForEachFrame call (the app run's token does: pixel sources are read within the run).
  ImageSetPixelSource(std::shared_ptr<client::AhiClient> client, client::ImageSetMetadata metadata,
                      size_t series_index, std::vector<size_t> instances,
                      client::RetrieveOptions options, const CancellationToken* cancel = nullptr)
      : client_(std::move(client)),
        metadata_(std::move(metadata)),
        series_index_(series_index),
        instances_(std::move(instances)),
        options_(options),
        cancel_(cancel) {}

  Status ForEachFrame(
      const std::function<Status(size_t, uint32_t, const codec::Image&)>& on_frame) const override;

 private:
  std::shared_ptr<client::AhiClient> client_;
  client::ImageSetMetadata metadata_;
  size_t series_index_;
  std::vector<size_t> instances_;
  client::RetrieveOptions options_;
  const CancellationToken* cancel_;
};

struct ImageSetLoadResult {
  DicomStudyList studies;
  size_t instances_loaded = 0;        // after deduplication
  std::vector<std::string> warnings;  // duplicate removals
};

// The study list of an already parsed image set; pixel sources fetch through `client` with
// `options` and `cancel` (see ImageSetPixelSource). Errors: kInvalidArgument when the
// document has no StudyInstanceUID.
Result<ImageSetLoadResult> StudiesFromImageSet(std::shared_ptr<client::AhiClient> client,
                                               const client::ImageSetMetadata& metadata,
                                               const client::RetrieveOptions& options = {},
                                               const CancellationToken* cancel = nullptr);

// GetImageSetMetadata + ImageSetMetadata::Parse + StudiesFromImageSet. Errors: the client's
// (kNotFound for an unknown datastore or image set, ...), the parser's.
Result<ImageSetLoadResult> LoadImageSet(std::shared_ptr<client::AhiClient> client,
                                        const ImageSetRef& ref,
                                        const client::RetrieveOptions& options = {},
                                        const CancellationToken* cancel = nullptr);

// Operator type "AHIDataLoaderOperator".
//   input  json_file         std::filesystem::path, optional: the reference file; overrides
//                            every parameter below
//   output dicom_study_list  DicomStudyList
//   param  input_file (string, ""): the reference file; relative paths are relative to the
//          app's input path. "" = the input path itself when it is a file, else the first
//          *.json file (by name) directly in the input folder.
//   param  datastore_id, image_set_id (strings, ""): when both are set, no file is read
//   param  endpoint (string, ""): the service URL; "" = client::ConfigFromEnvironment()
//          (AWS_ENDPOINT_URL_MEDICAL_IMAGING, AWS_ENDPOINT_URL, the region's AWS endpoint).
//          Credentials always come from the AWS environment variables.
//   param  connections (integer, 8): parallel keep-alive connections for frames
//   param  must_load (bool, true): fail with kNotFound when the image set holds no instance
// Decoding uses the app's thread count. Errors: kNotFound when no reference file is found,
// kInvalidArgument for a bad reference (ParseImageSetRef) or a file over 1 MiB, the client's.
class ImageSetLoaderOperator : public app::Operator {
 public:
  static constexpr char kTypeName[] = "AHIDataLoaderOperator";

  void Setup(app::OperatorSpec& spec) override;
  Status Compute(app::InputContext& in, app::OutputContext& out,
                 app::ExecutionContext& ctx) override;

 private:
  app::Parameter<std::string> input_file_;
  app::Parameter<std::string> datastore_id_;
  app::Parameter<std::string> image_set_id_;
  app::Parameter<std::string> endpoint_;
  app::Parameter<int64_t> connections_;
  app::Parameter<bool> must_load_;
};

Status RegisterImageSetLoader(app::OperatorRegistry& registry);

}  // namespace openhi::ops
