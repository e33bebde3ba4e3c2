/* binary16 rounding of arrays by the hardware conversion (half.h: MPX_HALF_HW), four floats at a time:
 * to half and back, the values half.c computes with integer and float arithmetic elsewhere. */
#include "half.h"

#if MPX_HALF_HW
#include "kernels.h"
#include "neon.h"

static inline float32x4_t round4(float32x4_t x)
{
    return vcvt_f32_f16(vcvt_f16_f32(x));
}

void mpx_round_half_copy(float *dst, const float *src, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(dst + i, round4(vld1q_f32(src + i)));
    for (; i < n; i++)
        dst[i] = mpx_half_round(src[i]);
}

/* ARMv7 NEON flushes subnormal floats to zero in the add; a sum that small rounds to a signed zero in
 * binary16 anyway, so the results are the same. */
void mpx_half_bias_relu(float *v, size_t n, float b, int round_in, int relu)
{
    const float32x4_t bb = vdupq_n_f32(b);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t x = vld1q_f32(v + i);
        if (round_in)
            x = round4(x);
        x = round4(vaddq_f32(x, bb));
        vst1q_f32(v + i, relu ? mpx_relu4(x) : x);
    }
    for (; i < n; i++) {
        float x = mpx_half_round((round_in ? mpx_half_round(v[i]) : v[i]) + b);
        v[i] = relu && !(x > 0.0f) ? 0.0f : x;
    }
}
#else
typedef int mpx_no_half_conversion_on_this_target; /* ISO C forbids an empty translation unit */
#endif
