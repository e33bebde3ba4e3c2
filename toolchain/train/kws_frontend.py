#!/usr/bin/python3
"""The keyword-spotting front end and speaker split, mirrored from src/core/audio (logMel.ts, speakerSplit.ts).

The model is trained on exactly the features the product computes, so every constant and every step here
has its twin in TypeScript; test/audio-logmel.test.ts runs this file against the TypeScript front end.

Front end (one 1 s clip of 16 kHz PCM → [40, 101] float32):
  samples / 32768, zero-padded or cut to 16000; 200 zeros on each side (centred frames);
  101 frames of 400 samples (25 ms) every 160 (10 ms); periodic Hann window; 512-point FFT;
  power spectrum (257 bins); 40 triangular HTK-mel filters from 20 Hz to 8 kHz; log(energy + 1e-6).
All arithmetic is float64; only the result is rounded to float32.

Usage as a tool (the parity test): kws_frontend.py out.npy a.wav b.wav ...  → out.npy [n, 1, 40, 101]
"""
import hashlib
import os
import re
import sys
import wave

import numpy as np

SAMPLE_RATE = 16000
CLIP = 16000
WINDOW = 400
HOP = 160
FFT = 512
MELS = 40
F_MIN, F_MAX = 20.0, 8000.0
LOG_FLOOR = 1e-6
FRAMES = 1 + CLIP // HOP  # 101

CLASSES = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "_silence_", "_unknown_"]


def read_wav(path):
    """16-bit PCM mono 16 kHz → float64 in [-1, 1)."""
    with wave.open(path, "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2 or w.getframerate() != SAMPLE_RATE:
            raise ValueError(f"{path}: expected 16-bit mono {SAMPLE_RATE} Hz PCM")
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return pcm.astype(np.float64) / 32768.0


def fit_clip(samples):
    out = np.zeros(CLIP, dtype=np.float64)
    n = min(CLIP, len(samples))
    out[:n] = samples[:n]
    return out


def hann():
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(WINDOW) / WINDOW)


def hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + f / 700.0)


def mel_to_hz(m):
    return 700.0 * (10.0 ** (m / 2595.0) - 1.0)


def mel_filterbank():
    """[MELS, FFT/2+1] triangular weights, peak 1, on the bins' centre frequencies."""
    edges = mel_to_hz(np.linspace(hz_to_mel(F_MIN), hz_to_mel(F_MAX), MELS + 2))
    freqs = np.arange(FFT // 2 + 1) * SAMPLE_RATE / FFT
    bank = np.zeros((MELS, FFT // 2 + 1))
    for m in range(MELS):
        lo, mid, hi = edges[m], edges[m + 1], edges[m + 2]
        rising = (freqs - lo) / (mid - lo)
        falling = (hi - freqs) / (hi - mid)
        bank[m] = np.maximum(0.0, np.minimum(rising, falling))
    return bank


_HANN = hann()
_BANK = mel_filterbank()


def log_mel(clips):
    """[n, samples] float64 (any length; fitted to 1 s) → [n, MELS, FRAMES] float32."""
    clips = np.stack([fit_clip(c) for c in clips])
    padded = np.pad(clips, ((0, 0), (WINDOW // 2, WINDOW // 2)))
    idx = np.arange(FRAMES)[:, None] * HOP + np.arange(WINDOW)[None, :]
    frames = padded[:, idx] * _HANN  # [n, FRAMES, WINDOW]
    spec = np.fft.rfft(frames, n=FFT, axis=-1)
    power = spec.real ** 2 + spec.imag ** 2  # [n, FRAMES, 257]
    mel = (power @ _BANK.T).transpose(0, 2, 1)
    return np.log(mel + LOG_FLOOR).astype(np.float32)


def speaker_of(path):
    """The speaker id of `<speaker>_nohash_<n>.wav` (also `<word>_<speaker>_nohash_<n>.wav`); else the file stem."""
    stem = os.path.splitext(os.path.basename(path))[0]
    m = re.search(r"(?:^|_)([^_]+)_nohash_\d+$", stem)
    return m.group(1) if m else stem


def split_of(path):
    """'train' / 'val' / 'test' (70 / 10 / 20 %) by the SHA-1 of the speaker id: one speaker, one split."""
    bucket = int(hashlib.sha1(speaker_of(path).encode("utf-8")).hexdigest()[:8], 16) % 100
    return "train" if bucket < 70 else "val" if bucket < 80 else "test"


def dataset_files(root):
    """[(path, class index)] over the 12 classes, class by class, files in sorted name order."""
    out = []
    for label, name in enumerate(CLASSES):
        folder = os.path.join(root, name)
        for f in sorted(os.listdir(folder)):
            if f.endswith(".wav"):
                out.append((os.path.join(folder, f), label))
    return out


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: kws_frontend.py out.npy a.wav [b.wav ...]")
    feats = log_mel([read_wav(p) for p in sys.argv[2:]])
    np.save(sys.argv[1], feats[:, None])
