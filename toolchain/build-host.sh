#!/usr/bin/env bash
# Builds the native runtime (Release) for this machine into build/host at the repository root.
# Idempotent: reruns only rebuild what changed. Prints where mpxrun is.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build/host"
cmake -S "$root/native-runtime" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 >/dev/null
echo "mpxrun: $build/mpxrun"
