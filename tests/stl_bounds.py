#!/usr/bin/python3
"""Checks a binary STL against the physical extent of the CT series it was segmented from,
independently of openhi (pydicom + numpy, Debian's /usr/bin/python3).

usage: stl_bounds.py MESH.stl SOURCE_FILE...

The series' extent in LPS mm is the union of its voxels as boxes: every slice's in-plane grid
(ImagePositionPatient + i * PixelSpacing[1] * row direction + j * PixelSpacing[0] * column
direction) widened by half a pixel in-plane and by half the slice spacing (the median gap
between neighbouring slice positions along the normal) out of plane. A surface at iso-level 0.5
of a label that touches the border lies on those half-voxel faces, no further.

Prints {"triangles": n, "vertices_outside": n, "mesh_min": [..], "mesh_max": [..],
"bounds_min": [..], "bounds_max": [..]} and exits 0; exits 1 when the STL is malformed.
"""
import json
import struct
import sys

import numpy as np
import pydicom


def fail(message):
    print("stl_bounds.py: " + message, file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) < 3:
        fail("usage: stl_bounds.py MESH.stl SOURCE_FILE...")
    data = open(sys.argv[1], "rb").read()
    if len(data) < 84:
        fail("shorter than a binary STL header")
    (count,) = struct.unpack_from("<I", data, 80)
    if len(data) != 84 + 50 * count:
        fail("size %d does not match %d triangles" % (len(data), count))
    records = np.frombuffer(data, np.dtype([("normal", "<f4", 3), ("v", "<f4", (3, 3)),
                                            ("attr", "<u2")]), count=count, offset=84)
    vertices = records["v"].reshape(-1, 3).astype(np.float64)

    sources = [pydicom.dcmread(p, stop_before_pixels=True) for p in sys.argv[2:]]
    iop = np.array([float(v) for v in sources[0].ImageOrientationPatient])
    row, col = iop[:3], iop[3:]
    normal = np.cross(row, col)
    dy, dx = (float(v) for v in sources[0].PixelSpacing)  # between rows, between columns
    rows, cols = int(sources[0].Rows), int(sources[0].Columns)
    positions = np.array([[float(v) for v in s.ImagePositionPatient] for s in sources])
    along = np.sort(positions @ normal)
    gap = float(np.median(np.diff(along))) if len(along) > 1 else 1.0
    corners = []
    for p in positions:
        for i in (-0.5, cols - 0.5):
            for j in (-0.5, rows - 0.5):
                for k in (-0.5, 0.5):
                    corners.append(p + i * dx * row + j * dy * col + k * gap * normal)
    corners = np.array(corners)
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    tolerance = 1e-3
    outside = np.any((vertices < lo - tolerance) | (vertices > hi + tolerance), axis=1)
    result = {"triangles": int(count), "vertices_outside": int(np.count_nonzero(outside)),
              "mesh_min": vertices.min(axis=0).tolist() if count else [],
              "mesh_max": vertices.max(axis=0).tolist() if count else [],
              "bounds_min": lo.tolist(), "bounds_max": hi.tolist()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
