// The retrieval pipeline: transport on the calling thread, decode/verify/sink on a ThreadPool,
// with a byte-bounded hand-off between them.
#include "openhi/client/retriever.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string_view>

#include "openhi/codec/htj2k.h"
#include "openhi/codec/j2k.h"
#include "openhi/codec/sandboxed_decode.h"
#include "openhi/core/crc32.h"
#include "openhi/core/thread_pool.h"
#include "openhi/volume/slice_writer.h"

namespace openhi::client {
namespace {

enum class StoredCodec {
  kHtj2k,          // HTJ2K (.4.201-.4.203): checksum over the decoded pixels
  kJ2k,            // JPEG 2000 Part 1 (.4.90/.4.91): checksum over the decoded pixels
  kBitPacked,      // Explicit VR LE bit-packed binary frames (BitsAllocated 1): checksum over the body
  kUndecodable,    // kept lossy syntaxes: checksum over the body
};

StoredCodec CodecOf(std::string_view syntax, const PixelModule& pixels) {
  if (syntax == "1.2.840.10008.1.2.4.201" || syntax == "1.2.840.10008.1.2.4.202" ||
      syntax == "1.2.840.10008.1.2.4.203") {
    return StoredCodec::kHtj2k;
  }
  if (syntax == "1.2.840.10008.1.2.4.90" || syntax == "1.2.840.10008.1.2.4.91") {
    return StoredCodec::kJ2k;
  }
  if (syntax == "1.2.840.10008.1.2.1" && pixels.bits_allocated == 1) return StoredCodec::kBitPacked;
  return StoredCodec::kUndecodable;
}

std::string FrameName(const ImageSetMetadata& metadata, const FrameRef& ref) {
  const InstanceMetadata& inst = metadata.series()[ref.series].instances[ref.instance];
  return "frame " + inst.frames[ref.frame].id + " (instance " + inst.sop_instance_uid +
         ", frame " + std::to_string(ref.frame + 1) + ")";
}

Result<codec::Image> UnpackBits(ByteView body, const PixelModule& px) {
  codec::Image image;
  image.desc.width = px.columns;
  image.desc.height = px.rows;
  image.desc.components = px.samples_per_pixel;
  image.desc.bits_stored = 1;
  image.desc.bytes_per_sample = 1;
  const size_t n = image.desc.FrameBytes();
  if (body.size() != (n + 7) / 8) {
    return Status(StatusCode::kDataLoss, "bit-packed frame has " + std::to_string(body.size()) +
                                             " bytes, expected " + std::to_string((n + 7) / 8));
  }
  image.samples.resize(n);
  for (size_t i = 0; i < n; ++i) {
    image.samples[i] = std::byte((std::to_integer<unsigned>(body[i / 8]) >> (i % 8)) & 1u);
  }
  return image;
}

Result<codec::Image> DecodeBody(ByteView body, StoredCodec codec, const PixelModule& px,
                                bool sandboxed) {
  const uint8_t bytes_per_sample = px.bits_allocated <= 8 ? 1 : 2;
  switch (codec) {
    case StoredCodec::kHtj2k:
      return sandboxed ? codec::DecodeUntrusted(body, codec::UntrustedCodec::kHtj2k, bytes_per_sample)
                       : codec::DecodeHtj2k(body);
    case StoredCodec::kJ2k:
      return sandboxed ? codec::DecodeUntrusted(body, codec::UntrustedCodec::kJ2k, bytes_per_sample)
                       : codec::DecodeJ2k(body, bytes_per_sample);
    case StoredCodec::kBitPacked:
      return UnpackBits(body, px);
    case StoredCodec::kUndecodable:
      break;
  }
  return Status(StatusCode::kInternal, "no decoder");
}

// Checks the decoded frame against the pixel module: the store's layout contract
// (codec/image.h) makes a size mismatch a corrupt or foreign frame.
Status CheckDecodedSize(const codec::ImageDesc& desc, const PixelModule& px) {
  if (desc.width != px.columns || desc.height != px.rows ||
      desc.components != px.samples_per_pixel) {
    return Status(StatusCode::kDataLoss,
                  "decoded " + std::to_string(desc.width) + "x" +
                      std::to_string(desc.height) + "x" +
                      std::to_string(desc.components) + " but the metadata says " +
                      std::to_string(px.columns) + "x" + std::to_string(px.rows) + "x" +
                      std::to_string(px.samples_per_pixel));
  }
  return Status();
}

Status CheckPixelCrc(uint32_t crc, uint32_t expected) {
  if (crc == expected) return Status();
  return Status(StatusCode::kDataLoss, "checksum mismatch: decoded pixels have CRC-32 " +
                                           std::to_string(crc) + ", the metadata says " +
                                           std::to_string(expected));
}

// Decodes an HTJ2K frame straight into slice k of a volume: each band of decoded rows is
// checksummed and converted while in cache (no decoded frame buffer: one pass over the pixels
// instead of three). The running CRC covers exactly the bytes DecodeHtj2k's Image would hold
// (DecodedRowSink's contract), so verification is unchanged; a mismatch is only known once the
// slice is written, and then fails the call (the volume is discarded).
class SliceDecodeSink final : public codec::DecodedRowSink {
 public:
  SliceDecodeSink(const PixelModule& px, const volume::VolumePlan& plan, size_t k, double slope,
                  double intercept, volume::Volume* volume, bool compute_crc)
      : px_(px), plan_(plan), k_(k), slope_(slope), intercept_(intercept), volume_(volume),
        compute_crc_(compute_crc) {}

  Status Begin(const codec::ImageDesc& desc) override {
    Status s = CheckDecodedSize(desc, px_);
    if (s.ok()) s = writer_.Begin(plan_, k_, desc, slope_, intercept_, volume_);
    return Record(std::move(s));
  }
  Status Rows(uint32_t first_row, ByteView bytes) override {
    if (compute_crc_) crc_ = Crc32(bytes, crc_);
    return Record(writer_.WriteRows(first_row, bytes));
  }

  // Whether a decode error came from this sink (then it is not a codestream problem).
  bool failed() const { return failed_; }
  uint32_t crc() const { return crc_; }

 private:
  Status Record(Status s) {
    if (!s.ok()) failed_ = true;
    return s;
  }
  const PixelModule& px_;
  const volume::VolumePlan& plan_;
  const size_t k_;
  const double slope_;
  const double intercept_;
  volume::Volume* const volume_;
  const bool compute_crc_;
  volume::SliceRowWriter writer_;
  uint32_t crc_ = 0;
  bool failed_ = false;
};

Status DecodeHtj2kIntoSlice(ByteView body, const InstanceMetadata& inst, const FrameMetadata& frame,
                            const volume::VolumePlan& plan, size_t k, bool verify_checksums,
                            volume::Volume* volume) {
  const auto expected_crc = frame.FullResolutionCrc();
  const bool check = verify_checksums && expected_crc.has_value();
  SliceDecodeSink sink(inst.pixels, plan, k, inst.rescale_slope, inst.rescale_intercept, volume,
                       check);
  const Status status = codec::DecodeHtj2kRows(body, sink);
  if (!status.ok()) {
    if (sink.failed()) return status;
    return Status(status.code(), "decode: " + status.message());
  }
  return check ? CheckPixelCrc(sink.crc(), *expected_crc) : Status();
}

// Hand-off state between the transport thread and the decode pool.
class Pipeline {
 public:
  explicit Pipeline(size_t max_pending_bytes) : max_pending_bytes_(max_pending_bytes) {}

  // Transport side: waits while the pending bytes are at the cap (one body always passes, so
  // a frame larger than the cap cannot dead-lock), then accounts `bytes`. Returns the first
  // error of a task, which stops the transport.
  Status Admit(size_t bytes) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] {
      return !first_error_.ok() || pending_bytes_ == 0 || pending_bytes_ + bytes <= max_pending_bytes_;
    });
    if (!first_error_.ok()) return first_error_;
    pending_bytes_ += bytes;
    ++pending_tasks_;
    return Status();
  }

  // Decode side: the task for a body of `bytes` finished with `status`.
  void Done(size_t bytes, const Status& status) {
    std::lock_guard lock(mu_);
    pending_bytes_ -= bytes;
    --pending_tasks_;
    if (!status.ok() && first_error_.ok()) first_error_ = status;
    cv_.notify_all();
  }

  // Records an error from outside the tasks (the transport's); queued tasks then skip work.
  void Fail(const Status& status) {
    std::lock_guard lock(mu_);
    if (first_error_.ok()) first_error_ = status;
    cv_.notify_all();
  }

  bool Failed() {
    std::lock_guard lock(mu_);
    return !first_error_.ok();
  }

  // Waits until every admitted task is done; returns the first task error.
  Status Drain() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return pending_tasks_ == 0; });
    return first_error_;
  }

 private:
  const size_t max_pending_bytes_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t pending_bytes_ = 0;  // GUARDED_BY(mu_)
  size_t pending_tasks_ = 0;  // GUARDED_BY(mu_)
  Status first_error_;        // GUARDED_BY(mu_)
};

Status ProcessFrame(const ImageSetMetadata& metadata, const FrameRef& ref, Bytes body,
                    const RetrieveOptions& options, const FrameSink& sink) {
  const InstanceMetadata& inst = metadata.series()[ref.series].instances[ref.instance];
  const FrameMetadata& frame = inst.frames[ref.frame];
  const StoredCodec codec = CodecOf(inst.stored_transfer_syntax_uid, inst.pixels);
  const auto expected_crc = frame.FullResolutionCrc();
  RetrievedFrame out;
  out.ref = ref;
  out.transfer_syntax = inst.stored_transfer_syntax_uid;
  // Stored bytes that are not an image codestream carry the checksum of the body itself.
  if (codec == StoredCodec::kBitPacked || codec == StoredCodec::kUndecodable) {
    if (options.verify_checksums && expected_crc && Crc32(body) != *expected_crc) {
      return Status(StatusCode::kDataLoss, "checksum mismatch");
    }
  }
  if (codec == StoredCodec::kUndecodable) {
    if (!options.pass_through_undecodable) {
      return Status(StatusCode::kUnimplemented,
                    "frames stored as " + inst.stored_transfer_syntax_uid +
                        " cannot be decoded by the connector (a lossy source the store kept)");
    }
    out.encoded = std::move(body);
    return sink(std::move(out));
  }
  auto image = DecodeBody(body, codec, inst.pixels, options.sandboxed_decode);
  if (!image.ok()) return Status(image.status().code(), "decode: " + image.status().message());
  OPENHI_RETURN_IF_ERROR(CheckDecodedSize(image->desc, inst.pixels));
  if (codec != StoredCodec::kBitPacked && options.verify_checksums && expected_crc) {
    OPENHI_RETURN_IF_ERROR(CheckPixelCrc(Crc32(image->samples), *expected_crc));
  }
  out.decoded = std::move(*image);
  if (options.keep_encoded) out.encoded = std::move(body);
  return sink(std::move(out));
}

// What the decode pool does with each fetched body.
using ProcessBody = std::function<Status(const FrameRef& ref, Bytes body)>;

// The pipeline behind RetrieveFrames and RetrieveVolume: fetches `frames` on the calling thread
// and runs `process` for each body on a ThreadPool; errors are prefixed with the frame's name.
Status RunPipeline(AhiClient& client, const ImageSetMetadata& metadata,
                   std::span<const FrameRef> frames, const ProcessBody& process,
                   const RetrieveOptions& options, const CancellationToken* cancel) {
  std::vector<std::string> ids;
  ids.reserve(frames.size());
  for (const FrameRef& ref : frames) {
    if (ref.series >= metadata.series().size() ||
        ref.instance >= metadata.series()[ref.series].instances.size() ||
        ref.frame >= metadata.series()[ref.series].instances[ref.instance].frames.size()) {
      return Status(StatusCode::kInvalidArgument, "frame reference outside the image set");
    }
    ids.push_back(metadata.series()[ref.series].instances[ref.instance].frames[ref.frame].id);
  }
  if (ids.empty()) return Status();

  Pipeline pipeline(options.max_pending_bytes);
  {
    ThreadPool pool(options.decode_threads);
    Status transport = client.GetImageFrames(
        metadata.datastore_id(), metadata.image_set_id(), ids,
        [&](size_t index, Bytes body, std::string_view /*content_type*/) -> Status {
          const size_t bytes = body.size();
          OPENHI_RETURN_IF_ERROR(pipeline.Admit(bytes));
          const FrameRef ref = frames[index];
          pool.Submit([&, ref, bytes, body = std::move(body)]() mutable {
            Status status;
            if (cancel && cancel->IsCancelled()) {
              status = CancelledError("retrieval");
            } else if (!pipeline.Failed()) {
              status = process(ref, std::move(body));
              if (!status.ok() && !IsCancelledError(status)) {
                status = Status(status.code(), FrameName(metadata, ref) + ": " + status.message());
              }
            }
            pipeline.Done(bytes, status);
          });
          return Status();
        },
        cancel);
    if (!transport.ok()) pipeline.Fail(transport);
    // Queued tasks still run (skipping their work after a failure); Drain waits for them. A
    // task's error comes first: it is what made the transport stop.
    return pipeline.Drain();
  }
}

}  // namespace

std::vector<FrameRef> FramesOf(const ImageSetMetadata& metadata,
                               std::optional<size_t> series_index) {
  std::vector<FrameRef> refs;
  for (size_t s = 0; s < metadata.series().size(); ++s) {
    if (series_index && *series_index != s) continue;
    const auto& instances = metadata.series()[s].instances;
    for (size_t i = 0; i < instances.size(); ++i) {
      for (uint32_t f = 0; f < instances[i].frames.size(); ++f) refs.push_back({s, i, f});
    }
  }
  return refs;
}

Status RetrieveFrames(AhiClient& client, const ImageSetMetadata& metadata,
                      std::span<const FrameRef> frames, const FrameSink& sink,
                      const RetrieveOptions& options, const CancellationToken* cancel) {
  return RunPipeline(
      client, metadata, frames,
      [&](const FrameRef& ref, Bytes body) {
        return ProcessFrame(metadata, ref, std::move(body), options, sink);
      },
      options, cancel);
}

Result<RetrievedVolume> RetrieveVolume(AhiClient& client, const ImageSetMetadata& metadata,
                                       size_t series_index, const volume::PlanOptions& plan_options,
                                       const RetrieveOptions& options,
                                       const CancellationToken* cancel) {
  if (series_index >= metadata.series().size()) {
    return Status(StatusCode::kNotFound, "series index " + std::to_string(series_index) +
                                             " outside the image set (" +
                                             std::to_string(metadata.series().size()) + " series)");
  }
  const SeriesMetadata& series = metadata.series()[series_index];
  std::vector<volume::SliceGeometry> slices;
  slices.reserve(series.instances.size());
  for (const InstanceMetadata& inst : series.instances) {
    const std::string name = "instance " + inst.sop_instance_uid;
    if (inst.frames.size() != 1 || inst.pixels.number_of_frames != 1) {
      return Status(StatusCode::kUnimplemented,
                    name + " has " + std::to_string(inst.frames.size()) +
                        " frames: volumes are built from single-frame instances (DICOMize "
                        "multi-frame instances instead)");
    }
    if (!inst.image_position_patient || !inst.image_orientation_patient || !inst.pixel_spacing) {
      return Status(StatusCode::kInvalidArgument,
                    name + " lacks ImagePositionPatient, ImageOrientationPatient or PixelSpacing");
    }
    if (inst.pixels.samples_per_pixel != 1) {
      return Status(StatusCode::kInvalidArgument, name + " is not monochrome");
    }
    volume::SliceGeometry g;
    g.position = *inst.image_position_patient;
    g.orientation = *inst.image_orientation_patient;
    g.pixel_spacing = *inst.pixel_spacing;
    g.rows = inst.pixels.rows;
    g.columns = inst.pixels.columns;
    g.rescale_slope = inst.rescale_slope;
    g.rescale_intercept = inst.rescale_intercept;
    slices.push_back(g);
  }
  OPENHI_ASSIGN_OR_RETURN(volume::VolumePlan plan, volume::PlanVolume(slices, plan_options));

  RetrievedVolume out;
  out.volume = volume::AllocateVolume(plan);
  std::vector<size_t> slice_of_instance(series.instances.size(), volume::VolumePlan::kNoSlice);
  out.slice_sop_instance_uids.resize(plan.slice_order.size());
  std::vector<FrameRef> refs;
  for (size_t k = 0; k < plan.slice_order.size(); ++k) {
    const size_t input = plan.slice_order[k];
    if (input == volume::VolumePlan::kNoSlice) continue;
    slice_of_instance[input] = k;
    out.slice_sop_instance_uids[k] = series.instances[input].sop_instance_uid;
    refs.push_back({series_index, input, 0});
  }
  // HTJ2K (what the store keeps for lossless sources) decodes straight into its slice; other
  // syntaxes, and sandboxed decoding, go through a decoded frame and WriteSlice.
  const FrameSink write_slice = [&](RetrievedFrame frame) -> Status {
    const InstanceMetadata& inst = series.instances[frame.ref.instance];
    return volume::WriteSlice(plan, slice_of_instance[frame.ref.instance], *frame.decoded,
                              inst.rescale_slope, inst.rescale_intercept, &out.volume);
  };
  OPENHI_RETURN_IF_ERROR(RunPipeline(
      client, metadata, refs,
      [&](const FrameRef& ref, Bytes body) -> Status {
        const InstanceMetadata& inst = series.instances[ref.instance];
        if (!options.sandboxed_decode &&
            CodecOf(inst.stored_transfer_syntax_uid, inst.pixels) == StoredCodec::kHtj2k) {
          return DecodeHtj2kIntoSlice(body, inst, inst.frames[ref.frame], plan,
                                      slice_of_instance[ref.instance],
                                      options.verify_checksums, &out.volume);
        }
        return ProcessFrame(metadata, ref, std::move(body), options, write_slice);
      },
      options, cancel));
  out.plan = std::move(plan);
  return out;
}

}  // namespace openhi::client
