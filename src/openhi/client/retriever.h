#pragma once
// The retrieval pipeline (DESIGN.md §5): frame requests over the client's pool of keep-alive
// connections (transport on the calling thread), then CRC-32 check and decode on a CPU pool,
// then a sink (volume assembly, DICOMize, or the caller's own).
//
//   AhiClient::GetImageFrames ──body──▶ bounded hand-off ──▶ ThreadPool: decode → CRC → sink
//
// Memory is bounded: encoded bodies waiting for a decoder are capped by
// RetrieveOptions::max_pending_bytes (the transport stops reading while the cap is reached),
// plus the client's own in-flight bodies. A frame that cannot be fetched, decoded or verified
// fails the whole call with a message naming the frame; nothing ever waits forever.
//
// Trust: frames are decoded in-process with OpenJPH, which aborts on some corrupt HT
// code-blocks (codec/htj2k.h, SAFETY). The endpoint is one the user configured and
// authenticated; for an endpoint you do not trust, set `sandboxed_decode` (a helper process per
// frame, ~15 ms each).
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "openhi/client/ahi_client.h"
#include "openhi/client/cancellation.h"
#include "openhi/client/image_set_metadata.h"
#include "openhi/codec/image.h"
#include "openhi/core/status.h"
#include "openhi/volume/geometry.h"
#include "openhi/volume/volume_plan.h"

namespace openhi::client {

// One frame of an image set: series and instance indices into ImageSetMetadata::series(), and
// the frame's index in its instance's ImageFrames (frame number - 1).
struct FrameRef {
  size_t series = 0;
  size_t instance = 0;
  uint32_t frame = 0;
};

// Every frame of series `series_index` (all series when nullopt), in document order.
std::vector<FrameRef> FramesOf(const ImageSetMetadata& metadata,
                               std::optional<size_t> series_index = std::nullopt);

struct RetrieveOptions {
  size_t decode_threads = 0;  // 0 = hardware concurrency
  // Encoded bytes received but not yet decoded. The transport blocks at this cap (a body larger
  // than the cap still passes, alone). Small on purpose: ~20 CT frames keep 2 decoders busy,
  // and a small, steady heap of bodies is reused instead of faulting in fresh pages (~20 us
  // per 4 KiB page on the VMs we run on; a 64 MiB cap cost ~2,000 faults per 300-frame series,
  // 4 MiB ~300: bench/retrieve_bench.cc). Raise it for multi-megabyte frames on slow links.
  size_t max_pending_bytes = size_t{4} << 20;
  // Check each decoded frame's CRC-32 against the last PixelDataChecksumFromBaseToFullResolution
  // entry (frames without checksums are not checked). On a mismatch the call fails with
  // kDataLoss.
  bool verify_checksums = true;
  // Frames whose stored syntax cannot be decoded here (lossy sources the store kept in their
  // original syntax, e.g. JPEG baseline) are handed to the sink still encoded when true; when
  // false they fail the call with kUnimplemented.
  bool pass_through_undecodable = false;
  bool sandboxed_decode = false;  // decode in a helper process (see the file comment)
  // Hand decoded frames to the sink with their stored bytes too (RetrievedFrame::encoded), e.g.
  // to save verified codestreams.
  bool keep_encoded = false;
};

// What a sink receives: the decoded frame, or (pass-through) the encoded bytes and syntax.
struct RetrievedFrame {
  FrameRef ref;
  std::optional<codec::Image> decoded;
  Bytes encoded;                // when !decoded, or with it when keep_encoded
  std::string transfer_syntax;  // the stored syntax of the frame
};

// Called on a decode thread, concurrently for distinct frames; an error stops the call.
using FrameSink = std::function<Status(RetrievedFrame frame)>;

// Fetches, decodes, verifies and hands every frame of `frames` to `sink`. Returns after every
// sink call has returned. Errors: the client's (naming the frame), kDataLoss for a checksum
// mismatch or a frame whose decoded size does not match the pixel module, kUnimplemented for an
// undecodable syntax (see pass_through_undecodable), the sink's error, or the cancellation
// status (IsCancelledError).
Status RetrieveFrames(AhiClient& client, const ImageSetMetadata& metadata,
                      std::span<const FrameRef> frames, const FrameSink& sink,
                      const RetrieveOptions& options = {},
                      const CancellationToken* cancel = nullptr);

// A series as a 3D volume (volume/volume_plan.h for the voxel order and axes; values are
// rescaled: Hounsfield units for CT).
struct RetrievedVolume {
  volume::Volume volume;
  volume::VolumePlan plan;  // slice order and every geometric issue found (tolerated ones too)
  // SOP Instance UID of the slice at k (empty for a filled gap).
  std::vector<std::string> slice_sop_instance_uids;
};

// Plans the volume of series `series_index` from the metadata alone, then fetches and decodes
// every frame straight into its slice. HTJ2K frames (unless sandboxed_decode) are decoded in
// bands of rows into the volume, with the checksum computed on the way: a mismatch is found only
// after the slice is written, and fails the call with kDataLoss all the same (no volume is
// returned). Single-frame instances only (one slice per instance):
// kUnimplemented for multi-frame instances (their per-frame geometry lives in functional
// groups; DICOMize them instead). kInvalidArgument when an instance lacks the geometry
// attributes; PlanVolume's errors for irregular stacks that `plan_options` does not tolerate.
Result<RetrievedVolume> RetrieveVolume(AhiClient& client, const ImageSetMetadata& metadata,
                                       size_t series_index,
                                       const volume::PlanOptions& plan_options = {},
                                       const RetrieveOptions& options = {},
                                       const CancellationToken* cancel = nullptr);

}  // namespace openhi::client
