#pragma once
// Test helpers for openhi::dicom: shared test data and DICOM objects built in memory with DCMTK.
// Test-only; includes DCMTK.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcostrmb.h>
#include <dcmtk/dcmdata/dctk.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "openhi/codec/image.h"
#include "openhi/core/bytes.h"
#include "openhi/core/status.h"
#include "openhi/dicom/dicom_file.h"

namespace openhi::dicom::testing {

// <shared>/data/dicom/<relative>.
std::filesystem::path DicomDataPath(const std::string& relative);

// Reads <shared>/data/dicom/<relative>; aborts the test program when missing.
Bytes ReadDicomData(const std::string& relative);

// Parses <shared>/data/dicom/<relative>.
Result<DicomFile> ParseDicomData(const std::string& relative);

// Serialises `file` as P10 bytes in `xfer` (EXS_LittleEndianExplicit by default); empty on
// failure.
Bytes WriteP10(DcmFileFormat& file, E_TransferSyntax xfer = EXS_LittleEndianExplicit);

// Pixel module of a synthetic image.
struct SyntheticImage {
  uint16_t rows = 4;
  uint16_t columns = 5;
  uint16_t samples_per_pixel = 1;
  uint16_t bits_allocated = 16;
  uint16_t bits_stored = 16;
  uint16_t high_bit = 15;
  uint16_t pixel_representation = 0;
  uint16_t planar_configuration = 0;
  uint32_t frames = 1;
  std::string photometric = "MONOCHROME2";
  Bytes pixels;  // native little-endian pixel data for all frames
};

// A Secondary Capture object with the given pixel module and some identifying attributes.
std::unique_ptr<DcmFileFormat> MakeImage(const SyntheticImage& image);

// Explicit VR Little Endian P10 bytes written element by element, values byte-exact (DCMTK's
// writer would normalise padding). Sequences and items use undefined lengths.
class RawP10 {
 public:
  RawP10& Add(Tag tag, std::string_view vr, std::string_view value);
  RawP10& Add(Tag tag, std::string_view vr, ByteView value);
  RawP10& BeginSequence(Tag tag, std::string_view vr = "SQ");
  RawP10& BeginItem();
  RawP10& Item(std::string_view value);  // an item with a defined length (a pixel fragment)
  RawP10& EndItem();
  RawP10& EndSequence();
  // Preamble, "DICM", a file meta group declaring `transfer_syntax`, then the elements added.
  Bytes Finish(const std::string& transfer_syntax = "1.2.840.10008.1.2.1") const;

 private:
  void Header(Tag tag, std::string_view vr, size_t length);
  std::string data_;
};

// Deterministic pseudo-random bytes.
Bytes PseudoRandomBytes(size_t count, uint32_t seed);

// Samples of a decoded image as int (signed or unsigned per desc).
std::vector<int> SampleValues(const codec::Image& image);

}  // namespace openhi::dicom::testing
