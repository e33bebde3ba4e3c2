# Static x86_64 builds (Android emulators, Chromebooks) with Debian's x86_64-linux-gnu-gcc: the host gcc
# on amd64, the cross compiler (gcc-x86-64-linux-gnu) elsewhere. The AVX2 kernel stays behind its
# run-time check, so the baseline x86-64 instruction set suffices.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-linux-gnu-gcc)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
