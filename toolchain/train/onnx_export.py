"""The ONNX export the training scripts share: opset 13, one input `input` and one output `probabilities` with a
dynamic batch axis, and the model's softmax switched on for the export only (training works on logits)."""
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


def check_onnxruntime(path, x, expected, tol=1e-5):
    """Runs the exported graph in onnxruntime (CPU, graph rewrites off) on `x` and returns max |ORT − PyTorch|;
    fails above `tol`. onnxruntime is not in Debian: run the script with toolchain/python-env.sh's python."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    got = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"]).run(None, {"input": x})[0]
    diff = float(np.abs(got - expected).max())
    if diff > tol:
        raise SystemExit(f"{path}: onnxruntime differs from PyTorch by {diff:.3g} (> {tol:g})")
    return diff
