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
static inline void mpx_bias_act(const mpx_epilogue *e, float *v, int n, const float *bias, int bias_step,
                                int rounded)
{
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
