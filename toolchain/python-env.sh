#!/usr/bin/env bash
# The Python environment of the baselines that need onnxruntime's Python package (its quantization tools
# make bench:runtime's int8 baseline): build/venv, seeing Debian's packages (numpy), made once. Prints the
# environment's python.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/build/venv"
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$venv" >&2
# the quantization tools need a newer onnx than Debian's and ml_dtypes, which pip's onnx brings
"$venv/bin/python" -c "import onnxruntime.quantization, onnx" 2>/dev/null ||
  "$venv/bin/pip" install -q --upgrade onnxruntime onnx >&2
echo "$venv/bin/python"
