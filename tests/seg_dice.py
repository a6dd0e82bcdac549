#!/usr/bin/python3
"""Dice of a DICOM SEG against a ground-truth label mask, read independently with pydicom and
numpy (Debian's /usr/bin/python3); none of openhi's code is involved.

usage: seg_dice.py SEG.dcm MASK.nrrd SOURCE_FILE...

MASK.nrrd is the synthetic series generator's ground truth (a raw or gzip, uint8, 3-D NRRD in
LPS: sizes = columns rows slices, space directions = IOP row * column spacing, IOP column * row
spacing, normal * slice spacing; space origin = ImagePositionPatient of slice 0). Each SEG frame
is placed on the source slice whose ImagePositionPatient equals the frame's PlanePosition
(within 0.01 mm); the frame's DerivationImageSequence must reference that instance. The
source slice's index in the mask is found from geometry alone: k = (IPP - origin) . normal /
slice spacing, which must be an integer and the in-plane position must equal the origin's.
The SEG's ImageOrientationPatient must equal the mask's in-plane directions (so a transposed
or mirrored frame cannot line up by accident).

Prints one JSON object {"dice": d, "predicted": n, "truth": n, "intersection": n, "frames": n}
and exits 0; exits 1 (message on stderr) when the SEG is inconsistent with the sources or mask.
"""
import gzip
import json
import sys

import numpy as np
import pydicom


def fail(message):
    print("seg_dice.py: " + message, file=sys.stderr)
    sys.exit(1)


def read_nrrd(path):
    data = open(path, "rb").read()
    end = data.find(b"\n\n")
    if not data.startswith(b"NRRD") or end < 0:
        fail("%s: not an attached-header NRRD" % path)
    fields = {}
    for line in data[:end].decode("ascii").splitlines()[1:]:
        if line.startswith("#") or ":=" in line or ":" not in line:
            continue
        key, value = line.split(":", 1)
        fields[key.strip()] = value.strip()
    if fields.get("type") not in ("uint8", "uchar", "unsigned char", "uint8_t"):
        fail("%s: type %s is not uint8" % (path, fields.get("type")))
    if fields.get("space") != "left-posterior-superior":
        fail("%s: space %s is not LPS" % (path, fields.get("space")))
    sizes = [int(v) for v in fields["sizes"].split()]

    def vec(text):
        return np.array([float(v) for v in text.strip("() ").split(",")])

    directions = [vec(v) for v in fields["space directions"].split(")")[:3]]
    origin = vec(fields["space origin"])
    body = data[end + 2:]
    if fields.get("encoding") == "gzip":
        body = gzip.decompress(body)
    elif fields.get("encoding") != "raw":
        fail("%s: encoding %s" % (path, fields.get("encoding")))
    voxels = np.frombuffer(body, np.uint8, count=sizes[0] * sizes[1] * sizes[2])
    # i (columns) fastest: array index [k, j, i]
    return voxels.reshape(sizes[2], sizes[1], sizes[0]), directions, origin


def main():
    if len(sys.argv) < 4:
        fail("usage: seg_dice.py SEG.dcm MASK.nrrd SOURCE_FILE...")
    seg = pydicom.dcmread(sys.argv[1])
    truth, directions, origin = read_nrrd(sys.argv[2])
    sources = [pydicom.dcmread(p, stop_before_pixels=True) for p in sys.argv[3:]]
    if seg.SOPClassUID != "1.2.840.10008.5.1.4.1.1.66.4":
        fail("not a Segmentation Storage object")

    slices, rows, cols = truth.shape
    spacing = [float(np.linalg.norm(d)) for d in directions]
    unit = [d / s for d, s in zip(directions, spacing)]
    if int(seg.Rows) != rows or int(seg.Columns) != cols:
        fail("SEG frames are %sx%s, the mask %dx%d" % (seg.Rows, seg.Columns, rows, cols))
    shared = seg.SharedFunctionalGroupsSequence[0]
    iop = [float(v) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient]
    if not (np.allclose(iop[:3], unit[0], atol=1e-4) and np.allclose(iop[3:], unit[1], atol=1e-4)):
        fail("SEG orientation %s differs from the mask's %s %s" % (iop, unit[0], unit[1]))

    predicted = np.zeros(truth.shape, np.uint8)
    frames = seg.pixel_array.reshape(int(seg.NumberOfFrames), rows, cols)
    for n, item in enumerate(seg.PerFrameFunctionalGroupsSequence):
        position = np.array([float(v) for v in item.PlanePositionSequence[0].ImagePositionPatient])
        matches = [s for s in sources
                   if np.allclose([float(v) for v in s.ImagePositionPatient], position, atol=0.01)]
        if len(matches) != 1:
            fail("frame %d at %s matches %d source slices" % (n + 1, list(position), len(matches)))
        reference = item.DerivationImageSequence[0].SourceImageSequence[0]
        if reference.ReferencedSOPInstanceUID != matches[0].SOPInstanceUID:
            fail("frame %d references %s but lies on %s" %
                 (n + 1, reference.ReferencedSOPInstanceUID, matches[0].SOPInstanceUID))
        offset = position - origin
        k = float(np.dot(offset, unit[2])) / spacing[2]
        in_plane = offset - np.dot(offset, unit[2]) * unit[2]
        if abs(k - round(k)) > 1e-3 or not 0 <= round(k) < slices or \
                np.linalg.norm(in_plane) > 0.01:
            fail("frame %d at %s is not a slice of the mask grid" % (n + 1, list(position)))
        predicted[int(round(k))] |= (frames[n] != 0).astype(np.uint8)

    p = predicted != 0
    t = truth != 0
    inter = int(np.count_nonzero(p & t))
    total = int(np.count_nonzero(p)) + int(np.count_nonzero(t))
    dice = 1.0 if total == 0 else 2.0 * inter / total
    print(json.dumps({"dice": dice, "predicted": int(np.count_nonzero(p)),
                      "truth": int(np.count_nonzero(t)), "intersection": inter,
                      "frames": int(seg.NumberOfFrames)}))


if __name__ == "__main__":
    main()
