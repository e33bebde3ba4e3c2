"""The ONNX export the training scripts share: opset 13, one input `input` and one output `probabilities` with a
dynamic batch axis, and the model's softmax switched on for the export only (training works on logits)."""
import os
import subprocess
import tempfile

import numpy as np
import torch


def export(model, path, sample_shape):
    model.eval()
    model.softmax = True
    torch.onnx.export(model, torch.zeros(1, *sample_shape), path, opset_version=13,
                      input_names=["input"], output_names=["probabilities"],
                      dynamic_axes={"input": {0: "N"}, "probabilities": {0: "N"}},
                      do_constant_folding=True)
    model.softmax = False


# Runs in toolchain/python-env.sh's venv: its onnxruntime wants NumPy 2, which Debian's torch cannot load.
_ORT_CHECK = """
import sys, numpy as np, onnxruntime as ort
opts = ort.SessionOptions()
opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
x, expected = np.load(sys.argv[2] + "/x.npy"), np.load(sys.argv[2] + "/expected.npy")
got = ort.InferenceSession(sys.argv[1], opts, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
print(float(np.abs(got - expected).max()))
"""


def check_onnxruntime(path, x, expected, tol=1e-5):
    """Runs the exported graph in onnxruntime (CPU, graph rewrites off) on `x`; returns max |ORT − PyTorch| and
    fails above `tol`."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    python = subprocess.run([os.path.join(root, "toolchain", "python-env.sh")], check=True, capture_output=True,
                            text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as d:
        np.save(os.path.join(d, "x.npy"), x)
        np.save(os.path.join(d, "expected.npy"), expected)
        diff = float(subprocess.run([python, "-c", _ORT_CHECK, path, d], check=True, capture_output=True,
                                    text=True).stdout)
    if diff > tol:
        raise SystemExit(f"{path}: onnxruntime differs from PyTorch by {diff:.3g} (> {tol:g})")
    return diff
