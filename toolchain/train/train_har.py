#!/usr/bin/python3
"""Train Mobiprox's default HAR model and export it to ONNX.

A small 1-D CNN over raw UCI-HAR inertial windows. The exported graph takes windows in time-major
layout [N, 128, 9] with raw sensor values, so an app can feed its ring buffer as-is: standardization
(train-set per-channel mean/std) is baked in as constant Sub/Div, followed by a Transpose to [N, 9, 128].
Two parallel convolution branches (kernel 3 and 5) meet in a Concat, which gives the importer a
non-chain graph. The graph ends in Softmax, so the model outputs class probabilities.

Only the train split is used for fitting; whole train subjects are held out for early stopping, so
the validation accuracy estimates accuracy on unseen people, as the test split does.

Usage (Debian's python3 carries torch and onnx):
    /usr/bin/python3 toolchain/train/train_har.py --data ../shared/datasets/uci-har --out media/models
"""
import argparse
import json
import os
import time

import numpy as np
import torch
from torch import nn

from onnx_export import export
from seeding import seed_everything

CLASS_NAMES = ["WALKING", "WALKING_UPSTAIRS", "WALKING_DOWNSTAIRS", "SITTING", "STANDING", "LAYING"]
WINDOW, CHANNELS = 128, 9
CHANNEL_NAMES = ["body_acc_x", "body_acc_y", "body_acc_z", "body_gyro_x", "body_gyro_y", "body_gyro_z",
                 "total_acc_x", "total_acc_y", "total_acc_z"]
# Every fifth train subject; fixed so that runs are comparable.
VAL_SUBJECTS = (5, 11, 17, 23, 29)


def conv_bn_relu(c_in, c_out, kernel):
    return nn.Sequential(nn.Conv1d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
                         nn.BatchNorm1d(c_out), nn.ReLU())


class HarCnn(nn.Module):
    """Maps [N, 128, 9] raw windows to [N, 6] logits (probabilities with softmax=True)."""

    def __init__(self, mean, std, branch=16, width=48):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32))
        self.branch3 = conv_bn_relu(CHANNELS, branch, 3)
        self.branch5 = conv_bn_relu(CHANNELS, branch, 5)
        self.pool1 = nn.MaxPool1d(2)
        self.conv = conv_bn_relu(2 * branch, width, 5)
        self.pool2 = nn.MaxPool1d(2)
        self.gap = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(width, len(CLASS_NAMES))
        self.softmax = False

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = x.permute(0, 2, 1)
        x = torch.cat([self.branch3(x), self.branch5(x)], dim=1)
        x = self.pool2(self.conv(self.pool1(x)))
        x = self.fc(torch.flatten(self.gap(x), 1))
        return torch.softmax(x, dim=1) if self.softmax else x


def load_split(data_dir, split):
    # The source files are channel-major [N, 9, 128]; the model takes time-major windows.
    x = np.load(os.path.join(data_dir, f"{split}_x.npy")).transpose(0, 2, 1).astype(np.float32)
    y = np.load(os.path.join(data_dir, f"{split}_y.npy")).astype(np.int64)
    subject = np.load(os.path.join(data_dir, f"{split}_subject.npy"))
    return np.ascontiguousarray(x), y, subject


def accuracy(model, x, y, batch=512):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits = model(torch.from_numpy(x[i:i + batch]))
            correct += int((logits.argmax(1).numpy() == y[i:i + batch]).sum())
    return correct / len(x)


def augment(xb):
    # Per-window gain and offset jitter: subjects wear the phone slightly differently.
    gain = 1.0 + 0.1 * torch.randn(xb.shape[0], 1, xb.shape[2])
    shift = 0.05 * torch.randn(xb.shape[0], 1, xb.shape[2]) * xb.std(dim=1, keepdim=True)
    return xb * gain + shift


def train(model, x_tr, y_tr, x_val, y_val, epochs, patience, batch):
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    best, best_state, since_best = -1.0, None, 0
    for epoch in range(1, epochs + 1):
        model.train()
        t0 = time.time()
        order = torch.randperm(len(xt))
        total = 0.0
        for i in range(0, len(xt), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(augment(xt[idx])), yt[idx])
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
        sched.step()
        val = accuracy(model, x_val, y_val)
        print(f"epoch {epoch:3d} loss {total / len(xt):.4f} val {val:.4f} ({time.time() - t0:.1f}s)", flush=True)
        if val > best:
            best, since_best = val, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            since_best += 1
            if since_best >= patience:
                print(f"early stop: no val improvement for {patience} epochs")
                break
    model.load_state_dict(best_state)
    return best




def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/datasets/uci-har")
    ap.add_argument("--out", default="media/models")
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--patience", type=int, default=15)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(1)
    seed_everything(args.seed)

    x, y, subject = load_split(args.data, "train")
    is_val = np.isin(subject, VAL_SUBJECTS)
    x_tr, y_tr, x_val, y_val = x[~is_val], y[~is_val], x[is_val], y[is_val]
    x_te, y_te, _ = load_split(args.data, "test")
    # Population std over all timesteps of the fitting windows, per channel.
    mean = x_tr.reshape(-1, CHANNELS).mean(0)
    std = x_tr.reshape(-1, CHANNELS).std(0)
    print(f"train {len(x_tr)} windows, val {len(x_val)} (subjects {list(VAL_SUBJECTS)}), test {len(x_te)}")

    model = HarCnn(mean, std)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{n_params} parameters")
    train(model, x_tr, y_tr, x_val, y_val, args.epochs, args.patience, args.batch)

    acc = {"train": accuracy(model, x_tr, y_tr), "val": accuracy(model, x_val, y_val),
           "test": accuracy(model, x_te, y_te)}
    print("accuracy " + " ".join(f"{k} {v:.4f}" for k, v in acc.items()))

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "har-mobiprox.onnx")
    export(model, onnx_path, (WINDOW, CHANNELS))
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes)")

    meta = {
        "model": "har-mobiprox.onnx",
        "task": "UCI-HAR activity recognition from raw inertial windows (2.56 s at 50 Hz)",
        "opset": 13,
        "input": {"name": "input", "shape": ["N", WINDOW, CHANNELS], "dtype": "float32",
                  "layout": "NTC (time-major: [batch, 128 timesteps, 9 channels])", "channels": CHANNEL_NAMES},
        "output": {"name": "probabilities", "shape": ["N", len(CLASS_NAMES)], "dtype": "float32",
                   "meaning": "softmax class probabilities"},
        "classes": CLASS_NAMES,
        "preprocessing": "none: per-channel standardization (train-set mean/std) is inside the model",
        "standardization": {"mean": mean.tolist(), "std": std.tolist()},
        "parameters": n_params,
        "training": {
            "command": "/usr/bin/python3 toolchain/train/train_har.py --data ../shared/datasets/uci-har "
                       "--out media/models",
            "data": "UCI-HAR train split; subjects " + ", ".join(map(str, VAL_SUBJECTS)) +
                    " held out for early stopping",
            "seed": args.seed, "epochs": args.epochs, "patience": args.patience, "batch": args.batch,
        },
        "accuracy": {"train": round(acc["train"], 4), "val": round(acc["val"], 4),
                     "test_torch": round(acc["test"], 4)},
    }
    with open(os.path.join(args.out, "har-mobiprox.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
