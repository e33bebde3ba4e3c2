/* AVX-512 convolution kernel, selected at run time by mpx_gemm_arch_get; the build compiles this file
 * with -mavx512f, the pragma covers builds that do not. 8 pixels × 16 channels: one 512-bit accumulator
 * per pixel, twice the work per instruction of the AVX2 kernel, in the same order (so the same sums). */
#if defined(__x86_64__)
#if !defined(__AVX512F__)
#pragma GCC target("avx512f,avx2,fma")
#endif
#include "gemm.h"

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

#define LO(v) _mm512_castps512_ps256(v)
#define HI(v) _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))

void mpx_conv_kernel_avx512(int K, const int *off, const float *const *pixel, const float *w, const float *bias,
                            int relu, float *tile, float *out, size_t ldo)
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
    if (relu) { /* max(r, 0) returns its second operand for NaN and -0: 0, as r > 0 ? r : 0 does */
        __m512 z = _mm512_setzero_ps();
        c0 = _mm512_max_ps(c0, z), c1 = _mm512_max_ps(c1, z), c2 = _mm512_max_ps(c2, z), c3 = _mm512_max_ps(c3, z);
        c4 = _mm512_max_ps(c4, z), c5 = _mm512_max_ps(c5, z), c6 = _mm512_max_ps(c6, z), c7 = _mm512_max_ps(c7, z);
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
#else
typedef int mpx_no_avx512_on_this_target; /* ISO C forbids an empty translation unit */
#endif
