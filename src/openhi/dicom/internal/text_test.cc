#include "openhi/dicom/internal/text.h"

#include <gtest/gtest.h>

#include "openhi/dicom/internal/transfer_syntax.h"

namespace openhi::dicom::internal {
namespace {

TEST(Utf8, AcceptsWellFormedAndRejectsMalformed) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("M\xC3\xBCller"));                 // ü
  EXPECT_TRUE(IsValidUtf8("\xE6\x97\xA5\xF0\x9F\x98\x80"));  // 日 😀
  EXPECT_FALSE(IsValidUtf8("M\xFCller"));                    // Latin-1 ü
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));                     // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));                 // surrogate
  EXPECT_FALSE(IsValidUtf8("\xE6\x97"));                     // truncated
}

TEST(Utf8, ConvertsLatin1) {
  EXPECT_EQ(Latin1ToUtf8("M\xFCller\xA0"), "M\xC3\xBCller\xC2\xA0");
  EXPECT_TRUE(IsPlainAscii("ABC^DEF"));
  EXPECT_FALSE(IsPlainAscii("\x1B$B"));
}

TEST(TagKeys, AreEightUpperCaseHexDigits) {
  EXPECT_EQ(HexTag(0x0008103E), "0008103E");
  EXPECT_EQ(HexTag(0x7FDD1090), "7FDD1090");
}

TEST(TransferSyntax, ClassifiesUids) {
  EXPECT_EQ(ClassifyTransferSyntax("1.2.840.10008.1.2"), SyntaxFamily::kNative);
  EXPECT_EQ(ClassifyTransferSyntax("1.2.840.10008.1.2.1.99"), SyntaxFamily::kNative);
  EXPECT_EQ(ClassifyTransferSyntax("1.2.840.10008.1.2.2"), SyntaxFamily::kNative);
  EXPECT_EQ(ClassifyTransferSyntax("1.2.840.10008.1.2.4.50"), SyntaxFamily::kDcmtkJpeg);
  EXPECT_EQ(ClassifyTransferSyntax("1.2.840.10008.1.2.4.70"), SyntaxFamily::kDcmtkJpeg);
  EXPECT_EQ(ClassifyTransferSyntax("1.2.840.10008.1.2.4.80"), SyntaxFamily::kDcmtkJpegLs);
  EXPECT_EQ(ClassifyTransferSyntax("1.2.840.10008.1.2.5"), SyntaxFamily::kDcmtkRle);
  EXPECT_EQ(ClassifyTransferSyntax("1.2.840.10008.1.2.4.91"), SyntaxFamily::kJ2k);
  EXPECT_EQ(ClassifyTransferSyntax("1.2.840.10008.1.2.4.203"), SyntaxFamily::kHtj2k);
  EXPECT_EQ(ClassifyTransferSyntax("1.2.840.10008.1.2.4.102.1"), SyntaxFamily::kVideo);
  EXPECT_EQ(ClassifyTransferSyntax("1.2.840.10008.1.2.4.112"), SyntaxFamily::kOtherEncapsulated);
  EXPECT_EQ(ClassifyTransferSyntax("1.2.840.10008.1.2.1.98"),
            SyntaxFamily::kEncapsulatedUncompressed);
  EXPECT_EQ(ClassifyTransferSyntax("1.2.3"), SyntaxFamily::kUnknown);
  EXPECT_EQ(ClassifyTransferSyntax("1.2.840.10008.1.2.4.500"), SyntaxFamily::kUnknown);
}

}  // namespace
}  // namespace openhi::dicom::internal
