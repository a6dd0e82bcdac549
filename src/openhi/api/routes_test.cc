#include "openhi/api/routes.h"

#include <gtest/gtest.h>

namespace openhi::api {
namespace {

TEST(Routes, MatchesEveryOperationOnItsWirePath) {
  const std::string d = "0123456789abcdef0123456789abcdef";
  struct Case {
    const char* method;
    std::string path;
    Operation op;
  };
  const Case cases[] = {
      {"POST", "/datastore", Operation::kCreateDatastore},
      {"GET", "/datastore", Operation::kListDatastores},
      {"GET", "/datastore/" + d, Operation::kGetDatastore},
      {"DELETE", "/datastore/" + d, Operation::kDeleteDatastore},
      {"POST", "/startDICOMImportJob/datastore/" + d, Operation::kStartDICOMImportJob},
      {"GET", "/getDICOMImportJob/datastore/" + d + "/job/abc", Operation::kGetDICOMImportJob},
      {"GET", "/listDICOMImportJobs/datastore/" + d, Operation::kListDICOMImportJobs},
      {"POST", "/datastore/" + d + "/searchImageSets", Operation::kSearchImageSets},
      {"POST", "/datastore/" + d + "/imageSet/" + d + "/getImageSet", Operation::kGetImageSet},
      {"POST", "/datastore/" + d + "/imageSet/" + d + "/getImageSetMetadata",
       Operation::kGetImageSetMetadata},
      {"POST", "/datastore/" + d + "/imageSet/" + d + "/getImageFrame", Operation::kGetImageFrame},
      {"POST", "/datastore/" + d + "/imageSet/" + d + "/listImageSetVersions",
       Operation::kListImageSetVersions},
      {"POST", "/datastore/" + d + "/imageSet/" + d + "/updateImageSetMetadata",
       Operation::kUpdateImageSetMetadata},
      {"POST", "/datastore/" + d + "/imageSet/" + d + "/copyImageSet", Operation::kCopyImageSet},
      {"POST", "/datastore/" + d + "/imageSet/" + d + "/deleteImageSet",
       Operation::kDeleteImageSet},
      {"POST", "/tags/arn%3Aaws%3Amedical-imaging%3Aus-east-1%3A123456789012%3Adatastore%2F" + d,
       Operation::kTagResource},
  };
  for (const Case& c : cases) {
    auto m = MatchRoute(c.method, c.path);
    ASSERT_TRUE(m.ok()) << c.method << " " << c.path;
    EXPECT_EQ(m->op, c.op) << c.path;
  }
  auto tag = MatchRoute("GET", "/tags/arn%3Aaws%3Amedical-imaging%3Aus-east-1%3A1%3Adatastore%2Fx");
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->params["resourceArn"], "arn:aws:medical-imaging:us-east-1:1:datastore/x");
}

TEST(Routes, UnknownPathsAndMethodsAreNotFound) {
  EXPECT_EQ(MatchRoute("PUT", "/datastore").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/datastore/a/b/c").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/../../etc/passwd").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/tags/%zz").status().code(), StatusCode::kInvalidArgument);
}

TEST(Routes, ParsesQueriesWithRepeatsAndEscapes) {
  auto q = ParseQuery("tagKeys=env&tagKeys=own%20er&maxResults=5");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->count("tagKeys"), 2u);
  EXPECT_EQ(q->find("maxResults")->second, "5");
  EXPECT_FALSE(ParseQuery("a=%4").ok());
}

}  // namespace
}  // namespace openhi::api
