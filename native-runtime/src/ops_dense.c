/* DENSE: y = x·Wᵀ + b over the last axis, dispatched to the dense kernels with one plan per fp16 choice. */
#include "model.h"

static int check(mpx_model *m, mpx_op *op) {
    char label[160];
    mpx_op_label(m, (int)(op - m->ops), label, sizeof label);
    if (mpx_check_input(m, op, 0, MPX_TENSOR_ACTIVATION) || mpx_check_input(m, op, 1, MPX_TENSOR_CONSTANT) ||
        mpx_check_attr(m, op, 0, "act", MPX_ACT_NONE, MPX_ACT_LEAKY_RELU))
        return -1;
    const mpx_tensor *x = &m->tensors[op->in[0]], *w = &m->tensors[op->in[1]];
    if (x->rank < 1) return mpx_fail(m, "%s input %s is a scalar per sample, DENSE needs [..., K]", label, x->name);
    int64_t K = x->dims[x->rank - 1];
    if (w->rank != 2 || w->dims[1] != K)
        return mpx_fail(m, "%s weights %s must be [P, %lld] for input %s", label, w->name, (long long)K, x->name);
    int64_t P = w->dims[0];
    if (op->n_in > 2 && op->in[2] >= 0) {
        if (mpx_check_input(m, op, 2, MPX_TENSOR_CONSTANT)) return -1;
        const mpx_tensor *b = &m->tensors[op->in[2]];
        if (b->rank != 1 || b->dims[0] != P)
            return mpx_fail(m, "%s bias %s must be [%lld]", label, b->name, (long long)P);
    }
    int64_t out[8];
    for (int i = 0; i < x->rank; i++) out[i] = x->dims[i];
    out[x->rank - 1] = P;
    if (mpx_check_output(m, op, out, x->rank)) return -1;
    op->u.dense.K = (int)K;
    op->u.dense.P = (int)P;
    op->u.dense.act = op->iattr[0];
    op->u.dense.act_a = op->fattr[0];
    op->u.dense.act_b = op->fattr[1];
    return 0;
}

static void destroy_plan(void *plan) { mpx_dense_plan_destroy(plan); }

static void *plan(mpx_model *m, mpx_op *op, const uint16_t knob[MPX_PART_COUNT], mpx_quant quant) {
    (void)quant;
    int half = knob[MPX_PART_OP] == MPX_KNOB_FP16, bias_half = knob[MPX_PART_BIAS] == MPX_KNOB_FP16,
        act_half = knob[MPX_PART_ACT] == MPX_KNOB_FP16;
    uint32_t key = (uint32_t)half | (uint32_t)bias_half << 1 | (uint32_t)act_half << 2;
    void *p = mpx_plan_find(op, key);
    if (p) return p;
    const float *bias = op->n_in > 2 && op->in[2] >= 0 ? m->tensors[op->in[2]].data : NULL;
    /* As for CONV: a fp16 activation takes its parameters in binary16. */
    float act_a = act_half ? mpx_round_half(op->u.dense.act_a) : op->u.dense.act_a;
    float act_b = act_half ? mpx_round_half(op->u.dense.act_b) : op->u.dense.act_b;
    p = mpx_dense_plan_create(op->u.dense.K, op->u.dense.P, m->tensors[op->in[1]].data, bias, half, bias_half,
                              op->u.dense.act, act_a, act_b, act_half);
    if (!p) {
        char label[160];
        mpx_fail(m, "%s: out of memory building its plan", mpx_op_label(m, (int)(op - m->ops), label, sizeof label));
        return NULL;
    }
    return mpx_plan_keep(m, op, key, p, destroy_plan) ? NULL : p;
}

/* Rows of the GEMM: every axis but the last, the batch included. */
static int rows(const mpx_model *m, const mpx_op *op, int batch) {
    const mpx_tensor *x = &m->tensors[op->in[0]];
    return (int)((int64_t)batch * (int64_t)(x->count / (size_t)op->u.dense.K));
}

static size_t workspace(const mpx_model *m, const mpx_op *op, const void *p, int batch) {
    return mpx_dense_workspace(p, rows(m, op, batch), m->threads);
}

static void run(mpx_model *m, const mpx_op *op, int batch) {
    mpx_dense_run(op->plan, m->pool, mpx_tensor_data(m, (int)op->in[0]), rows(m, op, batch),
                  mpx_tensor_data(m, (int)op->out[0]), m->workspace);
}

const mpx_op_kind mpx_dense_kind = {check, plan, destroy_plan, workspace, run};
