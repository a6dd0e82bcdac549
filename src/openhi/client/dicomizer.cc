// DICOMize: frames of each instance gathered from the retrieval pipeline; the decode thread that
// delivers an instance's last frame rebuilds and writes it.
#include "openhi/client/dicomizer.h"

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "openhi/core/file_util.h"
#include "openhi/dicom/p10_rebuild.h"

namespace openhi::client {
namespace {

bool IsPlainUid(const std::string& uid) {
  if (uid.empty() || uid.size() > 64) return false;
  for (char c : uid) {
    if (!(c == '.' || (c >= '0' && c <= '9'))) return false;
  }
  return uid.front() != '.';
}

// Frames of one instance while they arrive.
struct PendingInstance {
  std::mutex mu;
  dicom::RebuildFrames frames;  // GUARDED_BY(mu)
  size_t remaining = 0;         // GUARDED_BY(mu)
};

// Fetches BulkDataURI values (AHI exposes private binary values > 1 MB as DICOMweb bulk data,
// GetDICOMBulkdata on the dicom-medical-imaging host) with SigV4-signed GETs: through `client`
// when the URI is on its endpoint, else through a client for the URI's origin with the same
// credentials and region. Thread-safe (decode threads rebuild instances concurrently).
class BulkDataFetcher {
 public:
  explicit BulkDataFetcher(AhiClient& client) : client_(client) {}

  Result<Bytes> Fetch(std::string_view uri) {
    const size_t scheme = uri.find("://");
    if (scheme == std::string_view::npos || (uri.substr(0, scheme) != "http" && uri.substr(0, scheme) != "https")) {
      return Status(StatusCode::kInvalidArgument, "BulkDataURI is not an http(s) URL: " + std::string(uri));
    }
    const size_t path = uri.find('/', scheme + 3);
    const std::string origin(uri.substr(0, path));
    const std::string path_and_query = path == std::string_view::npos ? "/" : std::string(uri.substr(path));
    AhiClient* c = &client_;
    if (origin != client_.config().endpoint) {
      std::lock_guard lock(mu_);
      auto it = others_.find(origin);
      if (it == others_.end()) {
        ClientConfig config = client_.config();
        config.endpoint = origin;
        OPENHI_ASSIGN_OR_RETURN(auto other, AhiClient::Create(config));
        it = others_.emplace(origin, std::move(other)).first;
      }
      c = it->second.get();
    }
    OPENHI_ASSIGN_OR_RETURN(std::string body, c->CallJson("GET", path_and_query, ""));
    const auto* p = reinterpret_cast<const std::byte*>(body.data());
    return Bytes(p, p + body.size());
  }

 private:
  AhiClient& client_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<AhiClient>> others_;  // GUARDED_BY(mu_)
};

}  // namespace

Result<DicomizeSummary> DicomizeImageSet(AhiClient& client, const ImageSetMetadata& metadata,
                                         const std::filesystem::path& out_dir,
                                         const DicomizeOptions& options,
                                         const CancellationToken* cancel) {
  const auto& all_series = metadata.series();
  if (options.series_index && *options.series_index >= all_series.size()) {
    return Status(StatusCode::kNotFound, "series index " + std::to_string(*options.series_index) +
                                             " outside the image set");
  }
  // Levels converted once; const nlohmann::json is safe to read from many threads.
  const nlohmann::json patient = metadata.PatientDicom();
  const nlohmann::json study = metadata.StudyDicom();
  std::vector<nlohmann::json> series_dicom(all_series.size());
  std::vector<std::vector<std::unique_ptr<PendingInstance>>> pending(all_series.size());
  DicomizeSummary summary;
  std::vector<std::vector<std::filesystem::path>> paths(all_series.size());

  for (size_t s = 0; s < all_series.size(); ++s) {
    if (options.series_index && *options.series_index != s) continue;
    const SeriesMetadata& series = all_series[s];
    if (!IsPlainUid(series.series_instance_uid)) {
      return Status(StatusCode::kInvalidArgument,
                    "series UID \"" + series.series_instance_uid + "\" is not a DICOM UID");
    }
    series_dicom[s] = metadata.SeriesDicom(s);
    const std::filesystem::path dir = out_dir / series.series_instance_uid;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status(StatusCode::kInternal, "cannot create " + dir.string() + ": " + ec.message());
    ++summary.series;
    for (const InstanceMetadata& inst : series.instances) {
      if (!IsPlainUid(inst.sop_instance_uid)) {
        return Status(StatusCode::kInvalidArgument,
                      "SOP instance UID \"" + inst.sop_instance_uid + "\" is not a DICOM UID");
      }
      auto p = std::make_unique<PendingInstance>();
      p->remaining = inst.frames.size();
      pending[s].push_back(std::move(p));
      paths[s].push_back(dir / (inst.sop_instance_uid + ".dcm"));
    }
  }

  BulkDataFetcher bulk(client);
  const dicom::BulkDataResolver resolver = [&bulk](std::string_view uri) { return bulk.Fetch(uri); };
  std::atomic<uint64_t> bytes_written{0};
  std::atomic<size_t> instances_written{0};
  auto write_instance = [&](size_t s, size_t i, const dicom::RebuildFrames& frames) -> Status {
    const nlohmann::json merged = dicom::MergeAhiLevels(patient, study, series_dicom[s],
                                                        metadata.InstanceObject(s, i));
    auto p10 = dicom::RebuildP10(merged, frames, resolver);
    if (!p10.ok()) {
      return Status(p10.status().code(), "instance " + all_series[s].instances[i].sop_instance_uid +
                                             ": " + p10.status().message());
    }
    OPENHI_RETURN_IF_ERROR(WriteFileAtomic(paths[s][i], *p10, Durability::kNone));
    bytes_written += p10->size();
    ++instances_written;
    return Status();
  };

  // Instances without frames (no Pixel Data) are written straight away.
  for (size_t s = 0; s < pending.size(); ++s) {
    for (size_t i = 0; i < pending[s].size(); ++i) {
      if (pending[s][i]->remaining == 0) OPENHI_RETURN_IF_ERROR(write_instance(s, i, {}));
    }
  }

  RetrieveOptions retrieve = options.retrieve;
  retrieve.pass_through_undecodable = true;
  const std::vector<FrameRef> refs = FramesOf(metadata, options.series_index);
  OPENHI_RETURN_IF_ERROR(RetrieveFrames(
      client, metadata, refs,
      [&](RetrievedFrame frame) -> Status {
        const FrameRef ref = frame.ref;
        PendingInstance& p = *pending[ref.series][ref.instance];
        const size_t count = all_series[ref.series].instances[ref.instance].frames.size();
        dicom::RebuildFrames complete;
        {
          std::lock_guard lock(p.mu);
          if (frame.decoded) {
            if (p.frames.decoded.empty()) p.frames.decoded.resize(count);
            p.frames.decoded[ref.frame] = std::move(*frame.decoded);
          } else {
            if (p.frames.encoded.empty()) p.frames.encoded.resize(count);
            p.frames.encoded[ref.frame] = std::move(frame.encoded);
            p.frames.encoded_transfer_syntax = frame.transfer_syntax;
          }
          if (--p.remaining > 0) return Status();
          complete = std::move(p.frames);
        }
        return write_instance(ref.series, ref.instance, complete);
      },
      retrieve, cancel));

  summary.frames = refs.size();
  summary.instances = instances_written.load();
  summary.bytes_written = bytes_written.load();
  for (auto& list : paths) {
    for (auto& path : list) summary.files.push_back(std::move(path));
  }
  return summary;
}

}  // namespace openhi::client
