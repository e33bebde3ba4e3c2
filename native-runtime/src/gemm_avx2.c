/* AVX2+FMA micro-kernels, selected at run time by mpx_gemm_arch_get; the build compiles this file with
 * -mavx2 -mfma, the pragma covers builds that do not.
 * GEMM: 4 rows × 24 columns, 12 accumulators, 3 loads of B and 4 broadcasts of A per step; four rows
 * divide the channel counts of common CNNs (16, 32, 64…) exactly.
 * Convolution: 6 pixels × 16 channels, the pixels broadcast straight from the input. */
#if defined(__x86_64__)
#if !defined(__AVX2__) || !defined(__FMA__)
#pragma GCC target("avx2,fma")
#endif
#include "gemm.h"
#include "kernels.h"

#include <immintrin.h>

void mpx_micro_kernel_avx2(int kc, const float *a, const float *b, float *c, int ldc, int accumulate, int m,
                           int n)
{
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c02 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps(), c12 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c22 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(), c32 = _mm256_setzero_ps();
    for (int k = 0; k < kc; k++) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), b2 = _mm256_loadu_ps(b + 16);
        __m256 a0 = _mm256_broadcast_ss(a), a1 = _mm256_broadcast_ss(a + 1);
        c00 = _mm256_fmadd_ps(a0, b0, c00);
        c01 = _mm256_fmadd_ps(a0, b1, c01);
        c02 = _mm256_fmadd_ps(a0, b2, c02);
        c10 = _mm256_fmadd_ps(a1, b0, c10);
        c11 = _mm256_fmadd_ps(a1, b1, c11);
        c12 = _mm256_fmadd_ps(a1, b2, c12);
        __m256 a2 = _mm256_broadcast_ss(a + 2), a3 = _mm256_broadcast_ss(a + 3);
        c20 = _mm256_fmadd_ps(a2, b0, c20);
        c21 = _mm256_fmadd_ps(a2, b1, c21);
        c22 = _mm256_fmadd_ps(a2, b2, c22);
        c30 = _mm256_fmadd_ps(a3, b0, c30);
        c31 = _mm256_fmadd_ps(a3, b1, c31);
        c32 = _mm256_fmadd_ps(a3, b2, c32);
        a += 4;
        b += 24;
    }
    __m256 acc[4][3] = {{c00, c01, c02}, {c10, c11, c12}, {c20, c21, c22}, {c30, c31, c32}};
    if (m == 4 && n == 24) {
        for (int i = 0; i < 4; i++, c += ldc)
            for (int j = 0; j < 3; j++) {
                __m256 v = acc[i][j];
                if (accumulate)
                    v = _mm256_add_ps(v, _mm256_loadu_ps(c + 8 * j));
                _mm256_storeu_ps(c + 8 * j, v);
            }
        return;
    }
    float tile[4][24];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            _mm256_storeu_ps(tile[i] + 8 * j, acc[i][j]);
    for (int i = 0; i < m; i++, c += ldc)
        for (int j = 0; j < n; j++)
            c[j] = accumulate ? c[j] + tile[i][j] : tile[i][j];
}

/* act(v) as the scalar forms (mpx_bias_act_fast): max and min return their second operand for NaN and equal
 * values, so relu is max(v, 0) and clip min(hi, max(lo, v)), -0 and NaN included */
static inline __m256 act8(__m256 v, mpx_act a)
{
    if (a.kind == MPX_ACT_RELU)
        return _mm256_max_ps(v, _mm256_setzero_ps());
    if (a.kind == MPX_ACT_CLIP)
        return _mm256_min_ps(_mm256_set1_ps(a.hi), _mm256_max_ps(_mm256_set1_ps(a.lo), v));
    return v;
}

/* Transposes 8 rows of 8 (rows 6 and 7 zero) and stores 6 values of each column to out + j·ldo. */
static inline void store_transposed(__m256 r0, __m256 r1, __m256 r2, __m256 r3, __m256 r4, __m256 r5, float *out,
                                    size_t ldo)
{
    __m256 z = _mm256_setzero_ps();
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, z, 0x44), u5 = _mm256_shuffle_ps(t4, z, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, z, 0x44), u7 = _mm256_shuffle_ps(t5, z, 0xEE);
    __m256 col[8] = {
        _mm256_permute2f128_ps(u0, u4, 0x20), _mm256_permute2f128_ps(u1, u5, 0x20),
        _mm256_permute2f128_ps(u2, u6, 0x20), _mm256_permute2f128_ps(u3, u7, 0x20),
        _mm256_permute2f128_ps(u0, u4, 0x31), _mm256_permute2f128_ps(u1, u5, 0x31),
        _mm256_permute2f128_ps(u2, u6, 0x31), _mm256_permute2f128_ps(u3, u7, 0x31),
    };
    for (int j = 0; j < 8; j++, out += ldo) {
        _mm_storeu_ps(out, _mm256_castps256_ps128(col[j]));
        _mm_storel_pi((__m64 *)(out + 4), _mm256_extractf128_ps(col[j], 1));
    }
}

void mpx_conv_kernel_avx2(int K, const int *off, const float *const *pixel, const float *w, const float *bias,
                          mpx_act act, float *tile, float *out, size_t ldo)
{
    const float *p0 = pixel[0], *p1 = pixel[1], *p2 = pixel[2], *p3 = pixel[3], *p4 = pixel[4], *p5 = pixel[5];
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps();
    __m256 c11 = _mm256_setzero_ps(), c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(), c40 = _mm256_setzero_ps();
    __m256 c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (int k = 0; k < K; k++) {
        int o = off[k];
        __m256 b0 = _mm256_loadu_ps(w), b1 = _mm256_loadu_ps(w + 8);
        __m256 a = _mm256_broadcast_ss(p0 + o);
        c00 = _mm256_fmadd_ps(a, b0, c00);
        c01 = _mm256_fmadd_ps(a, b1, c01);
        a = _mm256_broadcast_ss(p1 + o);
        c10 = _mm256_fmadd_ps(a, b0, c10);
        c11 = _mm256_fmadd_ps(a, b1, c11);
        a = _mm256_broadcast_ss(p2 + o);
        c20 = _mm256_fmadd_ps(a, b0, c20);
        c21 = _mm256_fmadd_ps(a, b1, c21);
        a = _mm256_broadcast_ss(p3 + o);
        c30 = _mm256_fmadd_ps(a, b0, c30);
        c31 = _mm256_fmadd_ps(a, b1, c31);
        a = _mm256_broadcast_ss(p4 + o);
        c40 = _mm256_fmadd_ps(a, b0, c40);
        c41 = _mm256_fmadd_ps(a, b1, c41);
        a = _mm256_broadcast_ss(p5 + o);
        c50 = _mm256_fmadd_ps(a, b0, c50);
        c51 = _mm256_fmadd_ps(a, b1, c51);
        w += 16;
    }
    if (bias) {
        __m256 b0 = _mm256_loadu_ps(bias), b1 = _mm256_loadu_ps(bias + 8);
        c00 = _mm256_add_ps(c00, b0), c01 = _mm256_add_ps(c01, b1), c10 = _mm256_add_ps(c10, b0);
        c11 = _mm256_add_ps(c11, b1), c20 = _mm256_add_ps(c20, b0), c21 = _mm256_add_ps(c21, b1);
        c30 = _mm256_add_ps(c30, b0), c31 = _mm256_add_ps(c31, b1), c40 = _mm256_add_ps(c40, b0);
        c41 = _mm256_add_ps(c41, b1), c50 = _mm256_add_ps(c50, b0), c51 = _mm256_add_ps(c51, b1);
    }
    if (act.kind != MPX_ACT_NONE) {
        c00 = act8(c00, act), c01 = act8(c01, act), c10 = act8(c10, act), c11 = act8(c11, act);
        c20 = act8(c20, act), c21 = act8(c21, act), c30 = act8(c30, act), c31 = act8(c31, act);
        c40 = act8(c40, act), c41 = act8(c41, act), c50 = act8(c50, act), c51 = act8(c51, act);
    }
    if (out) {
        store_transposed(c00, c10, c20, c30, c40, c50, out, ldo);
        store_transposed(c01, c11, c21, c31, c41, c51, out + 8 * ldo, ldo);
        return;
    }
    _mm256_storeu_ps(tile, c00);
    _mm256_storeu_ps(tile + 8, c01);
    _mm256_storeu_ps(tile + 16, c10);
    _mm256_storeu_ps(tile + 24, c11);
    _mm256_storeu_ps(tile + 32, c20);
    _mm256_storeu_ps(tile + 40, c21);
    _mm256_storeu_ps(tile + 48, c30);
    _mm256_storeu_ps(tile + 56, c31);
    _mm256_storeu_ps(tile + 64, c40);
    _mm256_storeu_ps(tile + 72, c41);
    _mm256_storeu_ps(tile + 80, c50);
    _mm256_storeu_ps(tile + 88, c51);
}

/* V vectors of 16 outputs (two registers each), each from its own input and output position: 2V independent
 * chains of FMAs */
static inline __attribute__((always_inline)) void depthwise_vectors(int taps, const int *off, const float *const *in,
                                                                    const float *w, __m256 b, mpx_act act,
                                                                    float *const *out, const int V)
{
    __m256 v[2][2];
#pragma GCC unroll 2
    for (int i = 0; i < V; i++)
        v[i][0] = v[i][1] = _mm256_setzero_ps();
    for (int t = 0; t < taps; t++) {
        __m256 wt = _mm256_set1_ps(w[t]);
#pragma GCC unroll 2
        for (int i = 0; i < V; i++) {
            v[i][0] = _mm256_fmadd_ps(wt, _mm256_loadu_ps(in[i] + off[t]), v[i][0]);
            v[i][1] = _mm256_fmadd_ps(wt, _mm256_loadu_ps(in[i] + off[t] + 8), v[i][1]);
        }
    }
#pragma GCC unroll 2
    for (int i = 0; i < V; i++) { /* in order: a vector that passes its row's end precedes the next row's */
        _mm256_storeu_ps(out[i], act8(_mm256_add_ps(v[i][0], b), act));
        _mm256_storeu_ps(out[i] + 8, act8(_mm256_add_ps(v[i][1], b), act));
    }
}

void mpx_depthwise_avx2(int taps, const int *off, const float *in, size_t in_pitch, const float *w, int n, int rows,
                        float bias, mpx_act act, float *out, size_t out_pitch)
{
    __m256 b = _mm256_set1_ps(bias);
    int per_row = (n + 15) / 16, items = per_row * rows;
    for (int i0 = 0; i0 < items; i0 += 2) {
        const float *src[2];
        float *dst[2];
        int k = items - i0 < 2 ? items - i0 : 2;
        for (int i = 0; i < k; i++) {
            int r = (i0 + i) / per_row, o = 16 * ((i0 + i) % per_row);
            src[i] = in + r * in_pitch + o, dst[i] = out + r * out_pitch + o;
        }
        if (k == 2)
            depthwise_vectors(taps, off, src, w, b, act, dst, 2);
        else
            depthwise_vectors(taps, off, src, w, b, act, dst, 1);
    }
}
#else
typedef int mpx_no_avx2_on_this_target; /* ISO C forbids an empty translation unit */
#endif
