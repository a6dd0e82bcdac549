#pragma once
// ImageSetMetadata: the typed model of an AHI image set metadata document (ahi-api.md §7;
// docs/formats/metadata-document.md), as GetImageSetMetadata returns it.
//
// Parsing is eager for what retrieval and volume assembly need (series, instances, frame IDs
// and checksums, pixel module and geometry attributes: the levels merged, the instance wins) and
// lazy for everything else: the full attributes of a level or an instance are converted to
// nlohmann::json only when asked for (DICOMize). The whole document stays parsed inside the
// object (simdjson DOM, about the size of the JSON text), shared by copies.
//
// Thread safety: a const ImageSetMetadata may be used from any number of threads.
#include <array>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "openhi/codec/htj2k.h"
#include "openhi/core/bytes.h"
#include "openhi/core/status.h"

namespace openhi::client {

// One entry of an instance's ImageFrames.
struct FrameMetadata {
  std::string id;  // ImageFrameId for GetImageFrame
  // PixelDataChecksumFromBaseToFullResolution: base (lowest resolution) first, full last. Empty
  // when the document has none (then no CRC check is possible).
  std::vector<codec::LevelChecksum> checksums;
  std::optional<uint64_t> size_bytes;  // FrameSizeInBytes
  // CRC-32 of the full-resolution decoded pixels (the last checksum), if known.
  std::optional<uint32_t> FullResolutionCrc() const {
    if (checksums.empty()) return std::nullopt;
    return checksums.back().crc32;
  }
};

// The image pixel module, from the merged levels. Zero / empty when absent.
struct PixelModule {
  uint32_t rows = 0;
  uint32_t columns = 0;
  uint16_t samples_per_pixel = 1;
  uint16_t bits_allocated = 0;
  uint16_t bits_stored = 0;
  uint16_t pixel_representation = 0;  // 0 unsigned, 1 signed
  std::string photometric_interpretation;
  uint32_t number_of_frames = 1;
};

struct InstanceMetadata {
  std::string sop_instance_uid;
  std::string sop_class_uid;
  std::string stored_transfer_syntax_uid;  // the syntax the frames are served in
  std::optional<int64_t> instance_number;
  PixelModule pixels;
  // Geometry (mm, DICOM LPS), when present in the merged levels.
  std::optional<std::array<double, 3>> image_position_patient;
  std::optional<std::array<double, 6>> image_orientation_patient;
  std::optional<std::array<double, 2>> pixel_spacing;  // [row spacing, column spacing]
  double rescale_slope = 1;
  double rescale_intercept = 0;
  std::vector<FrameMetadata> frames;  // document order = frame number - 1
};

struct SeriesMetadata {
  std::string series_instance_uid;
  std::string modality;
  std::vector<InstanceMetadata> instances;  // document order
};

class ImageSetMetadata {
 public:
  // Parses a metadata document given as gzip (detected by its magic bytes) or as plain JSON
  // (proxies and browsers decompress). kInvalidArgument with the JSON path of the first problem
  // for malformed JSON, a document that is not an AHI metadata document, or attribute values of
  // the wrong type (e.g. "Rows": "abc"); kDataLoss for corrupt gzip.
  static Result<ImageSetMetadata> Parse(ByteView document);

  ImageSetMetadata(const ImageSetMetadata&);
  ImageSetMetadata& operator=(const ImageSetMetadata&);
  ImageSetMetadata(ImageSetMetadata&&) noexcept;
  ImageSetMetadata& operator=(ImageSetMetadata&&) noexcept;
  ~ImageSetMetadata();

  const std::string& schema_version() const;
  const std::string& datastore_id() const;
  const std::string& image_set_id() const;
  const std::string& study_instance_uid() const;
  const std::vector<SeriesMetadata>& series() const;
  size_t FrameCount() const;  // all frames of all series

  // The "DICOM" objects of the levels, as in the document (not merged).
  nlohmann::json PatientDicom() const;
  nlohmann::json StudyDicom() const;
  nlohmann::json SeriesDicom(size_t series_index) const;
  // The instance object itself: {"DICOM": {...}, "DICOMVRs": {...}, "ImageFrames": [...], ...}.
  nlohmann::json InstanceObject(size_t series_index, size_t instance_index) const;

 private:
  struct Impl;
  explicit ImageSetMetadata(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

}  // namespace openhi::client
