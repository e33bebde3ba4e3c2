/* CONV: shape checks and dispatch to the convolution kernels, one plan per (knob, fp16 bias, fp16 act, int8
 * input quantisation). */
#include <string.h>

#include "model.h"

#define MAX_GEOMETRY 65536 /* kernel, stride, dilation and padding: keeps every coordinate far from INT_MAX */

enum { GROUP, KH, KW, STRIDE_H, STRIDE_W, PAD_TOP, PAD_LEFT, PAD_BOTTOM, PAD_RIGHT, DIL_H, DIL_W, ACT };

/* floor((size + pads - dil·(k−1) − 1) / stride) + 1, or 0 when the window does not fit. */
static int64_t output_size(int64_t size, int64_t pads, int64_t k, int64_t stride, int64_t dil) {
    int64_t span = size + pads - dil * (k - 1) - 1;
    return span < 0 ? 0 : span / stride + 1;
}

static int check(mpx_model *m, mpx_op *op) {
    static const char *const names[] = {"group", "kh", "kw", "stride_h", "stride_w", "pad_top", "pad_left",
                                        "pad_bottom", "pad_right", "dil_h", "dil_w"};
    char label[160];
    mpx_op_label(m, (int)(op - m->ops), label, sizeof label);
    if (mpx_check_input(m, op, 0, MPX_TENSOR_ACTIVATION) || mpx_check_input(m, op, 1, MPX_TENSOR_CONSTANT)) return -1;
    for (int a = GROUP; a <= DIL_W; a++)
        if (mpx_check_attr(m, op, a, names[a], a >= PAD_TOP && a <= PAD_RIGHT ? 0 : 1, MAX_GEOMETRY)) return -1;
    if (mpx_check_attr(m, op, ACT, "act", MPX_ACT_NONE, MPX_ACT_LEAKY_RELU)) return -1;
    const mpx_tensor *x = &m->tensors[op->in[0]], *w = &m->tensors[op->in[1]];
    const int32_t *a = op->iattr;
    if (x->rank != 3)
        return mpx_fail(m, "%s input %s has rank %d per sample, CONV takes [C, H, W]", label, x->name, x->rank);
    if (w->rank != 4)
        return mpx_fail(m, "%s weights %s have rank %d, CONV takes [M, C/group, kh, kw]", label, w->name, w->rank);
    int64_t C = x->dims[0], M = w->dims[0], g = a[GROUP];
    if (C % g || M % g || w->dims[1] != C / g || w->dims[2] != a[KH] || w->dims[3] != a[KW])
        return mpx_fail(m, "%s weights %s are [%lld, %lld, %lld, %lld] but input channels %lld, group %lld and kernel "
                           "%dx%d need [M, %lld, %d, %d] with M divisible by the group", label, w->name,
                        (long long)w->dims[0], (long long)w->dims[1], (long long)w->dims[2], (long long)w->dims[3],
                        (long long)C, (long long)g, a[KH], a[KW], (long long)(C / g), a[KH], a[KW]);
    if (op->n_in > 2 && op->in[2] >= 0) {
        if (mpx_check_input(m, op, 2, MPX_TENSOR_CONSTANT)) return -1;
        const mpx_tensor *b = &m->tensors[op->in[2]];
        if (b->rank != 1 || b->dims[0] != M)
            return mpx_fail(m, "%s bias %s must be [%lld]", label, b->name, (long long)M);
    }
    int64_t Ho = output_size(x->dims[1], a[PAD_TOP] + (int64_t)a[PAD_BOTTOM], a[KH], a[STRIDE_H], a[DIL_H]);
    int64_t Wo = output_size(x->dims[2], a[PAD_LEFT] + (int64_t)a[PAD_RIGHT], a[KW], a[STRIDE_W], a[DIL_W]);
    if (Ho < 1 || Wo < 1)
        return mpx_fail(m, "%s kernel %dx%d (dilated) does not fit the padded %lldx%lld input", label, a[KH], a[KW],
                        (long long)x->dims[1], (long long)x->dims[2]);
    int64_t out[3] = {M, Ho, Wo};
    if (mpx_check_output(m, op, out, 3)) return -1;
    op->u.conv.shape = (mpx_conv_shape){
        .C = (int)C, .H = (int)x->dims[1], .W = (int)x->dims[2], .M = (int)M, .Ho = (int)Ho, .Wo = (int)Wo,
        .group = a[GROUP], .kh = a[KH], .kw = a[KW], .stride_h = a[STRIDE_H], .stride_w = a[STRIDE_W],
        .pad_top = a[PAD_TOP], .pad_left = a[PAD_LEFT], .pad_bottom = a[PAD_BOTTOM], .pad_right = a[PAD_RIGHT],
        .dil_h = a[DIL_H], .dil_w = a[DIL_W]};
    op->u.conv.act = a[ACT];
    op->u.conv.act_a = op->fattr[0];
    op->u.conv.act_b = op->fattr[1];
    return 0;
}

static void destroy_plan(void *plan) { mpx_conv_plan_destroy(plan); }

static void *plan(mpx_model *m, mpx_op *op, const uint16_t knob[MPX_PART_COUNT], mpx_quant quant) {
    int bias_half = knob[MPX_PART_BIAS] == MPX_KNOB_FP16, act_half = knob[MPX_PART_ACT] == MPX_KNOB_FP16;
    uint32_t scale;
    memcpy(&scale, &quant.scale, sizeof scale);
    uint64_t key = knob[MPX_PART_OP] | (uint64_t)bias_half << 16 | (uint64_t)act_half << 17 |
                   (uint64_t)(quant.zero != 0) << 18 | (uint64_t)scale << 32;
    void *p = mpx_plan_find(op, key);
    if (p) return p;
    /* The activation's parameters are operands of its step: a fp16 activation uses them in binary16. */
    mpx_conv_mode mode = {.bias_half = bias_half, .act = op->u.conv.act,
                          .act_a = act_half ? mpx_round_half(op->u.conv.act_a) : op->u.conv.act_a,
                          .act_b = act_half ? mpx_round_half(op->u.conv.act_b) : op->u.conv.act_b,
                          .act_half = act_half, .quant = quant};
    char label[160];
    mpx_op_label(m, (int)(op - m->ops), label, sizeof label);
    if (mpx_knob_decode(knob[MPX_PART_OP], &mode.knob) < 0) {
        mpx_fail(m, "%s: unknown knob %d", label, knob[MPX_PART_OP]);
        return NULL;
    }
    const float *bias = op->n_in > 2 && op->in[2] >= 0 ? m->tensors[op->in[2]].data : NULL;
    p = mpx_conv_plan_create(&op->u.conv.shape, m->tensors[op->in[1]].data, bias, &mode);
    if (!p) {
        mpx_fail(m, "%s: cannot build the plan for knob %d (out of memory, or the knob does not apply)", label,
                 knob[MPX_PART_OP]);
        return NULL;
    }
    return mpx_plan_keep(m, op, key, p, destroy_plan) ? NULL : p;
}

static size_t workspace(const mpx_model *m, const mpx_op *op, const void *p, int batch) {
    (void)op;
    return mpx_conv_workspace(p, batch, m->threads);
}

static void run(mpx_model *m, const mpx_op *op, int batch) {
    mpx_conv_run(op->plan, m->pool, mpx_tensor_data(m, (int)op->in[0]), batch, mpx_tensor_data(m, (int)op->out[0]),
                 m->workspace);
}

const mpx_op_kind mpx_conv_kind = {check, plan, destroy_plan, workspace, run};
