/* NEON helpers shared by the ARM kernels. */
#ifndef MPX_NEON_H
#define MPX_NEON_H

#include "kernels.h"

#include <arm_neon.h>

/* r > 0 ? r : 0, NaN and −0 included (FMAX would keep a NaN): compared as integers, r > 0 when its bits
 * are above +0 and at most +infinity (GCC makes scalar code of vcgtq_f32 for ARMv7, as of any float
 * vector comparison there) */
static inline float32x4_t mpx_relu4(float32x4_t r)
{
    int32x4_t bits = vreinterpretq_s32_f32(r);
    uint32x4_t positive = vandq_u32(vcgtq_s32(bits, vdupq_n_s32(0)), vcleq_s32(bits, vdupq_n_s32(0x7f800000)));
    return vreinterpretq_f32_u32(vandq_u32(positive, vreinterpretq_u32_f32(r)));
}

/* act(v) as the scalar forms (mpx_bias_act_fast): clip by compares and selects, as FMIN and FMAX would
 * turn −0 into +0 at a bound of 0 */
static inline float32x4_t mpx_act4(float32x4_t v, mpx_act a)
{
    if (a.kind == MPX_ACT_RELU)
        return mpx_relu4(v);
    if (a.kind == MPX_ACT_CLIP) {
        float32x4_t lo = vdupq_n_f32(a.lo), hi = vdupq_n_f32(a.hi);
        return vbslq_f32(vcltq_f32(v, lo), lo, vbslq_f32(vcgtq_f32(v, hi), hi, v));
    }
    return v;
}

#endif
