#!/usr/bin/env bash
# Installs the Debian packages Mobiprox builds and tests with, only those missing (root or sudo).
set -euo pipefail
packages=(
  cmake make gcc g++          # host runtime
  openjdk-17-jdk-headless     # javac and jni.h for the JNI wrapper
  kotlin                      # kotlinc 1.3: the generated Kotlin is compiled by the tests
  curl ca-certificates        # toolchain/kotlin-compiler.sh downloads a current Kotlin compiler
  python3-numpy               # .npy interoperability tests against NumPy itself
  chromium                    # the end-to-end suite's browser (test/e2e, driven by playwright-core)
  libkrb5-dev                 # gssapi.h for code-server's kerberos module, built at its npm install
  adb                         # the real adb server that device tests and the virtual device talk to
  qemu-user-static            # the virtual device runs arm64-v8a and armeabi-v7a programs under qemu-user
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross    # static arm64-v8a builds
  gcc-arm-linux-gnueabihf libc6-dev-armhf-cross  # static armeabi-v7a builds
  slurmctld slurmd slurm-client munge            # the one-node cluster of the slurm executor's tests (toolchain/slurm-cluster.sh)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
else
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# A current Kotlin compiler beside Debian's 1.3: the generated Kotlin is compiled by both.
echo "setup: Kotlin compiler in $(bash "$(dirname "$0")/kotlin-compiler.sh")"
