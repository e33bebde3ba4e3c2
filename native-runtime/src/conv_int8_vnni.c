/* AVX512-VNNI kernels of the 8-bit convolution (conv_int8.h), built with -mavx512bw -mavx512vnni and chosen
 * at run time. Every value equals the portable kernels' (same clamp, rounding and float operations). */
#if defined(__x86_64__)
#include "conv_int8.h"

#include <immintrin.h>

static void quantize_vnni(const float *const x[4], int n, float inv_scale, int zero, uint32_t *out)
{
    const __m512 inv = _mm512_set1_ps(inv_scale), lo = _mm512_set1_ps((float)-zero),
                 hi = _mm512_set1_ps((float)(255 - zero));
    const __m512i z = _mm512_set1_epi32(zero);
    for (int i = 0; i < n; i += 16) {
        __mmask16 mask = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512i word = _mm512_setzero_si512();
        for (int b = 0; b < 4; b++) {
            __m512i u = z;
            if (x[b]) { /* max_ps returns its second operand for NaN: the low end, as the portable clamp */
                __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, x[b] + i), inv);
                v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
                u = _mm512_add_epi32(_mm512_cvtps_epi32(v), z);
            }
            word = _mm512_or_si512(word, _mm512_slli_epi32(u, 8 * b));
        }
        _mm512_mask_storeu_epi32(out + i, mask, word);
    }
}

static void gather_vnni(int groups, const int32_t *off, const uint32_t *x, const int32_t *pix, int run, uint32_t *a)
{
    if (run == 16) {
        const uint32_t *first = x + pix[0];
        for (int g = 0; g < groups; g++)
            _mm512_storeu_si512(a + g * 16, _mm512_loadu_si512(first + off[g]));
        return;
    }
    if (run == 8) { /* two rows of eight (output rows of 8, or of 16 perforated to 8) */
        const uint32_t *lo = x + pix[0], *hi = x + pix[8];
        for (int g = 0; g < groups; g++) {
            __m512i v = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(lo + off[g])));
            _mm512_storeu_si512(a + g * 16, _mm512_inserti64x4(v, _mm256_loadu_si256((const __m256i *)(hi + off[g])), 1));
        }
        return;
    }
    const __m512i index = _mm512_loadu_si512(pix);
    for (int g = 0; g < groups; g++)
        _mm512_storeu_si512(a + g * 16,
                            _mm512_i32gather_epi32(_mm512_add_epi32(index, _mm512_set1_epi32(off[g])), x, 4));
}

/* 16 accumulators, one per channel, each a vector of 16 pixels: a step loads the pixels' words once and
 * broadcasts each channel's weight word. Named accumulators, not an array: GCC then keeps them in registers
 * without copies between steps (1.4x the throughput of the array form on this kernel alone). */
#define MPX_ALL16(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)
#define MPX_ZERO(j) __m512i acc##j = _mm512_setzero_si512();
#define MPX_DOT(j) acc##j = _mm512_dpbusd_epi32(acc##j, u, _mm512_set1_epi32((int)w[j]));
#define MPX_STORE(j)                                                                                           \
    if (j < channels) {                                                                                        \
        __m512 v = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc##j, _mm512_set1_epi32(corr[j])));                  \
        v = _mm512_mul_ps(v, _mm512_set1_ps(scale[j]));                                                        \
        if (bias)                                                                                              \
            v = _mm512_add_ps(v, _mm512_set1_ps(bias[j]));                                                     \
        if (act.kind == MPX_ACT_RELU) /* max and min give their second operand for -0 and NaN */            \
            v = _mm512_max_ps(v, _mm512_setzero_ps());                                                         \
        else if (act.kind == MPX_ACT_CLIP)                                                                     \
            v = _mm512_min_ps(_mm512_set1_ps(act.hi), _mm512_max_ps(_mm512_set1_ps(act.lo), v));               \
        _mm512_mask_storeu_ps(out + j * ldo, mask, v);                                                         \
    }

static void kernel_vnni(int groups, const uint32_t *a, const uint32_t *w, const int32_t *corr, const float *scale,
                        const float *bias, mpx_act act, int channels, float *out, size_t ldo, int count)
{
    MPX_ALL16(MPX_ZERO)
    for (int g = 0; g < groups; g++, a += 16, w += 16) {
        __m512i u = _mm512_loadu_si512(a);
        MPX_ALL16(MPX_DOT)
    }
    __mmask16 mask = count >= 16 ? 0xFFFF : (__mmask16)((1u << count) - 1);
    MPX_ALL16(MPX_STORE)
}

const mpx_int8_arch mpx_int8_arch_vnni = {"avx512-vnni", quantize_vnni, gather_vnni, kernel_vnni, 0};
#endif
