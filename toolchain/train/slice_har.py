#!/usr/bin/python3
"""Cut the HAR demo slice shipped in media/data/ from the UCI-HAR test split.

Keeps every test window of the chosen subjects in file order, which is recording order, so the slice
is a real activity trace (consecutive windows overlap by 50 %). Windows are transposed from the source's
channel-major [N, 9, 128] to the time-major [N, 128, 9] that har-mobiprox.onnx takes.

Usage:
    /usr/bin/python3 toolchain/train/slice_har.py --data ../shared/datasets/uci-har --out media/data
"""
import argparse
import os

import numpy as np

# The two lowest-numbered test subjects: 302 + 317 windows, every activity present for both.
SUBJECTS = (2, 4)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/datasets/uci-har")
    ap.add_argument("--out", default="media/data")
    args = ap.parse_args()

    x = np.load(os.path.join(args.data, "test_x.npy"))
    y = np.load(os.path.join(args.data, "test_y.npy"))
    subject = np.load(os.path.join(args.data, "test_subject.npy"))
    # Subject by subject, each in its original row order.
    rows = np.concatenate([np.flatnonzero(subject == s) for s in SUBJECTS])

    os.makedirs(args.out, exist_ok=True)
    arrays = {
        "har-test-x.npy": np.ascontiguousarray(x[rows].transpose(0, 2, 1), dtype=np.float32),
        "har-test-y.npy": y[rows].astype(np.int32),
        "har-test-subject.npy": subject[rows].astype(np.int32),
    }
    for name, a in arrays.items():
        np.save(os.path.join(args.out, name), a)
        print(f"wrote {name} {a.dtype} {list(a.shape)}")


if __name__ == "__main__":
    main()
