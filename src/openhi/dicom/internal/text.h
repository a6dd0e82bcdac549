#pragma once
// Text helpers for the AHI JSON writer: UTF-8 validation, Latin-1 conversion and tag keys.
// Pure, thread-safe.
#include <cstdint>
#include <string>
#include <string_view>

namespace openhi::dicom::internal {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);

// True when every byte is < 0x80 and none is ESC (0x1B, which starts ISO 2022 escapes).
bool IsPlainAscii(std::string_view s);

// ISO 8859-1 bytes to UTF-8 (each byte is the code point of the same value). Reversible.
std::string Latin1ToUtf8(std::string_view s);

// "GGGGEEEE", upper-case hex.
std::string HexTag(uint32_t tag);

}  // namespace openhi::dicom::internal
