// Store engine tests on small synthetic series (real-data acceptance tests are in tests/).
#include "openhi/store/store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "openhi/ahi/json.h"
#include "openhi/codec/htj2k.h"
#include "openhi/core/crc32.h"
#include "openhi/core/file_util.h"
#include "openhi/core/gzip.h"
#include "openhi/dicom/dicom_file.h"
#include "openhi/synth/synth.h"

namespace openhi::store {
namespace {
namespace fs = std::filesystem;
using Json = nlohmann::json;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("openhi_store_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    auto s = Store::Open({root_ / "data", 2});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    auto d = store_->CreateDatastore({"test-ds", "token-1", {}, "", "", ""});
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    ds_ = d->id;
  }
  void TearDown() override { fs::remove_all(root_); }

  synth::SynthSeries Synth(const std::string& dir, int slices, uint64_t seed = 1,
                           std::string study_uid = "") {
    synth::SynthOptions o;
    o.output_dir = root_ / dir;
    o.slices = slices;
    o.rows = o.columns = 64;
    o.seed = seed;
    o.study_instance_uid = study_uid;
    auto s = synth::WriteSyntheticSeries(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    fs::remove(s->mask_path);  // only DICOM in the input folder
    return *s;
  }

  ahi::ImportJob Import(const std::string& dir, const std::string& token) {
    StartImportRequest r{ds_, "job", "arn:aws:iam::000000000000:role/x", token,
                         (root_ / dir).string(), "file://" + (root_ / "out").string() + "/", ""};
    auto j = store_->StartImport(r);
    EXPECT_TRUE(j.ok()) << j.status().ToString();
    EXPECT_EQ(j->status, ahi::JobStatus::kSubmitted);
    EXPECT_TRUE(store_->RunImport(j->id).ok());
    auto done = store_->GetImportJob(ds_, j->id);
    EXPECT_TRUE(done.ok());
    return *done;
  }

  std::vector<Json> Ndjson(const ahi::ImportJob& j, const std::string& name) {
    fs::path p = root_ / "out" / (ds_ + "-DicomImport-" + j.id) / name;
    std::ifstream in(p);
    std::vector<Json> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(Json::parse(line));
    return lines;
  }

  Json Metadata(const std::string& image_set_id, std::optional<int64_t> version = {}) {
    auto gz = store_->GetImageSetMetadata(ds_, image_set_id, version);
    EXPECT_TRUE(gz.ok()) << gz.status().ToString();
    auto raw = GzipDecompress(*gz);
    return Json::parse(AsStringView(*raw));
  }

  fs::path root_;
  std::unique_ptr<Store> store_;
  std::string ds_;
};

TEST_F(StoreTest, CreateDatastoreIsIdempotentPerClientToken) {
  auto again = store_->CreateDatastore({"test-ds", "token-1", {}, "", "", ""});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, ds_);
  auto got = store_->GetDatastore(ds_);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, ahi::DatastoreStatus::kActive);
  EXPECT_EQ(store_->GetDatastore("0123456789abcdef0123456789abcdef").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->GetDatastore("../../etc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateDatastore({"bad name!", "t2", {}, "", "", ""}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, ImportsASeriesIntoOneImageSetWithVerifiedFrames) {
  auto series = Synth("in", 6);
  auto job = Import("in", "imp-1");
  ASSERT_EQ(job.status, ahi::JobStatus::kCompleted) << job.message;
  auto ok = Ndjson(job, "SUCCESS/success.ndjson");
  ASSERT_EQ(ok.size(), 6u);
  EXPECT_TRUE(Ndjson(job, "FAILURE/failure.ndjson").empty());
  std::string set_id = ok[0]["importResponse"]["imageSetId"];
  for (const auto& l : ok) EXPECT_EQ(l["importResponse"]["imageSetId"], set_id);

  Json doc = Metadata(set_id);
  EXPECT_EQ(doc["SchemaVersion"], "1.1");
  EXPECT_EQ(doc["ImageSetID"], set_id);
  EXPECT_EQ(doc["Patient"]["DICOM"]["PatientName"], "SYNTH^PATIENT");
  const Json& instances = doc["Study"]["Series"][series.series_instance_uid]["Instances"];
  ASSERT_EQ(instances.size(), 6u);
  for (const auto& slice : series.slices) {
    const Json& inst = instances[slice.sop_instance_uid];
    EXPECT_EQ(inst["StoredTransferSyntaxUID"], "1.2.840.10008.1.2.4.202");
    ASSERT_EQ(inst["ImageFrames"].size(), 1u);
    const Json& f = inst["ImageFrames"][0];
    auto frame = store_->GetImageFrame(ds_, set_id, f["ID"]);
    ASSERT_TRUE(frame.ok()) << frame.status().ToString();
    EXPECT_EQ(frame->content_type, "image/jph");
    // The stored frame decodes to exactly the source pixels.
    auto decoded = codec::DecodeHtj2k(*frame->bytes);
    ASSERT_TRUE(decoded.ok());
    auto src = dicom::DicomFile::Parse(*ReadFile(slice.path));
    ASSERT_TRUE(src.ok());
    auto src_pixels = src->DecodeFrame(0);
    ASSERT_TRUE(src_pixels.ok());
    EXPECT_EQ(decoded->samples, src_pixels->samples);
    const Json& levels = f["PixelDataChecksumFromBaseToFullResolution"];
    EXPECT_EQ(levels.back()["Checksum"].get<uint32_t>(), Crc32(src_pixels->samples));
    EXPECT_EQ(levels.back()["Width"], 64);
    EXPECT_EQ(f["FrameSizeInBytes"], 64 * 64 * 2);
    EXPECT_LE(f["MinPixelValue"].get<int>(), f["MaxPixelValue"].get<int>());
  }
  auto set = store_->GetImageSet(ds_, set_id);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->version, 1);
  EXPECT_TRUE(set->is_primary);
  EXPECT_EQ(set->workflow, ahi::ImageSetWorkflowStatus::kImported);
}

TEST_F(StoreTest, ReimportBumpsTheVersionAndKeepsTheOldOne) {
  Synth("in", 3);
  auto j1 = Import("in", "imp-1");
  std::string set_id = Ndjson(j1, "SUCCESS/success.ndjson")[0]["importResponse"]["imageSetId"];
  auto j2 = Import("in", "imp-2");
  ASSERT_EQ(j2.status, ahi::JobStatus::kCompleted);
  EXPECT_EQ(Ndjson(j2, "SUCCESS/success.ndjson")[0]["importResponse"]["imageSetId"], set_id);
  auto set = store_->GetImageSet(ds_, set_id);
  EXPECT_EQ(set->version, 2);
  EXPECT_TRUE(store_->GetImageSet(ds_, set_id, 1).ok());
  auto versions = store_->ListImageSetVersions(ds_, set_id);
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(versions->size(), 2u);
  EXPECT_EQ(Metadata(set_id, 1)["Study"]["Series"].begin().value()["Instances"].size(), 3u);
}

// Rewrites attributes of DICOM files in place with DCMTK's dcmodify (installed by setup).
void Modify(const fs::path& file, const std::string& assignment) {
  std::string cmd = "dcmodify -nb -m '" + assignment + "' '" + file.string() + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST_F(StoreTest, ConflictingGroupingKeysGoToANonPrimarySet) {
  Synth("a", 2, 7);
  fs::copy(root_ / "a", root_ / "b");
  for (const auto& e : fs::directory_iterator(root_ / "b")) Modify(e.path(), "(0010,0020)=OTHER");
  auto ja = Import("a", "imp-a");
  auto jb = Import("b", "imp-b");
  auto la = Ndjson(ja, "SUCCESS/success.ndjson");
  auto lb = Ndjson(jb, "SUCCESS/success.ndjson");
  ASSERT_EQ(lb.size(), 2u);
  EXPECT_TRUE(la[0]["importResponse"]["isPrimary"].get<bool>());
  EXPECT_FALSE(lb[0]["importResponse"]["isPrimary"].get<bool>());
  EXPECT_NE(la[0]["importResponse"]["imageSetId"], lb[0]["importResponse"]["imageSetId"]);
  // The primary set is untouched: still version 1.
  EXPECT_EQ(store_->GetImageSet(ds_, la[0]["importResponse"]["imageSetId"])->version, 1);
}

TEST_F(StoreTest, DuplicateSopInstancesInOneJobDedupeOrConflictNeverOverwrite) {
  auto series = Synth("in", 2, 3);
  fs::copy_file(series.slices[0].path, root_ / "in" / "zz_identical_copy.dcm");
  fs::copy_file(series.slices[0].path, root_ / "in" / "zz_changed_copy.dcm");
  Modify(root_ / "in" / "zz_changed_copy.dcm", "(0020,0013)=99");
  auto job = Import("in", "imp-1");
  auto lines = Ndjson(job, "SUCCESS/success.ndjson");
  ASSERT_EQ(lines.size(), 4u);
  std::map<std::string, Json> by_file;
  for (auto& l : lines) by_file[l["inputFile"]] = l["importResponse"];
  std::string primary = by_file["IM000001.dcm"]["imageSetId"];
  EXPECT_EQ(by_file["zz_identical_copy.dcm"]["imageSetId"], primary);
  EXPECT_NE(by_file["zz_changed_copy.dcm"]["imageSetId"], primary);
  EXPECT_FALSE(by_file["zz_changed_copy.dcm"]["isPrimary"].get<bool>());
  Json doc = Metadata(primary);
  const Json& inst = doc["Study"]["Series"][series.series_instance_uid]["Instances"]
                        [series.slices[0].sop_instance_uid];
  EXPECT_EQ(inst["DICOM"]["InstanceNumber"].get<std::string>().substr(0, 2), "1 ");
}

TEST_F(StoreTest, MalformedFilesFailAloneAndTheRestImports) {
  Synth("in", 3);
  std::ofstream(root_ / "in" / "garbage.dcm") << "this is not DICOM";
  std::ofstream(root_ / "in" / "empty.dcm");
  auto job = Import("in", "imp-1");
  ASSERT_EQ(job.status, ahi::JobStatus::kCompleted);
  EXPECT_EQ(Ndjson(job, "SUCCESS/success.ndjson").size(), 3u);
  auto failures = Ndjson(job, "FAILURE/failure.ndjson");
  ASSERT_EQ(failures.size(), 2u);
  for (const auto& f : failures) {
    EXPECT_EQ(f["exception"]["exceptionType"], "ValidationException");
    EXPECT_FALSE(f["exception"]["message"].get<std::string>().empty());
  }
  Json manifest = Json::parse(*ReadFile(root_ / "out" / (ds_ + "-DicomImport-" + job.id) /
                                        "job-output-manifest.json"));
  EXPECT_EQ(manifest["jobSummary"]["numberOfScannedFiles"], 5);
  EXPECT_EQ(manifest["jobSummary"]["numberOfImportedFiles"], 3);
  EXPECT_EQ(manifest["jobSummary"]["numberOfFilesWithCustomerError"], 2);
}

TEST_F(StoreTest, UpdateRevertCopyDeleteFollowAhiSemantics) {
  auto series = Synth("in", 3);
  auto job = Import("in", "imp-1");
  std::string id = Ndjson(job, "SUCCESS/success.ndjson")[0]["importResponse"]["imageSetId"];

  UpdateRequest u{ds_, id, 1, false,
                  R"({"SchemaVersion":1.1,"Study":{"DICOM":{"StudyDescription":"NEW DESC"}}})",
                  "", std::nullopt};
  auto upd = store_->UpdateImageSetMetadata(u);
  ASSERT_TRUE(upd.ok()) << upd.status().ToString();
  EXPECT_EQ(upd->version, 2);
  EXPECT_EQ(Metadata(id)["Study"]["DICOM"]["StudyDescription"], "NEW DESC");
  // Stale version: conflict. Generated key: validation. UID change on a primary set: refused.
  EXPECT_EQ(store_->UpdateImageSetMetadata(u).status().code(), StatusCode::kAborted);
  u.latest_version = 2;
  u.updatable_attributes = R"({"Study":{"DICOM":{"ImageSetID":"x"}}})";
  EXPECT_EQ(store_->UpdateImageSetMetadata(u).status().code(), StatusCode::kInvalidArgument);
  u.updatable_attributes = R"({"Patient":{"DICOM":{"StudyDescription":"wrong level"}}})";
  EXPECT_EQ(store_->UpdateImageSetMetadata(u).status().code(), StatusCode::kInvalidArgument);
  u.updatable_attributes = R"({"Study":{"DICOM":{"StudyInstanceUID":"1.2.3"}}})";
  u.force = true;
  EXPECT_EQ(store_->UpdateImageSetMetadata(u).status().code(), StatusCode::kInvalidArgument);
  u.updatable_attributes = "{not json";
  EXPECT_EQ(store_->UpdateImageSetMetadata(u).status().code(), StatusCode::kInvalidArgument);

  // Revert creates a new version equal to the old one.
  UpdateRequest rv{ds_, id, 2, false, "", "", 1};
  auto reverted = store_->UpdateImageSetMetadata(rv);
  ASSERT_TRUE(reverted.ok()) << reverted.status().ToString();
  EXPECT_EQ(reverted->version, 3);
  EXPECT_EQ(Metadata(id)["Study"]["DICOM"].value("StudyDescription", ""), "SYNTH CT");

  // Copy one instance into a new image set, then into the copy again (merge).
  std::string sop = series.slices[0].sop_instance_uid;
  CopyRequest c;
  c.datastore_id = ds_;
  c.source_image_set_id = id;
  c.source_latest_version = 3;
  c.copiable_attributes = R"({"SchemaVersion":"1.1","Study":{"Series":{")" +
                          series.series_instance_uid + R"(":{"Instances":{")" + sop + R"(":{}}}}}})";
  auto copy = store_->CopyImageSet(c);
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  std::string copy_id = copy->destination.image_set_id;
  EXPECT_FALSE(copy->destination.is_primary);
  Json copied = Metadata(copy_id);
  EXPECT_EQ(copied["Study"]["Series"][series.series_instance_uid]["Instances"].size(), 1u);
  std::string frame_id =
      copied["Study"]["Series"][series.series_instance_uid]["Instances"][sop]["ImageFrames"][0]["ID"];
  EXPECT_TRUE(store_->GetImageFrame(ds_, copy_id, frame_id).ok());
  c.copiable_attributes.clear();
  c.destination_image_set_id = copy_id;
  c.destination_latest_version = 1;
  auto merged = store_->CopyImageSet(c);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->destination.version, 2);
  EXPECT_EQ(Metadata(copy_id)["Study"]["Series"][series.series_instance_uid]["Instances"].size(), 3u);

  // Search finds both; the datastore cannot be deleted while they live.
  auto page = store_->SearchImageSets(ds_, {}, 50, "");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->summaries.size(), 2u);
  EXPECT_EQ(store_->DeleteDatastore(ds_).status().code(), StatusCode::kFailedPrecondition);

  // Delete the source: its frames stay readable through the copy that shares them.
  ASSERT_TRUE(store_->DeleteImageSet(ds_, id).ok());
  EXPECT_EQ(store_->GetImageSet(ds_, id)->state, ahi::ImageSetState::kDeleted);
  EXPECT_EQ(store_->GetImageSetMetadata(ds_, id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetImageFrame(ds_, copy_id, frame_id).ok());
  ASSERT_TRUE(store_->DeleteImageSet(ds_, copy_id).ok());
  EXPECT_EQ(store_->GetImageFrame(ds_, copy_id, frame_id).status().code(), StatusCode::kNotFound);
  auto deleted = store_->DeleteDatastore(ds_);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(store_->GetDatastore(ds_)->status, ahi::DatastoreStatus::kDeleted);
}

TEST_F(StoreTest, SearchFiltersAndSorts) {
  Synth("a", 2, 1);
  Synth("b", 2, 2);
  Import("a", "imp-a");
  Import("b", "imp-b");
  auto all = store_->SearchImageSets(ds_, {}, 50, "");
  ASSERT_EQ(all->summaries.size(), 2u);
  EXPECT_GE(all->summaries[0].updated_at, all->summaries[1].updated_at);  // default DESC
  std::string series_uid = all->summaries[1].tags.series_instance_uid;
  auto crit = ahi::ParseSearchCriteria(Json::parse(
      R"({"filters":[{"operator":"EQUAL","values":[{"DICOMSeriesInstanceUID":")" + series_uid +
      R"("}]}],"sort":{"sortField":"createdAt","sortOrder":"ASC"}})"));
  ASSERT_TRUE(crit.ok());
  auto one = store_->SearchImageSets(ds_, *crit, 50, "");
  ASSERT_EQ(one->summaries.size(), 1u);
  EXPECT_EQ(one->summaries[0].tags.series_instance_uid, series_uid);
  EXPECT_EQ(one->summaries[0].tags.number_of_study_related_instances, 2);
  auto page1 = store_->SearchImageSets(ds_, {}, 1, "");
  ASSERT_EQ(page1->summaries.size(), 1u);
  ASSERT_FALSE(page1->next_token.empty());
  auto page2 = store_->SearchImageSets(ds_, {}, 1, page1->next_token);
  ASSERT_EQ(page2->summaries.size(), 1u);
  EXPECT_TRUE(page2->next_token.empty());
  EXPECT_EQ(store_->SearchImageSets(ds_, {}, 51, "").status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, UnknownAndMalformedIdsGiveTypedErrors) {
  const std::string unknown = "0123456789abcdef0123456789abcdef";
  EXPECT_EQ(store_->GetImageSet(ds_, unknown).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetImageSet(ds_, "NOT-AN-ID").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetImageFrame(ds_, unknown, unknown).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetImportJob(ds_, unknown).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteImageSet(ds_, unknown).status().code(), StatusCode::kNotFound);
  StartImportRequest r{ds_, "j", "arn:aws:iam::000000000000:role/x", "t", "ftp://x/", "/tmp/o", ""};
  EXPECT_EQ(store_->StartImport(r).status().code(), StatusCode::kInvalidArgument);
  r.datastore_id = unknown;
  EXPECT_EQ(store_->StartImport(r).status().code(), StatusCode::kNotFound);
}

TEST_F(StoreTest, TagsOnDatastoreArns) {
  std::string arn = ahi::DatastoreArn(ds_);
  ASSERT_TRUE(store_->TagResource(arn, {{"team", "radiology"}, {"env", "test"}}).ok());
  EXPECT_EQ(store_->ListTagsForResource(arn)->size(), 2u);
  ASSERT_TRUE(store_->UntagResource(arn, {"env"}).ok());
  EXPECT_EQ(store_->ListTagsForResource(arn)->at("team"), "radiology");
  EXPECT_EQ(store_->TagResource(arn, {{"aws:x", "y"}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ListTagsForResource(ahi::DatastoreArn("0123456789abcdef0123456789abcdef"))
                .status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace openhi::store
