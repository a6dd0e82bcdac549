#include "openhi/codec/internal/decode_protocol.h"

#include <gtest/gtest.h>

namespace openhi::codec::internal {
namespace {

TEST(DecodeProtocol, RequestRoundTripsAndRejectsBadFields) {
  const DecodeRequest r{WireCodec::kHtj2k, 1, 12345};
  auto header = EncodeRequestHeader(r);
  Result<DecodeRequest> back = ParseRequestHeader(header);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->codec, WireCodec::kHtj2k);
  EXPECT_EQ(back->bytes_per_sample, 1);
  EXPECT_EQ(back->payload_length, 12345u);

  EXPECT_FALSE(ParseRequestHeader(ByteView(header).first(15)).ok());
  EXPECT_FALSE(ParseRequestHeader(EncodeRequestHeader({WireCodec::kJ2k, 3, 1})).ok());
  EXPECT_FALSE(
      ParseRequestHeader(EncodeRequestHeader({WireCodec::kJ2k, 2, kMaxCodestreamBytes + 1})).ok());
  auto bad = header;
  bad[4] = std::byte{9};  // codec
  EXPECT_FALSE(ParseRequestHeader(bad).ok());
  bad = header;
  bad[0] = std::byte{'X'};
  EXPECT_FALSE(ParseRequestHeader(bad).ok());
}

TEST(DecodeProtocol, ResponseRoundTripsAndRejectsWhatCouldHurtTheCaller) {
  DecodeResponse ok;
  ok.desc = {.width = 512,
             .height = 512,
             .components = 1,
             .bits_stored = 12,
             .bytes_per_sample = 2,
             .is_signed = true};
  ok.body_length = ok.desc.FrameBytes();
  Result<DecodeResponse> back = ParseResponseHeader(EncodeResponseHeader(ok));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->code, StatusCode::kOk);
  EXPECT_EQ(back->desc, ok.desc);
  EXPECT_EQ(back->body_length, ok.body_length);

  DecodeResponse error;
  error.code = StatusCode::kInvalidArgument;
  error.body_length = 20;
  back = ParseResponseHeader(EncodeResponseHeader(error));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->code, StatusCode::kInvalidArgument);

  DecodeResponse bad = ok;
  bad.body_length += 1;  // body does not match the descriptor
  EXPECT_FALSE(ParseResponseHeader(EncodeResponseHeader(bad)).ok());
  bad = ok;
  bad.desc.components = 2;
  EXPECT_FALSE(ParseResponseHeader(EncodeResponseHeader(bad)).ok());
  bad = ok;
  bad.desc.bits_stored = 17;
  EXPECT_FALSE(ParseResponseHeader(EncodeResponseHeader(bad)).ok());
  bad = error;
  bad.body_length = kMaxMessageBytes + 1;
  EXPECT_FALSE(ParseResponseHeader(EncodeResponseHeader(bad)).ok());
  bad.code = static_cast<StatusCode>(99);
  bad.body_length = 0;
  EXPECT_FALSE(ParseResponseHeader(EncodeResponseHeader(bad)).ok());
}

}  // namespace
}  // namespace openhi::codec::internal
