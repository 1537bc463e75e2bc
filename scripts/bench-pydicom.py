#!/usr/bin/python3
"""Baseline for `npm run bench`: the Agatston score of a CT series in plain pydicom + numpy/scipy.

Usage: /usr/bin/python3 scripts/bench-pydicom.py FOLDER

The same scoring as `cacs score` (docs: README "Command line"; the method of docs/scoring.md §1.1 as the
core implements it in core/scoring/detect.ts):
  - every readable DICOM file in FOLDER with pixel data, ordered along the slice normal;
  - HU = stored value x RescaleSlope + RescaleIntercept;
  - per slice, 2D 8-connected components of HU >= 130;
  - a component counts when its area reaches 1 mm^2 (pixel count >= ceil(1 mm^2 / pixel area));
  - its score is area (mm^2) x density weight from its peak HU (1: 130-199, 2: 200-299,
    3: 300-399, 4: >= 400) x slice increment / 3 mm (increment: median distance between slices).
Prints one JSON line: the total Agatston of all components, their count, slices, and times.

Compressed pixel data (JPEG-LS, ...) is decoded by pydicom's GDCM handler (Debian: python3-gdcm).
"""
import json
import math
import os
import sys
import time

t0 = time.perf_counter()
import numpy as np  # noqa: E402
import pydicom  # noqa: E402
from scipy import ndimage  # noqa: E402

t_import = time.perf_counter()

THRESHOLD_HU = 130
MIN_AREA_MM2 = 1.0
NORMALISE_TO_MM = 3.0
EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


def weight(peak):
    if peak >= 400:
        return 4
    if peak >= 300:
        return 3
    if peak >= 200:
        return 2
    return 1 if peak >= 130 else 0


def main(folder):
    slices = []
    for root, _dirs, names in os.walk(folder):
        for name in sorted(names):
            try:
                ds = pydicom.dcmread(os.path.join(root, name))
            except Exception:
                continue  # not DICOM
            if "PixelData" not in ds or "ImagePositionPatient" not in ds:
                continue
            slices.append(ds)
    if not slices:
        raise SystemExit(f"no DICOM images in {folder}")
    t_read = time.perf_counter()

    iop = np.array(slices[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    slices.sort(key=lambda ds: float(np.dot(normal, np.array(ds.ImagePositionPatient, dtype=float))))
    positions = [float(np.dot(normal, np.array(ds.ImagePositionPatient, dtype=float))) for ds in slices]
    increment = float(np.median(np.diff(positions))) if len(positions) > 1 else float(slices[0].SliceThickness)
    row_mm, col_mm = (float(v) for v in slices[0].PixelSpacing)
    pixel_area = row_mm * col_mm
    min_pixels = max(1, math.ceil(MIN_AREA_MM2 / pixel_area - 1e-9))
    norm = increment / NORMALISE_TO_MM

    total = 0.0
    components = 0
    for ds in slices:
        hu = ds.pixel_array.astype(np.float32) * float(getattr(ds, "RescaleSlope", 1)) + float(getattr(ds, "RescaleIntercept", 0))
        labels, count = ndimage.label(hu >= THRESHOLD_HU, structure=EIGHT_CONNECTED)
        if count == 0:
            continue
        index = np.arange(1, count + 1)
        sizes = np.bincount(labels.ravel(), minlength=count + 1)[1:]
        peaks = ndimage.maximum(hu, labels, index)
        for size, peak in zip(sizes, peaks):
            if size >= min_pixels:
                total += size * pixel_area * weight(peak) * norm
                components += 1
    t_end = time.perf_counter()
    print(json.dumps({
        "totalAgatston": total,
        "components": components,
        "slices": len(slices),
        "incrementMm": increment,
        "transferSyntax": str(slices[0].file_meta.TransferSyntaxUID),
        "ms": {"import": round((t_import - t0) * 1000), "read": round((t_read - t_import) * 1000), "decode+score": round((t_end - t_read) * 1000)},
    }))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
