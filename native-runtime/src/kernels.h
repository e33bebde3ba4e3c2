/* Internal numeric kernels of the runtime: thread pool, binary16 rounding, GEMM, convolution with its
 * approximations, dense layers and pooling. The executor (runtime.c and the op files) calls only these
 * functions; nothing here knows the file format. */
#ifndef MPX_KERNELS_H
#define MPX_KERNELS_H

#include <stddef.h>

#include "format_table.h" /* MPX_ACT_*: the fused activation codes of the file */

/* Loops that run over whole outputs: on x86-64 also compiled for AVX2 and chosen at load time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MPX_MULTIVERSION __attribute__((target_clones("avx2", "default")))
/* Loops whose results do not depend on the clone (copies; float steps one value at a time, which ISO C does not
 * contract): 64-byte vectors where the CPU has them */
#define MPX_MULTIVERSION_512 __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MPX_MULTIVERSION
#define MPX_MULTIVERSION_512
#endif

/* ---- thread pool --------------------------------------------------------------------------------- */
typedef struct mpx_pool mpx_pool;
mpx_pool *mpx_pool_create(int threads); /* threads <= 0: one per online CPU; NULL on failure */
void mpx_pool_destroy(mpx_pool *pool);
int mpx_pool_threads(const mpx_pool *pool);
/* CPU time of the calling thread and of the pool's workers, in seconds: the threads that run inference,
 * whatever else the process or the machine runs. Workers' spin waits count (they occupy a core). */
double mpx_pool_cpu_seconds(const mpx_pool *pool);
/* Calls fn(ctx, begin, end, thread) over disjoint chunks covering [0, n), chunks of at least `grain`
 * items, on the pool's threads (the caller is one of them); returns when all are done. */
typedef void (*mpx_range_fn)(void *ctx, int begin, int end, int thread);
void mpx_parallel_for(mpx_pool *pool, int n, int grain, mpx_range_fn fn, void *ctx);

/* ---- binary16 ------------------------------------------------------------------------------------ */
float mpx_round_half(float x); /* nearest IEEE binary16 value, ties to even, as a float */
void mpx_round_half_array(float *x, size_t n);

/* ---- GEMM ---------------------------------------------------------------------------------------- */
/* C[M×N] = A[M×K]·B[K×N] (+ C when accumulate), row-major with leading dimensions. Cache-blocked, packed,
 * vectorized; splits work across the pool. `workspace` holds mpx_sgemm_workspace(M, N, K, threads) bytes. */
size_t mpx_sgemm_workspace(int M, int N, int K, int threads);
void mpx_sgemm(mpx_pool *pool, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
               float *C, int ldc, int accumulate, void *workspace);

/* ---- approximation knobs (src/core/DESIGN.md §2) ---------------------------------------------------------- */
enum { MPX_KNOB_EXACT = 0, MPX_KNOB_PERF_ROWS = 1, MPX_KNOB_PERF_COLS = 2, MPX_KNOB_SAMPLING = 3 };
typedef struct {
    int kind;   /* MPX_KNOB_* */
    int stride; /* perforation/sampling stride x (2..4); 0 for exact */
    int offset; /* 0 <= offset < stride */
    int half;   /* binary16 operands and result */
    int int8;   /* 8-bit operands, 32-bit integer sums (int8 and its perforated and sampled forms) */
} mpx_knob;
/* Decodes a knob id of native-runtime/knobs.tsv: HPVM's (11, 12, 121-138, 151-168, 231-239, 261-269) and ours,
 * int8 (311, 321-338, 341-349); -1 for an unknown id. */
int mpx_knob_decode(int id, mpx_knob *knob);
/* The knob's name in configuration text ("perf_fp16"), or NULL for an unknown id. */
const char *mpx_knob_name(int id);

/* ---- convolution --------------------------------------------------------------------------------- */
/* Affine 8-bit quantisation of a tensor: x ≈ scale·(u − zero) for u in 0..255, zero 0 (tensors without
 * negative values) or 128 (symmetric). Calibrated per tensor and stored with the configuration. */
typedef struct {
    float scale;
    int zero;
} mpx_quant;

/* The activation a kernel applies as it stores, after the bias, in float32 as mpx_bias_act_fast: none, relu
 * (v > 0 ? v : 0) or clip (v < lo ? lo : v > hi ? hi : v; NaN stays NaN). */
typedef struct {
    int kind; /* MPX_ACT_NONE, MPX_ACT_RELU or MPX_ACT_CLIP */
    float lo, hi;
} mpx_act;
typedef struct {
    int C, H, W;    /* input channels and spatial size per sample */
    int M, Ho, Wo;  /* output channels and spatial size */
    int group, kh, kw, stride_h, stride_w, pad_top, pad_left, pad_bottom, pad_right, dil_h, dil_w;
} mpx_conv_shape;
typedef struct {
    mpx_knob knob;     /* the convolution's knob */
    int bias_half;     /* fused bias add in binary16 */
    int act;           /* MPX_ACT_* */
    float act_a, act_b;
    int act_half;      /* fused activation in binary16 */
    mpx_quant quant;   /* int8 knobs: the input's quantisation */
} mpx_conv_mode;
/* 1 when sampling drops weight (c, f) of every filter (c the input channel within the group, f the kernel
 * position of `area`), else 0; depends on c only modulo the stride (src/core/DESIGN.md §2). */
int mpx_sampling_drops(const mpx_knob *knob, int area, int c, int f);
/* 1 when the knob applies to the shape (FORMAT.md, layer records), else 0. */
int mpx_conv_knob_applies(const mpx_conv_shape *shape, const mpx_knob *knob);

/* A plan holds the weights prepared for one knob (packed, sampled and rescaled, rounded to binary16):
 * built once per (op, knob) when a configuration is first set, so switching back is free. */
typedef struct mpx_conv_plan mpx_conv_plan;
/* W is [M, C/group, kh, kw]; B is [M] or NULL. NULL on allocation failure or a knob that does not apply. */
mpx_conv_plan *mpx_conv_plan_create(const mpx_conv_shape *shape, const float *W, const float *B,
                                    const mpx_conv_mode *mode);
void mpx_conv_plan_destroy(mpx_conv_plan *plan);
size_t mpx_conv_workspace(const mpx_conv_plan *plan, int batch, int threads);
/* x: [batch, C, H, W], y: [batch, M, Ho, Wo]; perforation and sampling shrink the GEMM itself. */
void mpx_conv_run(const mpx_conv_plan *plan, mpx_pool *pool, const float *x, int batch, float *y,
                  void *workspace);

/* ---- dense (fully connected) --------------------------------------------------------------------- */
typedef struct mpx_dense_plan mpx_dense_plan;
/* Up to this many rows a dense layer multiplies vectors, whose sums associate otherwise than the GEMM's; from
 * one more on, every row gets the same bits whatever the number of rows. */
#define MPX_DENSE_GEMV_MAX_ROWS 3
/* W is [P, K] (one row per output), B is [P] or NULL; half: binary16 operands and result. */
mpx_dense_plan *mpx_dense_plan_create(int K, int P, const float *W, const float *B, int half,
                                      int bias_half, int act, float act_a, float act_b, int act_half);
void mpx_dense_plan_destroy(mpx_dense_plan *plan);
size_t mpx_dense_workspace(const mpx_dense_plan *plan, int rows, int threads);
/* x: [rows, K] -> y: [rows, P] */
void mpx_dense_run(const mpx_dense_plan *plan, mpx_pool *pool, const float *x, int rows, float *y,
                   void *workspace);

/* ---- pooling over the two trailing axes of [planes, H, W] ---------------------------------------- */
typedef struct {
    int H, W, Ho, Wo;
    int kh, kw, stride_h, stride_w, pad_top, pad_left, pad_bottom, pad_right, dil_h, dil_w;
    int count_include_pad; /* average pooling only */
} mpx_pool_shape;
void mpx_maxpool(const mpx_pool_shape *shape, mpx_pool *pool, const float *x, int planes, float *y, int half);
void mpx_avgpool(const mpx_pool_shape *shape, mpx_pool *pool, const float *x, int planes, float *y, int half);

#endif
