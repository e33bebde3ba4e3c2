/* binary16 rounding for the kernels' inner loops: an inline scalar form and a vectorized copy. */
#ifndef MPX_HALF_H
#define MPX_HALF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ARMv8, and ARMv7 with the half-precision extension (the armeabi-v7a build's -mfpu=neon-fp16), convert
 * to binary16 and back in one instruction each way (FCVT, VCVT), rounding to nearest even as the code
 * below does: the same values, NaNs excepted (they stay NaNs, quieted, with a shorter payload). */
#if defined(__aarch64__) || (defined(__ARM_NEON) && defined(__ARM_FP16_FORMAT_IEEE) && (__ARM_NEON_FP & 2))
#define MPX_HALF_HW 1
#else
#define MPX_HALF_HW 0
#endif

/* Branch-free. Below 2^-14 binary16 is subnormal with a fixed step of 2^-24: adding 0.5 (whose float
 * ulp is 2^-24) lets the FPU's own round-to-nearest-even do the work. In the normal range the 13
 * dropped mantissa bits are rounded to nearest even by integer addition, which carries into the
 * exponent correctly; 65520 and above round to infinity. NaNs pass unchanged. */
static inline float mpx_half_round(float x)
{
#if MPX_HALF_HW
    return (float)(__fp16)x;
#else
    uint32_t u, s, r;
    float f;
    memcpy(&u, &x, sizeof u);
    uint32_t sign = u & 0x80000000u, a = u ^ sign;
    memcpy(&f, &a, sizeof f);
    f = (f + 0.5f) - 0.5f;
    memcpy(&s, &f, sizeof s);
    r = a < 0x38800000u ? s : (a + 0x0fffu + ((a >> 13) & 1u)) & ~0x1fffu;
    r = a >= 0x477ff000u ? 0x7f800000u : r;
    r = a > 0x7f800000u ? a : r;
    r |= sign;
    memcpy(&f, &r, sizeof f);
    return f;
#endif
}

typedef float mpx_v4f __attribute__((vector_size(16)));
typedef int32_t mpx_v4i __attribute__((vector_size(16)));

/* dst[i] = binary16 rounding of src[i]; dst may equal src. */
void mpx_round_half_copy(float *dst, const float *src, size_t n);
/* The binary16 bias step of a convolution channel, fused with a relu when relu != 0:
 * v[i] = relu?(h(h?(v[i]) + b)), rounding v[i] first when round_in. */
void mpx_half_bias_relu(float *v, size_t n, float b, int round_in, int relu);

#endif
