/* Packed-panel GEMM internals shared by the GEMM driver, the micro-kernels, convolution and dense
 * layers: reused operands (weights) are packed once in the micro-kernel's panel layout, so that the
 * GEMM itself never copies them.
 *
 * Layout, with K cut into blocks of MPX_GEMM_KC: block k0 of a packed A [M×K] starts at k0·Mpad
 * (Mpad = M rounded up to mr); inside it, panel p (rows p·mr…) holds kc·mr floats, element (i, k) at
 * (k − k0)·mr + i mod mr. Packed B [K×N] is the same with columns, nr and Npad. Padding is zero. */
#ifndef MPX_GEMM_H
#define MPX_GEMM_H

#include "kernels.h"

#include <stddef.h>
#include <stdint.h>

#define MPX_GEMM_KC 256

/* C[m×n] (= or +=) a_panel[kc×mr]ᵀ·b_panel[kc×nr], for m <= mr, n <= nr. */
typedef void (*mpx_micro_kernel)(int kc, const float *a, const float *b, float *c, int ldc, int accumulate,
                                 int m, int n);
/* Indirect convolution kernel: r[i][j] = Σ_k pixel[i][off[k]] · w[k·cnr + j] for cmr output pixels i and
 * cnr output channels j, summed in the order of k from zero. pixel[i] points at the first input element
 * of pixel i's window; off[k] is filter element k's offset from there. The pixels are read from the input
 * itself, so no im2col matrix is built; w is a panel of pre-packed weights. With `bias` (cnr floats) the
 * kernel adds bias[j], then applies `act`, in float32 as the separate epilogue would (mpx_bias_act): the
 * output is then written once. The result goes to tile[i·cnr + j], or, when out
 * is not NULL (pixels consecutive in the output, all cnr channels real), to out[j·ldo + i].
 * A kernel with lanes > 1 takes its pixels in runs of `lanes` consecutive ones of an output row whose
 * windows are consecutive in the input (stride 1): it reads only pixel[v] for the run v, pixel i being
 * then pixel[i / lanes] + i % lanes. */
typedef void (*mpx_conv_kernel)(int K, const int *off, const float *const *pixel, const float *w,
                                const float *bias, mpx_act act, float *tile, float *out, size_t ldo);

/* 16 pixels of output row oh (columns c0…c0 + 15) × 16 channels of a 3 × 3 convolution with stride 1, dilation
 * 1 and padding 1 on every side, from its unpadded input x [Cg][H][W] (output H × W, W a multiple of 16; stride 2:
 * see MPX_3X3_STRIDE2): the
 * sums of the row kernel (lanes 16, taps in the order channel, kernel row, kernel column, w a panel of cnr 16)
 * over the zero-padded input, where a tap over the padding adds nothing (w·0 leaves a sum that starts at +0
 * unchanged, so the bits are the same); bias and *act as that kernel's (a pointer: passed by value among this many
 * arguments, its copy on the stack stalled each call on a store forwarding); results to out[j·ldo + i]. `form`: which
 * taps each input channel has, MPX_3X3_ALL or one of the patterns of filter sampling below, or MPX_3X3_COLUMNS2. */
typedef struct mpx_expansion mpx_expansion;
typedef void (*mpx_conv_3x3_kernel)(const float *x, int Cg, int H, int W, int oh, int c0, int form, const float *w,
                                    const float *bias, const mpx_act *act, float *out, size_t ldo,
                                    const mpx_expansion *rows);
/* Perforation expanded by a conv_3x3 kernel as it stores (`rows` not NULL; float32, no, relu or clip activation),
 * in the operations of conv.c's expansion pass (rules 1-4 of src/core/DESIGN.md §2), so the same bits.
 * Rows: out is row oh of the output planes, the sums of the previous computed row of these 16 columns and channels
 * are at prev (16 × 16, channel-major) and are replaced by row oh's, and besides row oh the kernel writes the
 * skipped row above it (its mean with prev, or row oh's copy at the top) or below it (a copy, at the bottom),
 * pitch floats away, as the flags say. Columns (MPX_3X3_COLUMNS2 on rows of 32, MPX_EXPAND_COLUMNS): out is the
 * start of row oh, whose 32 outputs the kernel writes, its 16 interleaved with the means between them. */
struct mpx_expansion {
    float *prev;
    int flags;
    size_t pitch;
};
#define MPX_EXPAND_MEAN_ABOVE 1
#define MPX_EXPAND_COPY_ABOVE 2
#define MPX_EXPAND_COPY_BELOW 4
#define MPX_EXPAND_COLUMNS 8
#define MPX_3X3_ALL 0
/* Sampling of stride 2 (9 taps: every other one of the flattened channel × window sequence): channel c keeps the
 * odd window elements when c + phase is even, else the even ones; MPX_3X3_SAMPLED2 + phase, phase 0 or 1. */
#define MPX_3X3_SAMPLED2 1
/* Sampling of stride 3: channel c drops window column (c + phase) mod 3; MPX_3X3_SAMPLED3 + phase, phase 0-2. */
#define MPX_3X3_SAMPLED3 3
/* Column perforation of stride 2, every tap: the outputs are columns c0, c0 + 2, …, c0 + 30 (W a multiple of 32) */
#define MPX_3X3_COLUMNS2 6
/* MPX_3X3_STRIDE2 + a form of taps (MPX_3X3_ALL or a sampling pattern): stride 2 in rows and columns, padding 1
 * at the top and left, an input twice the output's size (2 × 32 columns and more) */
#define MPX_3X3_STRIDE2 7
/* The taps of one channel under these, bit 3i + j for window row i and column j */
#define MPX_3X3_TAPS_ALL 0x1FFu
#define MPX_3X3_TAPS_ODD 0x0AAu  /* elements 1, 3, 5, 7 */
#define MPX_3X3_TAPS_EVEN 0x155u /* elements 0, 2, 4, 6, 8 */
#define MPX_3X3_TAPS_NOT0 0x1B6u /* columns 1 and 2 */
#define MPX_3X3_TAPS_NOT1 0x16Du /* columns 0 and 2 */
#define MPX_3X3_TAPS_NOT2 0x0DBu /* columns 0 and 1 */

#define MPX_CONV_MAX_CMR 16
/* Depthwise convolution rows (conv.c): for r < rows, out[r·out_pitch + o] = act(Σ_t w[t] · in[r·in_pitch + off[t] + o]
 * + bias), summed in the order of t from zero, for o in [0, n) rounded up to a multiple of MPX_DEPTHWISE_LANES
 * (the caller pads in and out so). The kernel works on several vectors at once, of one row or of several, so
 * that their sums do not wait on one another. */
typedef void (*mpx_depthwise_kernel)(int taps, const int *off, const float *in, size_t in_pitch, const float *w,
                                     int n, int rows, float bias, mpx_act act, float *out, size_t out_pitch);
#define MPX_DEPTHWISE_LANES 16
/* Depthwise planes read without a padded copy (stride 1: the planes themselves; stride 2: their phases, as
 * split_phases lays them out), for p < planes and o in [0, n):
 * out[p·n + o] = act(Σ_t w[p·taps + t] · x[p·in_plane + o + off[t]] + bias[p]) (bias NULL: 0), summed as
 * mpx_depthwise_kernel, the load of vector v (outputs 16v…) and tap t masked by mask[v·taps + t]: a lane whose
 * window element lies outside the plane reads zero, as from padding, and reads no memory. */
typedef void (*mpx_depthwise_masked_kernel)(int taps, const int *off, const uint16_t *mask, const float *x,
                                            size_t in_plane, const float *w, const float *bias, int planes, int n,
                                            mpx_act act, float *out);

typedef struct {
    int cmr, cnr; /* pixels (at most MPX_CONV_MAX_CMR) and channels of one call */
    int lanes;    /* 1, or the pixels of a run (cmr a multiple of it) */
    mpx_conv_kernel kernel; /* NULL: none */
} mpx_conv_kernel_spec;

typedef struct {
    const char *name; /* "avx512", "avx2", "neon" or "portable": reported beside every measurement */
    int mr, nr, mc; /* mc: rows of A per cache block, a multiple of mr */
    mpx_micro_kernel kernel;
    mpx_conv_kernel_spec conv;      /* any convolution */
    mpx_conv_kernel_spec conv_wide; /* groups of at least its cnr output channels (cnr ≥ conv.cnr) */
    mpx_conv_kernel_spec conv_row;  /* lanes > 1: convolutions computing whole runs along output rows */
    mpx_conv_3x3_kernel conv_3x3;   /* with conv_row (lanes and cnr 16): its 3 × 3 convolutions without padded copy;
                                     * NULL: none */
    mpx_depthwise_kernel depthwise;
    mpx_depthwise_masked_kernel depthwise_masked; /* NULL: none (the padded copy and depthwise) */
    /* with depthwise_masked: the four phase planes of plane x [H][W] for stride 2, phase 2·(h mod 2) + (w mod 2)
     * at out + phase·that, x[h][w] at its row h / 2, column w / 2, in rows of `pitch` floats */
    void (*split_phases)(const float *x, int H, int W, int pitch, size_t phase, float *out);
    /* rows of x [rows][W] split into their even-indexed columns (to even + h·pitch) and odd-indexed ones (to
     * odd + h·pitch), as mpx_split_columns does a row; NULL: that, a row at a time */
    void (*split_rows)(const float *x, int rows, int W, float *even, float *odd, int pitch);
    /* with depthwise_masked: 3 × 3 depthwise planes with padding 1, output rows 16 or 32 wide and, at stride 2,
     * inputs of twice the output's size; the sums of depthwise_masked but for the sign of a zero: out[p] for
     * p < planes from x[p · in_plane…], weights w[p·9…] */
    void (*depthwise_3x3)(const float *x, size_t in_plane, const float *w, const float *bias, int planes, int Ho,
                          int Wo, int stride, mpx_act act, float *out);
    /* binary16 rounding by the CPU's conversion instructions (half.h's functions, the same values), or NULL:
     * half.c's software form */
    void (*round_half_copy)(float *dst, const float *src, size_t n);
    void (*half_bias_relu)(float *v, size_t n, float b, int round_in, int relu);
} mpx_gemm_arch;

/* The fastest kernel the running CPU supports; the same for the whole process. */
const mpx_gemm_arch *mpx_gemm_arch_get(void);

#if defined(__x86_64__)
void mpx_micro_kernel_avx2(int kc, const float *a, const float *b, float *c, int ldc, int accumulate, int m,
                           int n);
#define MPX_AVX2_MR 4
#define MPX_AVX2_NR 24
void mpx_conv_kernel_avx2(int K, const int *off, const float *const *pixel, const float *w, const float *bias,
                          mpx_act act, float *tile, float *out, size_t ldo);
void mpx_depthwise_avx2(int taps, const int *off, const float *in, size_t in_pitch, const float *w, int n, int rows,
                        float bias, mpx_act act, float *out, size_t out_pitch);
void mpx_depthwise_avx512(int taps, const int *off, const float *in, size_t in_pitch, const float *w, int n, int rows,
                          float bias, mpx_act act, float *out, size_t out_pitch);
void mpx_depthwise_masked_avx512(int taps, const int *off, const uint16_t *mask, const float *x, size_t in_plane,
                                 const float *w, const float *bias, int planes, int n, mpx_act act, float *out);
void mpx_split_phases_avx512(const float *x, int H, int W, int pitch, size_t phase, float *out);
void mpx_split_rows_avx512(const float *x, int rows, int W, float *even, float *odd, int pitch);
void mpx_depthwise_3x3_avx512(const float *x, size_t in_plane, const float *w, const float *bias, int planes, int Ho,
                              int Wo, int stride, mpx_act act, float *out);
#define MPX_AVX2_CMR 6
#define MPX_AVX2_CNR 16
void mpx_conv_kernel_avx512(int K, const int *off, const float *const *pixel, const float *w, const float *bias,
                            mpx_act act, float *tile, float *out, size_t ldo);
#define MPX_AVX512_CMR 8
#define MPX_AVX512_CNR 16
void mpx_conv_kernel_avx512_wide(int K, const int *off, const float *const *pixel, const float *w,
                                 const float *bias, mpx_act act, float *tile, float *out, size_t ldo);
#define MPX_AVX512_WIDE_CMR 8
#define MPX_AVX512_WIDE_CNR 32
void mpx_conv_kernel_avx512_row(int K, const int *off, const float *const *pixel, const float *w,
                                const float *bias, mpx_act act, float *tile, float *out, size_t ldo);
#define MPX_AVX512_ROW_CMR 16 /* one run */
void mpx_conv_kernel_avx512_3x3(const float *x, int Cg, int H, int W, int oh, int c0, int form, const float *w,
                                const float *bias, const mpx_act *act, float *out, size_t ldo,
                                const mpx_expansion *rows);
void mpx_round_half_copy_avx512(float *dst, const float *src, size_t n);
void mpx_half_bias_relu_avx512(float *v, size_t n, float b, int round_in, int relu);
void mpx_round_half_copy_f16c(float *dst, const float *src, size_t n);
void mpx_half_bias_relu_f16c(float *v, size_t n, float b, int round_in, int relu);
#define MPX_AVX512_ROW_CNR 16
#endif

#if defined(__ARM_NEON)
void mpx_micro_kernel_neon(int kc, const float *a, const float *b, float *c, int ldc, int accumulate, int m, int n);
void mpx_conv_kernel_neon(int K, const int *off, const float *const *pixel, const float *w, const float *bias,
                          mpx_act act, float *tile, float *out, size_t ldo);
void mpx_conv_kernel_neon_row(int K, const int *off, const float *const *pixel, const float *w, const float *bias,
                              mpx_act act, float *tile, float *out, size_t ldo);
#define MPX_NEON_ROW_CMR 8 /* one run */
#if defined(__aarch64__)
#define MPX_NEON_MR 8
#define MPX_NEON_NR 12
#define MPX_NEON_CMR 8
#define MPX_NEON_CNR 8
void mpx_conv_kernel_neon_wide(int K, const int *off, const float *const *pixel, const float *w,
                               const float *bias, mpx_act act, float *tile, float *out, size_t ldo);
#define MPX_NEON_WIDE_CMR 6
#define MPX_NEON_WIDE_CNR 16
#define MPX_NEON_ROW_CNR 8
#else
#define MPX_NEON_MR 4
#define MPX_NEON_NR 8
#define MPX_NEON_CMR 4
#define MPX_NEON_CNR 8
#define MPX_NEON_ROW_CNR 4
#endif
#endif

static inline int mpx_round_up(int x, int to)
{
    return (x + to - 1) / to * to;
}

static inline size_t mpx_gemm_packed_a_floats(int M, int K)
{
    return (size_t)mpx_round_up(M, mpx_gemm_arch_get()->mr) * (size_t)K;
}

static inline size_t mpx_gemm_packed_b_floats(int K, int N)
{
    return (size_t)K * (size_t)mpx_round_up(N, mpx_gemm_arch_get()->nr);
}

/* Pack a row-major A [M×K] (or B [K×N]) whole, in the layout above. */
void mpx_gemm_pack_a(int M, int K, const float *A, int lda, float *packed);
void mpx_gemm_pack_b(int K, int N, const float *B, int ldb, float *packed);
/* Pack B transposed: `Bt` is [N×K] row-major (a dense layer's weights), packed as B = Btᵀ [K×N]. */
void mpx_gemm_pack_bt(int K, int N, const float *Bt, int ldbt, float *packed);

/* C[M×N] (+)= A·B from packed operands: A is a whole packed matrix with Mpad = a_stride; B is a packed
 * matrix with Npad = b_stride of which the N columns from panel b_panel on are used (so that threads can
 * share one packed B). Single-threaded. */
void mpx_gemm_packed(int M, int N, int K, const float *a, int a_stride, const float *b, int b_stride, int b_panel,
                     float *C, int ldc, int accumulate);

#endif
