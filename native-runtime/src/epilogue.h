/* The fused steps after a convolution or dense product: bias add, then activation, each optionally in
 * binary16 (operands and result rounded, FORMAT.md layer records). */
#ifndef MPX_EPILOGUE_H
#define MPX_EPILOGUE_H

#include "kernels.h"

typedef struct {
    int bias_half, act, act_half;
    float act_a, act_b;
} mpx_epilogue;

/* v[0..n) += bias (when has_bias), then the activation. */
static inline void mpx_bias_act(const mpx_epilogue *e, float *v, int n, int has_bias, float bias)
{
    if (has_bias) {
        if (e->bias_half) {
            float b = mpx_round_half(bias);
            for (int i = 0; i < n; i++)
                v[i] = mpx_round_half(mpx_round_half(v[i]) + b);
        } else {
            for (int i = 0; i < n; i++)
                v[i] += bias;
        }
    }
    if (e->act == MPX_ACT_NONE)
        return;
    if (e->act_half)
        mpx_round_half_array(v, (size_t)n);
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
    if (e->act_half)
        mpx_round_half_array(v, (size_t)n);
}

#endif
