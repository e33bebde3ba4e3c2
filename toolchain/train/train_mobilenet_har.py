#!/usr/bin/python3
"""Train the Mobiprox paper's HAR network, MobileNetV2 on UCI-HAR signal images, and export it to ONNX.

Input: 32×32×3 signal images (har_signal_image.py: one sensor per channel, rows of 32 consecutive samples
of one axis), NCHW float32 [N, 3, 32, 32] in raw UCI-HAR units; per-signal standardization (train-fit
mean and population std) is inside the graph as constant Sub/Div. Network: MobileNetV2 (Sandler et al.
2018) as adapted to 32×32 inputs for CIFAR: a stride-1 stem and stride 1 in the first two bottleneck stages,
so the 32×32 map is reduced to 4×4 by three stride-2 stages; inverted residual blocks (1×1 expand, 3×3
depthwise with group = channels, 1×1 linear projection, residual Add where shapes match), ReLU6, global
average pooling and one fully connected layer, ending in Softmax. Width multiplier 0.35 and a 512-wide last
convolution (instead of 1280) keep the 6-class model small (312 k parameters, 15.5 MFLOPs per image) and
trainable on one CPU core in about 10 minutes (15 on a busy 2-core machine).

Data: UCI-HAR train split only. The train subjects 5 11 17 23 29 are held out of fitting (validation: the
temperature of the adaptation strategies is calibrated on them, and the tuner's sets are cut from them);
the 9 test subjects are only reported. No epoch is selected on any held-out data: the one-cycle schedule
runs its fixed number of epochs and the last one is kept.

Usage (Debian's python3 carries torch and onnx; the onnxruntime check uses toolchain/python-env.sh's venv):
    /usr/bin/python3 toolchain/train/train_mobilenet_har.py --data ../shared/datasets/uci-har --out build/models
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import har_signal_image as sig  # noqa: E402
from onnx_export import export  # noqa: E402
from seeding import seed_everything  # noqa: E402

CLASS_NAMES = ["WALKING", "WALKING_UPSTAIRS", "WALKING_DOWNSTAIRS", "SITTING", "STANDING", "LAYING"]
NAME = "mobilenetv2-har"
# (expansion t, output channels c, blocks n, first stride s) of MobileNetV2, CIFAR strides (stage 2: 1).
STAGES = [(1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def make_divisible(v, divisor=8):
    out = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return out + divisor if out < 0.9 * v else out


def conv_bn(c_in, c_out, kernel, stride=1, groups=1, act=True):
    layers = [nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=False), nn.BatchNorm2d(c_out)]
    if act:
        layers.append(nn.ReLU6())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, c_in, c_out, stride, expand):
        super().__init__()
        hidden = c_in * expand
        layers = [conv_bn(c_in, hidden, 1)] if expand != 1 else []
        layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden), conv_bn(hidden, c_out, 1, act=False)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


class MobileNetV2Har(nn.Module):
    """[N, 3, 32, 32] raw signal images → [N, 6] logits (probabilities with softmax=True)."""

    def __init__(self, mean, std, width=0.35, last=512, dropout=0.2):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))  # [3, 32, 1]
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32))
        c = make_divisible(32 * width)
        layers = [conv_bn(3, c, 3)]
        for t, ch, n, s in STAGES:
            out = make_divisible(ch * width)
            for i in range(n):
                layers.append(InvertedResidual(c, out, s if i == 0 else 1, t))
                c = out
        layers.append(conv_bn(c, last, 1))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(last, len(CLASS_NAMES))
        self.softmax = False
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = self.pool(self.features(x))
        x = self.fc(self.dropout(torch.flatten(x, 1)))
        return torch.softmax(x, dim=1) if self.softmax else x


def load_split(data_dir, split):
    x = np.load(os.path.join(data_dir, f"{split}_x.npy")).astype(np.float32)  # [N, 9, 128]
    y = np.load(os.path.join(data_dir, f"{split}_y.npy")).astype(np.int64)
    subject = np.load(os.path.join(data_dir, f"{split}_subject.npy"))
    return x, y, subject


INDEX = torch.from_numpy(sig.INDEX.reshape(-1))


def to_images(windows):
    """torch [N, 9, 128] → [N, 3, 32, 32], the same gather as har_signal_image.signal_images."""
    return windows.reshape(len(windows), -1)[:, INDEX].reshape(-1, 3, sig.SIZE, sig.SIZE)


def augment(xb):
    # Per-window, per-signal gain and offset jitter (subjects wear the phone differently) and a circular
    # time shift of up to ±8 samples (where a window starts in the activity is arbitrary).
    gain = 1.0 + 0.1 * torch.randn(xb.shape[0], xb.shape[1], 1)
    shift = 0.05 * torch.randn(xb.shape[0], xb.shape[1], 1) * xb.std(dim=2, keepdim=True)
    xb = xb * gain + shift
    k = int(torch.randint(-8, 9, (1,)))
    return torch.roll(xb, k, dims=2) if k else xb


def predict(model, images, batch=512):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            out.append(model(torch.from_numpy(images[i:i + batch])))
    return torch.cat(out)


def metrics(logits, y):
    yt = torch.from_numpy(y)
    return {"accuracy": float((logits.argmax(1) == yt).float().mean()),
            "nll": float(nn.functional.cross_entropy(logits, yt))}


def train(model, x_tr, y_tr, x_val, y_val, args):
    steps = args.epochs * -(-len(x_tr) // args.batch)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    for epoch in range(1, args.epochs + 1):
        model.train()
        t0 = time.time()
        order = torch.randperm(len(xt))
        total = 0.0
        for i in range(0, len(xt), args.batch):
            idx = order[i:i + args.batch]
            opt.zero_grad()
            loss = loss_fn(model(to_images(augment(xt[idx]))), yt[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        val = metrics(predict(model, x_val), y_val)
        print(f"epoch {epoch:3d} loss {total / len(xt):.4f} val acc {val['accuracy']:.4f} nll {val['nll']:.4f} "
              f"({time.time() - t0:.1f}s)", flush=True)




def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/datasets/uci-har")
    ap.add_argument("--out", default="build/models")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=4e-3)
    ap.add_argument("--width", type=float, default=0.35)
    ap.add_argument("--last", type=int, default=512)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    started = time.time()
    torch.set_num_threads(1)
    seed_everything(args.seed)

    x, y, subject = load_split(args.data, "train")
    is_val = np.isin(subject, sig.VAL_SUBJECTS)
    x_tr, y_tr = np.ascontiguousarray(x[~is_val]), y[~is_val]
    x_val, y_val = sig.signal_images(x[is_val]), y[is_val]
    x_te_raw, y_te, _ = load_split(args.data, "test")
    x_te = sig.signal_images(x_te_raw)
    # Per signal, over all samples of the fitting windows (population std); spread over the image's rows.
    mean9, std9 = x_tr.transpose(1, 0, 2).reshape(9, -1).mean(1), x_tr.transpose(1, 0, 2).reshape(9, -1).std(1)
    mean, std = sig.pixel_standardization(mean9, std9)
    print(f"fit {len(x_tr)} windows, val {len(x_val)} (subjects {list(sig.VAL_SUBJECTS)}), test {len(x_te)}")

    model = MobileNetV2Har(mean, std, width=args.width, last=args.last)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{n_params} parameters")
    train(model, x_tr, y_tr, x_val, y_val, args)
    train_seconds = round(time.time() - started)

    res = {"fit": metrics(predict(model, sig.signal_images(x_tr)), y_tr),
           "val": metrics(predict(model, x_val), y_val),
           "test": metrics(predict(model, x_te), y_te)}
    print("accuracy " + " ".join(f"{k} {v['accuracy']:.4f}" for k, v in res.items()))

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, f"{NAME}.onnx")
    export(model, onnx_path, (3, sig.SIZE, sig.SIZE))
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes)")
    # Reference outputs for the onnxruntime and mpxrun checks: the first 256 test images.
    model.softmax = True
    np.save(os.path.join(args.out, f"{NAME}-check-x.npy"), x_te[:256])
    np.save(os.path.join(args.out, f"{NAME}-check-torch.npy"), predict(model, x_te[:256]).numpy())
    model.softmax = False

    meta = {
        "model": f"{NAME}.onnx",
        "task": "UCI-HAR activity recognition from 32x32x3 signal images of raw inertial windows (2.56 s at 50 Hz)",
        "opset": 13,
        "input": {"name": "input", "shape": ["N", 3, sig.SIZE, sig.SIZE], "dtype": "float32",
                  "layout": "NCHW signal image: channel = sensor (body_acc, body_gyro, total_acc); row r = axis "
                            "r mod 3, 32 consecutive samples from har_signal_image.row_starts()[r]",
                  "transform": "toolchain/train/har_signal_image.py"},
        "output": {"name": "probabilities", "shape": ["N", len(CLASS_NAMES)], "dtype": "float32",
                   "meaning": "softmax class probabilities"},
        "classes": CLASS_NAMES,
        "preprocessing": "none: per-signal standardization (fit-set mean/std) is inside the model",
        "standardization": {"mean": mean9.tolist(), "std": std9.tolist()},
        "architecture": {"family": "MobileNetV2, CIFAR strides", "width": args.width, "last": args.last,
                         "stages": STAGES},
        "parameters": n_params,
        "training": {
            "command": "/usr/bin/python3 toolchain/train/train_mobilenet_har.py --data ../shared/datasets/uci-har "
                       f"--out {args.out}",
            "data": "UCI-HAR train split; subjects " + ", ".join(map(str, sig.VAL_SUBJECTS)) +
                    " held out (validation: temperature calibration and tuning); last epoch kept",
            "windows": {"fit": int(len(x_tr)), "val": int(len(x_val)), "test": int(len(x_te))},
            "seed": args.seed, "epochs": args.epochs, "batch": args.batch, "lr": args.lr,
            "seconds": train_seconds, "torch": torch.__version__,
        },
        "accuracy": {k: round(v["accuracy"], 4) for k, v in res.items()},
        "nll": {k: round(v["nll"], 4) for k, v in res.items()},
    }
    with open(os.path.join(args.out, f"{NAME}.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
