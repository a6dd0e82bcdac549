// libFuzzer target for the DICOM adapter: DicomFile::Parse on untrusted P10 bytes, then the
// pixel module, ToAhiJson (serialised, as the store does) and decoding of the first frame.
//
// Not wired into CMake (it needs clang's libFuzzer). Build against an existing build tree's
// static libraries (build/ configured with clang: CC=clang CXX=clang++ cmake -S . -B build-clang
// -G Ninja -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link,address,undefined && ninja -C build-clang
// openhi_dicom openhi-decode-helper), then:
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Isrc fuzz/dicom_parse_fuzz.cc \
//     build-clang/src/openhi/dicom/libopenhi_dicom.a build-clang/src/openhi/codec/libopenhi_codec.a \
//     build-clang/src/openhi/core/libopenhi_core.a -ldcmdata -ldcmjpeg -ldcmjpls -ldcmimgle \
//     -lofstd -loflog -lopenjph -lopenjp2 -lspdlog -lfmt -lz -o build-clang/dicom_parse_fuzz
//   OPENHI_DECODE_HELPER=build-clang/openhi-decode-helper \
//     build-clang/dicom_parse_fuzz -max_len=1048576 corpus/   # seed: ../shared/data/dicom/**
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "openhi/dicom/dicom_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  openhi::ByteView bytes(reinterpret_cast<const std::byte*>(data), size);
  auto file = openhi::dicom::DicomFile::Parse(bytes);
  if (!file.ok()) return 0;
  (void)file->CheckComplete();
  std::string json = file->ToAhiJson().dump(-1, ' ', false,
                                           nlohmann::json::error_handler_t::strict);
  auto px = file->Pixels();
  if (px.ok() && px->number_of_frames > 0) (void)file->DecodeFrame(0);
  return 0;
}
