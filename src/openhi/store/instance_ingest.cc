#include "openhi/store/instance_ingest.h"

#include <cstring>
#include <limits>

#include "openhi/codec/htj2k.h"
#include "openhi/core/crc32.h"
#include "openhi/core/ids.h"
#include "openhi/dicom/dicom_file.h"
#include "openhi/store/internal/store_impl.h"
#include "openhi/store/normalization_levels.h"

namespace openhi::store {
namespace {

using Json = nlohmann::json;
constexpr const char* kHtj2kRpcl = "1.2.840.10008.1.2.4.202";
constexpr const char* kExplicitVrLittleEndian = "1.2.840.10008.1.2.1";

bool IsKeptSyntax(const std::string& ts) {
  static const char* kKept[] = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.91",
                                "1.2.840.10008.1.2.4.203", "1.2.840.10008.1.2.4.112"};
  for (const char* k : kKept)
    if (ts == k) return true;
  // MPEG-2, H.264, H.265 video: 1.2.840.10008.1.2.4.100 .. .108 (and .x.1 variants)
  return ts.rfind("1.2.840.10008.1.2.4.10", 0) == 0;
}

std::pair<int64_t, int64_t> MinMax(const codec::Image& img) {
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
  const std::byte* p = img.samples.data();
  size_t n = img.samples.size() / img.desc.bytes_per_sample;
  if (img.desc.bytes_per_sample == 1) {
    for (size_t i = 0; i < n; ++i) {
      int64_t v = img.desc.is_signed ? int64_t{static_cast<int8_t>(p[i])}
                                     : int64_t{static_cast<uint8_t>(p[i])};
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      uint16_t u;
      std::memcpy(&u, p + 2 * i, 2);
      int64_t v = img.desc.is_signed ? int64_t{static_cast<int16_t>(u)} : int64_t{u};
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (n == 0) lo = hi = 0;
  return {lo, hi};
}

Status Required(const dicom::DicomFile& f, dicom::Tag tag, const char* keyword,
                std::string* out) {
  auto v = f.GetString(tag);
  if (!v.ok()) return InvalidArgument(std::string("DICOM attribute ") + keyword + " does not exist");
  *out = *v;
  return Status::Ok();
}

Status CheckLengths(const Json& dicom) {
  for (const auto& [keyword, max_len] : ImportMaxLengths()) {
    auto it = dicom.find(keyword);
    if (it == dicom.end() || !it->is_string()) continue;
    if (it->get_ref<const std::string&>().size() > max_len) {
      return InvalidArgument("DICOM attribute " + keyword + " exceeds " +
                             std::to_string(max_len) + " characters");
    }
  }
  return Status::Ok();
}

struct FrameOut {
  Json json;
  FrameRow row;
  uint64_t pixel_bytes = 0;
};

Result<FrameOut> StoreTranscodedFrame(const dicom::DicomFile& file, uint32_t index,
                                      const std::string& blob_prefix,
                                      objstore::ObjectStore& blobs) {
  OPENHI_ASSIGN_OR_RETURN(codec::Image source, file.DecodeFrame(index));
  OPENHI_ASSIGN_OR_RETURN(Bytes codestream, codec::EncodeHtj2kLossless(source));
  codec::Image decoded;
  OPENHI_ASSIGN_OR_RETURN(auto levels, codec::Htj2kLevelChecksums(codestream, &decoded));
  if (!(decoded.desc == source.desc) || decoded.samples != source.samples) {
    return Internal("HTJ2K verification failed for frame " + std::to_string(index + 1) +
                    ": decoded pixels differ from the source");
  }
  auto [lo, hi] = MinMax(source);
  FrameOut out;
  out.row.frame_id = NewId();
  out.row.blob_key = FrameBlobKey(blob_prefix, out.row.frame_id);
  out.row.transfer_syntax = kHtj2kRpcl;
  out.row.size = codestream.size();
  out.pixel_bytes = source.samples.size();
  Json checksums = Json::array();
  for (const auto& l : levels) {
    checksums.push_back({{"Width", l.width}, {"Height", l.height}, {"Checksum", l.crc32}});
  }
  out.json = {{"ID", out.row.frame_id},
              {"PixelDataChecksumFromBaseToFullResolution", std::move(checksums)},
              {"MinPixelValue", lo},
              {"MaxPixelValue", hi},
              {"FrameSizeInBytes", source.samples.size()}};
  OPENHI_RETURN_IF_ERROR(blobs.Put(out.row.blob_key, codestream));
  return out;
}

// Binary segmentation frames (BitsAllocated 1) are stored as AHI does: uncompressed, Explicit VR
// Little Endian bit packing (first pixel in bit 0 of the first byte), one frame per blob,
// padded to a whole byte. The packed bytes are unpacked again and compared before storing.
Result<FrameOut> StoreBinarySegmentationFrame(const dicom::DicomFile& file,
                                              const dicom::PixelInfo& px, uint32_t index,
                                              const std::string& blob_prefix,
                                              objstore::ObjectStore& blobs) {
  OPENHI_ASSIGN_OR_RETURN(codec::Image source, file.DecodeFrame(index));
  const size_t n = source.samples.size();
  Bytes packed((n + 7) / 8);
  for (size_t i = 0; i < n; ++i) {
    if (source.samples[i] != std::byte{0}) packed[i / 8] |= std::byte(1u << (i % 8));
  }
  for (size_t i = 0; i < n; ++i) {  // verify: unpack equals the source samples
    bool bit = (std::to_integer<unsigned>(packed[i / 8]) >> (i % 8)) & 1u;
    if (bit != (source.samples[i] != std::byte{0}) || std::to_integer<unsigned>(source.samples[i]) > 1) {
      return Internal("binary segmentation verification failed for frame " +
                      std::to_string(index + 1));
    }
  }
  FrameOut out;
  out.row.frame_id = NewId();
  out.row.blob_key = FrameBlobKey(blob_prefix, out.row.frame_id);
  out.row.transfer_syntax = kExplicitVrLittleEndian;
  out.row.size = packed.size();
  out.pixel_bytes = n;
  Json checksums = Json::array();
  checksums.push_back({{"Width", px.columns}, {"Height", px.rows}, {"Checksum", Crc32(packed)}});
  out.json = {{"ID", out.row.frame_id},
              {"PixelDataChecksumFromBaseToFullResolution", std::move(checksums)},
              {"MinPixelValue", nullptr},
              {"MaxPixelValue", nullptr},
              {"FrameSizeInBytes", packed.size()}};
  OPENHI_RETURN_IF_ERROR(blobs.Put(out.row.blob_key, packed));
  return out;
}

Result<FrameOut> StoreKeptFrame(const dicom::DicomFile& file, const dicom::PixelInfo& px,
                                uint32_t index, const std::string& ts,
                                const std::string& blob_prefix, objstore::ObjectStore& blobs) {
  OPENHI_ASSIGN_OR_RETURN(Bytes encoded, file.EncodedFrame(index));
  if (encoded.empty()) return InvalidArgument("frame " + std::to_string(index + 1) + " is empty");
  FrameOut out;
  out.row.frame_id = NewId();
  out.row.blob_key = FrameBlobKey(blob_prefix, out.row.frame_id);
  out.row.transfer_syntax = ts;
  out.row.size = encoded.size();
  Json checksums = Json::array();
  checksums.push_back(
      {{"Width", px.columns}, {"Height", px.rows}, {"Checksum", Crc32(encoded)}});
  out.json = {{"ID", out.row.frame_id},
              {"PixelDataChecksumFromBaseToFullResolution", std::move(checksums)},
              {"MinPixelValue", nullptr},
              {"MaxPixelValue", nullptr},
              {"FrameSizeInBytes", encoded.size()}};
  OPENHI_RETURN_IF_ERROR(blobs.Put(out.row.blob_key, encoded));
  return out;
}

Result<IngestedInstance> IngestFrames(const dicom::DicomFile& file, IngestedInstance inst,
                                      const std::string& blob_prefix,
                                      objstore::ObjectStore& blobs) {
  const std::string ts = file.TransferSyntaxUid();
  // Float / Double Float Pixel Data (parametric maps) have no frame representation in the
  // store: reject them rather than keep the object without its pixels (a silent loss).
  for (dicom::Tag float_pixels : {dicom::MakeTag(0x7FE0, 0x0008), dicom::MakeTag(0x7FE0, 0x0009)}) {
    if (file.GetString(float_pixels).status().code() != StatusCode::kNotFound) {
      return Status(StatusCode::kUnimplemented,
                    "Float and Double Float Pixel Data (7FE0,0008/0009) are not supported");
    }
  }
  auto px = file.Pixels();
  Json frames = Json::array();
  std::string stored_ts = kHtj2kRpcl;
  if (!px.ok() && px.status().code() != StatusCode::kNotFound) return px.status();
  if (px.ok()) {
    const bool binary = px->bits_allocated == 1;
    const bool kept = !binary && IsKeptSyntax(ts);
    if (kept) stored_ts = ts;
    if (binary) stored_ts = kExplicitVrLittleEndian;
    for (uint32_t i = 0; i < px->number_of_frames; ++i) {
      auto frame = binary ? StoreBinarySegmentationFrame(file, *px, i, blob_prefix, blobs)
                   : kept ? StoreKeptFrame(file, *px, i, ts, blob_prefix, blobs)
                          : StoreTranscodedFrame(file, i, blob_prefix, blobs);
      if (!frame.ok()) {
        for (const auto& f : inst.frames) blobs.Delete(f.blob_key).IgnoreError();
        const Status& st = frame.status();
        // The DICOM adapter's messages already name the frame; add it only when missing.
        return st.message().rfind("frame ", 0) == 0
                   ? st
                   : st.WithContext("frame " + std::to_string(i + 1));
      }
      frames.push_back(std::move(frame->json));
      inst.frames.push_back(std::move(frame->row));
      inst.pixel_bytes += frame->pixel_bytes;
    }
  }
  inst.instance["StoredTransferSyntaxUID"] = stored_ts;
  inst.instance["ImageFrames"] = std::move(frames);
  return inst;
}

}  // namespace

Result<IngestedInstance> IngestInstance(ByteView p10, const std::string& blob_prefix,
                                        objstore::ObjectStore& blobs) {
  OPENHI_ASSIGN_OR_RETURN(dicom::DicomFile file, dicom::DicomFile::Parse(p10));
  OPENHI_RETURN_IF_ERROR(file.CheckComplete());
  // AHI requires P10 files with file meta: without (0002,0010) the encoding is a guess.
  if (!file.GetString(dicom::MakeTag(0x0002, 0x0010)).ok()) {
    return InvalidArgument("DICOM attribute TransferSyntaxUID does not exist");
  }
  IngestedInstance inst;
  OPENHI_RETURN_IF_ERROR(
      Required(file, dicom::MakeTag(0x0020, 0x000D), "StudyInstanceUID", &inst.study_uid));
  OPENHI_RETURN_IF_ERROR(
      Required(file, dicom::MakeTag(0x0020, 0x000E), "SeriesInstanceUID", &inst.series_uid));
  OPENHI_RETURN_IF_ERROR(
      Required(file, dicom::MakeTag(0x0008, 0x0018), "SOPInstanceUID", &inst.sop_uid));
  static const std::pair<const char*, dicom::Tag> kGrouping[] = {
      {"StudyDate", dicom::MakeTag(0x0008, 0x0020)},
      {"AccessionNumber", dicom::MakeTag(0x0008, 0x0050)},
      {"PatientID", dicom::MakeTag(0x0010, 0x0020)},
      {"StudyID", dicom::MakeTag(0x0020, 0x0010)},
      {"SeriesNumber", dicom::MakeTag(0x0020, 0x0011)}};
  for (const auto& [name, tag] : kGrouping) inst.grouping[name] = file.GetString(tag).value_or("");
  inst.instance = file.ToAhiJson();
  OPENHI_RETURN_IF_ERROR(CheckLengths(inst.instance["DICOM"]));
  return IngestFrames(file, std::move(inst), blob_prefix, blobs);
}

IngestError ToIngestError(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kUnimplemented:
    case StatusCode::kNotFound:
    case StatusCode::kResourceExhausted:
      return {"ValidationException", s.message()};
    default:
      return {"InternalServerException", s.message()};
  }
}

std::string FrameContentType(const std::string& ts) {
  if (ts == "1.2.840.10008.1.2.4.202" || ts == "1.2.840.10008.1.2.4.201" || ts.empty()) {
    return "image/jph";
  }
  if (ts == "1.2.840.10008.1.2.4.203") return "image/jphc";
  if (ts == "1.2.840.10008.1.2.4.50") return "image/jpeg";
  if (ts == "1.2.840.10008.1.2.4.91" || ts == "1.2.840.10008.1.2.4.90") return "image/j2c";
  if (ts == "1.2.840.10008.1.2.4.112") return "image/jxl";
  if (ts.rfind("1.2.840.10008.1.2.4.100", 0) == 0 || ts.rfind("1.2.840.10008.1.2.4.101", 0) == 0) {
    return "video/mpeg";
  }
  if (ts == "1.2.840.10008.1.2.4.107" || ts == "1.2.840.10008.1.2.4.108") return "video/H256";
  if (ts.rfind("1.2.840.10008.1.2.4.10", 0) == 0) return "video/mp4";
  return "application/octet-stream";
}

}  // namespace openhi::store
