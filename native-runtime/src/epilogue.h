/* The fused steps after a convolution or dense product: bias add, then activation, each optionally in
 * binary16 (operands and result rounded, FORMAT.md layer records). */
#ifndef MPX_EPILOGUE_H
#define MPX_EPILOGUE_H

#include "half.h"
#include "kernels.h"

typedef struct {
    int bias_half, act, act_half;
    float act_a, act_b;
} mpx_epilogue;

/* v[i] += bias[i · bias_step] (bias NULL: no bias step; a half bias is already rounded), then the
 * activation. `rounded` says v already holds binary16 values, so that rounding an operand again (a
 * no-op) is skipped: the passes over the output are what make fp16 cost more than fp32. */

/* v[i] = act(v[i] + b) in float32 for relu and clip (act_a, act_b: its bounds), written with vectors because
 * compilers at -O2 do not vectorize loops of unknown length. Clip selects as the scalar form does
 * (v < lo ? lo : v > hi ? hi : v, so NaN stays NaN), not with min and max. */
static inline void mpx_bias_act_fast(float *v, int n, float b, int act, float lo, float hi)
{
    const mpx_v4f bb = {b, b, b, b}, zero = {0, 0, 0, 0}, l = {lo, lo, lo, lo}, h = {hi, hi, hi, hi};
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        mpx_v4f x;
        memcpy(&x, v + i, sizeof x);
        x += bb;
        if (act == MPX_ACT_RELU)
            x = (mpx_v4f)((mpx_v4i)x & (mpx_v4i)(x > zero));
        if (act == MPX_ACT_CLIP) {
            mpx_v4i above = (mpx_v4i)(x > h), below = (mpx_v4i)(x < l);
            mpx_v4i t = ((mpx_v4i)h & above) | ((mpx_v4i)x & ~above);
            x = (mpx_v4f)(((mpx_v4i)l & below) | (t & ~below));
        }
        memcpy(v + i, &x, sizeof x);
    }
    for (; i < n; i++) {
        float x = v[i] + b;
        if (act == MPX_ACT_RELU)
            x = !(x > 0.0f) ? 0.0f : x;
        if (act == MPX_ACT_CLIP)
            x = x < lo ? lo : x > hi ? hi : x;
        v[i] = x;
    }
}

static inline void mpx_bias_act(const mpx_epilogue *e, float *v, int n, const float *bias, int bias_step,
                                int rounded)
{
    if (bias && bias_step == 0 && e->bias_half && (e->act == MPX_ACT_NONE || e->act == MPX_ACT_RELU)) {
        mpx_half_bias_relu(v, (size_t)n, *bias, !rounded, e->act == MPX_ACT_RELU);
        return;
    }
    if (bias_step == 0 && !e->bias_half && !e->act_half &&
        (e->act == MPX_ACT_NONE || e->act == MPX_ACT_RELU || e->act == MPX_ACT_CLIP)) {
        mpx_bias_act_fast(v, n, bias ? *bias : 0.0f, e->act, e->act_a, e->act_b);
        return;
    }
    if (bias && bias_step == 0 && !e->bias_half) {
        mpx_bias_act_fast(v, n, *bias, MPX_ACT_NONE, 0.0f, 0.0f);
        bias = NULL;
        rounded = 0;
    }
    if (bias) {
        if (e->bias_half && !rounded)
            mpx_round_half_copy(v, v, (size_t)n);
        for (int i = 0; i < n; i++)
            v[i] += bias[i * bias_step];
        if (e->bias_half)
            mpx_round_half_copy(v, v, (size_t)n);
        rounded = e->bias_half;
    }
    if (e->act == MPX_ACT_NONE)
        return;
    if (e->act_half && !rounded)
        mpx_round_half_copy(v, v, (size_t)n);
    switch (e->act) {
    case MPX_ACT_RELU:
        for (int i = 0; i < n; i++)
            v[i] = v[i] > 0.0f ? v[i] : 0.0f;
        break;
    case MPX_ACT_CLIP:
        for (int i = 0; i < n; i++)
            v[i] = v[i] < e->act_a ? e->act_a : v[i] > e->act_b ? e->act_b : v[i];
        break;
    case MPX_ACT_LEAKY_RELU:
        for (int i = 0; i < n; i++)
            v[i] = v[i] < 0.0f ? v[i] * e->act_a : v[i];
        break;
    }
    /* relu of a binary16 value is one; clip bounds and leaky products need not be */
    if (e->act_half && e->act != MPX_ACT_RELU)
        mpx_round_half_copy(v, v, (size_t)n);
}

#endif
