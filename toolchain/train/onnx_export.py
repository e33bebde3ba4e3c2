"""The ONNX export the training scripts share: opset 13, one input `input` and one output `probabilities` with a
dynamic batch axis, and the model's softmax switched on for the export only (training works on logits)."""
import torch


def export(model, path, sample_shape):
    model.eval()
    model.softmax = True
    torch.onnx.export(model, torch.zeros(1, *sample_shape), path, opset_version=13,
                      input_names=["input"], output_names=["probabilities"],
                      dynamic_axes={"input": {0: "N"}, "probabilities": {0: "N"}},
                      do_constant_folding=True)
    model.softmax = False
