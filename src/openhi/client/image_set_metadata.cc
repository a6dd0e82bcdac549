// ImageSetMetadata: simdjson DOM parse, one pass over each level's "DICOM" object for the typed
// fields, lazy conversion to nlohmann::json for the full attributes.
#include "openhi/client/image_set_metadata.h"

#include <simdjson.h>

#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>

#include "openhi/core/gzip.h"

namespace openhi::client {
namespace {

namespace dom = simdjson::dom;
using nlohmann::json;

// Frames are served as HTJ2K lossless (RPCL) unless the instance says otherwise: the real AHI
// document has no StoredTransferSyntaxUID for HTJ2K-stored instances.
constexpr std::string_view kDefaultStoredSyntax = "1.2.840.10008.1.2.4.202";

// The attributes the typed model reads, looked up once per key.
enum class Field {
  kRows,
  kColumns,
  kSamplesPerPixel,
  kBitsAllocated,
  kBitsStored,
  kPixelRepresentation,
  kPhotometric,
  kNumberOfFrames,
  kPosition,
  kOrientation,
  kPixelSpacing,
  kRescaleSlope,
  kRescaleIntercept,
  kInstanceNumber,
  kSopInstanceUid,
  kSopClassUid,
  kModality,
  kSeriesInstanceUid,
  kStudyInstanceUid,
};

const std::unordered_map<std::string_view, Field>& FieldTable() {
  static const auto* table = new std::unordered_map<std::string_view, Field>{
      {"Rows", Field::kRows},
      {"Columns", Field::kColumns},
      {"SamplesPerPixel", Field::kSamplesPerPixel},
      {"BitsAllocated", Field::kBitsAllocated},
      {"BitsStored", Field::kBitsStored},
      {"PixelRepresentation", Field::kPixelRepresentation},
      {"PhotometricInterpretation", Field::kPhotometric},
      {"NumberOfFrames", Field::kNumberOfFrames},
      {"ImagePositionPatient", Field::kPosition},
      {"ImageOrientationPatient", Field::kOrientation},
      {"PixelSpacing", Field::kPixelSpacing},
      {"RescaleSlope", Field::kRescaleSlope},
      {"RescaleIntercept", Field::kRescaleIntercept},
      {"InstanceNumber", Field::kInstanceNumber},
      {"SOPInstanceUID", Field::kSopInstanceUid},
      {"SOPClassUID", Field::kSopClassUid},
      {"Modality", Field::kModality},
      {"SeriesInstanceUID", Field::kSeriesInstanceUid},
      {"StudyInstanceUID", Field::kStudyInstanceUid},
  };
  return *table;
}

// The typed attributes of one level (or of the merge of several): unset until seen.
struct Attributes {
  std::optional<uint32_t> rows, columns, number_of_frames;
  std::optional<uint16_t> samples_per_pixel, bits_allocated, bits_stored, pixel_representation;
  std::optional<std::string> photometric, sop_instance_uid, sop_class_uid, modality,
      series_instance_uid, study_instance_uid;
  std::optional<std::array<double, 3>> position;
  std::optional<std::array<double, 6>> orientation;
  std::optional<std::array<double, 2>> pixel_spacing;
  std::optional<double> rescale_slope, rescale_intercept;
  std::optional<int64_t> instance_number;
};

Status TypeError(const std::string& path, std::string_view expected) {
  return Status(StatusCode::kInvalidArgument,
                "metadata document: " + path + ": expected " + std::string(expected));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\0')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  return s;
}

// A decimal from a DS/IS string or a JSON number.
std::optional<double> NumberOf(dom::element e) {
  switch (e.type()) {
    case dom::element_type::DOUBLE:
      return double(e.get_double().value_unsafe());
    case dom::element_type::INT64:
      return double(e.get_int64().value_unsafe());
    case dom::element_type::UINT64:
      return double(e.get_uint64().value_unsafe());
    case dom::element_type::STRING: {
      std::string_view s = Trim(e.get_string().value_unsafe());
      if (!s.empty() && s.front() == '+') s.remove_prefix(1);
      double v = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
      return v;
    }
    default:
      return std::nullopt;
  }
}

std::optional<int64_t> IntegerOf(dom::element e) {
  if (e.type() == dom::element_type::INT64) return e.get_int64().value_unsafe();
  if (e.type() == dom::element_type::UINT64) {
    uint64_t v = e.get_uint64().value_unsafe();
    if (v > uint64_t(INT64_MAX)) return std::nullopt;
    return int64_t(v);
  }
  if (e.type() == dom::element_type::STRING) {
    std::string_view s = Trim(e.get_string().value_unsafe());
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

// A single-valued attribute may still come as a one-element array.
dom::element Scalar(dom::element e) {
  if (e.type() == dom::element_type::ARRAY) {
    dom::array a = e.get_array().value_unsafe();
    if (a.size() == 1) return *a.begin();
  }
  return e;
}

template <size_t N>
Status ReadDecimals(dom::element e, const std::string& path, std::optional<std::array<double, N>>* out) {
  if (e.type() == dom::element_type::NULL_VALUE) return Status();
  std::array<double, N> values{};
  size_t n = 0;
  auto take = [&](dom::element v) -> bool {
    if (n >= N) return false;
    auto d = NumberOf(v);
    if (!d) return false;
    values[n++] = *d;
    return true;
  };
  if (e.type() == dom::element_type::ARRAY) {
    dom::array values_array = e.get_array().value_unsafe();
    for (dom::element v : values_array) {
      if (!take(v)) return TypeError(path, std::to_string(N) + " decimal values");
    }
  } else if (e.type() == dom::element_type::STRING) {
    // "1\0\0\0\1\0": a multi-valued DS written as one backslash-separated string.
    std::string_view s = e.get_string().value_unsafe();
    while (true) {
      size_t cut = s.find('\\');
      std::string_view part = Trim(s.substr(0, cut));
      double v = 0;
      auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
      if (part.empty() || ec != std::errc() || end != part.data() + part.size() || n >= N) {
        return TypeError(path, std::to_string(N) + " decimal values");
      }
      values[n++] = v;
      if (cut == std::string_view::npos) break;
      s.remove_prefix(cut + 1);
    }
  } else {
    return TypeError(path, std::to_string(N) + " decimal values");
  }
  if (n != N) return TypeError(path, std::to_string(N) + " decimal values");
  *out = values;
  return Status();
}

template <typename T>
Status ReadUnsigned(dom::element e, const std::string& path, std::optional<T>* out) {
  e = Scalar(e);
  if (e.type() == dom::element_type::NULL_VALUE) return Status();
  auto v = IntegerOf(e);
  if (!v || *v < 0 || uint64_t(*v) > std::numeric_limits<T>::max()) {
    return TypeError(path, "an unsigned integer");
  }
  *out = T(*v);
  return Status();
}

Status ReadString(dom::element e, const std::string& path, std::optional<std::string>* out) {
  e = Scalar(e);
  if (e.type() == dom::element_type::NULL_VALUE) return Status();
  if (e.type() != dom::element_type::STRING) return TypeError(path, "a string");
  *out = std::string(Trim(e.get_string().value_unsafe()));
  return Status();
}

Status ReadDecimal(dom::element e, const std::string& path, std::optional<double>* out) {
  e = Scalar(e);
  if (e.type() == dom::element_type::NULL_VALUE) return Status();
  auto v = NumberOf(e);
  if (!v) return TypeError(path, "a decimal");
  *out = *v;
  return Status();
}

// Reads the typed fields of a "DICOM" object into `attrs`, overriding what is there.
Status ReadAttributes(dom::object dicom, const std::string& path, Attributes* attrs) {
  const auto& table = FieldTable();
  for (dom::key_value_pair kv : dicom) {
    auto it = table.find(kv.key);
    if (it == table.end()) continue;
    std::string p = path + "." + std::string(kv.key);
    dom::element v = kv.value;
    switch (it->second) {
      case Field::kRows: OPENHI_RETURN_IF_ERROR(ReadUnsigned(v, p, &attrs->rows)); break;
      case Field::kColumns: OPENHI_RETURN_IF_ERROR(ReadUnsigned(v, p, &attrs->columns)); break;
      case Field::kSamplesPerPixel:
        OPENHI_RETURN_IF_ERROR(ReadUnsigned(v, p, &attrs->samples_per_pixel));
        break;
      case Field::kBitsAllocated:
        OPENHI_RETURN_IF_ERROR(ReadUnsigned(v, p, &attrs->bits_allocated));
        break;
      case Field::kBitsStored:
        OPENHI_RETURN_IF_ERROR(ReadUnsigned(v, p, &attrs->bits_stored));
        break;
      case Field::kPixelRepresentation:
        OPENHI_RETURN_IF_ERROR(ReadUnsigned(v, p, &attrs->pixel_representation));
        break;
      case Field::kPhotometric: OPENHI_RETURN_IF_ERROR(ReadString(v, p, &attrs->photometric)); break;
      case Field::kNumberOfFrames:
        OPENHI_RETURN_IF_ERROR(ReadUnsigned(v, p, &attrs->number_of_frames));
        break;
      case Field::kPosition: OPENHI_RETURN_IF_ERROR(ReadDecimals(v, p, &attrs->position)); break;
      case Field::kOrientation:
        OPENHI_RETURN_IF_ERROR(ReadDecimals(v, p, &attrs->orientation));
        break;
      case Field::kPixelSpacing:
        OPENHI_RETURN_IF_ERROR(ReadDecimals(v, p, &attrs->pixel_spacing));
        break;
      case Field::kRescaleSlope:
        OPENHI_RETURN_IF_ERROR(ReadDecimal(v, p, &attrs->rescale_slope));
        break;
      case Field::kRescaleIntercept:
        OPENHI_RETURN_IF_ERROR(ReadDecimal(v, p, &attrs->rescale_intercept));
        break;
      case Field::kInstanceNumber: {
        dom::element s = Scalar(v);
        if (s.type() == dom::element_type::NULL_VALUE) break;
        auto n = IntegerOf(s);
        if (!n) return TypeError(p, "an integer");
        attrs->instance_number = *n;
        break;
      }
      case Field::kSopInstanceUid:
        OPENHI_RETURN_IF_ERROR(ReadString(v, p, &attrs->sop_instance_uid));
        break;
      case Field::kSopClassUid: OPENHI_RETURN_IF_ERROR(ReadString(v, p, &attrs->sop_class_uid)); break;
      case Field::kModality: OPENHI_RETURN_IF_ERROR(ReadString(v, p, &attrs->modality)); break;
      case Field::kSeriesInstanceUid:
        OPENHI_RETURN_IF_ERROR(ReadString(v, p, &attrs->series_instance_uid));
        break;
      case Field::kStudyInstanceUid:
        OPENHI_RETURN_IF_ERROR(ReadString(v, p, &attrs->study_instance_uid));
        break;
    }
  }
  return Status();
}

template <typename T>
void Override(std::optional<T>& base, const std::optional<T>& over) {
  if (over) base = over;
}

// `over` wins wherever it has a value.
Attributes Merge(Attributes base, const Attributes& over) {
  Override(base.rows, over.rows);
  Override(base.columns, over.columns);
  Override(base.number_of_frames, over.number_of_frames);
  Override(base.samples_per_pixel, over.samples_per_pixel);
  Override(base.bits_allocated, over.bits_allocated);
  Override(base.bits_stored, over.bits_stored);
  Override(base.pixel_representation, over.pixel_representation);
  Override(base.photometric, over.photometric);
  Override(base.sop_instance_uid, over.sop_instance_uid);
  Override(base.sop_class_uid, over.sop_class_uid);
  Override(base.modality, over.modality);
  Override(base.series_instance_uid, over.series_instance_uid);
  Override(base.study_instance_uid, over.study_instance_uid);
  Override(base.position, over.position);
  Override(base.orientation, over.orientation);
  Override(base.pixel_spacing, over.pixel_spacing);
  Override(base.rescale_slope, over.rescale_slope);
  Override(base.rescale_intercept, over.rescale_intercept);
  Override(base.instance_number, over.instance_number);
  return base;
}

Result<dom::object> ObjectMember(dom::object parent, std::string_view key, const std::string& path) {
  dom::element e;
  if (parent.at_key(key).get(e) != simdjson::SUCCESS) {
    return Status(StatusCode::kInvalidArgument,
                  "metadata document: " + path + ": missing \"" + std::string(key) + "\"");
  }
  if (e.type() != dom::element_type::OBJECT) return TypeError(path + "." + std::string(key), "an object");
  return e.get_object().value_unsafe();
}

std::string OptionalString(dom::object parent, std::string_view key) {
  std::string_view s;
  if (parent.at_key(key).get(s) != simdjson::SUCCESS) return "";
  return std::string(s);
}

Status ReadFrames(dom::element frames, const std::string& path, std::vector<FrameMetadata>* out) {
  if (frames.type() != dom::element_type::ARRAY) return TypeError(path, "an array");
  dom::array frame_array = frames.get_array().value_unsafe();
  for (dom::element f : frame_array) {
    std::string fpath = path + "[" + std::to_string(out->size()) + "]";
    if (f.type() != dom::element_type::OBJECT) return TypeError(fpath, "an object");
    dom::object fo = f.get_object().value_unsafe();
    FrameMetadata frame;
    std::string_view id;
    if (fo.at_key("ID").get(id) != simdjson::SUCCESS || id.empty()) {
      return TypeError(fpath + ".ID", "a frame ID string");
    }
    frame.id = std::string(id);
    dom::array checksums;
    if (fo.at_key("PixelDataChecksumFromBaseToFullResolution").get(checksums) == simdjson::SUCCESS) {
      for (dom::element c : checksums) {
        int64_t w = 0, h = 0, crc = 0;
        if (c["Width"].get(w) != simdjson::SUCCESS || c["Height"].get(h) != simdjson::SUCCESS ||
            c["Checksum"].get(crc) != simdjson::SUCCESS || w < 0 || h < 0 || crc < 0 ||
            crc > int64_t(UINT32_MAX)) {
          return TypeError(fpath + ".PixelDataChecksumFromBaseToFullResolution",
                           "{Width, Height, Checksum} entries");
        }
        frame.checksums.push_back({uint32_t(w), uint32_t(h), uint32_t(crc)});
      }
    }
    int64_t size = 0;
    if (fo.at_key("FrameSizeInBytes").get(size) == simdjson::SUCCESS && size >= 0) {
      frame.size_bytes = uint64_t(size);
    }
    out->push_back(std::move(frame));
  }
  return Status();
}

json ToJson(dom::element e);

json ToJson(dom::object o) {
  json out = json::object();
  for (dom::key_value_pair kv : o) out.emplace(std::string(kv.key), ToJson(kv.value));
  return out;
}

json ToJson(dom::element e) {
  switch (e.type()) {
    case dom::element_type::OBJECT:
      return ToJson(e.get_object().value_unsafe());
    case dom::element_type::ARRAY: {
      json out = json::array();
      dom::array a = e.get_array().value_unsafe();
      for (dom::element v : a) out.push_back(ToJson(v));
      return out;
    }
    case dom::element_type::STRING:
      return std::string(e.get_string().value_unsafe());
    case dom::element_type::INT64:
      return e.get_int64().value_unsafe();
    case dom::element_type::UINT64:
      return e.get_uint64().value_unsafe();
    case dom::element_type::DOUBLE:
      return e.get_double().value_unsafe();
    case dom::element_type::BOOL:
      return e.get_bool().value_unsafe();
    case dom::element_type::NULL_VALUE:
      return nullptr;
  }
  return nullptr;
}

}  // namespace

struct ImageSetMetadata::Impl {
  dom::parser parser;
  dom::element root;
  dom::object patient_dicom, study_dicom;
  std::vector<dom::object> series_dicom;                 // per series
  std::vector<std::vector<dom::object>> instance_objects;  // per series, per instance
  std::string schema_version, datastore_id, image_set_id, study_instance_uid;
  std::vector<SeriesMetadata> series;
  size_t frame_count = 0;
};

Result<ImageSetMetadata> ImageSetMetadata::Parse(ByteView document) {
  Bytes gunzipped;
  if (document.size() >= 2 && document[0] == std::byte{0x1f} && document[1] == std::byte{0x8b}) {
    auto plain = GzipDecompress(document);
    if (!plain.ok()) {
      return Status(StatusCode::kDataLoss,
                    "metadata document: corrupt gzip: " + plain.status().message());
    }
    gunzipped = std::move(*plain);
    document = gunzipped;
  }
  auto impl = std::make_shared<Impl>();
  auto parsed = impl->parser.parse(reinterpret_cast<const char*>(document.data()), document.size(),
                                   /*realloc_if_needed=*/true);
  if (parsed.error() != simdjson::SUCCESS) {
    return Status(StatusCode::kInvalidArgument,
                  std::string("metadata document: not valid JSON: ") +
                      simdjson::error_message(parsed.error()));
  }
  impl->root = parsed.value_unsafe();
  if (impl->root.type() != dom::element_type::OBJECT) return TypeError("(root)", "an object");
  dom::object root = impl->root.get_object().value_unsafe();
  impl->schema_version = OptionalString(root, "SchemaVersion");
  impl->datastore_id = OptionalString(root, "DatastoreID");
  impl->image_set_id = OptionalString(root, "ImageSetID");

  OPENHI_ASSIGN_OR_RETURN(dom::object patient, ObjectMember(root, "Patient", "(root)"));
  OPENHI_ASSIGN_OR_RETURN(impl->patient_dicom, ObjectMember(patient, "DICOM", "Patient"));
  OPENHI_ASSIGN_OR_RETURN(dom::object study, ObjectMember(root, "Study", "(root)"));
  OPENHI_ASSIGN_OR_RETURN(impl->study_dicom, ObjectMember(study, "DICOM", "Study"));
  OPENHI_ASSIGN_OR_RETURN(dom::object all_series, ObjectMember(study, "Series", "Study"));

  Attributes upper;
  OPENHI_RETURN_IF_ERROR(ReadAttributes(impl->patient_dicom, "Patient.DICOM", &upper));
  OPENHI_RETURN_IF_ERROR(ReadAttributes(impl->study_dicom, "Study.DICOM", &upper));
  impl->study_instance_uid = upper.study_instance_uid.value_or("");

  for (dom::key_value_pair s : all_series) {
    std::string spath = "Study.Series[" + std::string(s.key) + "]";
    if (s.value.type() != dom::element_type::OBJECT) return TypeError(spath, "an object");
    dom::object series_obj = s.value.get_object().value_unsafe();
    OPENHI_ASSIGN_OR_RETURN(dom::object series_dicom, ObjectMember(series_obj, "DICOM", spath));
    OPENHI_ASSIGN_OR_RETURN(dom::object instances, ObjectMember(series_obj, "Instances", spath));
    Attributes series_attrs = upper;
    OPENHI_RETURN_IF_ERROR(ReadAttributes(series_dicom, spath + ".DICOM", &series_attrs));

    SeriesMetadata series;
    series.series_instance_uid = series_attrs.series_instance_uid.value_or(std::string(s.key));
    series.modality = series_attrs.modality.value_or("");
    std::vector<dom::object> objects;
    for (dom::key_value_pair i : instances) {
      std::string ipath = spath + ".Instances[" + std::string(i.key) + "]";
      if (i.value.type() != dom::element_type::OBJECT) return TypeError(ipath, "an object");
      dom::object inst_obj = i.value.get_object().value_unsafe();
      OPENHI_ASSIGN_OR_RETURN(dom::object inst_dicom, ObjectMember(inst_obj, "DICOM", ipath));
      Attributes own;
      OPENHI_RETURN_IF_ERROR(ReadAttributes(inst_dicom, ipath + ".DICOM", &own));
      Attributes a = Merge(series_attrs, own);

      InstanceMetadata inst;
      inst.sop_instance_uid = a.sop_instance_uid.value_or(std::string(i.key));
      inst.sop_class_uid = a.sop_class_uid.value_or("");
      std::string stored = OptionalString(inst_obj, "StoredTransferSyntaxUID");
      inst.stored_transfer_syntax_uid = stored.empty() ? std::string(kDefaultStoredSyntax) : stored;
      inst.instance_number = a.instance_number;
      inst.pixels.rows = a.rows.value_or(0);
      inst.pixels.columns = a.columns.value_or(0);
      inst.pixels.samples_per_pixel = a.samples_per_pixel.value_or(1);
      inst.pixels.bits_allocated = a.bits_allocated.value_or(0);
      inst.pixels.bits_stored = a.bits_stored.value_or(inst.pixels.bits_allocated);
      inst.pixels.pixel_representation = a.pixel_representation.value_or(0);
      inst.pixels.photometric_interpretation = a.photometric.value_or("");
      inst.pixels.number_of_frames = a.number_of_frames.value_or(1);
      inst.image_position_patient = a.position;
      inst.image_orientation_patient = a.orientation;
      inst.pixel_spacing = a.pixel_spacing;
      inst.rescale_slope = a.rescale_slope.value_or(1.0);
      inst.rescale_intercept = a.rescale_intercept.value_or(0.0);
      dom::element frames;
      if (inst_obj.at_key("ImageFrames").get(frames) == simdjson::SUCCESS &&
          frames.type() != dom::element_type::NULL_VALUE) {
        OPENHI_RETURN_IF_ERROR(ReadFrames(frames, ipath + ".ImageFrames", &inst.frames));
      }
      impl->frame_count += inst.frames.size();
      series.instances.push_back(std::move(inst));
      objects.push_back(inst_obj);
    }
    impl->series.push_back(std::move(series));
    impl->series_dicom.push_back(series_dicom);
    impl->instance_objects.push_back(std::move(objects));
  }
  return ImageSetMetadata(std::move(impl));
}

ImageSetMetadata::ImageSetMetadata(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
ImageSetMetadata::ImageSetMetadata(const ImageSetMetadata&) = default;
ImageSetMetadata& ImageSetMetadata::operator=(const ImageSetMetadata&) = default;
ImageSetMetadata::ImageSetMetadata(ImageSetMetadata&&) noexcept = default;
ImageSetMetadata& ImageSetMetadata::operator=(ImageSetMetadata&&) noexcept = default;
ImageSetMetadata::~ImageSetMetadata() = default;

const std::string& ImageSetMetadata::schema_version() const { return impl_->schema_version; }
const std::string& ImageSetMetadata::datastore_id() const { return impl_->datastore_id; }
const std::string& ImageSetMetadata::image_set_id() const { return impl_->image_set_id; }
const std::string& ImageSetMetadata::study_instance_uid() const {
  return impl_->study_instance_uid;
}
const std::vector<SeriesMetadata>& ImageSetMetadata::series() const { return impl_->series; }
size_t ImageSetMetadata::FrameCount() const { return impl_->frame_count; }

nlohmann::json ImageSetMetadata::PatientDicom() const {
  return ToJson(impl_->patient_dicom);
}
nlohmann::json ImageSetMetadata::StudyDicom() const {
  return ToJson(impl_->study_dicom);
}
nlohmann::json ImageSetMetadata::SeriesDicom(size_t series_index) const {
  return ToJson(impl_->series_dicom.at(series_index));
}
nlohmann::json ImageSetMetadata::InstanceObject(size_t series_index, size_t instance_index) const {
  return ToJson(impl_->instance_objects.at(series_index).at(instance_index));
}

}  // namespace openhi::client
