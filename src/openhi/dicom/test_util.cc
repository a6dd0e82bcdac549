#include "openhi/dicom/test_util.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "openhi/core/file_util.h"

namespace openhi::dicom::testing {

std::filesystem::path DicomDataPath(const std::string& relative) {
  return std::filesystem::path(OPENHI_SHARED_DIR) / "data" / "dicom" / relative;
}

Bytes ReadDicomData(const std::string& relative) {
  Result<Bytes> bytes = ReadFile(DicomDataPath(relative));
  if (!bytes.ok()) {
    std::fprintf(stderr, "missing test data %s: %s\n", relative.c_str(),
                 bytes.status().ToString().c_str());
    std::abort();
  }
  return std::move(bytes).value();
}

Result<DicomFile> ParseDicomData(const std::string& relative) {
  return DicomFile::Parse(ReadDicomData(relative));
}

Bytes WriteP10(DcmFileFormat& file, E_TransferSyntax xfer) {
  const Uint32 estimate = file.calcElementLength(xfer, EET_ExplicitLength) + 4096;
  std::vector<char> buffer(estimate);
  DcmOutputBufferStream out(buffer.data(), buffer.size());
  file.transferInit();
  const OFCondition cond = file.write(out, xfer, EET_ExplicitLength, nullptr);
  file.transferEnd();
  if (cond.bad()) {
    std::fprintf(stderr, "WriteP10: %s\n", cond.text());
    return {};
  }
  void* data = nullptr;
  offile_off_t length = 0;
  out.flushBuffer(data, length);
  const auto* begin = static_cast<const std::byte*>(data);
  return Bytes(begin, begin + length);
}

std::unique_ptr<DcmFileFormat> MakeImage(const SyntheticImage& image) {
  auto file = std::make_unique<DcmFileFormat>();
  DcmDataset* ds = file->getDataset();
  ds->putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
  ds->putAndInsertString(DCM_SOPInstanceUID, "1.2.826.0.1.3680043.2.1125.99.1");
  ds->putAndInsertString(DCM_StudyInstanceUID, "1.2.826.0.1.3680043.2.1125.99.2");
  ds->putAndInsertString(DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.2.1125.99.3");
  ds->putAndInsertString(DCM_Modality, "OT");
  ds->putAndInsertUint16(DCM_Rows, image.rows);
  ds->putAndInsertUint16(DCM_Columns, image.columns);
  ds->putAndInsertUint16(DCM_SamplesPerPixel, image.samples_per_pixel);
  ds->putAndInsertString(DCM_PhotometricInterpretation, image.photometric.c_str());
  ds->putAndInsertUint16(DCM_BitsAllocated, image.bits_allocated);
  ds->putAndInsertUint16(DCM_BitsStored, image.bits_stored);
  ds->putAndInsertUint16(DCM_HighBit, image.high_bit);
  ds->putAndInsertUint16(DCM_PixelRepresentation, image.pixel_representation);
  if (image.samples_per_pixel > 1) {
    ds->putAndInsertUint16(DCM_PlanarConfiguration, image.planar_configuration);
  }
  if (image.frames != 1) {
    ds->putAndInsertString(DCM_NumberOfFrames, std::to_string(image.frames).c_str());
  }
  const auto* data = reinterpret_cast<const Uint8*>(image.pixels.data());
  if (image.bits_allocated <= 8) {
    ds->putAndInsertUint8Array(DCM_PixelData, data,
                               static_cast<unsigned long>(image.pixels.size()));
  } else {
    ds->putAndInsertUint16Array(DCM_PixelData, reinterpret_cast<const Uint16*>(data),
                                static_cast<unsigned long>(image.pixels.size() / 2));
  }
  return file;
}

namespace {

void PutLe16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}

void PutLe32(std::string& out, uint32_t v) {
  PutLe16(out, static_cast<uint16_t>(v & 0xFFFF));
  PutLe16(out, static_cast<uint16_t>(v >> 16));
}

bool LongLengthVr(std::string_view vr) {
  for (std::string_view v : {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UN", "UR", "UT"}) {
    if (vr == v) return true;
  }
  return false;
}

void Element(std::string& out, Tag tag, std::string_view vr, std::string_view value) {
  PutLe16(out, static_cast<uint16_t>(tag >> 16));
  PutLe16(out, static_cast<uint16_t>(tag & 0xFFFF));
  out.append(vr);
  if (LongLengthVr(vr)) {
    PutLe16(out, 0);
    PutLe32(out, static_cast<uint32_t>(value.size()));
  } else {
    PutLe16(out, static_cast<uint16_t>(value.size()));
  }
  out.append(value);
}

}  // namespace

RawP10& RawP10::Add(Tag tag, std::string_view vr, std::string_view value) {
  Element(data_, tag, vr, value);
  return *this;
}

RawP10& RawP10::Add(Tag tag, std::string_view vr, ByteView value) {
  return Add(tag, vr, AsStringView(value));
}

RawP10& RawP10::BeginSequence(Tag tag, std::string_view vr) {
  PutLe16(data_, static_cast<uint16_t>(tag >> 16));
  PutLe16(data_, static_cast<uint16_t>(tag & 0xFFFF));
  data_.append(vr);
  PutLe16(data_, 0);
  PutLe32(data_, 0xFFFFFFFF);
  return *this;
}

RawP10& RawP10::BeginItem() {
  PutLe16(data_, 0xFFFE);
  PutLe16(data_, 0xE000);
  PutLe32(data_, 0xFFFFFFFF);
  return *this;
}

RawP10& RawP10::Item(std::string_view value) {
  PutLe16(data_, 0xFFFE);
  PutLe16(data_, 0xE000);
  PutLe32(data_, static_cast<uint32_t>(value.size()));
  data_.append(value);
  return *this;
}

RawP10& RawP10::EndItem() {
  PutLe16(data_, 0xFFFE);
  PutLe16(data_, 0xE00D);
  PutLe32(data_, 0);
  return *this;
}

RawP10& RawP10::EndSequence() {
  PutLe16(data_, 0xFFFE);
  PutLe16(data_, 0xE0DD);
  PutLe32(data_, 0);
  return *this;
}

Bytes RawP10::Finish(const std::string& transfer_syntax) const {
  auto even = [](std::string v, char pad) {
    if (v.size() % 2) v.push_back(pad);
    return v;
  };
  std::string meta;
  Element(meta, 0x00020001, "OB", std::string_view("\x00\x01", 2));
  Element(meta, 0x00020002, "UI", even(UID_SecondaryCaptureImageStorage, '\0'));
  Element(meta, 0x00020003, "UI", even("1.2.826.0.1.3680043.2.1125.99.1", '\0'));
  Element(meta, 0x00020010, "UI", even(transfer_syntax, '\0'));
  Element(meta, 0x00020012, "UI", even("1.2.826.0.1.3680043.2.1125.99", '\0'));
  std::string out(128, '\0');
  out += "DICM";
  std::string length;
  PutLe32(length, static_cast<uint32_t>(meta.size()));
  Element(out, 0x00020000, "UL", length);
  out += meta;
  out += data_;
  return ToBytes(out);
}

Bytes PseudoRandomBytes(size_t count, uint32_t seed) {
  Bytes out(count);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<std::byte>(x & 0xFF);
  }
  return out;
}

std::vector<int> SampleValues(const codec::Image& image) {
  std::vector<int> values;
  const size_t bytes = image.desc.bytes_per_sample;
  const size_t count = image.samples.size() / bytes;
  values.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (bytes == 1) {
      const auto v = std::to_integer<uint8_t>(image.samples[i]);
      values.push_back(image.desc.is_signed ? static_cast<int8_t>(v) : v);
    } else {
      uint16_t v;
      std::memcpy(&v, image.samples.data() + 2 * i, 2);
      values.push_back(image.desc.is_signed ? static_cast<int16_t>(v) : v);
    }
  }
  return values;
}

}  // namespace openhi::dicom::testing
