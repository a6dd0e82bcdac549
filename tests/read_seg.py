#!/usr/bin/python3
"""Independent read-back of a DICOM SEG with pydicom (Debian's /usr/bin/python3).

usage: read_seg.py SEG.dcm SOURCE_FILE...

Rebuilds the label volume on the grid of the source instances from the SEG's own geometry:
each frame is placed on the source slice whose ImagePositionPatient equals the frame's
PlanePositionSequence position (within 0.01 mm); the frame's DerivationImageSequence must
reference that same source instance, and its in-plane geometry (shared PlaneOrientation,
PixelSpacing) must equal the source's. Voxels get the frame's ReferencedSegmentNumber.

Prints one JSON object:
  {"meta": {...selected SEG attributes...},
   "slices": {"<source SOPInstanceUID>": [nonzero_count, crc32], ...}}
where crc32 is zlib.crc32 of the slice's labels as uint8, rows x columns, column index fastest.
Exits 1 (message on stderr) when the SEG is inconsistent with the sources.
"""
import json
import sys
import zlib

import numpy as np
import pydicom


def fail(message):
    print("read_seg.py: " + message, file=sys.stderr)
    sys.exit(1)


def close(a, b, tol):
    return all(abs(float(x) - float(y)) <= tol for x, y in zip(a, b))


def main():
    if len(sys.argv) < 3:
        fail("usage: read_seg.py SEG.dcm SOURCE_FILE...")
    seg = pydicom.dcmread(sys.argv[1])
    sources = [pydicom.dcmread(p, stop_before_pixels=True) for p in sys.argv[2:]]
    by_uid = {s.SOPInstanceUID: s for s in sources}

    if seg.SOPClassUID != "1.2.840.10008.5.1.4.1.1.66.4":
        fail("not a Segmentation Storage object")
    rows, cols = int(seg.Rows), int(seg.Columns)
    frames = seg.pixel_array.reshape(int(seg.NumberOfFrames), rows, cols)

    shared = seg.SharedFunctionalGroupsSequence[0]
    orientation = shared.PlaneOrientationSequence[0].ImageOrientationPatient
    spacing = shared.PixelMeasuresSequence[0].PixelSpacing
    for s in sources:
        if int(s.Rows) != rows or int(s.Columns) != cols:
            fail("frame size differs from source %s" % s.SOPInstanceUID)
        if not close(orientation, s.ImageOrientationPatient, 1e-4):
            fail("orientation differs from source %s" % s.SOPInstanceUID)
        if not close(spacing, s.PixelSpacing, 1e-4):
            fail("pixel spacing differs from source %s" % s.SOPInstanceUID)

    labels = {s.SOPInstanceUID: np.zeros((rows, cols), np.uint8) for s in sources}
    for n, item in enumerate(seg.PerFrameFunctionalGroupsSequence):
        position = item.PlanePositionSequence[0].ImagePositionPatient
        matches = [s for s in sources if close(position, s.ImagePositionPatient, 0.01)]
        if len(matches) != 1:
            fail("frame %d at %s matches %d source slices" % (n + 1, list(position), len(matches)))
        target = matches[0].SOPInstanceUID
        derivation = item.DerivationImageSequence[0].SourceImageSequence[0]
        if derivation.ReferencedSOPInstanceUID != target:
            fail("frame %d references %s but lies on %s" %
                 (n + 1, derivation.ReferencedSOPInstanceUID, target))
        if derivation.ReferencedSOPClassUID != matches[0].SOPClassUID:
            fail("frame %d: wrong referenced SOP class" % (n + 1))
        segment = int(item.SegmentIdentificationSequence[0].ReferencedSegmentNumber)
        frame = frames[n] != 0
        overlap = frame & (labels[target] != 0)
        if overlap.any():
            fail("frame %d overlaps another segment" % (n + 1))
        labels[target][frame] = segment

    referenced = set()
    for series in seg.ReferencedSeriesSequence:
        for inst in series.ReferencedInstanceSequence:
            referenced.add(inst.ReferencedSOPInstanceUID)
            if inst.ReferencedSOPInstanceUID not in by_uid:
                fail("ReferencedSeriesSequence lists an unknown instance")

    segments = []
    for s in seg.SegmentSequence:
        algo = s.SegmentationAlgorithmIdentificationSequence[0]
        segments.append({
            "number": int(s.SegmentNumber),
            "label": str(s.SegmentLabel),
            "category": [s.SegmentedPropertyCategoryCodeSequence[0].CodeValue,
                         s.SegmentedPropertyCategoryCodeSequence[0].CodingSchemeDesignator,
                         s.SegmentedPropertyCategoryCodeSequence[0].CodeMeaning],
            "type": [s.SegmentedPropertyTypeCodeSequence[0].CodeValue,
                     s.SegmentedPropertyTypeCodeSequence[0].CodingSchemeDesignator,
                     s.SegmentedPropertyTypeCodeSequence[0].CodeMeaning],
            "algorithm_type": str(s.SegmentAlgorithmType),
            "algorithm_name": str(s.SegmentAlgorithmName),
            "family": [algo.AlgorithmFamilyCodeSequence[0].CodeValue,
                       algo.AlgorithmFamilyCodeSequence[0].CodingSchemeDesignator],
            "algorithm_identification": [str(algo.AlgorithmName), str(algo.AlgorithmVersion)],
        })
    meta = {
        "SeriesDescription": str(seg.SeriesDescription),
        "SegmentationType": str(seg.SegmentationType),
        "BitsAllocated": int(seg.BitsAllocated),
        "Modality": str(seg.Modality),
        "NumberOfFrames": int(seg.NumberOfFrames),
        "SeriesInstanceUID": str(seg.SeriesInstanceUID),
        "SOPInstanceUID": str(seg.SOPInstanceUID),
        "StudyInstanceUID": str(seg.StudyInstanceUID),
        "FrameOfReferenceUID": str(seg.FrameOfReferenceUID),
        "PatientID": str(seg.get("PatientID", "")),
        "PatientName": str(seg.get("PatientName", "")),
        "ReferencedSeriesInstanceUID": str(seg.ReferencedSeriesSequence[0].SeriesInstanceUID),
        "ReferencedInstances": len(referenced),
        "Segments": segments,
    }
    slices = {uid: [int(np.count_nonzero(a)), zlib.crc32(a.tobytes())]
              for uid, a in labels.items()}
    print(json.dumps({"meta": meta, "slices": slices}))


if __name__ == "__main__":
    main()
