// The retrieval pipeline end to end against a real served store: volumes equal the source files
// read independently (DCMTK via dicom::DicomFile), DICOMize rebuilds every instance, and every
// fault (wrong bytes, lost frame, cancellation, multi-frame volume) is a clear error, never a
// hang.
#include "openhi/client/retriever.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "openhi/client/dicomizer.h"
#include "openhi/client/testing/served_store.h"
#include "openhi/core/file_util.h"
#include "openhi/dicom/dicom_file.h"
#include "openhi/synth/synth.h"

namespace openhi::client {
namespace {
namespace fs = std::filesystem;

fs::path TempDir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("openhi_retriever_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// A shuffled, unsigned (RescaleIntercept -1024), feet-first-ordered synthetic CT.
struct Fixture {
  fs::path dir;
  synth::SynthSeries series;
  std::unique_ptr<testing::ServedStore> served;
  std::unique_ptr<AhiClient> client;
  std::optional<ImageSetMetadata> metadata;
};

Fixture& Shared() {
  static Fixture* f = [] {
    auto* f = new Fixture();
    f->dir = TempDir("series");
    synth::SynthOptions o;
    o.output_dir = f->dir / "in";
    o.slices = 12;
    o.rows = 40;
    o.columns = 48;
    o.order = synth::SliceOrder::kShuffled;
    o.pixel_representation = synth::PixelRepresentation::kUnsigned;
    o.bits_stored = 12;
    auto series = synth::WriteSyntheticSeries(o);
    EXPECT_TRUE(series.ok()) << series.status().ToString();
    f->series = *series;
    fs::remove(series->mask_path);
    auto served = testing::ServedStore::Start({f->dir / "in"});
    EXPECT_TRUE(served.ok()) << served.status().ToString();
    f->served = std::move(*served);
    auto client = AhiClient::Create(f->served->Config());
    EXPECT_TRUE(client.ok());
    f->client = std::move(*client);
    auto doc = f->client->GetImageSetMetadata(f->served->datastore_id(),
                                              f->served->image_set_ids().at(0));
    EXPECT_TRUE(doc.ok());
    auto metadata = ImageSetMetadata::Parse(*doc);
    EXPECT_TRUE(metadata.ok()) << metadata.status().ToString();
    f->metadata = *metadata;
    return f;
  }();
  return *f;
}

class RetrieverTest : public ::testing::Test {
 protected:
  void TearDown() override { Shared().served->SetInterceptor(nullptr); }
};

TEST_F(RetrieverTest, VolumeEqualsTheSourceFilesReadIndependently) {
  Fixture& f = Shared();
  auto r = RetrieveVolume(*f.client, *f.metadata, 0);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const volume::VolumeGeometry& g = r->volume.geometry;
  const volume::VolumeGeometry& truth = f.series.geometry;
  ASSERT_EQ(g.size, truth.size);
  for (int a = 0; a < 3; ++a) {
    EXPECT_NEAR(g.origin_mm[a], truth.origin_mm[a], 1e-6);
    EXPECT_NEAR(g.spacing_mm[a], truth.spacing_mm[a], 1e-6);
    for (int b = 0; b < 3; ++b) EXPECT_NEAR(g.direction[a][b], truth.direction[a][b], 1e-9);
  }
  EXPECT_TRUE(r->plan.issues.empty());
  // Each file decoded by DCMTK, placed by the generator's own spatial index, rescaled.
  for (const synth::SynthSlice& slice : f.series.slices) {
    auto bytes = ReadFile(slice.path);
    ASSERT_TRUE(bytes.ok());
    auto file = dicom::DicomFile::Parse(*bytes);
    ASSERT_TRUE(file.ok());
    auto image = file->DecodeFrame(0);
    ASSERT_TRUE(image.ok());
    const double intercept = std::stod(*file->GetString(dicom::MakeTag(0x0028, 0x1052)));
    EXPECT_EQ(r->slice_sop_instance_uids[slice.slice_index], slice.sop_instance_uid);
    const auto* samples = reinterpret_cast<const uint16_t*>(image->samples.data());
    for (size_t j = 0; j < g.size[1]; ++j) {
      for (size_t i = 0; i < g.size[0]; ++i) {
        const float expected = float(samples[j * g.size[0] + i] + intercept);
        ASSERT_EQ(r->volume.voxels[r->volume.Index(i, j, slice.slice_index)], expected)
            << "voxel " << i << "," << j << "," << slice.slice_index;
      }
    }
  }
}

TEST_F(RetrieverTest, DicomizeRebuildsEveryInstanceWithItsPixels) {
  Fixture& f = Shared();
  const fs::path out = TempDir("dicomize");
  auto summary = DicomizeImageSet(*f.client, *f.metadata, out);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->instances, f.series.slices.size());
  EXPECT_EQ(summary->frames, f.series.slices.size());
  for (const synth::SynthSlice& slice : f.series.slices) {
    const fs::path rebuilt_path = out / f.series.series_instance_uid / (slice.sop_instance_uid + ".dcm");
    auto rebuilt = dicom::DicomFile::Parse(*ReadFile(rebuilt_path));
    auto original = dicom::DicomFile::Parse(*ReadFile(slice.path));
    ASSERT_TRUE(rebuilt.ok()) << rebuilt_path;
    ASSERT_TRUE(original.ok());
    EXPECT_EQ(rebuilt->TransferSyntaxUid(), "1.2.840.10008.1.2.1");
    EXPECT_TRUE(rebuilt->DecodeFrame(0)->samples == original->DecodeFrame(0)->samples);
    nlohmann::json a = rebuilt->ToAhiJson()["DICOM"], b = original->ToAhiJson()["DICOM"];
    for (const char* meta : {"TransferSyntaxUID", "ImplementationClassUID",
                             "ImplementationVersionName", "SourceApplicationEntityTitle"}) {
      a.erase(meta);
      b.erase(meta);
    }
    EXPECT_EQ(a, b) << "attributes differ for " << slice.sop_instance_uid;
  }
  fs::remove_all(out);
}

// The body of another (valid) frame decodes fine but fails the CRC-32 check.
TEST_F(RetrieverTest, WrongFrameBytesAreDataLossNamingTheFrame) {
  Fixture& f = Shared();
  const auto& instances = f.metadata->series()[0].instances;
  const std::string victim = instances[3].frames[0].id;
  auto other = f.served->store().GetImageFrame(f.served->datastore_id(),
                                                f.served->image_set_ids()[0], instances[4].frames[0].id);
  ASSERT_TRUE(other.ok());
  const std::string other_body(reinterpret_cast<const char*>(other->bytes->data()), other->bytes->size());
  f.served->SetInterceptor([&](const http::Request& req) -> std::optional<http::Response> {
    if (req.body.find(victim) == std::string::npos) return std::nullopt;
    http::Response r;
    r.headers.push_back({"Content-Type", "application/octet-stream"});
    r.body = other_body;
    return r;
  });
  auto r = RetrieveVolume(*f.client, *f.metadata, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
  EXPECT_NE(r.status().message().find(victim), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("checksum mismatch"), std::string::npos);
}

TEST_F(RetrieverTest, ALostFrameFailsTheCallNamingIt) {
  Fixture& f = Shared();
  const std::string victim = f.metadata->series()[0].instances[7].frames[0].id;
  f.served->SetInterceptor([&](const http::Request& req) -> std::optional<http::Response> {
    if (req.body.find(victim) == std::string::npos) return std::nullopt;
    http::Response r;
    r.status = 404;
    r.headers.push_back({"x-amzn-ErrorType", "ResourceNotFoundException"});
    r.body = R"({"message":"image frame not found"})";
    return r;
  });
  std::atomic<size_t> delivered{0};
  Status s = RetrieveFrames(*f.client, *f.metadata, FramesOf(*f.metadata),
                            [&](RetrievedFrame) { ++delivered; return Status(); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find(victim), std::string::npos) << s.ToString();
  EXPECT_LT(delivered.load(), f.metadata->FrameCount());
}

TEST_F(RetrieverTest, ASinkErrorStopsTheCall) {
  Fixture& f = Shared();
  std::atomic<size_t> calls{0};
  Status s = RetrieveFrames(*f.client, *f.metadata, FramesOf(*f.metadata), [&](RetrievedFrame) {
    ++calls;
    return Status(StatusCode::kResourceExhausted, "disk full");
  });
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("disk full"), std::string::npos);
}

TEST_F(RetrieverTest, CancellationStopsASlowRetrieval) {
  Fixture& f = Shared();
  f.served->SetInterceptor([](const http::Request&) -> std::optional<http::Response> {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return std::nullopt;
  });
  CancellationToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel.Cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = RetrieveVolume(*f.client, *f.metadata, 0, {}, {}, &cancel);
  canceller.join();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsCancelledError(r.status())) << r.status().ToString();
  // Not a timing assertion on speed: only that it did not wait for all 12 slow frames in turn.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST_F(RetrieverTest, BadFrameReferencesAreRejected) {
  Fixture& f = Shared();
  std::vector<FrameRef> refs = {{0, 999, 0}};
  Status s = RetrieveFrames(*f.client, *f.metadata, refs, [](RetrievedFrame) { return Status(); });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  auto r = RetrieveVolume(*f.client, *f.metadata, 5);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

// A real SEG (multi-frame, BitsAllocated 1) beside its 3-slice CT: the CT makes a volume, the
// SEG does not (multi-frame), and DICOMize rebuilds both, the SEG from bit-packed frames.
TEST(RetrieverSharedDataTest, SegAndCtFromTheSharedData) {
  const fs::path root = OPENHI_SHARED_DIR "/data/dicom/seg_liver_on_ct_3slice_dcmqi";
  const fs::path in = TempDir("seg_in");
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().filename() != "partial_overlaps.dcm") {
      fs::copy_file(entry.path(), in / entry.path().filename());
    }
  }
  auto served = testing::ServedStore::Start({in});
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  auto client = AhiClient::Create((*served)->Config());
  ASSERT_TRUE(client.ok());
  // The SEG and the CT differ at a level above the series, so they form two image sets.
  const fs::path out = TempDir("seg_out");
  size_t instances = 0, volumes = 0, multi_frame = 0;
  for (const std::string& id : (*served)->image_set_ids()) {
    auto doc = (*client)->GetImageSetMetadata((*served)->datastore_id(), id);
    ASSERT_TRUE(doc.ok());
    auto metadata = ImageSetMetadata::Parse(*doc);
    ASSERT_TRUE(metadata.ok());
    for (size_t s = 0; s < metadata->series().size(); ++s) {
      auto volume = RetrieveVolume(**client, *metadata, s);
      if (metadata->series()[s].modality == "CT") {
        ASSERT_TRUE(volume.ok()) << volume.status().ToString();
        EXPECT_EQ(volume->volume.geometry.size[2], 3u);
        ++volumes;
      } else {
        EXPECT_EQ(volume.status().code(), StatusCode::kUnimplemented) << volume.status().ToString();
        ++multi_frame;
      }
    }
    auto summary = DicomizeImageSet(**client, *metadata, out);
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    instances += summary->instances;
  }
  EXPECT_EQ(volumes, 1u);
  EXPECT_EQ(multi_frame, 1u);
  EXPECT_EQ(instances, 4u);
  auto original = dicom::DicomFile::Parse(*ReadFile(root / "seg" / "liver.dcm"));
  ASSERT_TRUE(original.ok());
  const std::string sop = *original->GetString(dicom::MakeTag(0x0008, 0x0018));
  const std::string series_uid = *original->GetString(dicom::MakeTag(0x0020, 0x000E));
  auto rebuilt = dicom::DicomFile::Parse(*ReadFile(out / series_uid / (sop + ".dcm")));
  ASSERT_TRUE(rebuilt.ok());
  ASSERT_EQ(rebuilt->Pixels()->number_of_frames, original->Pixels()->number_of_frames);
  for (uint32_t i = 0; i < original->Pixels()->number_of_frames; ++i) {
    EXPECT_TRUE(rebuilt->DecodeFrame(i)->samples == original->DecodeFrame(i)->samples) << i;
  }
  fs::remove_all(out);
  fs::remove_all(in);
}

}  // namespace
}  // namespace openhi::client

namespace openhi::client {
namespace {

// AHI keeps private binary values > 1 MB out of line as DICOMweb BulkDataURIs; DICOMize fetches
// them with signed GETs and writes the bytes back into the rebuilt instance.
TEST_F(RetrieverTest, DicomizeResolvesBulkDataUris) {
  Fixture& f = Shared();
  auto doc = f.client->GetImageSetMetadata(f.served->datastore_id(), f.served->image_set_ids()[0]);
  ASSERT_TRUE(doc.ok());
  nlohmann::json j = nlohmann::json::parse(AsStringView(*doc));
  auto& series = j["Study"]["Series"].begin().value();
  auto& instance = series["Instances"].begin().value();
  const std::string sop = series["Instances"].begin().key();
  const std::string uri = f.served->endpoint() + "/datastore/x/studies/1/series/2/instances/" + sop +
                          "/bulkdata/abc123";
  instance["DICOM"]["00090010"] = "OPENHI TEST";
  instance["DICOMVRs"]["00090010"] = "LO";
  instance["DICOM"]["00091010"] = {{"BulkDataURI", uri}};
  instance["DICOMVRs"]["00091010"] = "OB";
  const std::string text = j.dump();
  auto metadata = ImageSetMetadata::Parse(ByteView(reinterpret_cast<const std::byte*>(text.data()), text.size()));
  ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();

  std::atomic<int> bulk_requests{0};
  f.served->SetInterceptor([&](const http::Request& req) -> std::optional<http::Response> {
    if (req.raw_path.find("/bulkdata/abc123") == std::string::npos) return std::nullopt;
    ++bulk_requests;
    EXPECT_EQ(req.method, "GET");
    EXPECT_FALSE(req.Header("Authorization").empty());  // signed like every other request
    http::Response r;
    r.headers.push_back({"Content-Type", "application/octet-stream"});
    r.body = std::string("\x01\x02\x03\x04", 4);
    return r;
  });
  const fs::path out = TempDir("bulk");
  auto summary = DicomizeImageSet(*f.client, *metadata, out);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(bulk_requests.load(), 1);
  auto rebuilt = dicom::DicomFile::Parse(*ReadFile(out / metadata->series()[0].series_instance_uid / (sop + ".dcm")));
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(rebuilt->ToAhiJson()["DICOM"]["00091010"], "AQIDBA==");  // base64 of 01 02 03 04
  fs::remove_all(out);

  // An unreachable bulk data value fails the instance, naming it.
  f.served->SetInterceptor([&](const http::Request& req) -> std::optional<http::Response> {
    if (req.raw_path.find("/bulkdata/") == std::string::npos) return std::nullopt;
    http::Response r;
    r.status = 404;
    r.headers.push_back({"x-amzn-ErrorType", "ResourceNotFoundException"});
    r.body = R"({"message":"no such bulk data"})";
    return r;
  });
  auto failed = DicomizeImageSet(*f.client, *metadata, out);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find(sop), std::string::npos) << failed.status().ToString();
  fs::remove_all(out);
}

}  // namespace
}  // namespace openhi::client
