/* What model.h declares for every part of the runtime: the op kinds, errors, and the ops' plan caches. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static const mpx_op_kind *const op_kinds[MPX_OP_TYPE_COUNT] = {
    [MPX_OP_CONV] = &mpx_conv_kind, [MPX_OP_DENSE] = &mpx_dense_kind, [MPX_OP_MATMUL] = &mpx_matmul_kind,
    [MPX_OP_ADD] = &mpx_add_kind, [MPX_OP_SUB] = &mpx_sub_kind, [MPX_OP_MUL] = &mpx_mul_kind,
    [MPX_OP_DIV] = &mpx_div_kind, [MPX_OP_AFFINE] = &mpx_affine_kind, [MPX_OP_RELU] = &mpx_relu_kind,
    [MPX_OP_CLIP] = &mpx_clip_kind, [MPX_OP_LEAKY_RELU] = &mpx_leaky_relu_kind,
    [MPX_OP_SIGMOID] = &mpx_sigmoid_kind, [MPX_OP_TANH] = &mpx_tanh_kind, [MPX_OP_MAXPOOL] = &mpx_maxpool_kind,
    [MPX_OP_AVGPOOL] = &mpx_avgpool_kind, [MPX_OP_GLOBAL_AVGPOOL] = &mpx_global_avgpool_kind,
    [MPX_OP_GLOBAL_MAXPOOL] = &mpx_global_maxpool_kind, [MPX_OP_RESHAPE] = &mpx_reshape_kind,
    [MPX_OP_TRANSPOSE] = &mpx_transpose_kind, [MPX_OP_CONCAT] = &mpx_concat_kind, [MPX_OP_PAD] = &mpx_pad_kind,
    [MPX_OP_SLICE] = &mpx_slice_kind, [MPX_OP_SOFTMAX] = &mpx_softmax_kind,
};

const mpx_op_kind *mpx_op_kind_of(int type) {
    return type > 0 && type < MPX_OP_TYPE_COUNT ? op_kinds[type] : NULL;
}

int mpx_fail(mpx_model *m, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->error, sizeof m->error, fmt, ap);
    va_end(ap);
    return -1;
}

void mpx_prefix_error(mpx_model *m, const char *prefix) {
    size_t n = strlen(prefix) + 2, len = strlen(m->error); /* "prefix: " */
    if (n > sizeof m->error - 1) n = sizeof m->error - 1;
    if (len > sizeof m->error - 1 - n) len = sizeof m->error - 1 - n;
    memmove(m->error + n, m->error, len);
    m->error[n + len] = 0;
    memcpy(m->error, prefix, n - 2);
    m->error[n - 2] = ':';
    m->error[n - 1] = ' ';
}

const char *mpx_op_label(const mpx_model *m, int op, char *buf, size_t size) {
    const char *name = m->ops[op].name;
    snprintf(buf, size, "op %d (%.100s)", op, name && *name ? name : "unnamed");
    return buf;
}

int mpx_check_attr(mpx_model *m, const mpx_op *op, int index, const char *what, int lo, int hi) {
    int v = op->iattr[index];
    if (v >= lo && v <= hi) return 0;
    char label[160];
    return mpx_fail(m, "%s attribute %s is %d, outside %d..%d", mpx_op_label(m, (int)(op - m->ops), label,
                    sizeof label), what, v, lo, hi);
}

void *mpx_plan_find(const mpx_op *op, uint64_t key) {
    for (int p = 0; p < op->n_plans; p++)
        if (op->plans[p].key == key) return op->plans[p].plan;
    return NULL;
}

int mpx_plan_keep(mpx_model *m, mpx_op *op, uint64_t key, void *plan, void (*destroy)(void *)) {
    mpx_plan_entry *grown = realloc(op->plans, sizeof *grown * ((size_t)op->n_plans + 1));
    if (!grown) {
        destroy(plan);
        return mpx_fail(m, "out of memory keeping a plan of op %s", op->name);
    }
    op->plans = grown;
    op->plans[op->n_plans++] = (mpx_plan_entry){key, plan};
    return 0;
}
