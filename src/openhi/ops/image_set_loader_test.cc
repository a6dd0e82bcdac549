#include "openhi/ops/image_set_loader.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "openhi/app/application.h"
#include "openhi/client/testing/served_store.h"
#include "openhi/ops/dicom_folder_loader.h"
#include "openhi/ops/series_selector.h"
#include "openhi/ops/series_to_volume_operator.h"
#include "openhi/synth/synth.h"

namespace openhi::ops {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<ThreadPool> Pool() {
  static std::shared_ptr<ThreadPool> pool = std::make_shared<ThreadPool>(2);
  return pool;
}

ByteView View(const std::string& s) {
  return ByteView(reinterpret_cast<const std::byte*>(s.data()), s.size());
}

TEST(ParseImageSetRef, AcceptsTheBlogsInputAndRejectsEverythingElse) {
  auto ok = ParseImageSetRef(R"({"datastoreId": "d1", "imageSetId": "i1"})");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->datastore_id, "d1");
  EXPECT_EQ(ok->image_set_id, "i1");
  EXPECT_EQ(ok->version_id, "");
  auto versioned = ParseImageSetRef(R"({"datastoreId": "d", "imageSetId": "i", "versionId": "2"})");
  ASSERT_TRUE(versioned.ok());
  EXPECT_EQ(versioned->version_id, "2");
  for (const char* bad :
       {"", "not json", "[]", R"({"datastoreId": "d"})", R"({"imageSetId": "i"})",
        R"({"datastoreId": "", "imageSetId": "i"})", R"({"datastoreId": 5, "imageSetId": "i"})",
        R"({"datastoreId": "d", "imageSetId": "i", "extra": 1})"}) {
    auto r = ParseImageSetRef(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

// A hand-written metadata document: three instances, two at the same position; the second of
// those has the higher AcquisitionNumber and must win, in the first one's place.
TEST(StudiesFromImageSet, MergesLevelsAndAppliesTheDuplicatePositionRule) {
  const std::string doc = R"({"SchemaVersion": "1.1", "DatastoreID": "d", "ImageSetID": "i",
    "Patient": {"DICOM": {"PatientID": "P1"}},
    "Study": {"DICOM": {"StudyInstanceUID": "1.2", "StudyDescription": "S"}, "Series": {
      "1.2.3": {"DICOM": {"SeriesInstanceUID": "1.2.3", "Modality": "CT"}, "Instances": {
        "1.1": {"DICOM": {"SOPInstanceUID": "1.1", "ImagePositionPatient": ["0", "0", "0"],
                          "AcquisitionNumber": "1"}, "ImageFrames": [{"ID": "f1"}]},
        "1.2": {"DICOM": {"SOPInstanceUID": "1.2", "ImagePositionPatient": ["0", "0", "2"]},
                "ImageFrames": [{"ID": "f2"}]},
        "1.3": {"DICOM": {"SOPInstanceUID": "1.3", "ImagePositionPatient": ["0", "0", "0"],
                          "AcquisitionNumber": "2"}, "ImageFrames": [{"ID": "f3"}]},
        "1.4": {"DICOM": {"SOPInstanceUID": "1.4"}}}}}}})";
  auto metadata = client::ImageSetMetadata::Parse(View(doc));
  ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
  auto loaded = StudiesFromImageSet(nullptr, *metadata);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->studies.size(), 1u);
  ASSERT_EQ(loaded->studies[0].series.size(), 1u);
  const DicomSeries& series = loaded->studies[0].series[0];
  EXPECT_EQ(series.study_instance_uid, "1.2");
  EXPECT_EQ(series.series_instance_uid, "1.2.3");
  ASSERT_EQ(series.instances.size(), 3u);
  EXPECT_EQ(loaded->instances_loaded, 3u);
  EXPECT_EQ(series.instances[0].attributes["DICOM"]["SOPInstanceUID"], "1.3");
  EXPECT_EQ(series.instances[1].attributes["DICOM"]["SOPInstanceUID"], "1.2");
  EXPECT_EQ(series.instances[2].attributes["DICOM"]["SOPInstanceUID"], "1.4");
  EXPECT_EQ(series.instances[2].number_of_frames, 0u);
  EXPECT_EQ(series.instances[0].number_of_frames, 1u);
  // Levels merged: patient, study and series attributes appear on every instance.
  EXPECT_EQ(series.instances[1].attributes["DICOM"]["PatientID"], "P1");
  EXPECT_EQ(series.instances[1].attributes["DICOM"]["StudyDescription"], "S");
  EXPECT_EQ(series.instances[1].attributes["DICOM"]["Modality"], "CT");
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_NE(loaded->warnings[0].find("dropped instance 1.1"), std::string::npos)
      << loaded->warnings[0];
}

class ImageSetLoaderServed : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ =
        new fs::path(fs::temp_directory_path() / ("openhi_isl_test_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    synth::SynthOptions o;
    o.output_dir = *dir_ / "series";
    o.slices = 10;
    o.rows = 48;
    o.columns = 40;
    o.row_spacing_mm = 8;
    o.column_spacing_mm = 9;
    o.slice_spacing_mm = 10;
    o.order = synth::SliceOrder::kShuffled;
    auto written = synth::WriteSyntheticSeries(o);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    fs::remove(written->mask_path);
    auto served = client::testing::ServedStore::Start({*dir_ / "series"});
    ASSERT_TRUE(served.ok()) << served.status().ToString();
    served_ = served->release();
  }
  static void TearDownTestSuite() {
    delete served_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  static std::shared_ptr<client::AhiClient> Client() {
    auto c = client::AhiClient::Create(served_->Config());
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::shared_ptr<client::AhiClient>(std::move(*c)) : nullptr;
  }

  static Result<SeriesVolume> Volume(const DicomStudyList& studies) {
    OPENHI_ASSIGN_OR_RETURN(SelectionRules rules, SelectionRules::Parse(kSpleenCtSelectionRules));
    OPENHI_ASSIGN_OR_RETURN(SelectedSeriesList selected, rules.Select(studies, {}));
    if (selected.empty()) return NotFound("nothing selected");
    return BuildSeriesVolume(selected.front(), SeriesToVolumeOptions(), nullptr);
  }

  static inline fs::path* dir_ = nullptr;
  static inline client::testing::ServedStore* served_ = nullptr;
};

TEST_F(ImageSetLoaderServed, GivesTheSameVolumeAsTheFolderLoader) {
  ASSERT_NE(served_, nullptr);
  ASSERT_EQ(served_->image_set_ids().size(), 1u);
  ImageSetRef ref{served_->datastore_id(), served_->image_set_ids()[0], ""};
  client::RetrieveOptions options;
  options.decode_threads = 2;
  auto from_store = LoadImageSet(Client(), ref, options);
  ASSERT_TRUE(from_store.ok()) << from_store.status().ToString();
  auto from_folder = LoadDicomFolder(*dir_ / "series", Pool());
  ASSERT_TRUE(from_folder.ok()) << from_folder.status().ToString();
  EXPECT_EQ(from_store->instances_loaded, 10u);

  auto a = Volume(from_store->studies);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = Volume(from_folder->studies);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(a->volume.geometry.size, b->volume.geometry.size);
  EXPECT_EQ(a->volume.geometry.origin_mm, b->volume.geometry.origin_mm);
  EXPECT_EQ(a->volume.geometry.spacing_mm, b->volume.geometry.spacing_mm);
  ASSERT_EQ(a->volume.voxels.size(), b->volume.voxels.size());
  EXPECT_TRUE(
      std::equal(a->volume.voxels.begin(), a->volume.voxels.end(), b->volume.voxels.begin()));
  ASSERT_EQ(a->slices.size(), b->slices.size());
  for (size_t k = 0; k < a->slices.size(); ++k) {
    EXPECT_EQ(a->slices[k].sop_instance_uid, b->slices[k].sop_instance_uid) << k;
    EXPECT_EQ(a->slices[k].sop_class_uid, b->slices[k].sop_class_uid) << k;
  }
  EXPECT_EQ(a->first_slice_attributes["DICOM"]["FrameOfReferenceUID"],
            b->first_slice_attributes["DICOM"]["FrameOfReferenceUID"]);
}

TEST_F(ImageSetLoaderServed, OperatorReadsTheReferenceFileAndReportsUnknownImageSets) {
  ASSERT_NE(served_, nullptr);
  const client::ClientConfig config = served_->Config();
  ::setenv("AWS_ACCESS_KEY_ID", config.credentials.access_key_id.c_str(), 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", config.credentials.secret.c_str(), 1);
  const fs::path input = *dir_ / "input";
  fs::create_directories(input);
  std::ofstream(input / "b.json") << "not even json";
  std::ofstream(input / "a.json") << nlohmann::json{{"datastoreId", served_->datastore_id()},
                                                    {"imageSetId", served_->image_set_ids()[0]}};

  auto count_instances = [&](const nlohmann::json& params) -> Result<size_t> {
    app::Application app;
    OPENHI_ASSIGN_OR_RETURN(app::Operator * loader,
                            app.AddOperator<ImageSetLoaderOperator>("loader"));
    OPENHI_RETURN_IF_ERROR(loader->SetParameters(params));
    // A sink that records the study list.
    struct Sink : app::Operator {
      size_t* count;
      explicit Sink(size_t* c) : count(c) {}
      void Setup(app::OperatorSpec& spec) override {
        spec.Input<DicomStudyList>("dicom_study_list");
      }
      Status Compute(app::InputContext& in, app::OutputContext&, app::ExecutionContext&) override {
        OPENHI_ASSIGN_OR_RETURN(auto list, in.Receive<DicomStudyList>("dicom_study_list"));
        for (const DicomStudy& s : *list) {
          for (const DicomSeries& se : s.series) *count += se.instances.size();
        }
        return Status::Ok();
      }
    };
    size_t count = 0;
    OPENHI_RETURN_IF_ERROR(app.AddOperator("sink", std::make_unique<Sink>(&count)).status());
    OPENHI_RETURN_IF_ERROR(app.AddFlow("loader", "dicom_study_list", "sink", "dicom_study_list"));
    app::AppPaths paths;
    paths.input = input;
    OPENHI_RETURN_IF_ERROR(app.Run(app::AppContext(paths, 2)));
    return count;
  };

  auto n = count_instances({{"endpoint", served_->endpoint()}});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 10u);

  auto unknown = count_instances({{"endpoint", served_->endpoint()},
                                  {"datastore_id", served_->datastore_id()},
                                  {"image_set_id", "0123456789abcdef0123456789abcdef"}});
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound) << unknown.status().ToString();
  EXPECT_EQ(unknown.status().message().rfind("loader: ", 0), 0u) << unknown.status().message();

  auto bad_file = count_instances({{"endpoint", served_->endpoint()}, {"input_file", "b.json"}});
  EXPECT_EQ(bad_file.status().code(), StatusCode::kInvalidArgument);

  auto no_file = count_instances({{"endpoint", served_->endpoint()}, {"input_file", "c.json"}});
  EXPECT_EQ(no_file.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace openhi::ops
