#include "openhi/auth/credentials.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace openhi::auth {
namespace {

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

TEST(CredentialStore, ParsesPairsWithCommentsAndBlankLines) {
  Result<CredentialStore> store = CredentialStore::Parse(
      "\xEF\xBB\xBF# openhi credentials\r\n"
      "\n"
      "AKIDEXAMPLE   wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\r\n"
      "  # indented comment\n"
      "\tAKIDSECOND\tsecret#with=hash  \n"
      "AKIDEXAMPLE wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n");  // identical repeat: fine
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(store->size(), 2u);
  EXPECT_EQ(store->Lookup("AKIDEXAMPLE"), kSecret);
  EXPECT_EQ(store->Lookup("AKIDSECOND"), "secret#with=hash");
  EXPECT_EQ(store->Lookup("akidexample"), std::nullopt);  // IDs are case-sensitive
  EXPECT_EQ(store->Lookup("AKIDMISSING"), std::nullopt);
}

TEST(CredentialStore, RejectsMalformedPairLinesWithoutEchoingSecrets) {
  struct Case {
    const char* text;
    const char* needle;  // expected in the message
  };
  for (const Case& c : {
           Case{"AKIDONLY\n", "line 1: expected `ACCESS_KEY_ID SECRET`, found 1 field"},
           Case{"# c\nAKID hunter2 extra\n", "line 2: expected `ACCESS_KEY_ID SECRET`, found 3"},
           Case{"AKID/BAD hunter2\n", "line 1: access key ID"},
           Case{"AKIDA hunter2\nAKIDA hunter22\n", "line 2: access key ID AKIDA already"},
           Case{"AKID hunter2\x01\n", "line 1: secret access key"},
           Case{"", "no credentials"},
           Case{"# only comments\n\n", "no credentials"},
       }) {
    Result<CredentialStore> store = CredentialStore::Parse(c.text);
    ASSERT_FALSE(store.ok()) << c.text;
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument) << c.text;
    EXPECT_NE(store.status().message().find(c.needle), std::string::npos)
        << store.status().message();
    EXPECT_EQ(store.status().message().find("hunter2"), std::string::npos)
        << store.status().message();
  }
}

TEST(CredentialStore, ParsesAwsSharedCredentialsIni) {
  Result<CredentialStore> store = CredentialStore::Parse(
      "; AWS shared credentials\n"
      "[default]\n"
      "aws_access_key_id = AKIDEXAMPLE\n"
      "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"
      "aws_session_token = ignored\n"
      "region = us-east-1\n"
      "\n"
      "[profile sso]\n"
      "sso_start_url = https://example.com\n"
      "[second]\n"
      "# comment\n"
      "AWS_SECRET_ACCESS_KEY = s2\n"
      "Aws_Access_Key_Id = AKIDSECOND\n");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(store->size(), 2u);
  EXPECT_EQ(store->Lookup("AKIDEXAMPLE"), kSecret);
  EXPECT_EQ(store->Lookup("AKIDSECOND"), "s2");
}

TEST(CredentialStore, RejectsMalformedIni) {
  for (const char* text : {
           "[default]\naws_access_key_id = AKID\n",         // no secret
           "[default]\naws_secret_access_key = hunter2\n",  // no key ID
           "[default\naws_access_key_id = AKID\n",          // bad section header
           "[default]\njust a line\n",                      // not key = value
           "[a]\naws_access_key_id = A\naws_access_key_id = B\naws_secret_access_key = S\n",
           "[a]\naws_access_key_id = A\naws_secret_access_key = hunter2 hunter2\n",
           "[a]\nregion = us-east-1\n",  // no credentials at all
       }) {
    Result<CredentialStore> store = CredentialStore::Parse(text, "creds.ini");
    ASSERT_FALSE(store.ok()) << text;
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_TRUE(store.status().message().starts_with("creds.ini")) << store.status().message();
    EXPECT_EQ(store.status().message().find("hunter2"), std::string::npos);
  }
}

TEST(CredentialStore, LoadsAFileAndReportsAMissingOne) {
  auto path =
      std::filesystem::temp_directory_path() / ("openhi_creds_test_" + std::to_string(::getpid()));
  {
    std::ofstream out(path);
    out << "AKIDEXAMPLE " << kSecret << "\n";
  }
  Result<CredentialStore> store = CredentialStore::LoadFile(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(store->Lookup("AKIDEXAMPLE"), kSecret);
  std::filesystem::remove(path);
  EXPECT_EQ(CredentialStore::LoadFile(path).status().code(), StatusCode::kNotFound);
}

TEST(CredentialStore, ReadsTheEnvironment) {
  ::unsetenv("OPENHI_ACCESS_KEY_ID");
  ::unsetenv("OPENHI_SECRET_ACCESS_KEY");
  EXPECT_EQ(CredentialStore::FromEnv().status().code(), StatusCode::kNotFound);
  ::setenv("OPENHI_ACCESS_KEY_ID", "AKIDENV", 1);
  EXPECT_EQ(CredentialStore::FromEnv().status().code(), StatusCode::kInvalidArgument);
  ::setenv("OPENHI_SECRET_ACCESS_KEY", "envsecret", 1);
  Result<CredentialStore> store = CredentialStore::FromEnv();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(store->Lookup("AKIDENV"), "envsecret");
  ::unsetenv("OPENHI_ACCESS_KEY_ID");
  ::unsetenv("OPENHI_SECRET_ACCESS_KEY");
}

TEST(CredentialStore, AddValidates) {
  CredentialStore store;
  EXPECT_EQ(store.Add("", "s").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Add("A B", "s").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Add("A,B", "s").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Add(std::string(129, 'A'), "s").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Add("A", "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Add("A", "with space").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(store.Add("A", "s").ok());
  EXPECT_TRUE(store.Add("A", "s").ok());
  EXPECT_EQ(store.Add("A", "t").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store.Lookup("A"), "s");
}

}  // namespace
}  // namespace openhi::auth
