#include "openhi/dicom/internal/transfer_syntax.h"

#include <array>
#include <cstring>

namespace openhi::dicom::internal {
namespace {

constexpr std::string_view kPrefix = "1.2.840.10008.1.2";

}  // namespace

SyntaxFamily ClassifyTransferSyntax(std::string_view uid) {
  if (uid.substr(0, kPrefix.size()) != kPrefix) return SyntaxFamily::kUnknown;
  std::string_view rest = uid.substr(kPrefix.size());
  if (rest.empty() || rest == ".1" || rest == ".1.99" || rest == ".2") return SyntaxFamily::kNative;
  if (rest == ".1.98") return SyntaxFamily::kEncapsulatedUncompressed;
  if (rest == ".5") return SyntaxFamily::kDcmtkRle;
  constexpr std::string_view kFour = ".4.";
  if (rest.substr(0, kFour.size()) != kFour) return SyntaxFamily::kUnknown;
  std::string_view sub = rest.substr(kFour.size());  // e.g. "50", "100.1", "201"
  // Leading integer of the sub-UID.
  int number = 0;
  size_t i = 0;
  for (; i < sub.size() && sub[i] >= '0' && sub[i] <= '9'; ++i) {
    number = number * 10 + (sub[i] - '0');
    if (number > 100000) return SyntaxFamily::kUnknown;
  }
  if (i == 0) return SyntaxFamily::kUnknown;
  const bool plain = i == sub.size();
  if (plain && number >= 50 && number <= 70) return SyntaxFamily::kDcmtkJpeg;
  if (plain && (number == 80 || number == 81)) return SyntaxFamily::kDcmtkJpegLs;
  if (plain && number >= 90 && number <= 93) return SyntaxFamily::kJ2k;
  if (plain && number >= 201 && number <= 203) return SyntaxFamily::kHtj2k;
  if (number >= 100 && number <= 108) return SyntaxFamily::kVideo;
  if (plain && (number == 94 || number == 95 || (number >= 110 && number <= 112))) {
    return SyntaxFamily::kOtherEncapsulated;
  }
  return SyntaxFamily::kUnknown;
}

bool IsEncapsulated(SyntaxFamily family) {
  switch (family) {
    case SyntaxFamily::kNative:
    case SyntaxFamily::kUnknown:
      return false;
    default:
      return true;
  }
}

bool StartsFrame(SyntaxFamily family, const unsigned char* data, size_t size) {
  switch (family) {
    case SyntaxFamily::kDcmtkJpeg:
    case SyntaxFamily::kDcmtkJpegLs:
      return size >= 2 && data[0] == 0xFF && data[1] == 0xD8;
    case SyntaxFamily::kJ2k:
    case SyntaxFamily::kHtj2k: {
      if (size >= 2 && data[0] == 0xFF && data[1] == 0x4F) return true;
      static constexpr std::array<unsigned char, 8> kJp2 = {0x00, 0x00, 0x00, 0x0C,
                                                            0x6A, 0x50, 0x20, 0x20};
      return size >= kJp2.size() && std::memcmp(data, kJp2.data(), kJp2.size()) == 0;
    }
    default:
      return false;
  }
}

}  // namespace openhi::dicom::internal
