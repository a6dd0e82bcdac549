#!/usr/bin/python3
"""Independent check of a synthetic series with pydicom + numpy (no DCMTK, no openhi code).

Usage: check_series.py [--exact-blob-hu HU] FOLDER
Reads FOLDER/IM*.dcm and FOLDER/mask.nrrd and checks: one CT series; positions step evenly along
the IOP normal; the mask's NRRD geometry (LPS) equals the DICOM geometry; the mask is non-empty
and inside the body; with --exact-blob-hu (a noise-free series), the labelled voxels are exactly
the voxels holding that HU. Prints a summary; exits 1 on the first failed check.
"""
import argparse
import pathlib
import sys

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def read_nrrd(path):
    data = path.read_bytes()
    end = data.index(b"\n\n")
    fields = {}
    for line in data[:end].decode("ascii").splitlines()[1:]:
        if line.startswith("#") or ":=" in line:
            continue
        key, value = line.split(": ", 1)
        fields[key] = value
    if fields["type"] != "uint8" or fields["encoding"] != "raw":
        fail("unexpected NRRD type/encoding")
    if fields["space"] != "left-posterior-superior":
        fail("NRRD space is not LPS")
    sizes = [int(v) for v in fields["sizes"].split()]
    vectors = lambda text: [[float(x) for x in v.strip("()").split(",")] for v in text.split()]
    directions = np.array(vectors(fields["space directions"]))
    origin = np.array(vectors(fields["space origin"])[0])
    voxels = np.frombuffer(data[end + 2:], dtype=np.uint8)
    if voxels.size != np.prod(sizes):
        fail("NRRD data size")
    return voxels.reshape(sizes[::-1]), directions, origin  # (k, j, i)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exact-blob-hu", type=float)
    parser.add_argument("folder", type=pathlib.Path)
    args = parser.parse_args()

    files = sorted(args.folder.glob("IM*.dcm"))
    datasets = [pydicom.dcmread(f) for f in files]
    if not datasets:
        fail("no IM*.dcm files")
    if {ds.SOPClassUID for ds in datasets} != {"1.2.840.10008.5.1.4.1.1.2"}:
        fail("not all CT Image Storage")
    if len({ds.SeriesInstanceUID for ds in datasets}) != 1:
        fail("more than one series")
    if len({ds.SOPInstanceUID for ds in datasets}) != len(datasets):
        fail("duplicate SOP instance UIDs")
    iop = np.array(datasets[0].ImageOrientationPatient, dtype=float)
    row, col = iop[:3], iop[3:]
    normal = np.cross(row, col)
    datasets.sort(key=lambda ds: float(np.dot(np.array(ds.ImagePositionPatient, float), normal)))
    positions = np.array([ds.ImagePositionPatient for ds in datasets], dtype=float)
    steps = np.diff(positions, axis=0)
    spacing = float(np.linalg.norm(steps[0])) if len(steps) else 0.0
    if len(steps) and not np.allclose(steps, spacing * normal, atol=1e-4):
        fail("positions do not step evenly along the normal")
    volume = np.stack([apply_modality_lut(ds.pixel_array, ds) for ds in datasets])  # (k, j, i)

    mask, directions, origin = read_nrrd(args.folder / "mask.nrrd")
    row_spacing, col_spacing = (float(v) for v in datasets[0].PixelSpacing)
    expected = np.array([row * col_spacing, col * row_spacing, normal * spacing])
    if not np.allclose(directions, expected, atol=1e-6):
        fail(f"NRRD space directions {directions.tolist()} != DICOM {expected.tolist()}")
    if not np.allclose(origin, positions[0], atol=1e-6):
        fail(f"NRRD space origin {origin} != first ImagePositionPatient {positions[0]}")
    if mask.shape != volume.shape:
        fail(f"mask shape {mask.shape} != volume shape {volume.shape}")
    labelled = mask == 1
    count = int(labelled.sum())
    if count == 0:
        fail("empty mask")
    if volume[labelled].min() < -500:
        fail("mask reaches outside the body")
    if args.exact_blob_hu is not None:
        mismatches = int(np.sum(labelled != (volume == args.exact_blob_hu)))
        if mismatches:
            fail(f"{mismatches} voxels where mask and blob HU disagree")
    print(f"OK: {len(datasets)} files, {volume.shape[2]}x{volume.shape[1]}, "
          f"TS {datasets[0].file_meta.TransferSyntaxUID}, "
          f"HU {volume.min():.0f}..{volume.max():.0f}, "
          f"mask {count} voxels, blob mean {volume[labelled].mean():.1f} HU, "
          f"slice step {spacing:g} mm")


if __name__ == "__main__":
    main()
