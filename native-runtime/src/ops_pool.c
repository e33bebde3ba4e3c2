/* Pooling ops over [N, C, H, W]: windowed max/average, and global pooling as one full-size window. */
#include "model.h"

#define MAX_GEOMETRY 65536

enum { KH, KW, STRIDE_H, STRIDE_W, PAD_TOP, PAD_LEFT, PAD_BOTTOM, PAD_RIGHT, DIL_H, DIL_W, COUNT_INCLUDE_PAD };

static int64_t output_size(int64_t size, int64_t pads, int64_t k, int64_t stride, int64_t dil) {
    int64_t span = size + pads - dil * (k - 1) - 1;
    return span < 0 ? 0 : span / stride + 1;
}

static int check_window(mpx_model *m, mpx_op *op) {
    static const char *const names[] = {"kh", "kw", "stride_h", "stride_w", "pad_top", "pad_left", "pad_bottom",
                                        "pad_right", "dil_h", "dil_w"};
    char label[160];
    mpx_op_label(m, (int)(op - m->ops), label, sizeof label);
    if (mpx_check_input(m, op, 0, MPX_TENSOR_ACTIVATION)) return -1;
    for (int a = KH; a <= DIL_W; a++)
        if (mpx_check_attr(m, op, a, names[a], a >= PAD_TOP && a <= PAD_RIGHT ? 0 : 1, MAX_GEOMETRY)) return -1;
    if (op->type == MPX_OP_AVGPOOL && mpx_check_attr(m, op, COUNT_INCLUDE_PAD, "count_include_pad", 0, 1)) return -1;
    const mpx_tensor *x = &m->tensors[op->in[0]];
    const int32_t *a = op->iattr;
    if (x->rank != 3)
        return mpx_fail(m, "%s input %s has rank %d per sample, pooling takes [C, H, W]", label, x->name, x->rank);
    int64_t Ho = output_size(x->dims[1], a[PAD_TOP] + (int64_t)a[PAD_BOTTOM], a[KH], a[STRIDE_H], a[DIL_H]);
    int64_t Wo = output_size(x->dims[2], a[PAD_LEFT] + (int64_t)a[PAD_RIGHT], a[KW], a[STRIDE_W], a[DIL_W]);
    if (Ho < 1 || Wo < 1)
        return mpx_fail(m, "%s window %dx%d does not fit the padded %lldx%lld input", label, a[KH], a[KW],
                        (long long)x->dims[1], (long long)x->dims[2]);
    int64_t out[3] = {x->dims[0], Ho, Wo};
    if (mpx_check_output(m, op, out, 3)) return -1;
    op->u.pool = (mpx_pool_shape){
        .H = (int)x->dims[1], .W = (int)x->dims[2], .Ho = (int)Ho, .Wo = (int)Wo, .kh = a[KH], .kw = a[KW],
        .stride_h = a[STRIDE_H], .stride_w = a[STRIDE_W], .pad_top = a[PAD_TOP], .pad_left = a[PAD_LEFT],
        .pad_bottom = a[PAD_BOTTOM], .pad_right = a[PAD_RIGHT], .dil_h = a[DIL_H], .dil_w = a[DIL_W],
        .count_include_pad = op->type == MPX_OP_AVGPOOL ? a[COUNT_INCLUDE_PAD] : 0};
    return 0;
}

/* [C, spatial...] -> [C, 1, ...]: one window over all spatial elements, seen as H = their count, W = 1. */
static int check_global(mpx_model *m, mpx_op *op) {
    char label[160];
    if (mpx_check_input(m, op, 0, MPX_TENSOR_ACTIVATION)) return -1;
    const mpx_tensor *x = &m->tensors[op->in[0]];
    if (x->rank < 2)
        return mpx_fail(m, "%s input %s has rank %d per sample, global pooling takes [C, spatial...]",
                        mpx_op_label(m, (int)(op - m->ops), label, sizeof label), x->name, x->rank);
    int64_t out[8] = {x->dims[0], 1, 1, 1, 1, 1, 1, 1};
    if (mpx_check_output(m, op, out, x->rank)) return -1;
    int spatial = (int)(x->count / (size_t)x->dims[0]);
    op->u.pool = (mpx_pool_shape){.H = spatial, .W = 1, .Ho = 1, .Wo = 1, .kh = spatial, .kw = 1, .stride_h = 1,
                                  .stride_w = 1, .dil_h = 1, .dil_w = 1, .count_include_pad = 1};
    return 0;
}

static int planes(const mpx_model *m, const mpx_op *op, int batch) {
    return batch * (int)m->tensors[op->in[0]].dims[0];
}

static void run_max(mpx_model *m, const mpx_op *op, int batch) {
    mpx_maxpool(&op->u.pool, m->pool, mpx_tensor_data(m, (int)op->in[0]), planes(m, op, batch),
                mpx_tensor_data(m, (int)op->out[0]), mpx_op_half(op));
}

static void run_avg(mpx_model *m, const mpx_op *op, int batch) {
    mpx_avgpool(&op->u.pool, m->pool, mpx_tensor_data(m, (int)op->in[0]), planes(m, op, batch),
                mpx_tensor_data(m, (int)op->out[0]), mpx_op_half(op));
}

const mpx_op_kind mpx_maxpool_kind = {check_window, NULL, NULL, NULL, run_max};
const mpx_op_kind mpx_avgpool_kind = {check_window, NULL, NULL, NULL, run_avg};
const mpx_op_kind mpx_global_avgpool_kind = {check_global, NULL, NULL, NULL, run_avg};
const mpx_op_kind mpx_global_maxpool_kind = {check_global, NULL, NULL, NULL, run_max};
