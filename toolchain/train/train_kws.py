#!/usr/bin/python3
"""Train Mobiprox's keyword-spotting model and export it to ONNX.

Sainath & Parada's (2015) cnn-trad-fpool3 as in Honk (conv 64 × 20 frames × 8 bands, max-pool over 3 bands,
conv 64 × 10 × 4, one linear layer), with the first pool also halving time to stay under 1.5 MB, over
log-mel features [1, 40 mel bands, 101 frames] of a 1 s clip, for the 12 Speech Commands classes. The front
end is kws_frontend.py, the twin of the product's TypeScript front end, so the model sees exactly what
`mobiprox kws features` / `mobiprox kws trace` compute. Feature standardization (fit-set scalar mean and
std) is inside the graph as constant Sub/Div; the graph ends in Softmax.

The data is split by speaker (SHA-1 of the speaker id, 70/10/20): train fits, val picks the epoch (and is
what `npm run repro` tunes and calibrates on, so it must stay out of fitting), test is reported once at
the end and is where the noisy trace draws its utterances from. Training resamples clips (speed ±10 %),
shifts them in time and mixes in background noise (the dataset's six recordings and white noise) at
random SNR, so that the model degrades gracefully on the noisy trace. The export is checked against
onnxruntime, run in toolchain/python-env.sh's venv.

Seeded, with PyTorch's deterministic algorithms: a rerun on the same PyTorch build and thread count is
meant to write the same model (verified for the HAR scripts on one thread, not yet for this one).

Usage (Debian's python3 carries torch and onnx):
    /usr/bin/python3 toolchain/train/train_kws.py --data ../shared/datasets/speech-commands --out media/models
"""
import argparse
import json
import os
import random
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kws_frontend as fe  # noqa: E402
from onnx_export import check_onnxruntime, export  # noqa: E402
from seeding import seed_everything  # noqa: E402

SHIFT = 1600  # up to ±100 ms of time shift
NOISE_P = 0.7  # share of training clips that get noise
SNR_RANGE = (0.0, 35.0)  # dB, uniform
SPEED = (0.9, 1.1)  # resampling rate, uniform
MASKS = 2  # SpecAugment: this many frequency masks (up to 5 bands) and time masks (up to 10 frames)


def conv_block(c_in, c_out, kernel, pool):
    layers = [nn.Conv2d(c_in, c_out, kernel, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]
    return nn.Sequential(*layers, nn.MaxPool2d(pool)) if pool else nn.Sequential(*layers)


class KwsCnn(nn.Module):
    """[N, 1, 40, 101] log-mel → [N, 12] logits (probabilities with softmax=True).

    Sainath & Parada's cnn-trad-fpool3 as in Honk: conv 64 × 20 frames × 8 bands, max-pool 3 bands, conv
    64 × 10 × 4, linear; unpadded. The first pool also halves time (3 bands × 2 frames) so that the linear
    layer (64 × 8 × 32 → 12) keeps the model under 1.5 MB and an epoch within a minute on two CPU cores.
    """

    def __init__(self, mean, std, dropout=0.5):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        self.features = nn.Sequential(conv_block(1, 64, (8, 20), (3, 2)), conv_block(64, 64, (4, 10), None))
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(64 * 8 * 32, len(fe.CLASSES))  # 40 × 101 → conv 33 × 82 → pool 11 × 41 → conv 8 × 32
        self.softmax = False

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = self.features(x)
        x = self.fc(self.dropout(torch.flatten(x, 1)))
        return torch.softmax(x, dim=1) if self.softmax else x


def load(root):
    """Raw clips and labels per split."""
    sets = {s: ([], []) for s in ("train", "val", "test")}
    for path, label in fe.dataset_files(root):
        clips, labels = sets[fe.split_of(path)]
        clips.append(fe.fit_clip(fe.read_wav(path)))
        labels.append(label)
    return {s: (np.stack(c), np.array(l, dtype=np.int64)) for s, (c, l) in sets.items()}


def load_noises(root):
    folder = os.path.join(root, "_background_noise_")
    return [fe.read_wav(os.path.join(folder, f)) for f in sorted(os.listdir(folder)) if f.endswith(".wav")]


def rms(clips):
    return np.maximum(np.sqrt((clips ** 2).mean(axis=-1, keepdims=True)), 1e-4)


def speed_perturb(clips, rng):
    """Resamples each clip by a random rate in SPEED (tempo and pitch together), linear interpolation."""
    out = np.zeros_like(clips)
    grid = np.arange(fe.CLIP, dtype=np.float64)
    for i, rate in enumerate(rng.uniform(*SPEED, size=len(clips))):
        out[i] = np.interp(grid * rate, grid, clips[i], right=0.0)
    return out


def augment(clips, noises, rng):
    n = len(clips)
    clips = speed_perturb(clips, rng)
    out = np.zeros_like(clips)
    for i, s in enumerate(rng.integers(-SHIFT, SHIFT + 1, n)):
        if s >= 0:
            out[i, s:] = clips[i, :fe.CLIP - s]
        else:
            out[i, :s] = clips[i, -s:]
    noise = np.empty_like(clips)
    for i in range(n):
        k = rng.integers(len(noises) + 1)
        if k == len(noises):
            noise[i] = rng.standard_normal(fe.CLIP)
        else:
            start = rng.integers(len(noises[k]) - fe.CLIP)
            noise[i] = noises[k][start:start + fe.CLIP]
    snr = rng.uniform(*SNR_RANGE, size=(n, 1))
    gain = rms(out) / rms(noise) / 10.0 ** (snr / 20.0)
    noisy = rng.random((n, 1)) < NOISE_P
    return out + np.where(noisy, gain * noise, 0.0)


def spec_augment(x, fill, rng):
    """Masks random mel bands and frames of each [1, 40, 101] map with the feature mean (0 after the model's Sub/Div)."""
    x = x.copy()
    for i in range(len(x)):
        for _ in range(MASKS):
            f, t = rng.integers(0, 6), rng.integers(0, 11)
            f0, t0 = rng.integers(0, fe.MELS - f + 1), rng.integers(0, fe.FRAMES - t + 1)
            x[i, :, f0:f0 + f, :] = fill
            x[i, :, :, t0:t0 + t] = fill
    return x


def white_noise(clips, snr_db, rng):
    noise = rng.standard_normal(clips.shape)
    return clips + rms(clips) / rms(noise) / 10.0 ** (snr_db / 20.0) * noise


def accuracy(model, x, y, batch=256):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += int((model(torch.from_numpy(x[i:i + batch])).argmax(1).numpy() == y[i:i + batch]).sum())
    return correct / len(x)


def features(clips, chunk=64):
    # In chunks: the framed float64 array of a whole split does not fit the caches (4× slower in one piece).
    return np.concatenate([fe.log_mel(clips[i:i + chunk]) for i in range(0, len(clips), chunk)])[:, None]


def train(model, clips, y, x_val, y_val, noises, args):
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * -(-len(y) // args.batch))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    rng = np.random.default_rng(args.seed)
    yt = torch.from_numpy(y)
    best, best_state = -1.0, None
    fill = float(model.mean)
    for epoch in range(1, args.epochs + 1):
        t0 = time.time()
        xt = torch.from_numpy(spec_augment(features(augment(clips, noises, rng)), fill, rng))
        model.train()
        order = torch.randperm(len(y))
        total = 0.0
        for i in range(0, len(y), args.batch):
            idx = order[i:i + args.batch]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        val = accuracy(model, x_val, y_val)
        print(f"epoch {epoch:3d} loss {total / len(y):.4f} val {val:.4f} ({time.time() - t0:.1f}s)", flush=True)
        # Fitting on train+val leaves nothing to select on: the one-cycle schedule's last epoch is kept.
        if args.fit == "train" and val >= best:
            best = val
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
    if best_state is not None:
        model.load_state_dict(best_state)




def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/datasets/speech-commands")
    ap.add_argument("--out", default="media/models")
    ap.add_argument("--epochs", type=int, default=48)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fit", choices=["train", "train+val"], default="train",
                    help="speakers to fit on; with 'train', val picks the epoch")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    started = time.time()
    torch.set_num_threads(args.threads)
    seed_everything(args.seed)

    data = load(args.data)
    noises = load_noises(args.data)
    clips, y_tr = data["train"]
    if args.fit == "train+val":
        clips, y_tr = np.concatenate([clips, data["val"][0]]), np.concatenate([y_tr, data["val"][1]])
    x_tr = features(clips)
    x_val, y_val = features(data["val"][0]), data["val"][1]
    x_te, y_te = features(data["test"][0]), data["test"][1]
    mean, std = float(x_tr.mean()), float(x_tr.std())
    print(f"fit ({args.fit}) {len(y_tr)} clips, val {len(y_val)}, test {len(y_te)}; features mean {mean:.4f} std {std:.4f}")

    model = KwsCnn(mean, std)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{n_params} parameters")
    train(model, clips, y_tr, x_val, y_val, noises, args)

    acc = {"train": accuracy(model, x_tr, y_tr), "val": accuracy(model, x_val, y_val), "test": accuracy(model, x_te, y_te)}
    rng = np.random.default_rng(1)
    for snr in (20, 10, 0):
        acc[f"test_white_{snr}dB"] = accuracy(model, features(white_noise(data["test"][0], snr, rng)), y_te)
    print("accuracy " + " ".join(f"{k} {v:.4f}" for k, v in acc.items()))

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "kws-mobiprox.onnx")
    export(model, onnx_path, (1, fe.MELS, fe.FRAMES))
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes)")
    model.softmax = True
    with torch.no_grad():
        expected = model(torch.from_numpy(x_te)).numpy()
    model.softmax = False
    ort_diff = check_onnxruntime(onnx_path, x_te, expected)
    print(f"onnxruntime vs PyTorch on the {len(x_te)} test clips: max |Δ| {ort_diff:.2e}")

    meta = {
        "model": "kws-mobiprox.onnx",
        "task": "Keyword spotting, Speech Commands v0.02 (12 classes), from log-mel features of 1 s clips",
        "opset": 13,
        "input": {"name": "input", "shape": ["N", 1, fe.MELS, fe.FRAMES], "dtype": "float32",
                  "layout": "NCHW: [batch, 1, 40 mel bands, 101 frames]",
                  "frontEnd": "mobiprox kws features (src/core/audio/logMel.ts): 25 ms periodic-Hann frames every "
                              "10 ms (centred, zero-padded), 512-point FFT power, 40 HTK-mel bands 20-8000 Hz, "
                              "log(energy + 1e-6)"},
        "output": {"name": "probabilities", "shape": ["N", len(fe.CLASSES)], "dtype": "float32",
                   "meaning": "softmax class probabilities"},
        "classes": fe.CLASSES,
        "preprocessing": "none: feature standardization (train-set scalar mean/std) is inside the model",
        "standardization": {"mean": mean, "std": std},
        "parameters": n_params,
        "training": {
            "command": "/usr/bin/python3 toolchain/train/train_kws.py --data ../shared/datasets/speech-commands "
                       "--out media/models",
            "data": "speaker split by SHA-1 of the speaker id: train 70 %, val 10 %, test 20 %; fitted on " + args.fit +
                    (" (last epoch kept)" if args.fit == "train+val" else " (val picks the epoch)"),
            "clips": {"fit": len(y_tr), "val": len(y_val), "test": len(y_te)},
            "augmentation": f"speed (resampling) × U{SPEED}; time shift up to ±{SHIFT // 16} ms; {int(NOISE_P * 100)} % of clips mixed with "
                            f"background noise or white noise at SNR uniform in {SNR_RANGE} dB; SpecAugment "
                            f"{MASKS} frequency masks ≤ 5 bands and {MASKS} time masks ≤ 10 frames",
            "seed": args.seed, "threads": args.threads, "epochs": args.epochs, "batch": args.batch, "lr": args.lr,
            "seconds": round(time.time() - started),
            "torch": torch.__version__,
        },
        "accuracy": {k: round(v, 4) for k, v in acc.items()},
        "onnxruntimeMaxAbsDiff": float(f"{ort_diff:.2e}"),
    }
    with open(os.path.join(args.out, "kws-mobiprox.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
