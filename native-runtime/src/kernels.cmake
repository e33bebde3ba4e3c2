# Numeric kernels of the runtime (kernels.h). Included by CMakeLists.txt, which compiles
# MPX_KERNEL_SOURCES into the runtime and links Threads and libm.
set(MPX_KERNEL_DIR ${CMAKE_CURRENT_LIST_DIR})
set(MPX_KERNEL_SOURCES
    ${MPX_KERNEL_DIR}/threadpool.c
    ${MPX_KERNEL_DIR}/counters.c
    ${MPX_KERNEL_DIR}/half.c
    ${MPX_KERNEL_DIR}/half_neon.c
    ${MPX_KERNEL_DIR}/half_x86.c
    ${MPX_KERNEL_DIR}/gemm.c
    ${MPX_KERNEL_DIR}/gemm_avx2.c
    ${MPX_KERNEL_DIR}/gemm_avx512.c
    ${MPX_KERNEL_DIR}/gemm_neon.c
    ${MPX_KERNEL_DIR}/knob.c
    ${MPX_KERNEL_DIR}/conv.c
    ${MPX_KERNEL_DIR}/conv_int8.c
    ${MPX_KERNEL_DIR}/conv_int8_vnni.c
    ${MPX_KERNEL_DIR}/conv_int8_avx2.c
    ${MPX_KERNEL_DIR}/conv_int8_neon.c
    ${MPX_KERNEL_DIR}/dense.c
    ${MPX_KERNEL_DIR}/pool.c)

# The int8 kernels promise the same values on every CPU (conv_int8.h): no contraction, whatever the C mode.
set_source_files_properties(${MPX_KERNEL_DIR}/conv_int8.c ${MPX_KERNEL_DIR}/conv_int8_neon.c
                            PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")
# The micro-kernels are written for fused multiply-add; ISO C modes otherwise forbid contracting
# a*b+c. The AVX2 and AVX-512 kernels are chosen at run time, so only their own files are built for them.
set_source_files_properties(${MPX_KERNEL_DIR}/gemm.c PROPERTIES COMPILE_OPTIONS "-ffp-contract=fast")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set_source_files_properties(${MPX_KERNEL_DIR}/gemm_avx2.c PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
  set_source_files_properties(${MPX_KERNEL_DIR}/gemm_avx512.c PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx2;-mfma")
  set_source_files_properties(${MPX_KERNEL_DIR}/conv_int8_vnni.c PROPERTIES COMPILE_OPTIONS
                              "-mavx512f;-mavx512bw;-mavx512vnni;-ffp-contract=off")
  set_source_files_properties(${MPX_KERNEL_DIR}/conv_int8_avx2.c PROPERTIES COMPILE_OPTIONS "-mavx2;-ffp-contract=off")
endif()
