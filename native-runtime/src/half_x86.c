/* binary16 rounding on x86 by the hardware conversion to half and back (F16C on 8 lanes, AVX-512F on 16),
 * rounding to nearest even as half.c's bit arithmetic does: the same values, NaNs excepted (they stay NaNs,
 * quieted, with a shorter payload, as on ARM). Part of the kernel set (gemm.c): the portable set keeps the
 * software form. A dozen instructions a vector become two. */
#if defined(__x86_64__)
#include "gemm.h"

#include <immintrin.h>
#include <string.h>

#define MPX_RNE (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)

__attribute__((target("avx512f"))) static inline __m512 round16(__m512 x)
{
    return _mm512_cvtph_ps(_mm512_cvtps_ph(x, MPX_RNE));
}

static inline __mmask16 first(size_t n)
{
    return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
}

__attribute__((target("avx512f"))) void mpx_round_half_copy_avx512(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i += 16)
        _mm512_mask_storeu_ps(dst + i, first(n - i), round16(_mm512_maskz_loadu_ps(first(n - i), src + i)));
}

/* relu as max(x, 0), which gives its second operand for NaN and −0: 0, as x > 0 ? x : 0 */
__attribute__((target("avx512f"))) void mpx_half_bias_relu_avx512(float *v, size_t n, float b, int round_in, int relu)
{
    const __m512 bb = _mm512_set1_ps(b);
    for (size_t i = 0; i < n; i += 16) {
        __m512 x = _mm512_maskz_loadu_ps(first(n - i), v + i);
        if (round_in)
            x = round16(x);
        x = round16(_mm512_add_ps(x, bb));
        if (relu)
            x = _mm512_max_ps(x, _mm512_setzero_ps());
        _mm512_mask_storeu_ps(v + i, first(n - i), x);
    }
}

__attribute__((target("avx,f16c"))) static inline __m256 round8(__m256 x)
{
    return _mm256_cvtph_ps(_mm256_cvtps_ph(x, MPX_RNE));
}

/* The last n % 8 values through a vector's worth of scratch, so that every value takes the same conversion. */
__attribute__((target("avx,f16c"))) void mpx_round_half_copy_f16c(float *dst, const float *src, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, round8(_mm256_loadu_ps(src + i)));
    if (i < n) {
        float t[8] = {0};
        memcpy(t, src + i, (n - i) * sizeof *t);
        _mm256_storeu_ps(t, round8(_mm256_loadu_ps(t)));
        memcpy(dst + i, t, (n - i) * sizeof *t);
    }
}

__attribute__((target("avx,f16c"))) void mpx_half_bias_relu_f16c(float *v, size_t n, float b, int round_in, int relu)
{
    const __m256 bb = _mm256_set1_ps(b);
    for (size_t i = 0; i < n; i += 8) {
        float t[8] = {0};
        size_t k = n - i < 8 ? n - i : 8;
        memcpy(t, v + i, k * sizeof *t);
        __m256 x = _mm256_loadu_ps(t);
        if (round_in)
            x = round8(x);
        x = round8(_mm256_add_ps(x, bb));
        if (relu)
            x = _mm256_max_ps(x, _mm256_setzero_ps());
        _mm256_storeu_ps(t, x);
        memcpy(v + i, t, k * sizeof *t);
    }
}
#else
typedef int mpx_no_x86_half_conversion_on_this_target; /* ISO C forbids an empty translation unit */
#endif
