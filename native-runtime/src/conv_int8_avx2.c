/* AVX2 kernels of the 8-bit convolution (conv_int8.h), for x86 CPUs without VNNI; built with -mavx2 and
 * chosen at run time. AVX2 has no exact four-byte dot product: vpmaddubsw adds two u8 · s8 products into a
 * saturating int16, and 2 · 255 · 127 overflows it. Fed signed bytes a = u − 128 (as SDOT is), the kernel
 * multiplies |a| (at most 128, a valid u8) by w with a's sign (w is within ±127, so negating it is exact):
 * a pair is at most 2 · 128 · 127 = 32512 and never saturates, and vpmaddwd adds the pairs into int32
 * exactly. The driver passes the correction with 128 · Σ w taken off, so every value equals the portable
 * kernel's bit for bit. Four instructions per eight pixels, channel and word: about the throughput of the
 * fp32 FMA kernels, so int8 pays here only through memory; the tuner measures whether it does. */
#if defined(__x86_64__)
#include "conv_int8.h"

#include <immintrin.h>

void mpx_int8_gather_avx2(int groups, const int32_t *off, const uint32_t *x, const int32_t *pix, int run, uint32_t *a)
{
    if (run) { /* run 16: one row; run 8: two rows of eight */
        const uint32_t *lo = x + pix[0], *hi = x + pix[8];
        for (int g = 0; g < groups; g++) {
            _mm256_storeu_si256((__m256i *)(a + g * 16), _mm256_loadu_si256((const __m256i *)(lo + off[g])));
            _mm256_storeu_si256((__m256i *)(a + g * 16 + 8), _mm256_loadu_si256((const __m256i *)(hi + off[g])));
        }
        return;
    }
    const __m256i lo = _mm256_loadu_si256((const __m256i *)pix), hi = _mm256_loadu_si256((const __m256i *)(pix + 8));
    for (int g = 0; g < groups; g++) {
        const __m256i o = _mm256_set1_epi32(off[g]);
        _mm256_storeu_si256((__m256i *)(a + g * 16), _mm256_i32gather_epi32((const int *)x, _mm256_add_epi32(lo, o), 4));
        _mm256_storeu_si256((__m256i *)(a + g * 16 + 8),
                            _mm256_i32gather_epi32((const int *)x, _mm256_add_epi32(hi, o), 4));
    }
}

/* Σ over a word's four bytes of a · w, per 32-bit lane, added to acc (a signed, w within ±127). */
static inline __m256i dot4(__m256i acc, __m256i magnitude, __m256i a, __m256i w, __m256i ones)
{
    __m256i pairs = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(w, a));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, ones));
}

static inline void store_channel(__m256i lo, __m256i hi, int32_t corr, float scale, const float *bias, mpx_act act,
                                 float *out, int count)
{
    __m256i c = _mm256_set1_epi32(corr);
    __m256 v[2] = {_mm256_cvtepi32_ps(_mm256_sub_epi32(lo, c)), _mm256_cvtepi32_ps(_mm256_sub_epi32(hi, c))};
    for (int h = 0; h < 2; h++) {
        v[h] = _mm256_mul_ps(v[h], _mm256_set1_ps(scale));
        if (bias)
            v[h] = _mm256_add_ps(v[h], _mm256_set1_ps(*bias));
        /* max and min give their second operand for -0 and NaN, as the scalar forms (v > 0 ? v : 0 and
         * v < lo ? lo : v > hi ? hi : v) */
        if (act.kind == MPX_ACT_RELU)
            v[h] = _mm256_max_ps(v[h], _mm256_setzero_ps());
        else if (act.kind == MPX_ACT_CLIP)
            v[h] = _mm256_min_ps(_mm256_set1_ps(act.hi), _mm256_max_ps(_mm256_set1_ps(act.lo), v[h]));
    }
    if (count == 16) {
        _mm256_storeu_ps(out, v[0]);
        _mm256_storeu_ps(out + 8, v[1]);
        return;
    }
    float lanes[16];
    _mm256_storeu_ps(lanes, v[0]);
    _mm256_storeu_ps(lanes + 8, v[1]);
    for (int i = 0; i < count; i++)
        out[i] = lanes[i];
}

/* Four channels a pass, 16 pixels as two vectors: eight accumulators, and |a| computed once per step for
 * the four channels. */
void mpx_int8_kernel_avx2(int groups, const uint32_t *a0, const uint32_t *w0, const int32_t *corr, const float *scale,
                        const float *bias, mpx_act act, int channels, float *out, size_t ldo, int count)
{
    const __m256i flip = _mm256_set1_epi8((char)0x80), ones = _mm256_set1_epi16(1);
    for (int j0 = 0; j0 < channels; j0 += 4) {
        __m256i l0 = _mm256_setzero_si256(), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
        const uint32_t *a = a0, *w = w0 + j0;
        for (int g = 0; g < groups; g++, a += 16, w += 16) {
            __m256i lo = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)a), flip);
            __m256i hi = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(a + 8)), flip);
            __m256i mlo = _mm256_abs_epi8(lo), mhi = _mm256_abs_epi8(hi);
            __m256i w_0 = _mm256_set1_epi32((int)w[0]), w_1 = _mm256_set1_epi32((int)w[1]);
            l0 = dot4(l0, mlo, lo, w_0, ones), h0 = dot4(h0, mhi, hi, w_0, ones);
            l1 = dot4(l1, mlo, lo, w_1, ones), h1 = dot4(h1, mhi, hi, w_1, ones);
            __m256i w_2 = _mm256_set1_epi32((int)w[2]), w_3 = _mm256_set1_epi32((int)w[3]);
            l2 = dot4(l2, mlo, lo, w_2, ones), h2 = dot4(h2, mhi, hi, w_2, ones);
            l3 = dot4(l3, mlo, lo, w_3, ones), h3 = dot4(h3, mhi, hi, w_3, ones);
        }
        __m256i lows[4] = {l0, l1, l2, l3}, highs[4] = {h0, h1, h2, h3};
        for (int c = 0; c < 4 && j0 + c < channels; c++) {
            int j = j0 + c;
            store_channel(lows[c], highs[c], corr[j], scale[j], bias ? bias + j : NULL, act, out + (size_t)j * ldo,
                          count);
        }
    }
}
#endif
