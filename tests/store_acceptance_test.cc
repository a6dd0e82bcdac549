// Acceptance tests of the store engine on real DICOM (../shared/data), per issue #2:
// - the LIDC CT series (138 files) becomes one image set with 138 frames;
// - every stored frame of every importable file decodes to exactly the source's decoded pixels
//   (kept lossy frames are stored byte for byte);
// - every malformed file fails alone with a clear message, the rest still imports;
// - the metadata document matches the real AHI document's structure and value typing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "openhi/codec/htj2k.h"
#include "openhi/core/file_util.h"
#include "openhi/core/gzip.h"
#include "openhi/dicom/dicom_file.h"
#include "openhi/store/store.h"
#include "test_util.h"

namespace openhi {
namespace {
namespace fs = std::filesystem;
using Json = nlohmann::json;
using testing::FreshTempDir;
using testing::ReadNdjson;
using testing::SharedDicomDir;

struct ImportResult {
  ahi::ImportJob job;
  std::vector<Json> success, failure;
  Json manifest;
};

class StoreAcceptance : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = FreshTempDir("acceptance");
    auto s = store::Store::Open({tmp_ / "data", 2});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    auto d = store_->CreateDatastore({"acceptance", "tok", {}, "", "", ""});
    ASSERT_TRUE(d.ok());
    ds_ = d->id;
  }
  void TearDown() override { fs::remove_all(tmp_); }

  ImportResult Import(const fs::path& input) {
    ImportResult r;
    store::StartImportRequest req{ds_, "acceptance", "arn:aws:iam::000000000000:role/x",
                                  "tok-" + std::to_string(++jobs_), "file://" + input.string(),
                                  "file://" + (tmp_ / "out").string(), ""};
    auto j = store_->StartImport(req);
    EXPECT_TRUE(j.ok()) << j.status().ToString();
    EXPECT_TRUE(store_->RunImport(j->id).ok());
    r.job = *store_->GetImportJob(ds_, j->id);
    fs::path out = tmp_ / "out" / (ds_ + "-DicomImport-" + j->id);
    r.success = ReadNdjson(out / "SUCCESS/success.ndjson");
    r.failure = ReadNdjson(out / "FAILURE/failure.ndjson");
    r.manifest = Json::parse(AsStringView(*ReadFile(out / "job-output-manifest.json")));
    return r;
  }

  Json Metadata(const std::string& set_id) {
    auto gz = store_->GetImageSetMetadata(ds_, set_id);
    EXPECT_TRUE(gz.ok()) << gz.status().ToString();
    return Json::parse(AsStringView(*GzipDecompress(*gz)));
  }

  // Finds the instance entry of `sop` in the image set's document.
  static const Json* FindInstance(const Json& doc, const std::string& sop) {
    for (const auto& [_, series] : doc["Study"]["Series"].items()) {
      if (series["Instances"].contains(sop)) return &series["Instances"][sop];
    }
    return nullptr;
  }

  // Checks every stored frame of `file` against its source pixels (or bytes, when kept).
  void ExpectFramesMatchSource(const fs::path& file, const std::string& set_id) {
    auto bytes = ReadFile(file);
    ASSERT_TRUE(bytes.ok());
    auto src = dicom::DicomFile::Parse(*bytes);
    ASSERT_TRUE(src.ok()) << file;
    std::string sop = *src->GetString(dicom::MakeTag(0x0008, 0x0018));
    Json doc = Metadata(set_id);
    const Json* inst = FindInstance(doc, sop);
    ASSERT_NE(inst, nullptr) << file;
    const Json& frames = (*inst)["ImageFrames"];
    const std::string stored_ts = (*inst)["StoredTransferSyntaxUID"];
    for (uint32_t i = 0; i < frames.size(); ++i) {
      auto frame = store_->GetImageFrame(ds_, set_id, frames[i]["ID"]);
      ASSERT_TRUE(frame.ok()) << file << ": " << frame.status().ToString();
      if (stored_ts == "1.2.840.10008.1.2.4.202") {
        auto decoded = codec::DecodeHtj2k(*frame->bytes);
        ASSERT_TRUE(decoded.ok()) << file;
        auto source = src->DecodeFrame(i);
        ASSERT_TRUE(source.ok()) << file;
        EXPECT_TRUE(decoded->desc == source->desc) << file << " frame " << i;
        EXPECT_TRUE(decoded->samples == source->samples) << file << " frame " << i;
      } else if (stored_ts == "1.2.840.10008.1.2.1") {
        // Binary segmentation: bit-packed, first pixel in bit 0.
        auto source = src->DecodeFrame(i);
        ASSERT_TRUE(source.ok()) << file;
        ASSERT_EQ(frame->bytes->size(), (source->samples.size() + 7) / 8) << file;
        for (size_t k = 0; k < source->samples.size(); ++k) {
          bool bit = (std::to_integer<unsigned>((*frame->bytes)[k / 8]) >> (k % 8)) & 1u;
          ASSERT_EQ(bit, source->samples[k] != std::byte{0}) << file << " frame " << i;
        }
      } else {
        auto encoded = src->EncodedFrame(i);
        ASSERT_TRUE(encoded.ok()) << file;
        EXPECT_TRUE(*frame->bytes == *encoded) << file << " frame " << i;
      }
    }
  }

  fs::path tmp_;
  std::unique_ptr<store::Store> store_;
  std::string ds_;
  int jobs_ = 0;
};

TEST_F(StoreAcceptance, LidcSeriesBecomesOneImageSetOf138Frames) {
  fs::path input = SharedDicomDir() / "ct_chest_upper_abdomen_lidc0314_2mm";
  ImportResult r = Import(input);
  ASSERT_EQ(r.job.status, ahi::JobStatus::kCompleted) << r.job.message;
  ASSERT_EQ(r.success.size(), 138u);
  EXPECT_TRUE(r.failure.empty()) << r.failure.front().dump();
  std::set<std::string> sets;
  for (const auto& l : r.success) sets.insert(l["importResponse"]["imageSetId"]);
  ASSERT_EQ(sets.size(), 1u);
  const std::string set_id = *sets.begin();
  EXPECT_EQ(r.manifest["jobSummary"]["numberOfGeneratedImageSets"], 1);
  Json doc = Metadata(set_id);
  ASSERT_EQ(doc["Study"]["Series"].size(), 1u);
  const Json& series = doc["Study"]["Series"].begin().value();
  ASSERT_EQ(series["Instances"].size(), 138u);
  size_t frames = 0;
  std::set<std::string> frames_of_reference;
  for (const auto& [sop, inst] : series["Instances"].items()) {
    frames += inst["ImageFrames"].size();
    // Each slice keeps its own FrameOfReferenceUID (series value or its own override).
    std::string f = inst["DICOM"].contains("FrameOfReferenceUID")
                        ? inst["DICOM"]["FrameOfReferenceUID"].get<std::string>()
                        : series["DICOM"]["FrameOfReferenceUID"].get<std::string>();
    frames_of_reference.insert(f);
  }
  EXPECT_EQ(frames, 138u);
  EXPECT_EQ(frames_of_reference.size(), 138u);
  for (const auto& e : fs::directory_iterator(input)) {
    if (e.path().filename() < fs::path("000030")) ExpectFramesMatchSource(e.path(), set_id);
  }
}

TEST_F(StoreAcceptance, EveryImportedFrameOfTheSharedDataDecodesToTheSourcePixels) {
  // Everything except the LIDC series (covered above) and malformed/ (below).
  size_t checked = 0, failed = 0;
  for (const auto& dir : fs::directory_iterator(SharedDicomDir())) {
    std::string name = dir.path().filename();
    if (!dir.is_directory() || name == "malformed" || name.rfind("ct_chest", 0) == 0) continue;
    ImportResult r = Import(dir.path());
    ASSERT_EQ(r.job.status, ahi::JobStatus::kCompleted) << name << ": " << r.job.message;
    for (const auto& l : r.success) {
      ExpectFramesMatchSource(dir.path() / l["inputFile"].get<std::string>(),
                              l["importResponse"]["imageSetId"]);
      ++checked;
    }
    for (const auto& l : r.failure) {
      ++failed;
      std::cout << "  not imported: " << name << "/" << l["inputFile"].get<std::string>() << ": "
                << l["exception"]["message"].get<std::string>() << "\n";
      EXPECT_FALSE(l["exception"]["message"].get<std::string>().empty());
    }
  }
  std::cout << "  verified " << checked << " imported files; " << failed << " not imported\n";
  EXPECT_GT(checked, 60u);
}

TEST_F(StoreAcceptance, CodecMatricesStoreTheSamePixelsForEveryLosslessEncoding) {
  // The same image in many encodings: all lossless encodings must store identical pixels.
  struct Case {
    const char* folder;
    const char* reference;
    std::vector<const char*> lossless;
  };
  const Case cases[] = {
      {"transfer_syntax_matrix_mr_dcm_qa_ts", "1.dcm",
       {"2.dcm", "3.dcm", "4.dcm", "5.dcm", "6.dcm", "7.dcm", "8.dcm", "9.dcm"}},
      {"codec_matrix_wg04_ct1", "CT1_UNC.dcm", {}},
  };
  for (const Case& c : cases) {
    fs::path dir = SharedDicomDir() / c.folder;
    auto ref = dicom::DicomFile::Parse(*ReadFile(dir / c.reference));
    ASSERT_TRUE(ref.ok());
    auto ref_pixels = ref->DecodeFrame(0);
    ASSERT_TRUE(ref_pixels.ok());
    std::vector<fs::path> files;
    for (const char* f : c.lossless) files.push_back(dir / f);
    if (files.empty()) {
      for (const auto& e : fs::directory_iterator(dir)) {
        std::string n = e.path().filename();
        if (n.find("J2KR") != std::string::npos || n.find("JLSL") != std::string::npos ||
            n.find("JPLL") != std::string::npos || n.find("RLE") != std::string::npos ||
            n.find("JPH") != std::string::npos) {
          files.push_back(e.path());
        }
      }
    }
    ASSERT_FALSE(files.empty());
    for (const auto& f : files) {
      auto src = dicom::DicomFile::Parse(*ReadFile(f));
      ASSERT_TRUE(src.ok()) << f;
      auto px = src->DecodeFrame(0);
      ASSERT_TRUE(px.ok()) << f << ": " << px.status().ToString();
      EXPECT_TRUE(px->samples == ref_pixels->samples) << f;
      auto enc = codec::EncodeHtj2kLossless(*px);
      ASSERT_TRUE(enc.ok());
      EXPECT_TRUE(codec::DecodeHtj2k(*enc)->samples == ref_pixels->samples) << f;
    }
  }
}

TEST_F(StoreAcceptance, MalformedFilesEachFailWithAClearMessage) {
  fs::path input = SharedDicomDir() / "malformed";
  // Plus one good file: it must still import beside the broken ones.
  fs::path mixed = tmp_ / "mixed";
  fs::create_directories(mixed);
  for (const auto& e : fs::directory_iterator(input)) fs::copy(e.path(), mixed / e.path().filename());
  fs::copy(SharedDicomDir() / "variety/odd_size/CT_small_128.dcm", mixed / "good.dcm");
  ImportResult r = Import(mixed);
  ASSERT_EQ(r.job.status, ahi::JobStatus::kCompleted);
  std::map<std::string, std::string> failures;
  for (const auto& l : r.failure) {
    failures[l["inputFile"]] = l["exception"]["message"];
    EXPECT_EQ(l["exception"]["exceptionType"], "ValidationException") << l.dump();
  }
  for (const auto& [file, message] : failures) std::cout << "  " << file << ": " << message << "\n";
  for (const char* bad :
       {"MR_truncated_pixeldata.dcm", "rtplan_truncated.dcm", "no_preamble_no_meta.dcm",
        "meta_missing_transfer_syntax.dcm", "explicit_le_no_meta.dcm", "bad_vr_value.dcm",
        "j2k_multiframe_too_short.dcm"}) {
    ASSERT_TRUE(failures.count(bad)) << bad << " was imported";
    EXPECT_GE(failures[bad].size(), 10u) << bad;
  }
  ASSERT_EQ(r.success.size() + r.failure.size(), 10u);
  bool good_imported = false;
  for (const auto& l : r.success) {
    if (l["inputFile"] == "good.dcm") good_imported = true;
    // Whatever of malformed/ imports must be stored exactly (structurally valid files).
    ExpectFramesMatchSource(mixed / l["inputFile"].get<std::string>(),
                            l["importResponse"]["imageSetId"]);
  }
  EXPECT_TRUE(good_imported);
}

// One flipped bit in the first packet of an HTJ2K frame makes OpenJPH 0.9 fault (SIGSEGV) when
// it decodes in-process; the source decode runs in openhi-decode-helper, so the file fails alone
// and this process, and the rest of the job, carry on.
TEST_F(StoreAcceptance, ACorruptHtj2kFrameThatCrashesTheDecoderFailsAlone) {
  auto source = ReadFile(SharedDicomDir() / "codec_matrix_wg04_ct1/CT1_JPH_htj2k.dcm");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  std::string bytes(AsStringView(*source));
  const size_t soc = bytes.find("\xFF\x4F\xFF\x51");  // SOC, SIZ: the codestream
  ASSERT_NE(soc, std::string::npos);
  const size_t sod = bytes.find("\xFF\x93", soc);  // the first tile-part's data follows SOD
  ASSERT_NE(sod, std::string::npos);
  bytes[sod + 2] ^= 0x08;
  fs::path mixed = tmp_ / "mixed";
  fs::create_directories(mixed);
  std::ofstream(mixed / "corrupt_htj2k.dcm", std::ios::binary) << bytes;
  fs::copy(SharedDicomDir() / "codec_matrix_wg04_ct1/CT1_J2KR.dcm", mixed / "j2k.dcm");
  fs::copy(SharedDicomDir() / "variety/odd_size/CT_small_128.dcm", mixed / "good.dcm");

  ImportResult r = Import(mixed);
  ASSERT_EQ(r.job.status, ahi::JobStatus::kCompleted) << r.job.message;
  ASSERT_EQ(r.failure.size(), 1u);
  EXPECT_EQ(r.failure[0]["inputFile"], "corrupt_htj2k.dcm");
  EXPECT_EQ(r.failure[0]["exception"]["exceptionType"], "ValidationException");
  const std::string message = r.failure[0]["exception"]["message"];
  std::cout << "  corrupt_htj2k.dcm: " << message << "\n";
  EXPECT_NE(message.find("corrupt JPEG 2000 codestream: the decoder crashed (signal"),
            std::string::npos)
      << message;
  std::set<std::string> imported;
  for (const auto& l : r.success) {
    imported.insert(l["inputFile"]);
    ExpectFramesMatchSource(mixed / l["inputFile"].get<std::string>(),
                            l["importResponse"]["imageSetId"]);
  }
  EXPECT_EQ(imported, (std::set<std::string>{"j2k.dcm", "good.dcm"}));
}

// --- Structural comparison with a real AHI GetImageSetMetadata document -------------------

std::string JsonKind(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_string()) return "string";
  if (v.is_number()) return "number";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "bool";
}

void ExpectKeyStyle(const Json& dicom, const std::string& where) {
  static const std::regex kKeyword("^[A-Z][A-Za-z0-9]*$");
  static const std::regex kHexTag("^[0-9A-F]{8}$");
  for (const auto& [k, v] : dicom.items()) {
    EXPECT_TRUE(std::regex_match(k, kKeyword) || std::regex_match(k, kHexTag)) << where << k;
  }
}

TEST_F(StoreAcceptance, MetadataDocumentMatchesTheRealAhiDocumentStructure) {
  Json real = Json::parse(AsStringView(
      *ReadFile(fs::path(OPENHI_SHARED_DIR) / "data/ahi-metadata/ct_588_instances.json")));
  ImportResult r = Import(SharedDicomDir() / "ct_chest_upper_abdomen_lidc0314_2mm");
  ASSERT_FALSE(r.success.empty());
  Json ours = Metadata(r.success[0]["importResponse"]["imageSetId"]);

  // Same levels and top-level keys.
  std::set<std::string> real_top, our_top;
  for (const auto& [k, _] : real.items()) real_top.insert(k);
  for (const auto& [k, _] : ours.items()) our_top.insert(k);
  EXPECT_EQ(real_top, our_top);
  EXPECT_EQ(ours["SchemaVersion"], real["SchemaVersion"]);
  for (const char* level : {"Patient", "Study"}) {
    ASSERT_TRUE(ours[level].contains("DICOM")) << level;
    ExpectKeyStyle(ours[level]["DICOM"], level);
  }
  const Json& real_series = real["Study"]["Series"].begin().value();
  const Json& our_series = ours["Study"]["Series"].begin().value();
  std::set<std::string> real_series_keys, our_series_keys;
  for (const auto& [k, _] : real_series.items()) real_series_keys.insert(k);
  for (const auto& [k, _] : our_series.items()) our_series_keys.insert(k);
  EXPECT_EQ(real_series_keys, our_series_keys);
  const Json& real_inst = real_series["Instances"].begin().value();
  const Json& our_inst = our_series["Instances"].begin().value();
  for (const auto& [k, _] : real_inst.items()) EXPECT_TRUE(our_inst.contains(k)) << k;
  ExpectKeyStyle(our_inst["DICOM"], "instance ");

  // Same value typing for every attribute both documents carry, at every level.
  auto compare_types = [&](const Json& a, const Json& b, const std::string& where) {
    size_t shared = 0;
    for (const auto& [k, v] : a.items()) {
      if (!b.contains(k) || b[k].is_null() || v.is_null()) continue;
      ++shared;
      EXPECT_EQ(JsonKind(v), JsonKind(b[k])) << where << "." << k;
    }
    return shared;
  };
  size_t shared = compare_types(real["Patient"]["DICOM"], ours["Patient"]["DICOM"], "Patient");
  shared += compare_types(real["Study"]["DICOM"], ours["Study"]["DICOM"], "Study");
  shared += compare_types(real_series["DICOM"], our_series["DICOM"], "Series");
  shared += compare_types(real_inst["DICOM"], our_inst["DICOM"], "Instance");
  EXPECT_GE(shared, 30u);

  // ImageFrames entries: same members, checksums from base to full resolution.
  const Json& rf = real_inst["ImageFrames"][0];
  const Json& of = our_inst["ImageFrames"][0];
  for (const auto& [k, v] : rf.items()) {
    ASSERT_TRUE(of.contains(k)) << k;
    EXPECT_EQ(JsonKind(v), JsonKind(of[k])) << k;
  }
  const Json& levels = of["PixelDataChecksumFromBaseToFullResolution"];
  ASSERT_GE(levels.size(), 2u);
  EXPECT_LE(std::max(levels[0]["Width"].get<int>(), levels[0]["Height"].get<int>()), 64);
  for (size_t i = 1; i < levels.size(); ++i) {
    EXPECT_GT(levels[i]["Width"].get<int>(), levels[i - 1]["Width"].get<int>());
  }
  EXPECT_EQ(levels.back()["Width"], 512);
  EXPECT_EQ(of["FrameSizeInBytes"], 512 * 512 * 2);
}

}  // namespace
}  // namespace openhi
