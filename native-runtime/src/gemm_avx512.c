/* AVX-512 convolution kernels, selected at run time by mpx_gemm_arch_get; the build compiles this file
 * with -mavx512f, the pragma covers builds that do not. All sum in the order of the AVX2 kernel (so the
 * same sums); they differ in what one 512-bit accumulator holds:
 * - 8 pixels × 16 channels, one accumulator per pixel: any convolution;
 * - 8 pixels × 32 channels, two accumulators per pixel, each broadcast serving two FMAs: groups of 32
 *   channels or more; 16 independent accumulators hide the FMA latency and the loads no longer limit;
 * - 16 pixels of one row × 16 channels, one accumulator per channel: the 16 pixels load as one vector
 *   (stride 1), each weight broadcasts inside its FMA, and the results are rows of the output already,
 *   stored without a transposition;
 * - the same for a 3 × 3 convolution of stride 1 or 2 and padding 1 read from its unpadded input: the taps over
 *   the padding are skipped (a row) or shifted in as zeros (a column), so no padded copy is made.
 * Alone on resnet20's 3×3 layers (Xeon with AVX-512, one thread) the last two reach about 1.3× the
 * first, near two FMAs per cycle. */
#if defined(__x86_64__)
#if !defined(__AVX512F__)
#pragma GCC target("avx512f,avx2,fma")
#endif
#include "gemm.h"
#include "kernels.h"

#include <immintrin.h>

/* Transposes 8 rows of 8 and stores row j of the result to out + j·ldo. */
static inline void store_transposed8(__m256 r0, __m256 r1, __m256 r2, __m256 r3, __m256 r4, __m256 r5, __m256 r6,
                                     __m256 r7, float *out, size_t ldo)
{
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(out + 0 * ldo, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(out + 1 * ldo, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(out + 2 * ldo, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(out + 3 * ldo, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(out + 4 * ldo, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(out + 5 * ldo, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(out + 6 * ldo, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(out + 7 * ldo, _mm256_permute2f128_ps(u3, u7, 0x31));
}

/* act(v) as the scalar forms (mpx_bias_act_fast): max and min return their second operand for NaN and equal
 * values, so relu is max(v, 0) and clip min(hi, max(lo, v)), -0 and NaN included */
static inline __m512 act16(__m512 v, mpx_act a)
{
    if (a.kind == MPX_ACT_RELU)
        return _mm512_max_ps(v, _mm512_setzero_ps());
    if (a.kind == MPX_ACT_CLIP)
        return _mm512_min_ps(_mm512_set1_ps(a.hi), _mm512_max_ps(_mm512_set1_ps(a.lo), v));
    return v;
}

#define LO(v) _mm512_castps512_ps256(v)
#define HI(v) _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))

void mpx_conv_kernel_avx512(int K, const int *off, const float *const *pixel, const float *w, const float *bias,
                            mpx_act act, float *tile, float *out, size_t ldo)
{
    const float *p0 = pixel[0], *p1 = pixel[1], *p2 = pixel[2], *p3 = pixel[3];
    const float *p4 = pixel[4], *p5 = pixel[5], *p6 = pixel[6], *p7 = pixel[7];
    __m512 c0 = _mm512_setzero_ps(), c1 = _mm512_setzero_ps(), c2 = _mm512_setzero_ps(), c3 = _mm512_setzero_ps();
    __m512 c4 = _mm512_setzero_ps(), c5 = _mm512_setzero_ps(), c6 = _mm512_setzero_ps(), c7 = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        int o = off[k];
        __m512 b = _mm512_loadu_ps(w);
        c0 = _mm512_fmadd_ps(_mm512_set1_ps(p0[o]), b, c0);
        c1 = _mm512_fmadd_ps(_mm512_set1_ps(p1[o]), b, c1);
        c2 = _mm512_fmadd_ps(_mm512_set1_ps(p2[o]), b, c2);
        c3 = _mm512_fmadd_ps(_mm512_set1_ps(p3[o]), b, c3);
        c4 = _mm512_fmadd_ps(_mm512_set1_ps(p4[o]), b, c4);
        c5 = _mm512_fmadd_ps(_mm512_set1_ps(p5[o]), b, c5);
        c6 = _mm512_fmadd_ps(_mm512_set1_ps(p6[o]), b, c6);
        c7 = _mm512_fmadd_ps(_mm512_set1_ps(p7[o]), b, c7);
        w += 16;
    }
    if (bias) {
        __m512 b = _mm512_loadu_ps(bias);
        c0 = _mm512_add_ps(c0, b), c1 = _mm512_add_ps(c1, b), c2 = _mm512_add_ps(c2, b), c3 = _mm512_add_ps(c3, b);
        c4 = _mm512_add_ps(c4, b), c5 = _mm512_add_ps(c5, b), c6 = _mm512_add_ps(c6, b), c7 = _mm512_add_ps(c7, b);
    }
    if (act.kind != MPX_ACT_NONE) {
        c0 = act16(c0, act), c1 = act16(c1, act), c2 = act16(c2, act), c3 = act16(c3, act);
        c4 = act16(c4, act), c5 = act16(c5, act), c6 = act16(c6, act), c7 = act16(c7, act);
    }
    if (out) {
        store_transposed8(LO(c0), LO(c1), LO(c2), LO(c3), LO(c4), LO(c5), LO(c6), LO(c7), out, ldo);
        store_transposed8(HI(c0), HI(c1), HI(c2), HI(c3), HI(c4), HI(c5), HI(c6), HI(c7), out + 8 * ldo, ldo);
        return;
    }
    _mm512_storeu_ps(tile, c0);
    _mm512_storeu_ps(tile + 16, c1);
    _mm512_storeu_ps(tile + 32, c2);
    _mm512_storeu_ps(tile + 48, c3);
    _mm512_storeu_ps(tile + 64, c4);
    _mm512_storeu_ps(tile + 80, c5);
    _mm512_storeu_ps(tile + 96, c6);
    _mm512_storeu_ps(tile + 112, c7);
}

void mpx_conv_kernel_avx512_wide(int K, const int *off, const float *const *pixel, const float *w,
                                 const float *bias, mpx_act act, float *tile, float *out, size_t ldo)
{
    const float *p[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++)
        p[i] = pixel[i];
    __m512 c[8][2];
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++)
        c[i][0] = c[i][1] = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        int o = off[k];
        __m512 b0 = _mm512_loadu_ps(w), b1 = _mm512_loadu_ps(w + 16);
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++) {
            __m512 a = _mm512_set1_ps(p[i][o]);
            c[i][0] = _mm512_fmadd_ps(a, b0, c[i][0]);
            c[i][1] = _mm512_fmadd_ps(a, b1, c[i][1]);
        }
        w += 32;
    }
    if (bias) {
        __m512 b0 = _mm512_loadu_ps(bias), b1 = _mm512_loadu_ps(bias + 16);
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++)
            c[i][0] = _mm512_add_ps(c[i][0], b0), c[i][1] = _mm512_add_ps(c[i][1], b1);
    }
    if (act.kind != MPX_ACT_NONE) {
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++)
            c[i][0] = act16(c[i][0], act), c[i][1] = act16(c[i][1], act);
    }
    if (out) {
#pragma GCC unroll 2
        for (int v = 0; v < 2; v++) {
            store_transposed8(LO(c[0][v]), LO(c[1][v]), LO(c[2][v]), LO(c[3][v]), LO(c[4][v]), LO(c[5][v]),
                              LO(c[6][v]), LO(c[7][v]), out + (size_t)16 * v * ldo, ldo);
            store_transposed8(HI(c[0][v]), HI(c[1][v]), HI(c[2][v]), HI(c[3][v]), HI(c[4][v]), HI(c[5][v]),
                              HI(c[6][v]), HI(c[7][v]), out + (size_t)(16 * v + 8) * ldo, ldo);
        }
        return;
    }
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        _mm512_storeu_ps(tile + 32 * i, c[i][0]);
        _mm512_storeu_ps(tile + 32 * i + 16, c[i][1]);
    }
}

void mpx_conv_kernel_avx512_row(int K, const int *off, const float *const *pixel, const float *w,
                                const float *bias, mpx_act act, float *tile, float *out, size_t ldo)
{
    const float *p = pixel[0]; /* pixel i of the run reads p[i + off[k]] */
    __m512 c[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++)
        c[j] = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m512 x = _mm512_loadu_ps(p + off[k]);
#pragma GCC unroll 16
        for (int j = 0; j < 16; j++)
            c[j] = _mm512_fmadd_ps(x, _mm512_set1_ps(w[j]), c[j]);
        w += 16;
    }
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++) {
        if (bias)
            c[j] = _mm512_add_ps(c[j], _mm512_set1_ps(bias[j]));
        c[j] = act16(c[j], act);
    }
    if (out) {
#pragma GCC unroll 16
        for (int j = 0; j < 16; j++)
            _mm512_storeu_ps(out + j * ldo, c[j]);
        return;
    }
    /* tile[i·16 + j]: four 8 × 8 transpositions */
#pragma GCC unroll 2
    for (int j0 = 0; j0 < 16; j0 += 8) {
        store_transposed8(LO(c[j0]), LO(c[j0 + 1]), LO(c[j0 + 2]), LO(c[j0 + 3]), LO(c[j0 + 4]), LO(c[j0 + 5]),
                          LO(c[j0 + 6]), LO(c[j0 + 7]), tile + j0, 16);
        store_transposed8(HI(c[j0]), HI(c[j0 + 1]), HI(c[j0 + 2]), HI(c[j0 + 3]), HI(c[j0 + 4]), HI(c[j0 + 5]),
                          HI(c[j0 + 6]), HI(c[j0 + 7]), tile + 8 * 16 + j0, 16);
    }
}

/* c[j] += v · w[j] for the 16 channels j of a tap; returns the next tap's weights */
static inline __attribute__((always_inline)) const float *tap16(__m512 *c, __m512 v, const float *w)
{
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++)
        c[j] = _mm512_fmadd_ps(v, _mm512_set1_ps(w[j]), c[j]);
    return w + 16;
}

/* Weights of the taps of a kernel row (bits 0-2 of `row`) that lies over the padding: skipped */
static inline const float *past_row(const float *w, unsigned row)
{
    return w + 16 * ((row & 1) + (row >> 1 & 1) + (row >> 2));
}

/* The taps of one input channel, those of `taps` (bit 3i + j; a constant where inlined, so that each pattern gets
 * its own straight code), into the 16 accumulators c; returns the weights after them. */
static inline __attribute__((always_inline)) const float *channel_3x3(__m512 *c, const float *x, int W, int oh,
                                                                     int c0, int i0, int i1, int left, int right,
                                                                     const float *w, const unsigned taps)
{
    const __m512i zero = _mm512_setzero_si512();
#pragma GCC unroll 3 /* with `taps` constant, each kernel row's taps are known where the code is generated */
    for (int i = 0; i < 3; i++) {
        unsigned row = taps >> (3 * i) & 7;
        if (!row)
            continue;
        if (i < i0 || i >= i1) { /* a kernel row over the padding: its taps are not added */
            w = past_row(w, row);
            continue;
        }
        const float *r = x + (size_t)(oh - 1 + i) * W + c0;
        __m512 mid = _mm512_loadu_ps(r);
        /* the columns left and right of the run: loaded, or shifted in from the run with a zero at the edge */
        if (row & 1)
            w = tap16(c, left ? _mm512_loadu_ps(r - 1)
                              : _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(mid), zero, 15)), w);
        if (row & 2)
            w = tap16(c, mid, w);
        if (row & 4)
            w = tap16(c, right ? _mm512_loadu_ps(r + 1)
                               : _mm512_castsi512_ps(_mm512_alignr_epi32(zero, _mm512_castps_si512(mid), 1)), w);
    }
    return w;
}

/* The 16 × 16 sums out: with bias and act, and with `rows` row perforation's skipped rows beside them (rules 1-4
 * of src/core/DESIGN.md §2 in the operations of conv.c's expansion, so the same bits) */
static inline __attribute__((always_inline)) void store_3x3(__m512 *c, const float *bias, mpx_act act, float *out,
                                                            size_t ldo, const mpx_expansion *rows)
{
    if (!rows) {
#pragma GCC unroll 16
        for (int j = 0; j < 16; j++) {
            if (bias)
                c[j] = _mm512_add_ps(c[j], _mm512_set1_ps(bias[j]));
            _mm512_storeu_ps(out + j * ldo, act16(c[j], act));
        }
        return;
    }
    const __m512 half = _mm512_set1_ps(0.5f);
    size_t up = rows->pitch;
    for (int j = 0; j < 16; j++) {
        __m512 b = _mm512_set1_ps(bias ? bias[j] : 0.0f), v = act16(_mm512_add_ps(c[j], b), act);
        if (rows->flags & MPX_EXPAND_MEAN_ABOVE) {
            __m512 m = _mm512_mul_ps(_mm512_add_ps(_mm512_loadu_ps(rows->prev + 16 * j), c[j]), half);
            _mm512_storeu_ps(out + j * ldo - up, act16(_mm512_add_ps(m, b), act));
        }
        if (rows->flags & MPX_EXPAND_COPY_ABOVE)
            _mm512_storeu_ps(out + j * ldo - up, v);
        if (rows->flags & MPX_EXPAND_COPY_BELOW)
            _mm512_storeu_ps(out + j * ldo + up, v);
        _mm512_storeu_ps(out + j * ldo, v);
        _mm512_storeu_ps(rows->prev + 16 * j, c[j]);
    }
}

/* Column perforation's row of 32 from the 16 sums of each channel (odd: of the odd columns), interleaved with
 * the means between them and with bias and act, as conv.c's cols2_plane: a row's first (odd) or last output is
 * a copy of its neighbour. */
static inline __attribute__((always_inline)) void store_cols2(const __m512 *c, const float *bias, mpx_act act,
                                                              float *out, size_t ldo, const int odd)
{
    const __m512i zero = _mm512_setzero_si512(), first = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5,
                                                                         21, 6, 22, 7, 23);
    const __m512i second = _mm512_add_epi32(first, _mm512_set1_epi32(8));
    const __m512 half = _mm512_set1_ps(0.5f);
    for (int j = 0; j < 16; j++) {
        __m512 v = c[j], b = _mm512_set1_ps(bias ? bias[j] : 0.0f), computed = act16(_mm512_add_ps(v, b), act);
        __m512i vi = _mm512_castps_si512(v);
        /* odd: output 2k is the mean of computed k − 1 and k; even: output 2k + 1 of computed k and k + 1 */
        __m512 other = odd ? _mm512_castsi512_ps(_mm512_alignr_epi32(vi, zero, 15))
                           : _mm512_castsi512_ps(_mm512_alignr_epi32(zero, vi, 1));
        __m512 mean = _mm512_mul_ps(odd ? _mm512_add_ps(other, v) : _mm512_add_ps(v, other), half);
        mean = _mm512_mask_blend_ps(odd ? 0x0001 : 0x8000, act16(_mm512_add_ps(mean, b), act), computed);
        __m512 lo = odd ? mean : computed, hi = odd ? computed : mean;
        _mm512_storeu_ps(out + j * ldo, _mm512_permutex2var_ps(lo, first, hi));
        _mm512_storeu_ps(out + j * ldo + 16, _mm512_permutex2var_ps(lo, second, hi));
    }
}

/* Channels in rounds of `period`, channel ch taking the taps of pattern[(ch + phase) % period] */
static inline __attribute__((always_inline)) void conv_3x3(const float *x, int Cg, int H, int W, int oh, int c0,
                                                           const float *w, const float *bias, mpx_act act,
                                                           float *out, size_t ldo, const mpx_expansion *rows,
                                                           const int period, const unsigned p0, const unsigned p1,
                                                           const unsigned p2)
{
    __m512 c[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++)
        c[j] = _mm512_setzero_ps();
    int i0 = oh == 0, i1 = oh == H - 1 ? 2 : 3, left = c0 > 0, right = c0 + 16 < W;
    size_t plane = (size_t)H * W;
    const unsigned pattern[3] = {p0, p1, p2};
    int ch = 0;
    for (; ch + period <= Cg; ch += period)
#pragma GCC unroll 3
        for (int k = 0; k < period; k++)
            w = channel_3x3(c, x + (ch + k) * plane, W, oh, c0, i0, i1, left, right, w, pattern[k]);
#pragma GCC unroll 3
    for (int k = 0; k < period; k++)
        if (ch + k < Cg)
            w = channel_3x3(c, x + (ch + k) * plane, W, oh, c0, i0, i1, left, right, w, pattern[k]);
    store_3x3(c, bias, act, out, ldo, rows);
}

/* One input channel's taps of pattern `taps` (a constant) for conv_3x3_cols2, as channel_3x3 */
static inline __attribute__((always_inline)) const float *channel_cols2(__m512 *c, const float *x, int W, int top,
                                                                       int i0, int i1, int base, int before,
                                                                       int after, const float *w, const int odd,
                                                                       const unsigned taps)
{
    const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i od = _mm512_add_epi32(ev, _mm512_set1_epi32(1));
#pragma GCC unroll 3
    for (int i = 0; i < 3; i++) {
        unsigned row = taps >> (3 * i) & 7;
        if (!row)
            continue;
        if (i < i0 || i >= i1) { /* a kernel row over the padding: its taps are not added */
            w = past_row(w, row);
            continue;
        }
        const float *r = x + (size_t)(top + i) * W + base;
        __m512 a = _mm512_loadu_ps(r), b = _mm512_loadu_ps(r + 16);
        __m512 e = _mm512_permutex2var_ps(a, ev, b), o = _mm512_permutex2var_ps(a, od, b), t[3];
        if (odd) { /* output 2k + 1 reads columns 2k, 2k + 1 and 2k + 2 */
            t[0] = e, t[1] = o;
            if (row & 4) {
                __m512 next = after ? _mm512_loadu_ps(r + 32) : _mm512_setzero_ps();
                t[2] = _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(next), _mm512_castps_si512(e), 1));
            }
        } else { /* output 2k reads columns 2k − 1, 2k and 2k + 1 */
            if (row & 1) {
                __m512 prev = before ? _mm512_loadu_ps(r - 16) : _mm512_setzero_ps();
                t[0] = _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(o), _mm512_castps_si512(prev), 15));
            }
            t[1] = e, t[2] = o;
        }
#pragma GCC unroll 3
        for (int k = 0; k < 3; k++)
            if (row >> k & 1)
                w = tap16(c, t[k], w);
    }
    return w;
}

/* Windows two input columns apart: the 16 outputs' windows are centred on input columns c0, c0 + 2, …, c0 + 30
 * (c0 even: from the first column of a run of 32, or odd: from the second) of input row sh·oh (column perforation
 * of stride 2: sh 1; a convolution of stride 2: sh 2, c0 = 2 × its first output column); their columns are the
 * even or odd ones of the 32 input columns from c0 & ~31, split as they are loaded, and the column before or after
 * them comes from the neighbouring run or is the padding's zero. The taps of conv_3x3's patterns, in the order
 * of the row kernel. */
static inline __attribute__((always_inline)) void conv_3x3_cols2(const float *x, int Cg, int H, int W, int oh,
                                                                 int c0, const float *w, const float *bias,
                                                                 mpx_act act, float *out, size_t ldo,
                                                                 const mpx_expansion *rows, const int sh,
                                                                 const int odd, const int period, const unsigned p0,
                                                                 const unsigned p1, const unsigned p2)
{
    __m512 c[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++)
        c[j] = _mm512_setzero_ps();
    int top = sh * oh - 1, i0 = top < 0 ? -top : 0, i1 = H - top < 3 ? H - top : 3, base = c0 & ~31;
    /* the 16 input columns before the run (odd outputs: never read) and after it, where they exist */
    int before = base > 0, after = base + 32 < W;
    size_t plane = (size_t)H * W;
    const unsigned pattern[3] = {p0, p1, p2};
    int ch = 0;
    for (; ch + period <= Cg; ch += period)
#pragma GCC unroll 3
        for (int k = 0; k < period; k++)
            w = channel_cols2(c, x + (ch + k) * plane, W, top, i0, i1, base, before, after, w, odd, pattern[k]);
#pragma GCC unroll 3
    for (int k = 0; k < period; k++)
        if (ch + k < Cg)
            w = channel_cols2(c, x + (ch + k) * plane, W, top, i0, i1, base, before, after, w, odd, pattern[k]);
    if (rows && (rows->flags & MPX_EXPAND_COLUMNS))
        store_cols2(c, bias, act, out, ldo, odd);
    else
        store_3x3(c, bias, act, out, ldo, rows);
}

/* Each form its own function, and in it a copy for each kind of store, so that a form's loops are compiled for it
 * alone. */
#define FORM_3X3(name, period, p0, p1, p2)                                                                          \
    static __attribute__((noinline)) void name(const float *x, int Cg, int H, int W, int oh, int c0, const float *w, \
                                               const float *bias, const mpx_act *act, float *out, size_t ldo,       \
                                               const mpx_expansion *rows)                                       \
    {                                                                                                               \
        if (rows)                                                                                                   \
            conv_3x3(x, Cg, H, W, oh, c0, w, bias, *act, out, ldo, rows, period, p0, p1, p2);                       \
        else                                                                                                        \
            conv_3x3(x, Cg, H, W, oh, c0, w, bias, *act, out, ldo, NULL, period, p0, p1, p2);                       \
    }
FORM_3X3(all_3x3, 1, MPX_3X3_TAPS_ALL, 0, 0)
FORM_3X3(sampled2_3x3, 2, MPX_3X3_TAPS_ODD, MPX_3X3_TAPS_EVEN, 0)
FORM_3X3(sampled2_3x3_1, 2, MPX_3X3_TAPS_EVEN, MPX_3X3_TAPS_ODD, 0)
FORM_3X3(sampled3_3x3, 3, MPX_3X3_TAPS_NOT0, MPX_3X3_TAPS_NOT1, MPX_3X3_TAPS_NOT2)
FORM_3X3(sampled3_3x3_1, 3, MPX_3X3_TAPS_NOT1, MPX_3X3_TAPS_NOT2, MPX_3X3_TAPS_NOT0)
FORM_3X3(sampled3_3x3_2, 3, MPX_3X3_TAPS_NOT2, MPX_3X3_TAPS_NOT0, MPX_3X3_TAPS_NOT1)
#undef FORM_3X3

static __attribute__((noinline)) void columns2_3x3(const float *x, int Cg, int H, int W, int oh, int c0,
                                                   const float *w, const float *bias, const mpx_act *act, float *out,
                                                   size_t ldo, const mpx_expansion *rows)
{
    const unsigned all = MPX_3X3_TAPS_ALL;
    if (rows)
        conv_3x3_cols2(x, Cg, H, W, oh, c0, w, bias, *act, out, ldo, rows, 1, c0 & 1, 1, all, 0, 0);
    else
        conv_3x3_cols2(x, Cg, H, W, oh, c0, w, bias, *act, out, ldo, NULL, 1, c0 & 1, 1, all, 0, 0);
}

#define STRIDE2_3X3(name, period, p0, p1, p2)                                                                      \
    static __attribute__((noinline)) void name(const float *x, int Cg, int H, int W, int oh, int c0, const float *w, \
                                               const float *bias, const mpx_act *act, float *out, size_t ldo,       \
                                               const mpx_expansion *rows)                                           \
    {                                                                                                               \
        if (rows)                                                                                                   \
            conv_3x3_cols2(x, Cg, H, W, oh, 2 * c0, w, bias, *act, out, ldo, rows, 2, 0, period, p0, p1, p2);       \
        else                                                                                                        \
            conv_3x3_cols2(x, Cg, H, W, oh, 2 * c0, w, bias, *act, out, ldo, NULL, 2, 0, period, p0, p1, p2);       \
    }
STRIDE2_3X3(stride2_3x3, 1, MPX_3X3_TAPS_ALL, 0, 0)
STRIDE2_3X3(stride2_sampled2_3x3, 2, MPX_3X3_TAPS_ODD, MPX_3X3_TAPS_EVEN, 0)
STRIDE2_3X3(stride2_sampled2_3x3_1, 2, MPX_3X3_TAPS_EVEN, MPX_3X3_TAPS_ODD, 0)
STRIDE2_3X3(stride2_sampled3_3x3, 3, MPX_3X3_TAPS_NOT0, MPX_3X3_TAPS_NOT1, MPX_3X3_TAPS_NOT2)
STRIDE2_3X3(stride2_sampled3_3x3_1, 3, MPX_3X3_TAPS_NOT1, MPX_3X3_TAPS_NOT2, MPX_3X3_TAPS_NOT0)
STRIDE2_3X3(stride2_sampled3_3x3_2, 3, MPX_3X3_TAPS_NOT2, MPX_3X3_TAPS_NOT0, MPX_3X3_TAPS_NOT1)
#undef STRIDE2_3X3

void mpx_conv_kernel_avx512_3x3(const float *x, int Cg, int H, int W, int oh, int c0, int form, const float *w,
                                const float *bias, const mpx_act *act, float *out, size_t ldo,
                                const mpx_expansion *rows)
{
    static void (*const forms[])(const float *, int, int, int, int, int, const float *, const float *,
                                 const mpx_act *, float *, size_t, const mpx_expansion *) = {
        [MPX_3X3_ALL] = all_3x3,
        [MPX_3X3_SAMPLED2] = sampled2_3x3,
        [MPX_3X3_SAMPLED2 + 1] = sampled2_3x3_1,
        [MPX_3X3_SAMPLED3] = sampled3_3x3,
        [MPX_3X3_SAMPLED3 + 1] = sampled3_3x3_1,
        [MPX_3X3_SAMPLED3 + 2] = sampled3_3x3_2,
        [MPX_3X3_COLUMNS2] = columns2_3x3,
        [MPX_3X3_STRIDE2 + MPX_3X3_ALL] = stride2_3x3,
        [MPX_3X3_STRIDE2 + MPX_3X3_SAMPLED2] = stride2_sampled2_3x3,
        [MPX_3X3_STRIDE2 + MPX_3X3_SAMPLED2 + 1] = stride2_sampled2_3x3_1,
        [MPX_3X3_STRIDE2 + MPX_3X3_SAMPLED3] = stride2_sampled3_3x3,
        [MPX_3X3_STRIDE2 + MPX_3X3_SAMPLED3 + 1] = stride2_sampled3_3x3_1,
        [MPX_3X3_STRIDE2 + MPX_3X3_SAMPLED3 + 2] = stride2_sampled3_3x3_2,
    };
    forms[form](x, Cg, H, W, oh, c0, w, bias, act, out, ldo, rows);
}

/* V vectors of 16 outputs, each from its own input and output position: V independent chains of FMAs. Vector i
 * takes the weights w + i·w_step (0: one broadcast of each weight serves all V) and the bias b[i]; with `mask`,
 * its load for tap t is masked by mask[i·mask_step + t] (0: one mask serves all V) and its store ends `left[i]`
 * outputs on (at the plane's end). Inlined with constant steps and NULLs, the unused forms cost nothing. */
static inline __attribute__((always_inline)) void depthwise_vectors(int taps, const int *off, const uint16_t *mask,
                                                                    int mask_step, const float *const *in,
                                                                    const float *w, int w_step, const float *b,
                                                                    mpx_act act, float *const *out, const int *left,
                                                                    const int V)
{
    __m512 v[4];
#pragma GCC unroll 4
    for (int i = 0; i < V; i++)
        v[i] = _mm512_setzero_ps();
    for (int t = 0; t < taps; t++) {
#pragma GCC unroll 4
        for (int i = 0; i < V; i++)
            v[i] = _mm512_fmadd_ps(_mm512_set1_ps(w[i * w_step + t]),
                                   mask ? _mm512_maskz_loadu_ps(mask[i * mask_step + t], in[i] + off[t])
                                        : _mm512_loadu_ps(in[i] + off[t]), v[i]);
    }
#pragma GCC unroll 4
    for (int i = 0; i < V; i++) /* in order: a vector that passes its row's end precedes the next row's */
        _mm512_mask_storeu_ps(out[i], !left || left[i] >= 16 ? 0xFFFF : (__mmask16)((1u << left[i]) - 1),
                              act16(_mm512_add_ps(v[i], _mm512_set1_ps(b[i])), act));
}

/* depthwise_vectors for V = items < 4 or 4 */
#define DEPTHWISE_VECTORS(items, ...)                                                                          \
    switch (items) {                                                                                            \
    case 1: depthwise_vectors(__VA_ARGS__, 1); break;                                                           \
    case 2: depthwise_vectors(__VA_ARGS__, 2); break;                                                           \
    case 3: depthwise_vectors(__VA_ARGS__, 3); break;                                                           \
    default: depthwise_vectors(__VA_ARGS__, 4);                                                                 \
    }

void mpx_depthwise_avx512(int taps, const int *off, const float *in, size_t in_pitch, const float *w, int n, int rows,
                          float bias, mpx_act act, float *out, size_t out_pitch)
{
    const float b[4] = {bias, bias, bias, bias};
    int per_row = (n + 15) / 16, items = per_row * rows;
    for (int i0 = 0; i0 < items; i0 += 4) {
        const float *src[4];
        float *dst[4];
        int k = items - i0 < 4 ? items - i0 : 4;
        for (int i = 0; i < k; i++) {
            int r = (i0 + i) / per_row, o = 16 * ((i0 + i) % per_row);
            src[i] = in + r * in_pitch + o, dst[i] = out + r * out_pitch + o;
        }
        DEPTHWISE_VECTORS(k, taps, off, NULL, 0, src, w, 0, b, act, dst, NULL)
    }
}

void mpx_depthwise_masked_avx512(int taps, const int *off, const uint16_t *mask, const float *x, size_t in_plane,
                                 const float *w, const float *bias, int planes, int n, mpx_act act, float *out)
{
    if (n <= 16) { /* planes of one vector (4 × 4), four at a time: one mask per tap serves four loads */
        const int left[4] = {n, n, n, n};
        for (int p = 0; p < planes; p += 4) {
            const float *src[4] = {x + p * in_plane, x + (p + 1) * in_plane, x + (p + 2) * in_plane,
                                   x + (p + 3) * in_plane};
            float *dst[4] = {out + (size_t)p * n, out + (size_t)(p + 1) * n, out + (size_t)(p + 2) * n,
                             out + (size_t)(p + 3) * n};
            float b[4];
            for (int i = 0; i < 4; i++)
                b[i] = bias && p + i < planes ? bias[p + i] : 0.0f;
            DEPTHWISE_VECTORS(planes - p, taps, off, mask, 0, src, w + (size_t)p * taps, taps, b, act, dst, left)
        }
        return;
    }
    for (int p = 0; p < planes; p++, x += in_plane, w += taps, out += n) { /* four vectors of a plane at a time */
        const float bp = bias ? bias[p] : 0.0f, b[4] = {bp, bp, bp, bp};
        for (int o = 0; o < n; o += 64) {
            const float *src[4] = {x + o, x + o + 16, x + o + 32, x + o + 48};
            float *dst[4] = {out + o, out + o + 16, out + o + 32, out + o + 48};
            const int left[4] = {n - o, n - o - 16, n - o - 32, n - o - 48};
            DEPTHWISE_VECTORS((n - o + 15) / 16, taps, off, mask + o / 16 * taps, taps, src, w, 0, b, act, dst, left)
        }
    }
}

void mpx_split_phases_avx512(const float *x, int H, int W, int pitch, size_t phase, float *out)
{
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    for (int h = 0; h < H; h++, x += W) {
        float *d = out + (size_t)(h % 2) * 2 * phase + (size_t)(h / 2) * pitch;
        for (int k = 0; k < W; k += 32) {
            int n = W - k < 32 ? W - k : 32;
            __m512 a = _mm512_maskz_loadu_ps(n >= 16 ? 0xFFFF : (__mmask16)((1u << n) - 1), x + k);
            __m512 b = _mm512_maskz_loadu_ps(n > 16 ? (__mmask16)((1u << (n - 16)) - 1) : 0, x + k + 16);
            _mm512_mask_storeu_ps(d + k / 2, (__mmask16)((1u << (n + 1) / 2) - 1), _mm512_permutex2var_ps(a, even, b));
            _mm512_mask_storeu_ps(d + phase + k / 2, (__mmask16)((1u << n / 2) - 1), _mm512_permutex2var_ps(a, odd, b));
        }
    }
}

void mpx_split_rows_avx512(const float *x, int rows, int W, float *even, float *odd, int pitch)
{
    const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i od = _mm512_add_epi32(ev, _mm512_set1_epi32(1));
    for (int h = 0; h < rows; h++, x += W, even += pitch, odd += pitch)
        for (int k = 0; k < W; k += 32) {
            int n = W - k < 32 ? W - k : 32;
            __m512 a = _mm512_maskz_loadu_ps(n >= 16 ? 0xFFFF : (__mmask16)((1u << n) - 1), x + k);
            __m512 b = _mm512_maskz_loadu_ps(n > 16 ? (__mmask16)((1u << (n - 16)) - 1) : 0, x + k + 16);
            _mm512_mask_storeu_ps(even + k / 2, (__mmask16)((1u << (n + 1) / 2) - 1), _mm512_permutex2var_ps(a, ev, b));
            _mm512_mask_storeu_ps(odd + k / 2, (__mmask16)((1u << n / 2) - 1), _mm512_permutex2var_ps(a, od, b));
        }
}

/* acc += w[3i]·in[0] + w[3i + 1]·in[1] + w[3i + 2]·in[2], in that order */
static inline __attribute__((always_inline)) __m512 taps3(__m512 acc, const __m512 *w, int i, const __m512 in[3])
{
    acc = _mm512_fmadd_ps(w[3 * i], in[0], acc);
    acc = _mm512_fmadd_ps(w[3 * i + 1], in[1], acc);
    return _mm512_fmadd_ps(w[3 * i + 2], in[2], acc);
}

static inline __attribute__((always_inline)) void store_rows(const __m512 *acc, __m512 b, mpx_act act, float *out,
                                                             int Wo, const int VR, const int R)
{
#pragma GCC unroll 8
    for (int k = 0; k < R * VR; k++)
        _mm512_storeu_ps(out + (size_t)(k / VR) * Wo + 16 * (k % VR), act16(_mm512_add_ps(acc[k], b), act));
}

/* Output rows r0… (R of them, VR vectors each) of a 3 × 3 depthwise plane of stride 1 and padding 1: each input
 * row is loaded once, at its three column shifts, for the (up to) three output rows whose windows hold it; taken
 * in increasing input row, an output's taps still add in the order 3i + j. */
static inline __attribute__((always_inline)) void rows_s1(const float *x, int H, int W, int r0, const __m512 *w,
                                                          __m512 b, mpx_act act, float *out, const int VR,
                                                          const int R)
{
    __m512 acc[8];
#pragma GCC unroll 8
    for (int k = 0; k < R * VR; k++)
        acc[k] = _mm512_setzero_ps();
#pragma GCC unroll 10
    for (int d = -1; d <= R; d++) {
        if (r0 + d < 0 || r0 + d >= H)
            continue;
        const float *row = x + (size_t)(r0 + d) * W;
#pragma GCC unroll 2
        for (int v = 0; v < VR; v++) {
            /* columns c − 1, c, c + 1 (taps j = 0, 1, 2); those outside the row read zero, as from padding */
            __m512 in[3] = {_mm512_maskz_loadu_ps(v == 0 ? 0xFFFE : 0xFFFF, row + 16 * v - 1),
                            _mm512_loadu_ps(row + 16 * v),
                            _mm512_maskz_loadu_ps(v == VR - 1 ? 0x7FFF : 0xFFFF, row + 16 * v + 1)};
#pragma GCC unroll 3
            for (int i = 0; i < 3; i++)
                if (d + 1 - i >= 0 && d + 1 - i < R)
                    acc[(d + 1 - i) * VR + v] = taps3(acc[(d + 1 - i) * VR + v], w, i, in);
        }
    }
    store_rows(acc, b, act, out + (size_t)r0 * W, W, VR, R);
}

/* Input row `row` (2 · Wo wide) split into its even and odd columns for output vector v: in[1] even columns (2c,
 * taps j = 1), in[2] odd ones (2c + 1, j = 2), in[0] the odd ones one column on (2c − 1, j = 0), the first of
 * which is the previous vector's last odd column (*odd, zero before the row: the padding) */
static inline __attribute__((always_inline)) void split3(const float *row, int v, __m512 *odd, __m512 in[3])
{
    const __m512i even_idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd_idx = _mm512_add_epi32(even_idx, _mm512_set1_epi32(1));
    __m512 a = _mm512_loadu_ps(row + 32 * v), b = _mm512_loadu_ps(row + 32 * v + 16);
    in[1] = _mm512_permutex2var_ps(a, even_idx, b);
    in[2] = _mm512_permutex2var_ps(a, odd_idx, b);
    in[0] = _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(in[2]), _mm512_castps_si512(*odd), 15));
    *odd = in[2];
}

/* The same at stride 2: output row r reads input rows 2r − 1 (taps i = 0), 2r (i = 1) and 2r + 1 (i = 2), each
 * split into even and odd columns as it is loaded; an odd row serves two output rows. */
static inline __attribute__((always_inline)) void rows_s2(const float *x, int Wo, int r0, const __m512 *w, __m512 b,
                                                          mpx_act act, float *out, const int VR, const int R)
{
    __m512 acc[8];
#pragma GCC unroll 8
    for (int k = 0; k < R * VR; k++)
        acc[k] = _mm512_setzero_ps();
    size_t W = 2 * (size_t)Wo;
#pragma GCC unroll 9
    for (int d = -1; d < R; d++) {
        __m512 odd = _mm512_setzero_ps(), in[3];
#pragma GCC unroll 2
        for (int v = 0; v < VR && d >= 0; v++) { /* row 2(r0 + d): output d, i = 1 */
            split3(x + 2 * (r0 + d) * W, v, &odd, in);
            acc[d * VR + v] = taps3(acc[d * VR + v], w, 1, in);
        }
        if (r0 + d < 0)
            continue;
        odd = _mm512_setzero_ps();
#pragma GCC unroll 2
        for (int v = 0; v < VR; v++) { /* row 2(r0 + d) + 1: output d (i = 2), then output d + 1 (i = 0) */
            split3(x + (2 * (r0 + d) + 1) * W, v, &odd, in);
            if (d >= 0)
                acc[d * VR + v] = taps3(acc[d * VR + v], w, 2, in);
            if (d + 1 < R)
                acc[(d + 1) * VR + v] = taps3(acc[(d + 1) * VR + v], w, 0, in);
        }
    }
    store_rows(acc, b, act, out + (size_t)r0 * Wo, Wo, VR, R);
}

/* The output rows of one plane in blocks of 8 / VR, then one at a time */
static inline __attribute__((always_inline)) void plane3x3(const float *x, int Ho, int Wo, int stride,
                                                           const float *wt, float bias, mpx_act act, float *out,
                                                           const int VR)
{
    __m512 w[9], b = _mm512_set1_ps(bias);
#pragma GCC unroll 9
    for (int t = 0; t < 9; t++)
        w[t] = _mm512_set1_ps(wt[t]);
    const int R = 8 / VR;
    int r0 = 0;
    if (stride == 1) {
        for (; r0 + R <= Ho; r0 += R)
            rows_s1(x, Ho, Wo, r0, w, b, act, out, VR, R);
        for (; r0 < Ho; r0++)
            rows_s1(x, Ho, Wo, r0, w, b, act, out, VR, 1);
        return;
    }
    for (; r0 + R <= Ho; r0 += R)
        rows_s2(x, Wo, r0, w, b, act, out, VR, R);
    for (; r0 < Ho; r0++)
        rows_s2(x, Wo, r0, w, b, act, out, VR, 1);
}

void mpx_depthwise_3x3_avx512(const float *x, size_t in_plane, const float *w, const float *bias, int planes, int Ho,
                              int Wo, int stride, mpx_act act, float *out)
{
    size_t out_plane = (size_t)Ho * Wo;
    for (int p = 0; p < planes; p++, x += in_plane, w += 9, out += out_plane) {
        if (Wo == 16)
            plane3x3(x, Ho, Wo, stride, w, bias ? bias[p] : 0.0f, act, out, 1);
        else
            plane3x3(x, Ho, Wo, stride, w, bias ? bias[p] : 0.0f, act, out, 2);
    }
}
#else
typedef int mpx_no_avx512_on_this_target; /* ISO C forbids an empty translation unit */
#endif
