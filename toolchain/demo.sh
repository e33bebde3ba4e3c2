#!/usr/bin/env bash
# The main job on the bundled default: the project's HAR model and a UCI-HAR slice (two subjects' traces).
# Inspect → tune on the host → profile on a virtual device over the real adb server → simulate an
# adaptation strategy on the subjects' traces → generate Kotlin glue code. Outputs go to build/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
mobiprox() { node out/src/cli/main.js "$@"; }
model=media/models/har-mobiprox.onnx
x=media/data/har-test-x.npy
y=media/data/har-test-y.npy
subjects=media/data/har-test-subject.npy
out=build/demo
mkdir -p "$out"

echo "== 1. The model"
mobiprox inspect "$model"

echo; echo "== 2. Tune: 300 windows to tune, the other 319 held out (seeded shuffle: the file is ordered by subject)"
mobiprox tune "$model" --input "$x" --labels "$y" --tune-size 300 --shuffle 1 --qos-threshold 3 \
  --cache-dir "$out/cache" --out "$out/har.configs.json" --hpvm-out "$out/har.configs.txt"

echo; echo "== 3. Profile on a virtual device (x86_64) through adb"
port=${MOBIPROX_DEMO_PORT:-5599}
# node itself in the background (not the shell function), so that the trap stops the device, not a subshell
node out/src/cli/main.js device virtual --abi x86_64 --port "$port" > "$out/virtual-device.log" 2>&1 &
device_pid=$!
trap 'kill "$device_pid" 2>/dev/null || true; wait "$device_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  grep -q "127.0.0.1:$port" "$out/virtual-device.log" 2>/dev/null && break
  sleep 0.2
done
mobiprox devices
mobiprox profile "$model" --configs "$out/har.configs.json" --input "$x" --labels "$y" \
  --device "127.0.0.1:$port" --threads 1 --out "$out/har.profiled.json" --hpvm-out "$out/har.profiled.txt"

echo; echo "== 4. Simulate adaptation on each subject's trace"
for strategy in "naive --growth exponential" "confidence" "budget --budget 0.7"; do
  echo "-- $strategy"
  # shellcheck disable=SC2086
  mobiprox simulate --profile "$out/har.profiled.json" --labels "$y" --trace-by "$subjects" --strategy $strategy
done

echo; echo "== 5. Generate the Kotlin adaptation engine and runtime wrapper"
mobiprox generate --configs "$out/har.profiled.json" --strategy budget --budget 0.7 --lang kotlin \
  --package org.example.har --out "$out/kotlin"
ls "$out/kotlin"
