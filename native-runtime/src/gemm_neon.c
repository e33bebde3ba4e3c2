/* NEON kernels for arm64-v8a and armeabi-v7a, chosen by mpx_gemm_arch_get (MPX_PORTABLE_KERNELS=1 keeps
 * the portable ones). Written with intrinsics because GCC does not vectorize float vector-extension code
 * for ARMv7 NEON at all (its flush-to-zero is not IEEE), and on both ABIs so that the multiply takes its
 * factor from a register lane (FMLA/VMLA by element) instead of a broadcast per product.
 * Each accumulator sums in the order of k from zero (gemm.h). On arm64 the products are fused, as in the
 * x86 kernels, so the convolution sums are the same bit for bit; ARMv7 NEON has no fused multiply-add by
 * element (and VFPv4's vector VFMA is not on every armeabi-v7a CPU), so VMLA rounds each product first and
 * flushes subnormals to zero: within the fp32 tolerance, not bit-identical.
 * Shapes per ABI (32 vector registers on arm64, 16 on ARMv7; tiles leave room for the operands):
 * - GEMM: 8 rows × 12 columns (24 accumulators) / 4 × 8;
 * - convolution, each pixel's value loaded into a lane: 8 pixels × 8 channels, and 6 × 16 for groups of 16
 *   channels or more (10 loads per 24 multiply-adds) / 4 × 8;
 * - runs of 8 consecutive pixels of an output row (stride 1), loaded as vectors, × 8 channels / × 4: the
 *   weights are the by-element factors and the accumulators are output rows already.
 * The shapes follow the register count and load-to-multiply ratio; they are not tuned on a phone. */
#if defined(__ARM_NEON)
#include "gemm.h"

#include "neon.h"

#if defined(__aarch64__)
#define MAC_N(c, x, s) vfmaq_n_f32(c, x, s)
#define MAC_LANE(c, x, v, l) vfmaq_laneq_f32(c, x, v, l)
#else
#define MAC_N(c, x, s) vmlaq_n_f32(c, x, s)
#define MAC_LANE(c, x, v, l) vmlaq_lane_f32(c, x, (l) < 2 ? vget_low_f32(v) : vget_high_f32(v), (l) & 1)
#endif

/* acc[0..3] += x · v[0..3], one accumulator per lane of v */
#define MAC4(acc, x, v)                                                                                      \
    do {                                                                                                     \
        (acc)[0] = MAC_LANE((acc)[0], x, v, 0);                                                              \
        (acc)[1] = MAC_LANE((acc)[1], x, v, 1);                                                              \
        (acc)[2] = MAC_LANE((acc)[2], x, v, 2);                                                              \
        (acc)[3] = MAC_LANE((acc)[3], x, v, 3);                                                              \
    } while (0)

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* Stores lane r of rows r0..r3 as the 4 floats at dst + r·ld (a 4 × 4 transposition). */
ALWAYS_INLINE void store_transposed4(float32x4_t r0, float32x4_t r1, float32x4_t r2, float32x4_t r3, float *dst,
                                     size_t ld)
{
    float32x4x2_t t01 = vtrnq_f32(r0, r1), t23 = vtrnq_f32(r2, r3);
    vst1q_f32(dst, vcombine_f32(vget_low_f32(t01.val[0]), vget_low_f32(t23.val[0])));
    vst1q_f32(dst + ld, vcombine_f32(vget_low_f32(t01.val[1]), vget_low_f32(t23.val[1])));
    vst1q_f32(dst + 2 * ld, vcombine_f32(vget_high_f32(t01.val[0]), vget_high_f32(t23.val[0])));
    vst1q_f32(dst + 3 * ld, vcombine_f32(vget_high_f32(t01.val[1]), vget_high_f32(t23.val[1])));
}

/* ---- GEMM ---------------------------------------------------------------------------------------------- */

void mpx_micro_kernel_neon(int kc, const float *a, const float *b, float *c, int ldc, int accumulate, int m, int n)
{
    enum { MR = MPX_NEON_MR, NV = MPX_NEON_NR / 4 };
    float32x4_t acc[MR][NV];
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            acc[i][v] = vdupq_n_f32(0.0f);
    for (int k = 0; k < kc; k++, a += MR, b += 4 * NV) {
        float32x4_t bv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            bv[v] = vld1q_f32(b + 4 * v);
#pragma GCC unroll 2
        for (int g = 0; g < MR / 4; g++) {
            float32x4_t av = vld1q_f32(a + 4 * g);
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) {
                float32x4_t col[4] = {acc[4 * g][v], acc[4 * g + 1][v], acc[4 * g + 2][v], acc[4 * g + 3][v]};
                MAC4(col, bv[v], av);
                acc[4 * g][v] = col[0], acc[4 * g + 1][v] = col[1], acc[4 * g + 2][v] = col[2];
                acc[4 * g + 3][v] = col[3];
            }
        }
    }
    if (m == MR && n == 4 * NV) {
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++, c += ldc)
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++)
                vst1q_f32(c + 4 * v, accumulate ? vaddq_f32(acc[i][v], vld1q_f32(c + 4 * v)) : acc[i][v]);
        return;
    }
    float tile[MR][4 * NV];
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            vst1q_f32(tile[i] + 4 * v, acc[i][v]);
    for (int i = 0; i < m; i++, c += ldc)
        for (int j = 0; j < n; j++)
            c[j] = accumulate ? c[j] + tile[i][j] : tile[i][j];
}

/* ---- convolution over pixels read one by one ---------------------------------------------------------- */

/* cmr pixels × cnr channels (cmr ≤ 8 a multiple of 2, cnr ≤ 16 a multiple of 4), one accumulator per pixel
 * and 4 channels; constants once inlined, so the arrays live in registers. */
ALWAYS_INLINE void conv_pixels(int K, const int *off, const float *const *pixel, const float *w, const float *bias,
                               mpx_act act, float *tile, float *out, size_t ldo, const int cmr, const int cnr)
{
    const int nv = cnr / 4;
    const float *p[8];
    float32x4_t acc[8][4];
#pragma GCC unroll 8
    for (int i = 0; i < cmr; i++) {
        p[i] = pixel[i];
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            acc[i][v] = vdupq_n_f32(0.0f);
    }
    for (int k = 0; k < K; k++, w += cnr) {
        int o = off[k];
        float32x4_t wv[4];
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            wv[v] = vld1q_f32(w + 4 * v);
        /* the pixels' values as lanes of vectors: scalar registers alias vector ones, and six of them
         * beside 24 accumulators and 4 weight vectors made GCC spill accumulators */
#pragma GCC unroll 2
        for (int g = 0; g < (cmr + 3) / 4; g++) {
            float32x4_t x = vld1q_dup_f32(p[4 * g] + o);
            if (4 * g + 1 < cmr)
                x = vld1q_lane_f32(p[4 * g + 1] + o, x, 1);
            if (4 * g + 2 < cmr)
                x = vld1q_lane_f32(p[4 * g + 2] + o, x, 2);
            if (4 * g + 3 < cmr)
                x = vld1q_lane_f32(p[4 * g + 3] + o, x, 3);
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++) {
                acc[4 * g][v] = MAC_LANE(acc[4 * g][v], wv[v], x, 0);
                if (4 * g + 1 < cmr)
                    acc[4 * g + 1][v] = MAC_LANE(acc[4 * g + 1][v], wv[v], x, 1);
                if (4 * g + 2 < cmr)
                    acc[4 * g + 2][v] = MAC_LANE(acc[4 * g + 2][v], wv[v], x, 2);
                if (4 * g + 3 < cmr)
                    acc[4 * g + 3][v] = MAC_LANE(acc[4 * g + 3][v], wv[v], x, 3);
            }
        }
    }
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) {
        float32x4_t b = bias ? vld1q_f32(bias + 4 * v) : vdupq_n_f32(0.0f);
#pragma GCC unroll 8
        for (int i = 0; i < cmr; i++) {
            if (bias)
                acc[i][v] = vaddq_f32(acc[i][v], b);
            acc[i][v] = mpx_act4(acc[i][v], act);
        }
    }
    if (!out) {
#pragma GCC unroll 8
        for (int i = 0; i < cmr; i++)
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++)
                vst1q_f32(tile + i * cnr + 4 * v, acc[i][v]);
        return;
    }
    /* channel-major: 4 × 4 transpositions, lane stores for a last pair of pixels */
#pragma GCC unroll 4
    for (int v = 0; v < nv; v++) {
        float *o4 = out + (size_t)4 * v * ldo;
#pragma GCC unroll 2
        for (int i = 0; i + 4 <= cmr; i += 4)
            store_transposed4(acc[i][v], acc[i + 1][v], acc[i + 2][v], acc[i + 3][v], o4 + i, ldo);
        if (cmr % 4) {
            float32x4x2_t pair = vzipq_f32(acc[cmr - 2][v], acc[cmr - 1][v]); /* lane l of both pixels */
            vst1_f32(o4 + cmr - 2, vget_low_f32(pair.val[0]));
            vst1_f32(o4 + ldo + cmr - 2, vget_high_f32(pair.val[0]));
            vst1_f32(o4 + 2 * ldo + cmr - 2, vget_low_f32(pair.val[1]));
            vst1_f32(o4 + 3 * ldo + cmr - 2, vget_high_f32(pair.val[1]));
        }
    }
}

void mpx_conv_kernel_neon(int K, const int *off, const float *const *pixel, const float *w, const float *bias,
                          mpx_act act, float *tile, float *out, size_t ldo)
{
    conv_pixels(K, off, pixel, w, bias, act, tile, out, ldo, MPX_NEON_CMR, MPX_NEON_CNR);
}

#if defined(__aarch64__)
void mpx_conv_kernel_neon_wide(int K, const int *off, const float *const *pixel, const float *w, const float *bias,
                               mpx_act act, float *tile, float *out, size_t ldo)
{
    conv_pixels(K, off, pixel, w, bias, act, tile, out, ldo, MPX_NEON_WIDE_CMR, MPX_NEON_WIDE_CNR);
}
#endif

/* ---- convolution over runs of consecutive pixels ------------------------------------------------------- */

void mpx_conv_kernel_neon_row(int K, const int *off, const float *const *pixel, const float *w, const float *bias,
                              mpx_act act, float *tile, float *out, size_t ldo)
{
    enum { PV = MPX_NEON_ROW_CMR / 4, CNR = MPX_NEON_ROW_CNR };
    const float *p = pixel[0]; /* pixel i of the run reads p[i + off[k]] */
    float32x4_t acc[CNR][PV];  /* channel j, pixels 4v… */
#pragma GCC unroll 8
    for (int j = 0; j < CNR; j++)
#pragma GCC unroll 2
        for (int v = 0; v < PV; v++)
            acc[j][v] = vdupq_n_f32(0.0f);
    for (int k = 0; k < K; k++, w += CNR) {
        float32x4_t x[PV];
#pragma GCC unroll 2
        for (int v = 0; v < PV; v++)
            x[v] = vld1q_f32(p + off[k] + 4 * v);
#pragma GCC unroll 2
        for (int q = 0; q < CNR / 4; q++) {
            float32x4_t wv = vld1q_f32(w + 4 * q);
#pragma GCC unroll 2
            for (int v = 0; v < PV; v++) {
                float32x4_t col[4] = {acc[4 * q][v], acc[4 * q + 1][v], acc[4 * q + 2][v], acc[4 * q + 3][v]};
                MAC4(col, x[v], wv);
                acc[4 * q][v] = col[0], acc[4 * q + 1][v] = col[1], acc[4 * q + 2][v] = col[2];
                acc[4 * q + 3][v] = col[3];
            }
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < CNR; j++)
#pragma GCC unroll 2
        for (int v = 0; v < PV; v++) {
            if (bias)
                acc[j][v] = vaddq_f32(acc[j][v], vdupq_n_f32(bias[j]));
            acc[j][v] = mpx_act4(acc[j][v], act);
        }
    if (out) {
#pragma GCC unroll 8
        for (int j = 0; j < CNR; j++)
#pragma GCC unroll 2
            for (int v = 0; v < PV; v++)
                vst1q_f32(out + j * ldo + 4 * v, acc[j][v]);
        return;
    }
    /* tile[i·CNR + j]: 4 × 4 transpositions */
#pragma GCC unroll 2
    for (int q = 0; q < CNR / 4; q++)
#pragma GCC unroll 2
        for (int v = 0; v < PV; v++)
            store_transposed4(acc[4 * q][v], acc[4 * q + 1][v], acc[4 * q + 2][v], acc[4 * q + 3][v],
                              tile + 4 * v * CNR + 4 * q, CNR);
}
#else
typedef int mpx_no_neon_on_this_target; /* ISO C forbids an empty translation unit */
#endif
