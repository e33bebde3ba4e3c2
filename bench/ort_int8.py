"""onnxruntime's own int8 for bench:runtime: a static QDQ model made by onnxruntime's quantization tools
(after its pre-processing; per-channel int8 weights, uint8 activations, MinMax calibration on the given
images, as Mobiprox's int8 knobs calibrate), and the top-1 accuracy of the float and the int8 model on the evaluation images.

usage: ort_int8.py MODEL.onnx CALIB.npy EVAL.npy LABELS.npy OUT.onnx  (float32 inputs, preprocessed)
Prints one JSON line: {"onnxruntime": version, "fp32Accuracy": %, "int8Accuracy": %}.
"""
import json
import sys

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process


class Images(CalibrationDataReader):
    def __init__(self, name, x, batch=32):
        self.batches = iter([{name: x[i:i + batch]} for i in range(0, len(x), batch)])

    def get_next(self):
        return next(self.batches, None)


def accuracy(model, x, y):
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    logits = np.concatenate([session.run(None, {name: x[i:i + 64]})[0] for i in range(0, len(x), 64)])
    return float((logits.argmax(axis=1) == y).mean() * 100)


def main():
    model, calib, evaluate, labels, out = sys.argv[1:6]
    x_calib, x_eval, y = np.load(calib), np.load(evaluate), np.load(labels)
    name = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).get_inputs()[0].name
    prepared = out + ".pre.onnx"  # the pre-processing onnxruntime's documentation asks for before quantizing
    quant_pre_process(model, prepared, skip_symbolic_shape=True)
    quantize_static(prepared, out, Images(name, x_calib), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    print(json.dumps({"onnxruntime": ort.__version__, "fp32Accuracy": accuracy(model, x_eval, y),
                      "int8Accuracy": accuracy(out, x_eval, y)}))


if __name__ == "__main__":
    main()
