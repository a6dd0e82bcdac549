#!/usr/bin/python3
"""Independent check of DICOMize fidelity: compares rebuilt P10 files with their originals.

Run with Debian's /usr/bin/python3 (pydicom 2.3, numpy, Pillow with OpenJPEG 2.5) plus DCMTK's
command-line tools (dcmdjpeg, dcmdjpls) for compressed originals pydicom cannot decode:

    /usr/bin/python3 tests/compare_dicom.py PAIRS_FILE

PAIRS_FILE has one "original<TAB>rebuilt" pair per line. The rule (docs/formats/dicomize.md):
the rebuilt file carries every attribute of the original with the same value and no other, and
the pixel data is bit-identical; the only differences allowed are those of ALLOWED below, each
a consequence of transcoding or of writing a new file. Values are compared as bytes (little
endian; string values without their single trailing padding byte), never through pydicom's
value conversions. Exit status 0 when no pair differs outside ALLOWED, 1 otherwise; every
difference is printed, then a summary line.
"""
import os
import subprocess
import sys
import tempfile
from collections import Counter

import numpy as np
import pydicom
from pydicom import datadict
from pydicom.dataelem import RawDataElement
from pydicom.encaps import generate_pixel_data_frame
from pydicom.sequence import Sequence

# The explicit allow-list: every difference a rebuilt file may show. Nothing else may differ.
ALLOWED = {
    "meta-group-length": "(0002,0000) FileMetaInformationGroupLength is recomputed",
    "meta-transfer-syntax": "(0002,0010) TransferSyntaxUID is the written one: Explicit VR "
                            "Little Endian for transcoded pixels (kept lossy frames keep theirs)",
    "meta-implementation": "(0002,0012) ImplementationClassUID and (0002,0013) "
                           "ImplementationVersionName are openhi's",
    "dataset-group-length": "dataset group length elements (gggg,0000) are not written",
    "trailing-padding": "(FFFC,FFFC) DataSetTrailingPadding is not written",
    "un-to-dictionary-vr": "an element encoded as UN whose tag the dictionary knows is written "
                           "with the dictionary VR (same value bytes)",
    "pixel-vr": "Pixel Data's VR follows how it is written (OW for BitsAllocated > 8, else OB; "
                "OB for encapsulated)",
    "pixel-transcoded": "compressed lossless originals: Pixel Data is native; the decoded samples "
                        "are compared",
    "pixel-unused-bits": "native originals: bits of a sample outside [HighBit-BitsStored+1, "
                         "HighBit] (undefined, PS3.5 8.1.1) are not stored; they come back as 0 "
                         "(unsigned) or the sign extension (signed)",
    "pixel-fragments": "kept lossy frames: one fragment per frame and a filled Basic Offset "
                       "Table; the frames' bytes are compared",
}

NATIVE_SYNTAXES = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2",
                   "1.2.840.10008.1.2.1.99"}
EXPLICIT_LE = "1.2.840.10008.1.2.1"
STRING_VRS = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM",
              "UC", "UI", "UR", "UT"}
SWAP_SIZE = {"US": 2, "SS": 2, "OW": 2, "AT": 2, "UL": 4, "SL": 4, "FL": 4, "OF": 4, "OL": 4,
             "FD": 8, "OD": 8, "SV": 8, "UV": 8, "OV": 8}
PIXEL_TAGS = {0x7FE00010, 0x7FE00008, 0x7FE00009}


class Pair:
    def __init__(self, original, rebuilt):
        self.original, self.rebuilt = original, rebuilt
        self.diffs = []
        self.allowed = Counter()
        self.attributes = 0
        self.frames = 0

    def diff(self, where, what):
        self.diffs.append(f"{where}: {what}")

    def allow(self, key):
        assert key in ALLOWED, key
        self.allowed[key] += 1


def tag_name(tag):
    kw = datadict.keyword_for_tag(tag) if not (tag >> 16) & 1 else ""
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X}){' ' + kw if kw else ''}"


def dictionary_vr(tag):
    try:
        return datadict.dictionary_VR(tag)
    except KeyError:
        return None


def raw_of(ds, tag):
    """(vr, bytes-or-Sequence, little_endian) of an element, without value conversion."""
    elem = ds.get_item(tag)
    if isinstance(elem, RawDataElement):
        vr = elem.VR
        little = elem.is_little_endian
        dict_vr = dictionary_vr(tag)
        if vr == "SQ" or ((vr == "UN" or vr is None) and dict_vr and "SQ" in dict_vr):
            # pydicom parses the SQ/UN/implicit bytes as items; an empty value is no items.
            value = ds[tag].value if elem.value else None
            return vr, value if isinstance(value, Sequence) else Sequence([]), little
        return vr, elem.value if elem.value is not None else b"", little
    value = elem.value
    if isinstance(value, Sequence):
        return elem.VR, value, True
    return elem.VR, value if isinstance(value, bytes) else b"", True


def normalised(value, vr, little):
    if value is None:
        value = b""
    if vr in STRING_VRS:
        if len(value) % 2 == 0 and value[-1:] in (b" ", b"\0"):
            value = value[:-1]
        return value
    if not little and vr in SWAP_SIZE:
        n = SWAP_SIZE[vr]
        value = b"".join(value[i:i + n][::-1] for i in range(0, len(value), n))
    if len(value) % 2 == 1:
        value += b"\0"
    return value


def effective_vr(raw_vr, other_vr, tag):
    """The VR to interpret a value with: the encoded one, else the other file's, else PS3.6."""
    if raw_vr not in (None, "UN"):
        return raw_vr
    if other_vr not in (None, "UN"):
        return other_vr
    dict_vr = dictionary_vr(tag)
    return dict_vr.split(" or ")[0] if dict_vr else "UN"


def compare_items(pair, a, b, where, explicit_original, top_level):
    tags_a = {t for t in a.keys()}
    tags_b = {t for t in b.keys()}
    for tag in sorted(tags_a | tags_b):
        t = int(tag)
        name = f"{where}{tag_name(t)}"
        if t & 0xFFFF == 0 and t >> 16 != 0x0002:
            if t in tags_b:
                pair.diff(name, "group length written")
            else:
                pair.allow("dataset-group-length")
            continue
        if t == 0xFFFCFFFC:
            if t in tags_b:
                pair.diff(name, "trailing padding written")
            else:
                pair.allow("trailing-padding")
            continue
        if t not in tags_b:
            pair.diff(name, "missing from the rebuilt file")
            continue
        if t not in tags_a:
            pair.diff(name, "not in the original")
            continue
        if top_level and t in PIXEL_TAGS:
            continue  # compared by compare_pixels
        pair.attributes += 1
        vr_a, va, little_a = raw_of(a, t)
        vr_b, vb, _ = raw_of(b, t)
        if explicit_original and vr_a is not None and vr_b is not None and vr_a != vr_b:
            if vr_a == "UN" and dictionary_vr(t) and vr_b in dictionary_vr(t):
                pair.allow("un-to-dictionary-vr")
            elif t in PIXEL_TAGS:
                pair.allow("pixel-vr")
            else:
                pair.diff(name, f"VR {vr_a} became {vr_b}")
        if isinstance(va, Sequence) or isinstance(vb, Sequence):
            if not (isinstance(va, Sequence) and isinstance(vb, Sequence)):
                pair.diff(name, "sequence on one side only")
                continue
            if len(va) != len(vb):
                pair.diff(name, f"{len(va)} items became {len(vb)}")
                continue
            for i, (ia, ib) in enumerate(zip(va, vb)):
                compare_items(pair, ia, ib, f"{name}[{i}].", explicit_original, False)
            continue
        vr = effective_vr(vr_a, vr_b, t)
        na = normalised(va, vr, little_a)
        nb = normalised(vb, vr, True)
        if na != nb:
            pair.diff(name, f"value {na[:64]!r} became {nb[:64]!r}")


# --- Pixel data ---------------------------------------------------------------------------

def pixel_module(ds):
    g = lambda k, d=None: ds.get(k, d) if ds.get(k, d) is not None else d
    rows, cols = int(g("Rows", 0)), int(g("Columns", 0))
    spp = int(g("SamplesPerPixel", 1))
    ba = int(g("BitsAllocated", 0))
    bs = int(g("BitsStored", ba))
    hb = int(g("HighBit", bs - 1))
    signed = int(g("PixelRepresentation", 0)) == 1
    frames = int(str(g("NumberOfFrames", 1)).strip() or 1)
    return rows, cols, spp, ba, bs, hb, signed, frames


def stored_values(arr, ba, bs, hb, signed):
    """Samples reduced to their stored bits (PS3.5 8.1.1), sign-extended when signed."""
    shift = hb + 1 - bs
    v = (arr.astype(np.int64) >> shift) & ((1 << bs) - 1)
    if signed:
        v = np.where(v >= (1 << (bs - 1)), v - (1 << bs), v)
    return v


def native_bytes(ds, tag=0x7FE00010):
    vr, value, little = raw_of(ds, tag)
    if not little and vr == "OW":
        value = normalised(value, "OW", False)
    return value


def decoded_original(path, ds, ts, pair):
    """The original's decoded samples as an array (frames, rows, cols, spp), or None."""
    rows, cols, spp, ba, bs, hb, signed, frames = pixel_module(ds)
    if ts in ("1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"):
        from PIL import Image  # OpenJPEG 2.5 decodes HTJ2K codestreams
        import io
        out = []
        for frame in generate_pixel_data_frame(ds.PixelData, frames):
            img = Image.open(io.BytesIO(frame))
            img.load()
            arr = np.array(img).astype(np.int64)
            # Pillow widens samples to 16 bits and offsets signed ones (Jpeg2KDecode.c).
            prec = bs
            if img.mode in ("I;16", "I;16L", "I;16B", "I"):
                arr = arr >> (16 - prec) if arr.max() >= (1 << prec) else arr
                if signed:
                    arr = arr - (1 << (prec - 1))
            out.append(arr.reshape(rows, cols, spp))
        return np.stack(out)
    if ts in ("1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91"):
        arr = ds.pixel_array  # pydicom's own RLE decoder / Pillow + OpenJPEG
        return arr.reshape(frames, rows, cols, spp).astype(np.int64)
    tool = "dcmdjpls" if ts in ("1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81") else "dcmdjpeg"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "native.dcm")
        r = subprocess.run([tool, path, out], capture_output=True, text=True)
        if r.returncode != 0:
            pair.diff("PixelData", f"{tool} cannot decode the original: {r.stderr.strip()}")
            return None
        native = pydicom.dcmread(out)
        native.PixelRepresentation = ds.get("PixelRepresentation", 0)
        arr = native.pixel_array
        return arr.reshape(frames, rows, cols, spp).astype(np.int64)


def compare_pixels(pair, a, b, ts_a, ts_b):
    for tag in PIXEL_TAGS:
        if tag not in a or tag not in b:
            continue  # presence was checked with the attributes
        name = tag_name(tag)
        if tag != 0x7FE00010:
            pair.attributes += 1
            if native_bytes(a, tag) != native_bytes(b, tag):
                pair.diff(name, "float pixel data differs")
            continue
        rows, cols, spp, ba, bs, hb, signed, frames = pixel_module(a)
        pair.frames += frames
        vr_a = a.get_item(tag).VR if isinstance(a.get_item(tag), RawDataElement) else a[tag].VR
        vr_b = b[tag].VR
        if vr_a not in (None, vr_b):
            pair.allow("pixel-vr")
        if ts_b != EXPLICIT_LE:
            # Kept lossy frames: the encoded bytes of every frame.
            fa = list(generate_pixel_data_frame(a.PixelData, frames))
            fb = list(generate_pixel_data_frame(b.PixelData, frames))
            if fa != fb:
                pair.diff(name, f"encoded frames differ ({len(fa)} vs {len(fb)} frames)")
            else:
                pair.allow("pixel-fragments")
            continue
        expected = (rows * cols * spp * frames + 7) // 8 if ba == 1 else \
            rows * cols * spp * frames * (ba // 8)
        vb = native_bytes(b)[:expected]
        if len(vb) != expected:
            pair.diff(name, f"rebuilt Pixel Data has {len(vb)} bytes, {expected} expected")
            continue
        if ts_a in NATIVE_SYNTAXES:
            va = native_bytes(a)[:expected]
            if va == vb:
                continue
            if ba in (8, 16) and len(va) == expected:
                dt = np.uint16 if ba == 16 else np.uint8
                sa = stored_values(np.frombuffer(va, dtype="<" + np.dtype(dt).str[1:]), ba, bs, hb, signed)
                sb = stored_values(np.frombuffer(vb, dtype="<" + np.dtype(dt).str[1:]), ba, bs, hb, signed)
                if np.array_equal(sa, sb):
                    # Equal on the stored bits: the rebuilt bits outside them must be 0/sign.
                    shift = hb + 1 - bs
                    raw_b = np.frombuffer(vb, dtype="<" + np.dtype(dt).str[1:]).astype(np.int64)
                    want = (sb << shift) & ((1 << ba) - 1)
                    if np.array_equal(raw_b, want):
                        pair.allow("pixel-unused-bits")
                        continue
            n = next((i for i in range(min(len(va), len(vb))) if va[i] != vb[i]), None)
            pair.diff(name, f"native Pixel Data differs (first at byte {n})")
            continue
        pair.allow("pixel-transcoded")
        orig = decoded_original(pair.original, a, ts_a, pair)
        if orig is None:
            continue
        dt = "<u2" if ba == 16 else "u1"
        rb = np.frombuffer(vb, dtype=dt).astype(np.int64)
        if b.get("PlanarConfiguration", 0) == 1 and spp > 1:
            rb = rb.reshape(frames, spp, rows, cols).transpose(0, 2, 3, 1)
        rb = rb.reshape(frames, rows, cols, spp)
        # Decoders return signed or unsigned numbers: bring both to their stored bits.
        sa = stored_values(orig & ((1 << ba) - 1), ba, bs, hb, signed)
        sb = stored_values(rb, ba, bs, hb, signed)
        if sa.shape != sb.shape or not np.array_equal(sa, sb):
            pair.diff(name, "decoded samples differ")


def compare_pair(pair):
    a = pydicom.dcmread(pair.original, force=True)
    b = pydicom.dcmread(pair.rebuilt)
    ts_a = str(a.file_meta.get("TransferSyntaxUID", ""))
    ts_b = str(b.file_meta.get("TransferSyntaxUID", ""))
    # File meta.
    meta_a, meta_b = a.file_meta, b.file_meta
    for tag in sorted(set(meta_a.keys()) | set(meta_b.keys())):
        t = int(tag)
        name = f"meta {tag_name(t)}"
        if t == 0x00020000:
            pair.allow("meta-group-length")
            continue
        if t in (0x00020012, 0x00020013):
            pair.allow("meta-implementation")
            continue
        if t == 0x00020010:
            if ts_b != ts_a:
                if ts_b == EXPLICIT_LE and ts_a not in ("",):
                    pair.allow("meta-transfer-syntax")
                else:
                    pair.diff(name, f"{ts_a} became {ts_b}")
            continue
        if t not in meta_a or t not in meta_b:
            pair.diff(name, "missing from the rebuilt file" if t in meta_a else "not in the original")
            continue
        pair.attributes += 1
        vr_a, va, la = raw_of(meta_a, t)
        vr_b, vb, _ = raw_of(meta_b, t)
        vr = effective_vr(vr_a, vr_b, t)
        if normalised(va, vr, la) != normalised(vb, vr, True):
            pair.diff(name, f"value {va!r} became {vb!r}")
    explicit = ts_a not in ("1.2.840.10008.1.2",)
    compare_items(pair, a, b, "", explicit, True)
    compare_pixels(pair, a, b, ts_a, ts_b)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    pairs = []
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                original, rebuilt = line.split("\t")
                pairs.append(Pair(original, rebuilt))
    allowed = Counter()
    attributes = frames = differing = 0
    for pair in pairs:
        try:
            compare_pair(pair)
        except Exception as e:  # a file the comparison cannot read is a difference too
            pair.diff("file", f"cannot compare: {type(e).__name__}: {e}")
        attributes += pair.attributes
        frames += pair.frames
        allowed.update(pair.allowed)
        if pair.diffs:
            differing += 1
            print(f"DIFFERS {pair.original} -> {pair.rebuilt}")
            for d in pair.diffs:
                print(f"    {d}")
    print("allowed differences used:")
    for key, text in ALLOWED.items():
        print(f"    {key:22s} x{allowed[key]:<5d} {text}")
    print(f"SUMMARY files={len(pairs)} attributes={attributes} frames={frames} "
          f"differing_files={differing}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
