#!/usr/bin/env bash
# Builds mpxrun, the native runtime's CLI, for Android ABIs, to push to devices for profiling:
#   build/android/<abi>/mpxrun       static, with Debian's cross compilers (toolchain/cmake/*.cmake)
#   build/android-ndk/<abi>/mpxrun   with the Android NDK (API 24), when ANDROID_NDK_HOME or ANDROID_NDK_ROOT
#                                    names one
# Static glibc programs run on Android's kernel without bionic, so the cross builds need no NDK.
# Usage: toolchain/build-android-abis.sh [ABI...]   (default: arm64-v8a armeabi-v7a x86_64)
# Idempotent: reruns only rebuild what changed. Prints each mpxrun it built.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
abis=("$@")
[ ${#abis[@]} -gt 0 ] || abis=(arm64-v8a armeabi-v7a x86_64)

declare -A triple=([arm64-v8a]=aarch64-linux-gnu [armeabi-v7a]=arm-linux-gnueabihf [x86_64]=x86_64-linux-gnu)
declare -A package=([arm64-v8a]=gcc-aarch64-linux-gnu [armeabi-v7a]=gcc-arm-linux-gnueabihf [x86_64]=gcc)

configure_and_build() { # build-folder cmake-arguments...
  local build="$1"
  shift
  cmake -S "$root/native-runtime" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMPX_TESTS=OFF -DMPX_JNI=OFF "$@" >/dev/null
  cmake --build "$build" --target mpxrun -j2 >/dev/null
}

for abi in "${abis[@]}"; do
  if [ -z "${triple[$abi]+x}" ]; then
    echo "build-android-abis: '$abi' is not an ABI this script builds (arm64-v8a, armeabi-v7a, x86_64)" >&2
    exit 2
  fi
  compiler="${triple[$abi]}-gcc"
  if ! command -v "$compiler" >/dev/null; then
    echo "build-android-abis: $compiler not found: install the Debian package ${package[$abi]} (toolchain/setup.sh does)" >&2
    exit 1
  fi
  build="$root/build/android/$abi"
  configure_and_build "$build" -DCMAKE_TOOLCHAIN_FILE="$root/toolchain/cmake/${triple[$abi]}.cmake"
  echo "$abi: $build/mpxrun"
done

ndk="${ANDROID_NDK_HOME:-${ANDROID_NDK_ROOT:-}}"
if [ -z "$ndk" ]; then
  echo "NDK builds skipped: neither ANDROID_NDK_HOME nor ANDROID_NDK_ROOT is set"
  exit 0
fi
ndk_toolchain="$ndk/build/cmake/android.toolchain.cmake"
if [ ! -f "$ndk_toolchain" ]; then
  echo "build-android-abis: $ndk is not an Android NDK ($ndk_toolchain is missing)" >&2
  exit 1
fi
for abi in "${abis[@]}"; do
  build="$root/build/android-ndk/$abi"
  # The NDK's clang takes the ABI's baseline flags from ANDROID_ABI (NEON for armeabi-v7a, ARMv8.0 for
  # arm64-v8a); its executables are position-independent and link bionic dynamically, as Android requires.
  configure_and_build "$build" -DCMAKE_TOOLCHAIN_FILE="$ndk_toolchain" -DANDROID_ABI="$abi" -DANDROID_PLATFORM=android-24
  echo "$abi (NDK): $build/mpxrun"
done
