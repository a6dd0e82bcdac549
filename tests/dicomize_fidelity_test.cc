// Acceptance test of DICOMize (issue #4, "Fidelity test"): every file of ../shared/data/dicom
// (all folders, malformed/ included) that the store imports is imported with the real store,
// every instance of every image set is rebuilt from the metadata document and the stored frames
// (dicom::RebuildP10), and each rebuilt file is compared with its original by an independent
// reader: tests/compare_dicom.py (Debian's pydicom + DCMTK's decompressors). Nothing may differ
// except the allow-list of docs/formats/dicomize.md (which the script carries). The script
// prints every difference and a summary; this test fails when it reports any difference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "openhi/codec/htj2k.h"
#include "openhi/core/file_util.h"
#include "openhi/core/gzip.h"
#include "openhi/dicom/dicom_file.h"
#include "openhi/dicom/p10_rebuild.h"
#include "openhi/store/store.h"
#include "test_util.h"

namespace openhi {
namespace {
namespace fs = std::filesystem;
using Json = nlohmann::json;
using testing::FreshTempDir;
using testing::ReadNdjson;
using testing::RunCommand;
using testing::SharedDicomDir;

constexpr const char* kHtj2kRpcl = "1.2.840.10008.1.2.4.202";
constexpr const char* kExplicitVrLittleEndian = "1.2.840.10008.1.2.1";

class DicomizeFidelity : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = FreshTempDir("dicomize_fidelity");
    auto s = store::Store::Open({tmp_ / "data", 2});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override {
    if (std::getenv("OPENHI_KEEP_FIDELITY_FILES") == nullptr) fs::remove_all(tmp_);
  }

  // Imports one folder into a datastore of its own (files of different folders share SOP
  // Instance UIDs; a shared datastore would replace one by the other). Returns the job's
  // success lines; failures are printed.
  std::vector<Json> Import(const fs::path& folder, std::string* datastore) {
    const std::string name = folder.filename().string();
    auto d = store_->CreateDatastore({name, "tok-" + name, {}, "", "", ""});
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    *datastore = d->id;
    store::StartImportRequest req{d->id,       "fidelity", "arn:aws:iam::000000000000:role/x",
                                  "job-" + name, "file://" + folder.string(),
                                  "file://" + (tmp_ / "out").string(), ""};
    auto job = store_->StartImport(req);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    EXPECT_TRUE(store_->RunImport(job->id).ok());
    const fs::path out = tmp_ / "out" / (d->id + "-DicomImport-" + job->id);
    for (const Json& l : ReadNdjson(out / "FAILURE/failure.ndjson")) {
      std::cout << "  not imported: " << name << "/" << l["inputFile"].get<std::string>() << ": "
                << l["exception"]["message"].get<std::string>() << "\n";
    }
    return ReadNdjson(out / "SUCCESS/success.ndjson");
  }

  // The frames of one instance as the connector gets them from the store.
  Result<dicom::RebuildFrames> Frames(const std::string& datastore, const std::string& set_id,
                                      const Json& instance, const Json& merged_dicom) {
    dicom::RebuildFrames frames;
    const std::string ts = instance.value("StoredTransferSyntaxUID", "");
    for (const Json& f : instance["ImageFrames"]) {
      OPENHI_ASSIGN_OR_RETURN(store::ImageFrame frame,
                              store_->GetImageFrame(datastore, set_id, f["ID"]));
      if (ts == kHtj2kRpcl) {
        OPENHI_ASSIGN_OR_RETURN(codec::Image image, codec::DecodeHtj2k(*frame.bytes));
        frames.decoded.push_back(std::move(image));
      } else if (ts == kExplicitVrLittleEndian) {
        // Binary segmentation: one bit per pixel, first pixel in bit 0; unpacked to 0/1 bytes.
        codec::Image image;
        image.desc.width = merged_dicom["Columns"].get<uint32_t>();
        image.desc.height = merged_dicom["Rows"].get<uint32_t>();
        image.desc.components = 1;
        image.desc.bits_stored = 1;
        image.desc.bytes_per_sample = 1;
        const size_t n = image.desc.FrameBytes();
        if (frame.bytes->size() * 8 < n) return InvalidArgument("binary frame too short");
        image.samples.resize(n);
        for (size_t i = 0; i < n; ++i) {
          image.samples[i] = std::byte((std::to_integer<unsigned>((*frame.bytes)[i / 8]) >> (i % 8)) & 1u);
        }
        frames.decoded.push_back(std::move(image));
      } else {
        frames.encoded.push_back(*frame.bytes);
        frames.encoded_transfer_syntax = ts;
      }
    }
    return frames;
  }

  fs::path tmp_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(DicomizeFidelity, EveryImportedSharedFileRebuildsWithTheSameAttributesAndPixels) {
  const fs::path rebuilt_dir = tmp_ / "rebuilt";
  fs::create_directories(rebuilt_dir);
  std::ofstream pairs(tmp_ / "pairs.tsv");
  size_t instances = 0, files = 0, absent_level_instances = 0;
  std::vector<fs::path> folders;
  for (const auto& e : fs::directory_iterator(SharedDicomDir())) {
    if (e.is_directory()) folders.push_back(e.path());
  }
  std::sort(folders.begin(), folders.end());
  for (const fs::path& folder : folders) {
    std::string datastore;
    const std::vector<Json> success = Import(folder, &datastore);
    // Rebuild every instance of every image set the job touched.
    std::set<std::string> sets;
    for (const Json& l : success) sets.insert(l["importResponse"]["imageSetId"].get<std::string>());
    std::map<std::pair<std::string, std::string>, fs::path> rebuilt;  // (set, SOP) -> file
    for (const std::string& set_id : sets) {
      auto gz = store_->GetImageSetMetadata(datastore, set_id);
      ASSERT_TRUE(gz.ok()) << gz.status().ToString();
      auto text = GzipDecompress(*gz);
      ASSERT_TRUE(text.ok()) << text.status().ToString();
      const Json doc = Json::parse(AsStringView(*text));
      for (const auto& [series_uid, series] : doc["Study"]["Series"].items()) {
        for (const auto& [sop, instance] : series["Instances"].items()) {
          if (instance.contains(dicom::kAbsentLevelAttributesMember)) ++absent_level_instances;
          const Json merged = dicom::MergeAhiLevels(doc["Patient"]["DICOM"], doc["Study"]["DICOM"],
                                                    series["DICOM"], instance);
          auto frames = Frames(datastore, set_id, instance, merged["DICOM"]);
          if (!frames.ok()) {
            ADD_FAILURE() << folder.filename() << " " << sop << ": " << frames.status().ToString();
            continue;
          }
          auto p10 = dicom::RebuildP10(merged, *frames);
          if (!p10.ok()) {
            ADD_FAILURE() << folder.filename() << " " << sop << ": rebuild failed: "
                          << p10.status().ToString();
            continue;
          }
          const fs::path out = rebuilt_dir / (std::to_string(++instances) + ".dcm");
          ASSERT_TRUE(WriteFileAtomic(out, *p10, Durability::kNone).ok());
          rebuilt[{set_id, sop}] = out;
        }
      }
    }
    // Pair each imported file with the rebuilt instance of its SOP Instance UID.
    for (const Json& l : success) {
      const fs::path original = folder / l["inputFile"].get<std::string>();
      auto bytes = ReadFile(original);
      ASSERT_TRUE(bytes.ok());
      auto file = dicom::DicomFile::Parse(*bytes);
      ASSERT_TRUE(file.ok()) << original;
      const std::string sop = *file->GetString(dicom::MakeTag(0x0008, 0x0018));
      auto it = rebuilt.find({l["importResponse"]["imageSetId"].get<std::string>(), sop});
      if (it == rebuilt.end()) {
        ADD_FAILURE() << original << ": no rebuilt instance for SOP " << sop;
        continue;
      }
      pairs << original.string() << "\t" << it->second.string() << "\n";
      ++files;
    }
  }
  pairs.close();
  std::cout << "  rebuilt " << instances << " instances; " << files
            << " imported files to compare; " << absent_level_instances
            << " instances lack a level attribute (DICOMAbsentLevelAttributes)\n";
  ASSERT_GT(files, 200u);

  const std::string script = std::string(OPENHI_SOURCE_DIR) + "/tests/compare_dicom.py";
  const auto result =
      RunCommand("/usr/bin/python3 " + script + " " + (tmp_ / "pairs.tsv").string() + " 2>&1");
  std::cout << result.out;
  EXPECT_EQ(result.exit_code, 0) << "the independent comparison found differences (above)";
  EXPECT_NE(result.out.find("SUMMARY files=" + std::to_string(files) + " "), std::string::npos);
}

}  // namespace
}  // namespace openhi
