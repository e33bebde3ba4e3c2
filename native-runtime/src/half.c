/* IEEE binary16 rounding through bit manipulation, so that every platform (with or without a native
 * half type) produces the numbers an ARMv8.2 FP16 unit would; ARM builds convert in hardware instead
 * (half.h, half_neon.c), and so do x86 kernel sets with F16C or AVX-512 (half_x86.c, chosen in gemm.c). */
#include "half.h"

#include "gemm.h"
#include "kernels.h"

#if !MPX_HALF_HW /* else half_neon.c */
/* Eight lanes: plain SSE2/NEON builds split them in two, and on x86-64 the functions below are also
 * compiled for AVX2 and chosen at load time. */
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));


#define SPLAT8(x) {x, x, x, x, x, x, x, x}

/* Adding and subtracting c = 2^(e+13) to |x|, e the lane's binary16 exponent (at least −14, the
 * subnormal step), makes the FPU round to binary16's 11 significant bits with ties to even.
 * Magnitudes from 65520 up become infinity; the sign is put back so that values rounding to zero keep
 * it; NaNs stay NaNs. */
static inline void round8(v8f *v) /* by pointer: a 32-byte vector argument would warn (-Wpsabi) */
{
    v8f x = *v;
    const v8i exp_mask = SPLAT8(0x7f800000), sign_mask = SPLAT8(INT32_MIN);
    const v8i lowest = SPLAT8(113 << 23), highest = SPLAT8(142 << 23), shift = SPLAT8(13 << 23);
    const v8f limit = SPLAT8(65520.0f);
    v8i bits = (v8i)x, sign = bits & sign_mask, e = bits & exp_mask;
    v8i low = e < lowest, high = e > highest;
    e = (low & lowest) | (high & highest) | (~(low | high) & e);
    v8f c = (v8f)(e + shift), a = (v8f)(bits & ~sign_mask);
    v8i r = (v8i)((a + c) - c) | sign;
    v8i over = (v8i)(a >= limit);
    *v = (v8f)((over & (exp_mask | sign)) | (~over & r));
}

MPX_MULTIVERSION static void round_half_copy_soft(float *dst, const float *src, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f v;
        memcpy(&v, src + i, sizeof v);
        round8(&v);
        memcpy(dst + i, &v, sizeof v);
    }
    for (; i < n; i++)
        dst[i] = mpx_half_round(src[i]);
}

MPX_MULTIVERSION static void half_bias_relu_soft(float *v, size_t n, float b, int round_in, int relu)
{
    const v8f bb = SPLAT8(b), zero = SPLAT8(0.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f x;
        memcpy(&x, v + i, sizeof x);
        if (round_in)
            round8(&x);
        x += bb;
        round8(&x);
        if (relu)
            x = (v8f)((v8i)x & (v8i)(x > zero));
        memcpy(v + i, &x, sizeof x);
    }
    for (; i < n; i++) {
        float x = mpx_half_round((round_in ? mpx_half_round(v[i]) : v[i]) + b);
        v[i] = relu && !(x > 0.0f) ? 0.0f : x;
    }
}


void mpx_round_half_copy(float *dst, const float *src, size_t n)
{
    const mpx_gemm_arch *arch = mpx_gemm_arch_get();
    if (arch->round_half_copy)
        arch->round_half_copy(dst, src, n);
    else
        round_half_copy_soft(dst, src, n);
}

void mpx_half_bias_relu(float *v, size_t n, float b, int round_in, int relu)
{
    const mpx_gemm_arch *arch = mpx_gemm_arch_get();
    if (arch->half_bias_relu)
        arch->half_bias_relu(v, n, b, round_in, relu);
    else
        half_bias_relu_soft(v, n, b, round_in, relu);
}
#endif

float mpx_round_half(float x)
{
    return mpx_half_round(x);
}

void mpx_round_half_array(float *x, size_t n)
{
    mpx_round_half_copy(x, x, n);
}
