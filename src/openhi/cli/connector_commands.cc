#include "openhi/cli/connector_commands.h"

#include <chrono>
#include <csignal>
#include <memory>
#include <nlohmann/json.hpp>

#include "openhi/cli/cli_output.h"
#include "openhi/client/ahi_client.h"
#include "openhi/client/client_config.h"
#include "openhi/client/dicomizer.h"
#include "openhi/client/image_set_metadata.h"
#include "openhi/client/retriever.h"
#include "openhi/core/file_util.h"

namespace openhi::cli {
namespace {

// Ctrl-C (SIGINT) and SIGTERM cancel the running retrieval: transfers stop, the command exits
// with the cancellation error instead of leaving half-written output behind unreported.
// CancellationToken::Cancel is one lock-free atomic store, safe in a signal handler.
client::CancellationToken g_cancel;

void InstallCancelHandlers() {
  static_assert(std::atomic<bool>::is_always_lock_free);
  std::signal(SIGINT, [](int) { g_cancel.Cancel(); });
  std::signal(SIGTERM, [](int) { g_cancel.Cancel(); });
}

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Flags shared by the connector commands. Credentials come from the standard AWS environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); flags override the region and
// endpoint (AWS_REGION / AWS_ENDPOINT_URL_MEDICAL_IMAGING / AWS_ENDPOINT_URL).
struct ConnectorFlags {
  std::string endpoint;
  std::string region;
  std::string datastore_id;
  std::string image_set_id;
  std::string version_id;
  int connections = 8;
  size_t threads = 0;
  bool sandboxed_decode = false;
};

void AddConnectorFlags(CLI::App* c, ConnectorFlags* f) {
  c->add_option("--endpoint", f->endpoint,
                "Service URL (default: AWS_ENDPOINT_URL_MEDICAL_IMAGING, AWS_ENDPOINT_URL, or "
                "the real service's runtime endpoint for the region)");
  c->add_option("--region", f->region, "SigV4 region (default: AWS_REGION, us-east-1)");
  c->add_option("--datastore-id", f->datastore_id)->required();
  c->add_option("--image-set-id", f->image_set_id)->required();
  c->add_option("--version-id", f->version_id, "Image set version (default: latest)");
  c->add_option("--connections", f->connections, "Parallel keep-alive connections")
      ->capture_default_str();
  c->add_option("--threads", f->threads, "Decode threads (0 = all cores)")->capture_default_str();
  c->add_flag("--sandboxed-decode", f->sandboxed_decode,
              "Decode frames in a helper process (for endpoints you do not trust)");
}

struct Session {
  std::unique_ptr<client::AhiClient> client;
  client::ImageSetMetadata metadata;
  Bytes document;  // the metadata JSON, plain
};

Result<Session> OpenSession(const ConnectorFlags& f) {
  OPENHI_ASSIGN_OR_RETURN(client::ClientConfig config, client::ConfigFromEnvironment());
  if (!f.region.empty()) {
    const bool default_endpoint = config.endpoint == client::DefaultEndpoint(config.region);
    config.region = f.region;
    if (default_endpoint) config.endpoint = client::DefaultEndpoint(f.region);
  }
  if (!f.endpoint.empty()) config.endpoint = f.endpoint;
  config.connections = f.connections;
  OPENHI_ASSIGN_OR_RETURN(auto c, client::AhiClient::Create(config));
  std::optional<std::string> version;
  if (!f.version_id.empty()) version = f.version_id;
  OPENHI_ASSIGN_OR_RETURN(Bytes doc,
                          c->GetImageSetMetadata(f.datastore_id, f.image_set_id, version, &g_cancel));
  OPENHI_ASSIGN_OR_RETURN(client::ImageSetMetadata metadata, client::ImageSetMetadata::Parse(doc));
  return Session{std::move(c), std::move(metadata), std::move(doc)};
}

client::RetrieveOptions RetrieveOptionsOf(const ConnectorFlags& f) {
  client::RetrieveOptions o;
  o.decode_threads = f.threads;
  o.sandboxed_decode = f.sandboxed_decode;
  return o;
}

// A series given as an index ("0") or a SeriesInstanceUID.
Result<size_t> FindSeries(const client::ImageSetMetadata& m, const std::string& which) {
  for (size_t s = 0; s < m.series().size(); ++s) {
    if (m.series()[s].series_instance_uid == which || std::to_string(s) == which) return s;
  }
  return Status(StatusCode::kNotFound, "no series \"" + which + "\" in the image set (it has " +
                                           std::to_string(m.series().size()) + ")");
}

Json Vec(const std::array<double, 3>& v) { return Json::array({v[0], v[1], v[2]}); }

Json VolumeJson(const client::RetrievedVolume& r) {
  const volume::VolumeGeometry& g = r.volume.geometry;
  Json issues = Json::array();
  for (const auto& issue : r.plan.issues) {
    issues.push_back({{"kind", std::string(volume::IssueKindName(issue.kind))},
                      {"message", issue.message}});
  }
  float lo = 0, hi = 0;
  if (!r.volume.voxels.empty()) {
    lo = hi = r.volume.voxels[0];
    for (float v : r.volume.voxels) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  return {{"size", Json::array({g.size[0], g.size[1], g.size[2]})},
          {"spacingMm", Vec(g.spacing_mm)},
          {"originLps", Vec(g.origin_mm)},
          {"directionLps", Json::array({Vec(g.direction[0]), Vec(g.direction[1]), Vec(g.direction[2])})},
          {"voxelOrder", "i (column) fastest, then j (row), then k (slice along the normal)"},
          {"minValue", lo},
          {"maxValue", hi},
          {"issues", issues}};
}

// What an irregular stack may be turned into (volume/volume_plan.h); everything else is an
// error naming the issue.
struct GeometryFlags {
  bool keep_first_duplicate = false;
  bool fill_gaps = false;
  bool stack_irregular = false;
  bool reject_tilt = false;
};

volume::PlanOptions PlanOptionsOf(const GeometryFlags& g) {
  volume::PlanOptions o;
  if (g.keep_first_duplicate) o.duplicates = volume::DuplicatePolicy::kKeepFirst;
  if (g.fill_gaps) o.gaps = volume::GapPolicy::kFillEmptySlices;
  if (g.stack_irregular) o.irregular_spacing = volume::IrregularSpacingPolicy::kStackAtMeanSpacing;
  o.allow_gantry_tilt = !g.reject_tilt;
  return o;
}

int RunFetch(const ConnectorFlags& f, const std::string& metadata_out, const std::string& frames_dir,
             bool volume, const std::string& series, const GeometryFlags& geometry) {
  const std::string op = "Fetch";
  InstallCancelHandlers();
  const auto start = Clock::now();
  auto session = OpenSession(f);
  if (!session.ok()) return PrintError(op, session.status());
  const client::ImageSetMetadata& m = session->metadata;
  Json out = {{"datastoreId", m.datastore_id()},
              {"imageSetId", m.image_set_id()},
              {"series", m.series().size()},
              {"frames", m.FrameCount()},
              {"metadataSeconds", SecondsSince(start)}};
  if (!metadata_out.empty()) {
    Status st = WriteFileAtomic(metadata_out, session->document, Durability::kNone);
    if (!st.ok()) return PrintError(op, st);
    out["metadataFile"] = metadata_out;
  }
  if (!frames_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(frames_dir, ec);
    if (ec) return PrintError(op, Status(StatusCode::kInternal, "cannot create " + frames_dir));
    client::RetrieveOptions o = RetrieveOptionsOf(f);
    o.keep_encoded = true;
    o.pass_through_undecodable = true;
    const auto frames_start = Clock::now();
    const auto refs = client::FramesOf(m);
    std::atomic<uint64_t> bytes{0};
    Status st = client::RetrieveFrames(
        *session->client, m, refs,
        [&](client::RetrievedFrame frame) -> Status {
          const auto& inst = m.series()[frame.ref.series].instances[frame.ref.instance];
          bytes += frame.encoded.size();
          return WriteFileAtomic(std::filesystem::path(frames_dir) / (inst.frames[frame.ref.frame].id + ".frame"),
                                 frame.encoded, Durability::kNone);
        },
        o, &g_cancel);
    if (!st.ok()) return PrintError(op, st);
    out["framesDir"] = frames_dir;
    out["framesSeconds"] = SecondsSince(frames_start);
    out["framesBytes"] = bytes.load();
  }
  if (volume) {
    auto index = FindSeries(m, series.empty() ? "0" : series);
    if (!index.ok()) return PrintError(op, index.status());
    const auto volume_start = Clock::now();
    auto r = client::RetrieveVolume(*session->client, m, *index, PlanOptionsOf(geometry),
                                    RetrieveOptionsOf(f), &g_cancel);
    if (!r.ok()) return PrintError(op, r.status());
    out["volume"] = VolumeJson(*r);
    out["volumeSeconds"] = SecondsSince(volume_start);
  }
  out["seconds"] = SecondsSince(start);
  return PrintJson(out);
}

int RunDicomize(const ConnectorFlags& f, const std::string& out_dir, const std::string& series) {
  const std::string op = "Dicomize";
  InstallCancelHandlers();
  const auto start = Clock::now();
  auto session = OpenSession(f);
  if (!session.ok()) return PrintError(op, session.status());
  client::DicomizeOptions o;
  o.retrieve = RetrieveOptionsOf(f);
  if (!series.empty()) {
    auto index = FindSeries(session->metadata, series);
    if (!index.ok()) return PrintError(op, index.status());
    o.series_index = *index;
  }
  auto summary = client::DicomizeImageSet(*session->client, session->metadata, out_dir, o, &g_cancel);
  if (!summary.ok()) return PrintError(op, summary.status());
  return PrintJson({{"outputDir", out_dir},
                    {"series", summary->series},
                    {"instances", summary->instances},
                    {"frames", summary->frames},
                    {"bytesWritten", summary->bytes_written},
                    {"seconds", SecondsSince(start)}});
}

}  // namespace

void AddConnectorCommands(CLI::App& app, int* exit_code) {
  {
    auto f = std::make_shared<ConnectorFlags>();
    auto metadata_out = std::make_shared<std::string>();
    auto frames_dir = std::make_shared<std::string>();
    auto volume = std::make_shared<bool>(false);
    auto series = std::make_shared<std::string>();
    CLI::App* c = app.add_subcommand(
        "fetch", "Retrieve an image set from an AHI endpoint: metadata, frames or a volume");
    AddConnectorFlags(c, f.get());
    c->add_option("--metadata-out", *metadata_out, "Write the metadata document (plain JSON)");
    c->add_option("--frames-dir", *frames_dir,
                  "Write every frame's stored codestream, verified, as DIR/<frameId>.frame");
    c->add_flag("--volume", *volume, "Assemble the volume of a series in memory and describe it");
    c->add_option("--series", *series, "Series index or SeriesInstanceUID (default: 0)");
    auto geometry = std::make_shared<GeometryFlags>();
    c->add_flag("--keep-first-duplicate", geometry->keep_first_duplicate,
                "Volume: keep the first of slices at the same position (default: error)");
    c->add_flag("--fill-gaps", geometry->fill_gaps,
                "Volume: keep a missing slice as an empty placeholder (default: error)");
    c->add_flag("--stack-irregular", geometry->stack_irregular,
                "Volume: stack irregularly spaced slices at the mean spacing (default: error)");
    c->add_flag("--reject-tilt", geometry->reject_tilt,
                "Volume: fail on gantry tilt (default: report it, keep the sheared geometry)");
    c->callback([=] {
      *exit_code = RunFetch(*f, *metadata_out, *frames_dir, *volume, *series, *geometry);
    });
  }
  {
    auto f = std::make_shared<ConnectorFlags>();
    auto out_dir = std::make_shared<std::string>();
    auto series = std::make_shared<std::string>();
    CLI::App* c = app.add_subcommand(
        "dicomize", "Rebuild the DICOM P10 instances of an image set from an AHI endpoint");
    AddConnectorFlags(c, f.get());
    c->add_option("--out", *out_dir, "Output folder: OUT/<SeriesUID>/<SOPInstanceUID>.dcm")
        ->required();
    c->add_option("--series", *series, "Only this series (index or SeriesInstanceUID)");
    c->callback([=] { *exit_code = RunDicomize(*f, *out_dir, *series); });
  }
}

}  // namespace openhi::cli
