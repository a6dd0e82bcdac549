#include "openhi/ahi/model.h"

#include <gtest/gtest.h>

#include "openhi/ahi/errors.h"

namespace openhi::ahi {
namespace {

TEST(Model, EnumsRoundTripTheirWireSpelling) {
  EXPECT_EQ(ToString(ImageSetWorkflowStatus::kCopyingWithReadOnlyAccess),
            "COPYING_WITH_READ_ONLY_ACCESS");
  EXPECT_EQ(ParseJobStatus("IN_PROGRESS"), JobStatus::kInProgress);
  EXPECT_EQ(ParseJobStatus("in_progress"), std::nullopt);
  EXPECT_EQ(ParseDatastoreStatus("DELETED"), DatastoreStatus::kDeleted);
}

TEST(Model, ArnsRoundTrip) {
  std::string d = "0123456789abcdef0123456789abcdef";
  std::string i = "fedcba9876543210fedcba9876543210";
  auto p = ParseArn(ImageSetArn(d, i));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->datastore_id, d);
  EXPECT_EQ(p->image_set_id, i);
  auto q = ParseArn(DatastoreArn(d));
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->image_set_id.empty());
  EXPECT_FALSE(ParseArn("arn:aws:s3:::bucket"));
  EXPECT_FALSE(ParseArn("arn:aws:medical-imaging:us-east-1:1:datastore/../../etc"));
}

TEST(Errors, MapsStatusCodesToAwsShapes) {
  EXPECT_EQ(ToAwsError(StatusCode::kInvalidArgument).name, "ValidationException");
  EXPECT_EQ(ToAwsError(StatusCode::kNotFound).http_status, 404);
  EXPECT_EQ(ToAwsError(StatusCode::kAborted).name, "ConflictException");
  EXPECT_EQ(ToAwsError(StatusCode::kResourceExhausted).http_status, 402);
}

}  // namespace
}  // namespace openhi::ahi
