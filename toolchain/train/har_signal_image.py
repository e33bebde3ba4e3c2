#!/usr/bin/python3
"""UCI-HAR "signal images": one raw window [9, 128] → one 32×32×3 image [3, 32, 32] (NCHW), as in the
Mobiprox paper's MobileNetV2 HAR network (Section 6, Figure 4b). The layout is ours, written down
exactly here and in toolchain/train/README.md; the paper's figure shows the idea, not an index table.

Image channel k is one sensor: 0 body_acc, 1 body_gyro, 2 total_acc (UCI-HAR channels 3k, 3k+1, 3k+2).
Inside a channel, row r holds 32 consecutive samples of one axis, a = r mod 3 (x, y, z, x, y, z, ...),
starting at sample start(r):

    pixel[k, r, c] = window[3k + a, start(r) + c],   a = r mod 3,   j = r div 3,
    start(r) = round_half_up(j * 96 / (n_a - 1)),    n_a = rows of axis a = 11 (x, y) or 10 (z)

so each axis's rows step evenly from sample 0 to sample 96 and together cover all 128 samples
(x, y starts: 0 10 19 29 38 48 58 67 77 86 96; z starts: 0 11 21 32 43 53 64 75 85 96). Horizontal
neighbours are consecutive samples (20 ms apart); vertical neighbours are the sensor's other axes over
nearly the same 640 ms (starts at most 11 samples apart), and rows three apart are the same axis ~10
samples later (a delay embedding). A 3×3 convolution thus sees three axes × three consecutive samples,
and deeper layers see longer stretches of time, which is what the image layout is for. 128 × 3 = 384
values fill 1024 pixels, so every sample appears in 2 to 4 rows (overlapping windows, never padding).

Values are the raw UCI-HAR units; the network standardizes them inside its graph.

Usage as a tool (writes the signal-image sets the MobileNetV2-HAR network is tuned, calibrated and traced on):
    /usr/bin/python3 toolchain/train/har_signal_image.py --data ../shared/datasets/uci-har --out build/har-images
"""
import argparse
import os

import numpy as np

SIZE = 32
WINDOW = 128
SENSORS = ("body_acc", "body_gyro", "total_acc")
# Train subjects held out of fitting: their windows calibrate the temperature and tune the configurations.
VAL_SUBJECTS = (5, 11, 17, 23, 29)


def row_starts():
    """[32] first sample of each row."""
    starts = np.empty(SIZE, dtype=np.int64)
    for r in range(SIZE):
        a, j = r % 3, r // 3
        n = len(range(a, SIZE, 3))  # 11, 11, 10
        span = WINDOW - SIZE  # 96
        starts[r] = (2 * j * span + (n - 1)) // (2 * (n - 1))  # round half up of j * span / (n - 1)
    return starts


def index_table():
    """[3, 32, 32] index into the flattened [9 * 128] window for every pixel."""
    starts = row_starts()
    k = np.arange(3)[:, None, None]
    r = np.arange(SIZE)[None, :, None]
    c = np.arange(SIZE)[None, None, :]
    channel = 3 * k + r % 3
    t = starts[r] + c
    return (channel * WINDOW + t).astype(np.int64)


INDEX = index_table()


def signal_images(x):
    """[N, 9, 128] channel-major windows → [N, 3, 32, 32] float32 images."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3 or x.shape[1:] != (9, WINDOW):
        raise ValueError(f"expected windows [N, 9, {WINDOW}], got {list(x.shape)}")
    return np.ascontiguousarray(x.reshape(len(x), -1)[:, INDEX])


def pixel_standardization(mean9, std9):
    """Per-signal mean/std [9] → the [3, 32, 1] constants that standardize an image row by row."""
    rows = 3 * np.arange(3)[:, None] + np.arange(SIZE)[None, :] % 3
    return (np.asarray(mean9, np.float32)[rows][..., None], np.asarray(std9, np.float32)[rows][..., None])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/datasets/uci-har")
    ap.add_argument("--out", default="build/har-images")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    def save(name, a):
        np.save(os.path.join(args.out, name), a)
        print(f"wrote {name} {a.dtype} {list(a.shape)}")

    for split in ("train", "test"):
        x = np.load(os.path.join(args.data, f"{split}_x.npy"))
        y = np.load(os.path.join(args.data, f"{split}_y.npy")).astype(np.int32)
        s = np.load(os.path.join(args.data, f"{split}_subject.npy")).astype(np.int32)
        if split == "train":
            # Only the held-out train subjects: rows the network was not fitted on, in file (recording) order.
            keep = np.isin(s, VAL_SUBJECTS)
            x, y, s, split = x[keep], y[keep], s[keep], "val"
        save(f"{split}-x.npy", signal_images(x))
        save(f"{split}-y.npy", y)
        save(f"{split}-subject.npy", s)


if __name__ == "__main__":
    main()
