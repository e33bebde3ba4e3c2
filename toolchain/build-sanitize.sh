#!/usr/bin/env bash
# Builds the native runtime with AddressSanitizer and UndefinedBehaviorSanitizer into build/sanitize, for the
# loader fuzzer and the C tests (ctest --test-dir build/sanitize). Idempotent. Prints where mpxrun is.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build/sanitize"
cmake -S "$root/native-runtime" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMPX_SANITIZE=ON >/dev/null
cmake --build "$build" -j2 >/dev/null
echo "mpxrun: $build/mpxrun"
