// DICOMize: MergeAhiLevels and RebuildP10 (the inverse of ahi_json.cc). The rules, the file
// meta values kept or recomputed, and the exact differences from an original file are in
// docs/formats/dicomize.md.
#include "openhi/dicom/p10_rebuild.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "openhi/dicom/internal/dcmtk.h"
#include "openhi/dicom/internal/json_to_dataset.h"
#include "openhi/dicom/internal/transfer_syntax.h"

namespace openhi::dicom {
namespace {

using internal::ExplicitLeWriter;
using internal::IntegerAttribute;
using internal::ResolvedElement;
using internal::StringAttribute;
using nlohmann::json;

constexpr const char* kExplicitVrLittleEndian = "1.2.840.10008.1.2.1";
constexpr uint32_t kPixelData = 0x7FE00010;
constexpr uint32_t kFloatPixelData = 0x7FE00008;
constexpr uint32_t kDoubleFloatPixelData = 0x7FE00009;

// File meta elements this writer computes (the document's values are not used).
constexpr uint32_t kMetaGroupLength = 0x00020000;
constexpr uint32_t kMetaVersion = 0x00020001;
constexpr uint32_t kMetaSopClass = 0x00020002;
constexpr uint32_t kMetaSopInstance = 0x00020003;
constexpr uint32_t kMetaTransferSyntax = 0x00020010;
constexpr uint32_t kMetaImplementationClass = 0x00020012;
constexpr uint32_t kMetaImplementationVersion = 0x00020013;

bool IsRecomputedMeta(uint32_t tag) {
  return tag == kMetaGroupLength || tag == kMetaVersion || tag == kMetaSopClass ||
         tag == kMetaSopInstance || tag == kMetaTransferSyntax ||
         tag == kMetaImplementationClass || tag == kMetaImplementationVersion;
}

Bytes PaddedUid(const std::string& uid) {
  Bytes b = ToBytes(uid);
  if (b.size() % 2) b.push_back(std::byte{0});
  return b;
}
Bytes PaddedText(const std::string& text) {
  Bytes b = ToBytes(text);
  if (b.size() % 2) b.push_back(std::byte{' '});
  return b;
}

// The pixel module, as far as the rebuild needs it.
struct PixelModule {
  int64_t rows = 0, columns = 0, samples_per_pixel = 1, bits_allocated = 0, bits_stored = 0,
          high_bit = 0, pixel_representation = 0, planar_configuration = 0, frames = 1;
};

Result<PixelModule> ReadPixelModule(const json& dicom) {
  PixelModule m;
  auto get = [&](const char* key, int64_t* out, bool required) -> Status {
    OPENHI_ASSIGN_OR_RETURN(std::optional<int64_t> v, IntegerAttribute(dicom, key));
    if (v) {
      *out = *v;
    } else if (required) {
      return InvalidArgument(std::string("DICOM attribute ") + key +
                             " is required to write Pixel Data");
    }
    return Status::Ok();
  };
  OPENHI_RETURN_IF_ERROR(get("Rows", &m.rows, true));
  OPENHI_RETURN_IF_ERROR(get("Columns", &m.columns, true));
  OPENHI_RETURN_IF_ERROR(get("BitsAllocated", &m.bits_allocated, true));
  OPENHI_RETURN_IF_ERROR(get("SamplesPerPixel", &m.samples_per_pixel, false));
  m.bits_stored = m.bits_allocated;
  OPENHI_RETURN_IF_ERROR(get("BitsStored", &m.bits_stored, false));
  m.high_bit = m.bits_stored - 1;
  OPENHI_RETURN_IF_ERROR(get("HighBit", &m.high_bit, false));
  OPENHI_RETURN_IF_ERROR(get("PixelRepresentation", &m.pixel_representation, false));
  OPENHI_RETURN_IF_ERROR(get("PlanarConfiguration", &m.planar_configuration, false));
  OPENHI_RETURN_IF_ERROR(get("NumberOfFrames", &m.frames, false));
  if (m.rows <= 0 || m.columns <= 0 || m.samples_per_pixel <= 0 || m.frames <= 0) {
    return InvalidArgument("DICOM attributes Rows, Columns, SamplesPerPixel and NumberOfFrames "
                           "must be positive to write Pixel Data");
  }
  if (m.bits_stored < 1 || m.bits_stored > m.bits_allocated || m.high_bit < m.bits_stored - 1 ||
      m.high_bit >= m.bits_allocated) {
    return InvalidArgument("DICOM attributes BitsAllocated/BitsStored/HighBit are inconsistent");
  }
  return m;
}

// Native Pixel Data from decoded frames: samples shifted back up to HighBit, bits below the
// stored bits cleared, bits above them cleared (unsigned) or the sign extension (signed);
// colour-by-plane restored when PlanarConfiguration
// is 1; BitsAllocated 1 packed (first pixel in bit 0, frames contiguous); padded to even.
Result<Bytes> NativePixelData(const PixelModule& m, const std::vector<codec::Image>& frames) {
  if (m.bits_allocated != 1 && m.bits_allocated != 8 && m.bits_allocated != 16) {
    return Unimplemented("Pixel Data: writing BitsAllocated " + std::to_string(m.bits_allocated) +
                         " from decoded frames is not supported");
  }
  if (static_cast<int64_t>(frames.size()) != m.frames) {
    return InvalidArgument("Pixel Data: NumberOfFrames is " + std::to_string(m.frames) + " but " +
                           std::to_string(frames.size()) + " frames were given");
  }
  const int bytes_per_sample = m.bits_allocated == 16 ? 2 : 1;
  const size_t samples = size_t(m.rows) * size_t(m.columns) * size_t(m.samples_per_pixel);
  for (size_t f = 0; f < frames.size(); ++f) {
    const codec::ImageDesc& d = frames[f].desc;
    if (d.width != m.columns || d.height != m.rows || d.components != m.samples_per_pixel ||
        d.bytes_per_sample != bytes_per_sample ||
        frames[f].samples.size() != samples * bytes_per_sample) {
      return InvalidArgument("Pixel Data: frame " + std::to_string(f + 1) + " is " +
                             std::to_string(d.width) + "x" + std::to_string(d.height) + "x" +
                             std::to_string(d.components) + " with " +
                             std::to_string(d.bytes_per_sample) + "-byte samples (" +
                             std::to_string(frames[f].samples.size()) +
                             " bytes); the pixel module says " + std::to_string(m.columns) + "x" +
                             std::to_string(m.rows) + "x" + std::to_string(m.samples_per_pixel) +
                             ", BitsAllocated " + std::to_string(m.bits_allocated));
    }
  }
  Bytes out;
  if (m.bits_allocated == 1) {
    const size_t total = samples * frames.size();
    out.assign((total + 7) / 8, std::byte{0});
    size_t bit = 0;
    for (const codec::Image& img : frames) {
      for (std::byte s : img.samples) {
        if (s != std::byte{0}) out[bit / 8] |= std::byte(1u << (bit % 8));
        ++bit;
      }
    }
  } else {
    // Unsigned: the stored bits only. Signed: the decoded samples are sign-extended to the
    // sample width; the extension is kept above HighBit (as most writers store it).
    const unsigned shift = static_cast<unsigned>(m.high_bit + 1 - m.bits_stored);
    const uint32_t mask = m.pixel_representation == 1
                              ? ((uint32_t{1} << m.bits_allocated) - 1) & ~((uint32_t{1} << shift) - 1)
                              : ((uint32_t{1} << m.bits_stored) - 1) << shift;
    const bool planar = m.planar_configuration == 1 && m.samples_per_pixel > 1;
    const size_t pixels = size_t(m.rows) * size_t(m.columns);
    const size_t spp = static_cast<size_t>(m.samples_per_pixel);
    out.resize(samples * frames.size() * bytes_per_sample);
    size_t base = 0;
    for (const codec::Image& img : frames) {
      const std::byte* in = img.samples.data();
      for (size_t i = 0; i < samples; ++i) {
        uint32_t v = bytes_per_sample == 2
                         ? uint32_t(std::to_integer<uint8_t>(in[2 * i])) |
                               (uint32_t(std::to_integer<uint8_t>(in[2 * i + 1])) << 8)
                         : uint32_t(std::to_integer<uint8_t>(in[i]));
        v = (v << shift) & mask;
        // Interleaved sample i = pixel p, component c; planar position c * pixels + p.
        const size_t pos = planar ? (i % spp) * pixels + i / spp : i;
        std::byte* dst = out.data() + base + pos * bytes_per_sample;
        dst[0] = std::byte(v & 0xFF);
        if (bytes_per_sample == 2) dst[1] = std::byte(v >> 8);
      }
      base += samples * bytes_per_sample;
    }
  }
  if (out.size() % 2) out.push_back(std::byte{0});
  return out;
}

bool IsVideoSyntax(const std::string& ts) {
  return internal::ClassifyTransferSyntax(ts) == internal::SyntaxFamily::kVideo;
}

Status WriteEncapsulatedPixelData(const PixelModule& m, const RebuildFrames& frames,
                                  ExplicitLeWriter& out) {
  const bool video = IsVideoSyntax(frames.encoded_transfer_syntax);
  if (!video && static_cast<int64_t>(frames.encoded.size()) != m.frames) {
    return InvalidArgument("Pixel Data: NumberOfFrames is " + std::to_string(m.frames) + " but " +
                           std::to_string(frames.encoded.size()) + " encoded frames were given");
  }
  if (video && frames.encoded.size() != 1) {
    return InvalidArgument("Pixel Data: a video transfer syntax takes one bitstream, not " +
                           std::to_string(frames.encoded.size()));
  }
  // Basic Offset Table: offset of each frame's item from the first fragment item. Left empty
  // when an offset would not fit 32 bits (PS3.5 A.4).
  Bytes table;
  uint64_t offset = 0;
  bool fits = true;
  for (const Bytes& f : frames.encoded) {
    if (f.empty()) return InvalidArgument("Pixel Data: an encoded frame is empty");
    if (offset > 0xFFFFFFFFu) fits = false;
    for (int i = 0; i < 4; ++i) table.push_back(std::byte((offset >> (8 * i)) & 0xFF));
    offset += 8 + f.size() + (f.size() % 2);
  }
  if (!fits || video) table.clear();
  out.BeginUndefinedLength(kPixelData, "OB");
  out.Fragment(table);
  for (const Bytes& f : frames.encoded) {
    if (f.size() >= 0xFFFFFFFEu) return InvalidArgument("Pixel Data: an encoded frame is too large");
    if (f.size() % 2 == 0) {
      out.Fragment(f);
    } else {
      Bytes padded = f;
      padded.push_back(std::byte{0});
      out.Fragment(padded);
    }
  }
  out.EndSequence();
  return Status::Ok();
}

}  // namespace

json MergeAhiLevels(const json& patient_dicom, const json& study_dicom, const json& series_dicom,
                    const json& instance) {
  json merged = json::object();
  json dicom = json::object();
  if (instance.is_object() && instance.contains("DICOM") && instance["DICOM"].is_object()) {
    dicom = instance["DICOM"];
  }
  std::set<std::string> absent;
  if (instance.is_object()) {
    auto it = instance.find(kAbsentLevelAttributesMember);
    if (it != instance.end() && it->is_array()) {
      for (const json& k : *it) {
        if (k.is_string()) absent.insert(k.get<std::string>());
      }
    }
  }
  // Series first: the most specific level wins where levels overlap.
  for (const json* level : {&series_dicom, &study_dicom, &patient_dicom}) {
    if (!level->is_object()) continue;
    for (auto it = level->begin(); it != level->end(); ++it) {
      if (!dicom.contains(it.key()) && !absent.count(it.key())) dicom[it.key()] = it.value();
    }
  }
  merged["DICOM"] = std::move(dicom);
  merged["DICOMVRs"] = instance.is_object() && instance.contains("DICOMVRs") &&
                               instance["DICOMVRs"].is_object()
                           ? instance["DICOMVRs"]
                           : json::object();
  return merged;
}

Result<Bytes> RebuildP10(const json& merged_instance, const RebuildFrames& frames,
                         const BulkDataResolver& resolver) {
  OPENHI_RETURN_IF_ERROR(internal::InitDcmtk());
  if (!merged_instance.is_object() || !merged_instance.contains("DICOM") ||
      !merged_instance["DICOM"].is_object()) {
    return InvalidArgument("the instance has no \"DICOM\" object");
  }
  const json& dicom = merged_instance["DICOM"];
  static const json kNoVrs = json::object();
  const json& vrs = merged_instance.contains("DICOMVRs") && merged_instance["DICOMVRs"].is_object()
                        ? merged_instance["DICOMVRs"]
                        : kNoVrs;
  const std::string sop_class = StringAttribute(dicom, "SOPClassUID");
  const std::string sop_instance = StringAttribute(dicom, "SOPInstanceUID");
  if (sop_class.empty()) return InvalidArgument("DICOM attribute SOPClassUID does not exist");
  if (sop_instance.empty()) return InvalidArgument("DICOM attribute SOPInstanceUID does not exist");
  if (!frames.decoded.empty() && !frames.encoded.empty()) {
    return InvalidArgument("frames: give decoded or encoded frames, not both");
  }
  const bool encapsulated = !frames.encoded.empty();
  if (encapsulated) {
    const auto family = internal::ClassifyTransferSyntax(frames.encoded_transfer_syntax);
    if (!internal::IsEncapsulated(family) ||
        family == internal::SyntaxFamily::kEncapsulatedUncompressed) {
      return InvalidArgument("frames: \"" + frames.encoded_transfer_syntax +
                             "\" is not a compressed transfer syntax");
    }
  }
  const std::string written_ts = encapsulated ? frames.encoded_transfer_syntax
                                              : std::string(kExplicitVrLittleEndian);

  std::string charset;
  if (auto it = dicom.find("SpecificCharacterSet"); it != dicom.end()) {
    if (it->is_string()) {
      charset = it->get<std::string>();
    } else if (it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        if (i > 0) charset += '\\';
        if ((*it)[i].is_string()) charset += (*it)[i].get<std::string>();
      }
    }
  }
  internal::DatasetEncoder encoder(vrs, charset, resolver);
  internal::VrContext top;
  if (auto pr = IntegerAttribute(dicom, "PixelRepresentation"); pr.ok() && pr->has_value()) {
    top.pixel_representation = static_cast<int>(**pr);
  }
  if (auto ba = IntegerAttribute(dicom, "BitsAllocated"); ba.ok() && ba->has_value()) {
    top.bits_allocated = static_cast<int>(**ba);
  }
  OPENHI_ASSIGN_OR_RETURN(std::vector<ResolvedElement> elements, encoder.Resolve(dicom, top));

  // File meta: computed elements plus the document's other group 0002 elements, in tag order.
  std::map<uint32_t, std::string> meta_parts;
  auto meta_element = [&](uint32_t tag, std::string_view vr, const Bytes& value) -> Status {
    ExplicitLeWriter w;
    OPENHI_RETURN_IF_ERROR(w.Element(tag, vr, value));
    meta_parts[tag] = std::move(w.bytes());
    return Status::Ok();
  };
  OPENHI_RETURN_IF_ERROR(meta_element(kMetaVersion, "OB", Bytes{std::byte{0}, std::byte{1}}));
  // Media Storage SOP Class/Instance UID: the document's (the original file meta's) values,
  // which PS3.10 says equal the dataset's but real files sometimes do not; the dataset's
  // SOPClassUID/SOPInstanceUID when the document has none.
  const std::string media_class = StringAttribute(dicom, "MediaStorageSOPClassUID");
  const std::string media_instance = StringAttribute(dicom, "MediaStorageSOPInstanceUID");
  OPENHI_RETURN_IF_ERROR(meta_element(
      kMetaSopClass, "UI", PaddedUid(media_class.empty() ? sop_class : media_class)));
  OPENHI_RETURN_IF_ERROR(meta_element(
      kMetaSopInstance, "UI", PaddedUid(media_instance.empty() ? sop_instance : media_instance)));
  OPENHI_RETURN_IF_ERROR(meta_element(kMetaTransferSyntax, "UI", PaddedUid(written_ts)));
  OPENHI_RETURN_IF_ERROR(
      meta_element(kMetaImplementationClass, "UI", PaddedUid(kOpenhiImplementationClassUid)));
  OPENHI_RETURN_IF_ERROR(meta_element(kMetaImplementationVersion, "SH",
                                      PaddedText(kOpenhiImplementationVersionName)));

  ExplicitLeWriter dataset;
  bool wrote_pixels = false;
  for (const ResolvedElement& e : elements) {
    if ((e.tag >> 16) == 0x0002) {
      if (IsRecomputedMeta(e.tag)) continue;
      ExplicitLeWriter w;
      OPENHI_RETURN_IF_ERROR(encoder.Write(e, w));
      meta_parts[e.tag] = std::move(w.bytes());
      continue;
    }
    if ((e.tag == kFloatPixelData || e.tag == kDoubleFloatPixelData) && e.value->is_null()) {
      return Unimplemented("DICOM attribute " + e.key +
                           ": the document holds only a placeholder and no frames exist for "
                           "float pixel data");
    }
    if (e.tag == kPixelData && (e.value->is_null() || !frames.decoded.empty() || encapsulated)) {
      if (frames.decoded.empty() && !encapsulated) {
        return InvalidArgument("DICOM attribute PixelData: the instance has pixel data but no "
                               "frames were given");
      }
      OPENHI_ASSIGN_OR_RETURN(PixelModule m, ReadPixelModule(dicom));
      if (encapsulated) {
        OPENHI_RETURN_IF_ERROR(WriteEncapsulatedPixelData(m, frames, dataset));
      } else {
        OPENHI_ASSIGN_OR_RETURN(Bytes native, NativePixelData(m, frames.decoded));
        OPENHI_RETURN_IF_ERROR(
            dataset.Element(kPixelData, m.bits_allocated > 8 ? "OW" : "OB", native));
      }
      wrote_pixels = true;
      continue;
    }
    OPENHI_RETURN_IF_ERROR(encoder.Write(e, dataset));
  }
  if (!wrote_pixels && (!frames.decoded.empty() || encapsulated)) {
    return InvalidArgument("frames were given but the instance has no PixelData attribute");
  }

  std::string meta;
  for (const auto& [tag, part] : meta_parts) meta += part;
  ExplicitLeWriter group_length;
  const uint32_t meta_size = static_cast<uint32_t>(meta.size());
  Bytes length_value(4);
  for (int i = 0; i < 4; ++i) length_value[i] = std::byte((meta_size >> (8 * i)) & 0xFF);
  OPENHI_RETURN_IF_ERROR(group_length.Element(kMetaGroupLength, "UL", length_value));

  Bytes p10;
  p10.reserve(132 + group_length.bytes().size() + meta.size() + dataset.bytes().size());
  p10.resize(128, std::byte{0});
  for (char c : std::string_view("DICM")) p10.push_back(std::byte(c));
  for (const std::string* part : {&group_length.bytes(), &meta, &dataset.bytes()}) {
    const auto* b = reinterpret_cast<const std::byte*>(part->data());
    p10.insert(p10.end(), b, b + part->size());
  }
  return p10;
}

}  // namespace openhi::dicom
