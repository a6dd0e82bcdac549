#include "openhi/synth/synth.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numbers>
#include <set>

#include "openhi/core/file_util.h"
#include "openhi/core/ids.h"
#include "openhi/synth/nrrd.h"

namespace openhi::synth {
namespace {
namespace fs = std::filesystem;

// A fresh folder under the system temp folder, removed on destruction.
class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("synth_test_" + NewId())) {}
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(std::string_view name) const { return path_ / name; }

 private:
  fs::path path_;
};

// What the tests read back from one file with DCMTK.
struct Loaded {
  std::string transfer_syntax, media_sop_instance_uid;
  std::string sop_class, sop_instance_uid, study_uid, series_uid, frame_uid, modality;
  std::string patient_name, image_type, rescale_type;
  long instance_number = 0;
  Vec3 ipp{};
  std::array<double, 6> iop{};
  double row_spacing = 0, column_spacing = 0, slice_location = 0, slice_thickness = 0;
  double slope = 0, intercept = 0;
  uint16_t rows = 0, columns = 0, bits_stored = 0, high_bit = 0, pixel_representation = 0;
  std::vector<int> hu;  // rescaled, row-major
};

std::string Str(DcmItem* item, const DcmTagKey& tag) {
  OFString s;
  item->findAndGetOFStringArray(tag, s);
  return s.c_str();
}

double Ds(DcmItem* item, const DcmTagKey& tag, unsigned long pos = 0) {
  Float64 v = std::nan("");
  EXPECT_TRUE(item->findAndGetFloat64(tag, v, pos).good()) << DcmTag(tag).getTagName();
  return v;
}

Loaded Load(const fs::path& path) {
  Loaded out;
  DcmFileFormat file;
  OFCondition cond = file.loadFile(path.c_str());
  EXPECT_TRUE(cond.good()) << path << ": " << cond.text();
  if (cond.bad()) return out;
  DcmItem* meta = file.getMetaInfo();
  DcmDataset* ds = file.getDataset();
  out.transfer_syntax = Str(meta, DCM_TransferSyntaxUID);
  out.media_sop_instance_uid = Str(meta, DCM_MediaStorageSOPInstanceUID);
  out.sop_class = Str(ds, DCM_SOPClassUID);
  out.sop_instance_uid = Str(ds, DCM_SOPInstanceUID);
  out.study_uid = Str(ds, DCM_StudyInstanceUID);
  out.series_uid = Str(ds, DCM_SeriesInstanceUID);
  out.frame_uid = Str(ds, DCM_FrameOfReferenceUID);
  out.modality = Str(ds, DCM_Modality);
  out.patient_name = Str(ds, DCM_PatientName);
  out.image_type = Str(ds, DCM_ImageType);
  out.rescale_type = Str(ds, DCM_RescaleType);
  Sint32 instance = 0;
  EXPECT_TRUE(ds->findAndGetSint32(DCM_InstanceNumber, instance).good());
  out.instance_number = instance;
  for (int a = 0; a < 3; ++a) out.ipp[a] = Ds(ds, DCM_ImagePositionPatient, a);
  for (int a = 0; a < 6; ++a) out.iop[a] = Ds(ds, DCM_ImageOrientationPatient, a);
  out.row_spacing = Ds(ds, DCM_PixelSpacing, 0);
  out.column_spacing = Ds(ds, DCM_PixelSpacing, 1);
  out.slice_location = Ds(ds, DCM_SliceLocation);
  out.slice_thickness = Ds(ds, DCM_SliceThickness);
  out.slope = Ds(ds, DCM_RescaleSlope);
  out.intercept = Ds(ds, DCM_RescaleIntercept);
  EXPECT_TRUE(ds->findAndGetUint16(DCM_Rows, out.rows).good());
  EXPECT_TRUE(ds->findAndGetUint16(DCM_Columns, out.columns).good());
  EXPECT_TRUE(ds->findAndGetUint16(DCM_BitsStored, out.bits_stored).good());
  EXPECT_TRUE(ds->findAndGetUint16(DCM_HighBit, out.high_bit).good());
  EXPECT_TRUE(ds->findAndGetUint16(DCM_PixelRepresentation, out.pixel_representation).good());
  const Uint16* raw = nullptr;
  unsigned long count = 0;
  EXPECT_TRUE(ds->findAndGetUint16Array(DCM_PixelData, raw, &count).good());
  EXPECT_EQ(count, size_t{out.rows} * out.columns);
  const int bits = out.bits_stored;
  for (unsigned long n = 0; raw != nullptr && n < count; ++n) {
    int v = raw[n] & ((1 << bits) - 1);
    if (out.pixel_representation == 1 && (v & (1 << (bits - 1)))) v -= 1 << bits;
    out.hu.push_back(static_cast<int>(std::lround(v * out.slope + out.intercept)));
  }
  return out;
}

double Dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec3 Normal(const std::array<double, 6>& iop) {
  return {iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5],
          iop[0] * iop[4] - iop[1] * iop[3]};
}

SynthOptions Small(const TempDir& dir) {
  SynthOptions o;
  o.output_dir = dir.path();
  o.slices = 12;
  o.rows = 96;
  o.columns = 112;
  o.row_spacing_mm = 4;
  o.column_spacing_mm = 3.5;
  o.slice_spacing_mm = 9;
  o.slice_thickness_mm = 5;
  return o;
}

// Positions step by slice_spacing_mm along the IOP normal in spatial order; returns the files
// loaded in InstanceNumber order.
std::vector<Loaded> ExpectConsistentGeometry(const SynthOptions& o, const SynthSeries& s) {
  std::vector<Loaded> files;
  for (const SynthSlice& slice : s.slices) files.push_back(Load(slice.path));
  std::vector<const Loaded*> by_k(files.size());
  for (size_t n = 0; n < files.size(); ++n) {
    const Loaded& f = files[n];
    EXPECT_EQ(f.instance_number, static_cast<long>(n + 1));
    EXPECT_EQ(f.sop_instance_uid, s.slices[n].sop_instance_uid);
    EXPECT_EQ(f.series_uid, s.series_instance_uid);
    EXPECT_EQ(f.study_uid, s.study_instance_uid);
    EXPECT_EQ(f.frame_uid, s.frame_of_reference_uid);
    EXPECT_EQ(f.iop, files[0].iop);
    EXPECT_EQ(f.rows, o.rows);
    EXPECT_EQ(f.columns, o.columns);
    EXPECT_DOUBLE_EQ(f.row_spacing, o.row_spacing_mm);
    EXPECT_DOUBLE_EQ(f.column_spacing, o.column_spacing_mm);
    EXPECT_DOUBLE_EQ(f.slice_thickness, o.slice_thickness_mm);
    for (int a = 0; a < 3; ++a) EXPECT_DOUBLE_EQ(f.ipp[a], s.slices[n].image_position_mm[a]);
    by_k.at(s.slices[n].slice_index) = &f;
  }
  const std::array<double, 6>& iop = files[0].iop;
  const Vec3 row = {iop[0], iop[1], iop[2]}, col = {iop[3], iop[4], iop[5]};
  EXPECT_NEAR(Dot(row, row), 1, 1e-9);
  EXPECT_NEAR(Dot(col, col), 1, 1e-9);
  EXPECT_NEAR(Dot(row, col), 0, 1e-9);
  const Vec3 normal = Normal(iop);
  for (size_t k = 0; k < by_k.size(); ++k) {
    EXPECT_NEAR(by_k[k]->slice_location, Dot(by_k[k]->ipp, normal), 1e-6);
    if (k == 0) continue;
    for (int a = 0; a < 3; ++a) {
      EXPECT_NEAR(by_k[k]->ipp[a] - by_k[k - 1]->ipp[a], o.slice_spacing_mm * normal[a], 1e-6)
          << "slice " << k << " axis " << a;
    }
  }
  // The series geometry and the mask describe the same grid.
  const VolumeGeometry& g = s.geometry;
  EXPECT_EQ(g.size, (std::array<size_t, 3>{size_t(o.columns), size_t(o.rows), size_t(o.slices)}));
  for (int a = 0; a < 3; ++a) {
    EXPECT_DOUBLE_EQ(g.origin_mm[a], by_k[0]->ipp[a]);
    EXPECT_NEAR(g.direction[0][a], row[a], 1e-12);
    EXPECT_NEAR(g.direction[1][a], col[a], 1e-12);
    EXPECT_NEAR(g.direction[2][a], normal[a], 1e-12);
  }
  EXPECT_DOUBLE_EQ(g.spacing_mm[0], o.column_spacing_mm);
  EXPECT_DOUBLE_EQ(g.spacing_mm[1], o.row_spacing_mm);
  EXPECT_DOUBLE_EQ(g.spacing_mm[2], o.slice_spacing_mm);
  return files;
}

TEST(Synth, WritesParsableSeriesWithConsistentGeometry) {
  TempDir dir;
  SynthOptions o;
  o.output_dir = dir.path();
  Result<SynthSeries> s = WriteSyntheticSeries(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->slices.size(), 64u);
  EXPECT_EQ(s->slices[0].path, dir / "IM000001.dcm");
  EXPECT_EQ(s->slices[63].path, dir / "IM000064.dcm");
  EXPECT_EQ(s->study_instance_uid.rfind("2.25.", 0), 0u);
  std::vector<Loaded> files = ExpectConsistentGeometry(o, *s);
  const Loaded& f = files[0];
  EXPECT_EQ(f.transfer_syntax, "1.2.840.10008.1.2.1");
  EXPECT_EQ(f.media_sop_instance_uid, f.sop_instance_uid);
  EXPECT_EQ(f.sop_class, "1.2.840.10008.5.1.4.1.1.2");
  EXPECT_EQ(f.modality, "CT");
  EXPECT_EQ(f.patient_name, "SYNTH^PATIENT");
  EXPECT_EQ(f.image_type, "ORIGINAL\\PRIMARY\\AXIAL");
  EXPECT_EQ(f.rescale_type, "HU");
  EXPECT_EQ(f.iop, (std::array<double, 6>{1, 0, 0, 0, 1, 0}));
  // Ascending: positions increase with InstanceNumber; the grid is centred on the LPS origin.
  EXPECT_LT(files[0].slice_location, files[1].slice_location);
  EXPECT_DOUBLE_EQ(files[0].ipp[2], -31.5 * 2.5);
  EXPECT_DOUBLE_EQ(files[0].ipp[0], -127.5 * 1.5);
  std::set<std::string> uids;
  for (const Loaded& l : files) uids.insert(l.sop_instance_uid);
  uids.insert(s->series_instance_uid);
  uids.insert(s->study_instance_uid);
  uids.insert(s->frame_of_reference_uid);
  EXPECT_EQ(uids.size(), 67u);
  for (const std::string& uid : uids) EXPECT_LE(uid.size(), 64u);
}

TEST(Synth, EveryOrientationStepsAlongTheNormal) {
  for (Orientation orientation : {Orientation::kAxial, Orientation::kCoronal,
                                  Orientation::kSagittal, Orientation::kOblique}) {
    SCOPED_TRACE(static_cast<int>(orientation));
    TempDir dir;
    SynthOptions o = Small(dir);
    o.orientation = orientation;
    Result<SynthSeries> s = WriteSyntheticSeries(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    std::vector<Loaded> files = ExpectConsistentGeometry(o, *s);
    const Vec3 normal = Normal(files[0].iop);
    if (orientation == Orientation::kCoronal) {
      EXPECT_EQ(normal, (Vec3{0, 1, 0}));
    }
    if (orientation == Orientation::kSagittal) {
      EXPECT_EQ(normal, (Vec3{-1, 0, 0}));
    }
    if (orientation == Orientation::kOblique) {
      EXPECT_GT(std::abs(normal[1]), 0.1);  // tilted: not a principal axis
      EXPECT_GT(std::abs(files[0].iop[1]), 0.1);
    }
  }
}

TEST(Synth, ExplicitOrientationOverridesPreset) {
  TempDir dir;
  SynthOptions o = Small(dir);
  o.orientation = Orientation::kCoronal;
  o.image_orientation_patient = std::array<double, 6>{0, 0.6, 0.8, 0, 0.8, -0.6};
  Result<SynthSeries> s = WriteSyntheticSeries(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<Loaded> files = ExpectConsistentGeometry(o, *s);
  EXPECT_EQ(files[0].iop, *o.image_orientation_patient);
}

TEST(Synth, DescendingOrderPutsTheHighestPositionFirst) {
  TempDir dir;
  SynthOptions o = Small(dir);
  o.order = SliceOrder::kDescending;
  Result<SynthSeries> s = WriteSyntheticSeries(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<Loaded> files = ExpectConsistentGeometry(o, *s);
  for (size_t n = 1; n < files.size(); ++n) {
    EXPECT_NEAR(files[n - 1].slice_location - files[n].slice_location, o.slice_spacing_mm, 1e-6);
  }
  EXPECT_EQ(s->slices.front().slice_index, size_t(o.slices - 1));
  EXPECT_EQ(s->slices.back().slice_index, 0u);
}

TEST(Synth, ShuffledOrderPermutesFilesButNotTheVolume) {
  TempDir ascending_dir, shuffled_dir;
  SynthOptions a = Small(ascending_dir);
  SynthOptions o = Small(shuffled_dir);
  o.order = SliceOrder::kShuffled;
  Result<SynthSeries> sa = WriteSyntheticSeries(a);
  Result<SynthSeries> s = WriteSyntheticSeries(o);
  ASSERT_TRUE(sa.ok() && s.ok());
  std::vector<Loaded> files = ExpectConsistentGeometry(o, *s);
  std::vector<size_t> order;
  for (const SynthSlice& slice : s->slices) order.push_back(slice.slice_index);
  std::vector<size_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (size_t k = 0; k < sorted.size(); ++k) EXPECT_EQ(sorted[k], k);
  EXPECT_FALSE(std::is_sorted(order.begin(), order.end()));
  EXPECT_FALSE(std::is_sorted(order.rbegin(), order.rend()));
  // Same anatomy and noise at each position, whatever the file order.
  for (size_t n = 0; n < files.size(); ++n) {
    const Loaded same = Load(sa->slices[s->slices[n].slice_index].path);
    EXPECT_EQ(files[n].ipp, same.ipp);
    EXPECT_EQ(files[n].hu, same.hu) << "file " << n;
  }
}

TEST(Synth, SignedAndUnsignedStoreTheSameHu) {
  for (int bits : {12, 16}) {
    TempDir signed_dir, unsigned_dir;
    SynthOptions so = Small(signed_dir), uo = Small(unsigned_dir);
    so.bits_stored = uo.bits_stored = bits;
    so.pixel_representation = PixelRepresentation::kSigned;
    uo.pixel_representation = PixelRepresentation::kUnsigned;
    Result<SynthSeries> ss = WriteSyntheticSeries(so);
    Result<SynthSeries> us = WriteSyntheticSeries(uo);
    ASSERT_TRUE(ss.ok() && us.ok());
    EXPECT_NE(ss->series_instance_uid, us->series_instance_uid);  // variants do not collide
    const size_t mid = 6;
    Loaded s = Load(ss->slices[mid].path), u = Load(us->slices[mid].path);
    EXPECT_EQ(s.pixel_representation, 1);
    EXPECT_EQ(u.pixel_representation, 0);
    EXPECT_EQ(s.bits_stored, bits);
    EXPECT_EQ(s.high_bit, bits - 1);
    EXPECT_EQ(s.intercept, 0);
    EXPECT_EQ(u.intercept, -1024);
    EXPECT_EQ(s.slope, 1);
    EXPECT_EQ(s.hu, u.hu);
    // A corner is air; the body holds fat, soft tissue and bone.
    EXPECT_NEAR(s.hu[0], -1000, 40);
    const auto [lo, hi] = std::minmax_element(s.hu.begin(), s.hu.end());
    EXPECT_EQ(*lo, -1024);
    EXPECT_GT(*hi, 1000);
  }
}

// A non-1 RescaleSlope stores other values for the same HU; PatientPosition is written as
// given and leaves the geometry alone.
TEST(Synth, RescaleSlopeAndPatientPosition) {
  for (PixelRepresentation rep : {PixelRepresentation::kSigned, PixelRepresentation::kUnsigned}) {
    TempDir plain_dir, scaled_dir;
    SynthOptions po = Small(plain_dir), so = Small(scaled_dir);
    po.pixel_representation = so.pixel_representation = rep;
    so.rescale_slope = 0.5;
    so.patient_position = "FFS";
    Result<SynthSeries> ps = WriteSyntheticSeries(po);
    Result<SynthSeries> ss = WriteSyntheticSeries(so);
    ASSERT_TRUE(ps.ok() && ss.ok()) << ss.status().ToString();
    EXPECT_NE(ps->series_instance_uid, ss->series_instance_uid);
    EXPECT_EQ(ps->geometry.origin_mm, ss->geometry.origin_mm);
    const Loaded p = Load(ps->slices[6].path), s = Load(ss->slices[6].path);
    EXPECT_EQ(s.slope, 0.5);
    EXPECT_EQ(s.intercept, p.intercept);
    EXPECT_EQ(s.hu, p.hu);
    EXPECT_EQ(s.ipp, p.ipp);
    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile(ss->slices[6].path.c_str()).good());
    EXPECT_EQ(Str(file.getDataset(), DCM_PatientPosition), "FFS");
  }
  TempDir dir;
  SynthOptions bad = Small(dir);
  bad.rescale_slope = 0;
  EXPECT_EQ(ValidateSynthOptions(bad).code(), StatusCode::kInvalidArgument);
  bad = Small(dir);
  bad.patient_position = "HEADFIRST";
  EXPECT_EQ(ValidateSynthOptions(bad).code(), StatusCode::kInvalidArgument);
}

TEST(Synth, NoiseFreeSeriesHasTheTissueValues) {
  TempDir dir;
  SynthOptions o;
  o.output_dir = dir.path();
  o.slices = 3;
  o.noise_sigma_hu = 0;
  Result<SynthSeries> s = WriteSyntheticSeries(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  Loaded f = Load(s->slices[1].path);
  std::set<int> values(f.hu.begin(), f.hu.end());
  for (int v : {-1000, -100, 40, 50, 60, 250}) EXPECT_TRUE(values.count(v)) << v;
  EXPECT_TRUE(std::any_of(values.begin(), values.end(), [](int v) { return v > 1000; }));
  for (int v : values) {
    const bool ok = v == -1000 || v == -100 || v == 40 || v == 50 || v == 60 || v == 250 ||
                    (v >= 700 && v <= 1200);
    EXPECT_TRUE(ok) << v;
  }
}

// The mask's NRRD geometry equals the DICOM geometry, and (without noise) its labelled voxels
// are exactly the voxels that hold the blob's HU, in every orientation and file order.
TEST(Synth, MaskMatchesTheBlobInTheDicomGeometry) {
  for (Orientation orientation : {Orientation::kAxial, Orientation::kOblique}) {
    SCOPED_TRACE(static_cast<int>(orientation));
    TempDir dir;
    SynthOptions o;
    o.output_dir = dir.path();
    o.orientation = orientation;
    o.order = SliceOrder::kShuffled;
    o.noise_sigma_hu = 0;
    o.blob_hu = 55;
    Result<SynthSeries> s = WriteSyntheticSeries(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    Result<Mask> mask = ReadNrrdMask(s->mask_path);
    ASSERT_TRUE(mask.ok()) << mask.status().ToString();
    const VolumeGeometry& g = mask->geometry;
    EXPECT_EQ(g.size, s->geometry.size);
    for (int a = 0; a < 3; ++a) {
      EXPECT_DOUBLE_EQ(g.origin_mm[a], s->geometry.origin_mm[a]);
      EXPECT_NEAR(g.spacing_mm[a], s->geometry.spacing_mm[a], 1e-12);
      for (int c = 0; c < 3; ++c)
        EXPECT_NEAR(g.direction[a][c], s->geometry.direction[a][c], 1e-12);
    }
    ExpectConsistentGeometry(o, *s);
    EXPECT_EQ(mask->CountNonZero(), s->mask_voxel_count);
    // A lobulated 25 x 45 x 50 mm ellipsoid in 1.5 x 1.5 x 2.5 mm voxels: about 41,900 voxels.
    const double expected = 4.0 / 3.0 * std::numbers::pi * 25 * 45 * 50 / (1.5 * 1.5 * 2.5);
    EXPECT_GT(s->mask_voxel_count, 0.6 * expected);
    EXPECT_LT(s->mask_voxel_count, 1.4 * expected);
    const size_t plane = g.size[0] * g.size[1];
    size_t mismatches = 0;
    for (const SynthSlice& slice : s->slices) {
      const Loaded f = Load(slice.path);
      for (size_t n = 0; n < plane; ++n) {
        const bool labelled = mask->voxels[slice.slice_index * plane + n] == 1;
        mismatches += labelled != (f.hu[n] == 55);
      }
    }
    EXPECT_EQ(mismatches, 0u);
    // The blob centre lies in the mask.
    const Vec3 d = {o.blob_center_mm[0] - g.origin_mm[0], o.blob_center_mm[1] - g.origin_mm[1],
                    o.blob_center_mm[2] - g.origin_mm[2]};
    std::array<size_t, 3> idx;
    for (int a = 0; a < 3; ++a) idx[a] = std::lround(Dot(d, g.direction[a]) / g.spacing_mm[a]);
    EXPECT_EQ(mask->voxels[mask->Index(idx[0], idx[1], idx[2])], 1);
  }
}

TEST(Synth, MaskIsEmptyWithoutBlob) {
  TempDir dir;
  SynthOptions o = Small(dir);
  o.blob = false;
  Result<SynthSeries> s = WriteSyntheticSeries(o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->mask_voxel_count, 0u);
  Result<Mask> mask = ReadNrrdMask(s->mask_path);
  ASSERT_TRUE(mask.ok());
  EXPECT_EQ(mask->CountNonZero(), 0u);
}

TEST(Synth, SameSeedGivesIdenticalBytesAndOtherSeedsDiffer) {
  TempDir a, b, c;
  SynthOptions oa = Small(a), ob = Small(b), oc = Small(c);
  oa.order = ob.order = oc.order = SliceOrder::kShuffled;
  oa.seed = ob.seed = 42;
  oc.seed = 43;
  Result<SynthSeries> sa = WriteSyntheticSeries(oa);
  Result<SynthSeries> sb = WriteSyntheticSeries(ob);
  Result<SynthSeries> sc = WriteSyntheticSeries(oc);
  ASSERT_TRUE(sa.ok() && sb.ok() && sc.ok());
  for (size_t n = 0; n < sa->slices.size(); ++n) {
    Result<Bytes> fa = ReadFile(sa->slices[n].path), fb = ReadFile(sb->slices[n].path);
    ASSERT_TRUE(fa.ok() && fb.ok());
    EXPECT_EQ(*fa, *fb) << n;
  }
  EXPECT_EQ(*ReadFile(sa->mask_path), *ReadFile(sb->mask_path));
  EXPECT_EQ(sa->series_instance_uid, sb->series_instance_uid);
  EXPECT_NE(sa->series_instance_uid, sc->series_instance_uid);
  EXPECT_NE(Load(sa->slices[0].path).hu, Load(sc->slices[0].path).hu);
}

TEST(Synth, ImplicitLittleEndianHoldsTheSamePixels) {
  TempDir e, i;
  SynthOptions oe = Small(e), oi = Small(i);
  oi.transfer_syntax = TransferSyntax::kImplicitVrLittleEndian;
  oi.study_instance_uid = "1.2.3.4";
  Result<SynthSeries> se = WriteSyntheticSeries(oe);
  Result<SynthSeries> si = WriteSyntheticSeries(oi);
  ASSERT_TRUE(se.ok() && si.ok());
  ExpectConsistentGeometry(oi, *si);
  Loaded fe = Load(se->slices[3].path), fi = Load(si->slices[3].path);
  EXPECT_EQ(fi.transfer_syntax, "1.2.840.10008.1.2");
  EXPECT_EQ(fi.study_uid, "1.2.3.4");
  EXPECT_EQ(fe.hu, fi.hu);
}

TEST(Synth, RejectsInvalidOptions) {
  TempDir dir;
  auto status_of = [&](auto mutate) {
    SynthOptions o = Small(dir);
    mutate(o);
    return WriteSyntheticSeries(o).status().code();
  };
  using O = SynthOptions&;
  EXPECT_EQ(status_of([](O o) { o.slices = 0; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(status_of([](O o) { o.bits_stored = 10; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(status_of([](O o) { o.row_spacing_mm = -1; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(status_of([](O o) { o.slice_spacing_mm = NAN; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(status_of([](O o) {
              o.image_orientation_patient = {{1, 0, 0, 0.5, 0.5, 0}};
            }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(status_of([](O o) { o.patient_name = "A\\B"; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(status_of([](O o) { o.series_description = std::string(65, 'x'); }),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(status_of([](O o) { o.study_date = "2024-1-1"; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(status_of([](O o) { o.study_instance_uid = "1.02.3"; }), StatusCode::kInvalidArgument);
  EXPECT_EQ(status_of([](O o) { o.rows = o.columns = 4096, o.slices = 65535; }),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(dir.path()));  // nothing written
  // A non-empty folder needs overwrite.
  ASSERT_TRUE(WriteSyntheticSeries(Small(dir)).ok());
  EXPECT_EQ(status_of([](O) {}), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status_of([](O o) { o.overwrite = true; }), StatusCode::kOk);
  EXPECT_EQ(status_of([&](O o) { o.output_dir = dir / "IM000001.dcm" / "x"; }),
            StatusCode::kFailedPrecondition);
}

TEST(Synth, ParsesCommandLineValues) {
  EXPECT_EQ(*ParseOrientation("sagittal"), Orientation::kSagittal);
  EXPECT_EQ(*ParseSliceOrder("shuffled"), SliceOrder::kShuffled);
  EXPECT_EQ(*ParsePixelRepresentation("unsigned"), PixelRepresentation::kUnsigned);
  EXPECT_EQ(*ParseTransferSyntax("1.2.840.10008.1.2"), TransferSyntax::kImplicitVrLittleEndian);
  EXPECT_EQ(ParseOrientation("Axial").status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseTransferSyntax("1.2.840.10008.1.2.2").ok());
}

// Independent check: pydicom reads the series and the mask with numpy (skipped when Debian's
// python3 or pydicom is missing).
TEST(Synth, PydicomReadsSeriesAndMask) {
  const char* python = "/usr/bin/python3";
  if (!fs::exists(python) ||
      std::system("/usr/bin/python3 -c 'import pydicom, numpy' 2>/dev/null")) {
    GTEST_SKIP() << "no /usr/bin/python3 with pydicom and numpy";
  }
  TempDir dir;
  SynthOptions o = Small(dir);
  o.orientation = Orientation::kOblique;
  o.order = SliceOrder::kShuffled;
  o.pixel_representation = PixelRepresentation::kUnsigned;
  o.bits_stored = 12;
  o.noise_sigma_hu = 0;
  o.blob_hu = 55;
  o.row_spacing_mm = o.column_spacing_mm = 2;
  o.rows = o.columns = 192;
  o.slice_spacing_mm = 2.5;
  o.slices = 48;
  Result<SynthSeries> s = WriteSyntheticSeries(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const std::string command = std::string(python) +
                              " " OPENHI_SOURCE_DIR
                              "/src/openhi/synth/check_series.py --exact-blob-hu 55 " +
                              dir.path().string();
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

}  // namespace
}  // namespace openhi::synth
