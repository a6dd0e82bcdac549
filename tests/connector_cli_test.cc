// The connector's commands end to end over HTTP: `openhi dicomize` and `openhi fetch` (the built
// CLI, as a user runs it) against a real store served with SigV4. The rebuilt LIDC series is
// compared with its originals by the independent reader (tests/compare_dicom.py: pydicom plus
// DCMTK), the gantry-tilt head CT shows how geometry issues surface, and bad credentials or IDs
// give the AWS CLI's error shape and exit code.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "openhi/client/testing/served_store.h"

namespace openhi {
namespace {
namespace fs = std::filesystem;
using Json = nlohmann::json;

const fs::path kData = OPENHI_SHARED_DIR "/data/dicom";

struct Output {
  int exit_code = -1;
  std::string text;  // stdout and stderr
};

Output Shell(const std::string& command) {
  Output out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.text.append(buf.data(), n);
  int status = ::pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

class ConnectorCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto served = client::testing::ServedStore::Start(
        {kData / "ct_chest_upper_abdomen_lidc0314_2mm", kData / "ct_head_ge_gantry_tilt_variable_spacing"});
    ASSERT_TRUE(served.ok()) << served.status().ToString();
    served_ = served->release();
    ASSERT_EQ(served_->image_set_ids().size(), 2u);
  }
  static void TearDownTestSuite() { delete served_; }

  // The CLI with the served store's credentials in the standard AWS environment.
  static std::string Cli(const std::string& args, const std::string& secret = "") {
    const client::ClientConfig c = served_->Config();
    return "AWS_ACCESS_KEY_ID='" + c.credentials.access_key_id + "' AWS_SECRET_ACCESS_KEY='" +
           (secret.empty() ? c.credentials.secret : secret) + "' " OPENHI_BINARY_DIR "/openhi " +
           args + " --endpoint " + served_->endpoint() + " --datastore-id " +
           served_->datastore_id();
  }

  // The image set whose first series has `frames` instances.
  static std::string SetWithFrames(size_t frames) {
    for (const std::string& id : served_->image_set_ids()) {
      Output o = Shell(Cli("fetch --image-set-id " + id));
      Json j = Json::parse(o.text, nullptr, false);
      if (j.is_object() && j["frames"] == frames) return id;
    }
    return "";
  }

  static client::testing::ServedStore* served_;
};

client::testing::ServedStore* ConnectorCli::served_ = nullptr;

TEST_F(ConnectorCli, DicomizeRebuildsTheLidcSeriesFaithfully) {
  const std::string set = SetWithFrames(138);
  ASSERT_FALSE(set.empty());
  const fs::path out = fs::temp_directory_path() / ("openhi_cli_dicomize_" + std::to_string(::getpid()));
  fs::remove_all(out);
  Output o = Shell(Cli("dicomize --image-set-id " + set + " --out " + out.string()));
  ASSERT_EQ(o.exit_code, 0) << o.text;
  Json summary = Json::parse(o.text);
  EXPECT_EQ(summary["instances"], 138);
  EXPECT_EQ(summary["series"], 1);

  // Pair each original with its rebuilt file by SOP Instance UID (the file names of the rebuilt
  // series), using pydicom to read the originals' UIDs: nothing of ours in between.
  const fs::path pairs = out / "pairs.tsv";
  Output p = Shell("/usr/bin/python3 -c \"import pydicom,glob,os,sys\n"
                 "out=sys.argv[1]\n"
                 "rebuilt={os.path.basename(f)[:-4]: f for f in glob.glob(out+'/*/*.dcm')}\n"
                 "for f in sorted(glob.glob(sys.argv[2]+'/*')):\n"
                 "  uid=pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID\n"
                 "  print(f+chr(9)+rebuilt[uid])\n\" " +
                 out.string() + " " + (kData / "ct_chest_upper_abdomen_lidc0314_2mm").string() +
                 " > " + pairs.string());
  ASSERT_EQ(p.exit_code, 0) << p.text;
  Output cmp = Shell("/usr/bin/python3 " OPENHI_SOURCE_DIR "/tests/compare_dicom.py " + pairs.string());
  EXPECT_EQ(cmp.exit_code, 0) << cmp.text;
  EXPECT_NE(cmp.text.find("differing_files=0"), std::string::npos) << cmp.text;
  fs::remove_all(out);
}

TEST_F(ConnectorCli, FetchVolumeReportsTheGeometryAndRejectsIrregularStacks) {
  const std::string lidc = SetWithFrames(138);
  Output o = Shell(Cli("fetch --volume --image-set-id " + lidc));
  ASSERT_EQ(o.exit_code, 0) << o.text;
  Json v = Json::parse(o.text)["volume"];
  EXPECT_EQ(v["size"], Json::array({512, 512, 138}));
  EXPECT_NEAR(v["spacingMm"][2].get<double>(), 2.0, 1e-6);
  EXPECT_TRUE(v["issues"].empty());

  // The gantry-tilt head CT: irregular spacing is an error by default...
  const std::string head = SetWithFrames(28);
  ASSERT_FALSE(head.empty());
  Output bad = Shell(Cli("fetch --volume --image-set-id " + head));
  EXPECT_EQ(bad.exit_code, 254) << bad.text;
  EXPECT_NE(bad.text.find("irregular_spacing"), std::string::npos) << bad.text;
  // ...and when tolerated, the tilt and the spacing are reported, never silently accepted.
  Output ok = Shell(Cli("fetch --volume --stack-irregular --image-set-id " + head));
  ASSERT_EQ(ok.exit_code, 0) << ok.text;
  const Json tolerated = Json::parse(ok.text);
  std::string kinds;
  for (const auto& issue : tolerated["volume"]["issues"]) kinds += issue["kind"].get<std::string>() + " ";
  EXPECT_NE(kinds.find("gantry_tilt"), std::string::npos) << ok.text;
  EXPECT_NE(kinds.find("irregular_spacing"), std::string::npos) << kinds;
}

TEST_F(ConnectorCli, ErrorsHaveTheAwsShapeAndExitCodes) {
  Output unknown = Shell(Cli("fetch --image-set-id 0123456789abcdef0123456789abcdef"));
  EXPECT_EQ(unknown.exit_code, 254) << unknown.text;
  EXPECT_NE(unknown.text.find("ResourceNotFoundException"), std::string::npos) << unknown.text;

  Output forged = Shell(Cli("fetch --image-set-id " + served_->image_set_ids()[0], "wrong-secret"));
  EXPECT_EQ(forged.exit_code, 254) << forged.text;
  EXPECT_NE(forged.text.find("SignatureDoesNotMatch"), std::string::npos) << forged.text;

  Output usage = Shell(OPENHI_BINARY_DIR "/openhi dicomize --endpoint http://127.0.0.1:1");
  EXPECT_EQ(usage.exit_code, 252) << usage.text;
}

}  // namespace
}  // namespace openhi
