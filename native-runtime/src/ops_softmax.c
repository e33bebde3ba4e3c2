/* SOFTMAX over one axis (or, with flatten, over all axes from `axis` on), in the max-subtracted form. */
#include <math.h>

#include "model.h"

enum { AXIS, FLATTEN };

static int check(mpx_model *m, mpx_op *op) {
    if (mpx_check_input(m, op, 0, MPX_TENSOR_ACTIVATION)) return -1;
    const mpx_tensor *x = &m->tensors[op->in[0]];
    if (mpx_check_attr(m, op, AXIS, "axis", 1, x->rank) || mpx_check_attr(m, op, FLATTEN, "flatten", 0, 1)) return -1;
    return mpx_check_output(m, op, x->dims, x->rank);
}

typedef struct {
    const float *x;
    float *y;
    int64_t len, inner;
    int half;
} softmax_job;

/* Line l = (outer index, inner index): elements x[o·len·inner + i·inner + inner index], i < len. */
static void softmax_lines(void *ctx, int begin, int end, int thread) {
    const softmax_job *j = ctx;
    (void)thread;
    for (int l = begin; l < end; l++) {
        int64_t o = l / j->inner, in = l % j->inner, s = j->inner;
        const float *x = j->x + o * j->len * s + in;
        float *y = j->y + o * j->len * s + in;
        float max = -INFINITY;
        for (int64_t i = 0; i < j->len; i++) {
            float v = j->half ? mpx_round_half(x[i * s]) : x[i * s];
            if (v > max) max = v;
        }
        float sum = 0.0f;
        for (int64_t i = 0; i < j->len; i++) {
            float v = j->half ? mpx_round_half(x[i * s]) : x[i * s];
            y[i * s] = expf(v - max);
            sum += y[i * s];
        }
        float scale = 1.0f / sum;
        for (int64_t i = 0; i < j->len; i++)
            y[i * s] = j->half ? mpx_round_half(y[i * s] * scale) : y[i * s] * scale;
    }
}

static void run(mpx_model *m, const mpx_op *op, int batch) {
    int64_t dims[MPX_MAX_RANK];
    int r = mpx_full_shape(m, (int)op->in[0], batch, dims), axis = op->iattr[AXIS];
    softmax_job j = {mpx_tensor_data(m, (int)op->in[0]), mpx_tensor_data(m, (int)op->out[0]), 1, 1,
                     mpx_op_half(op)};
    int64_t outer = mpx_product(dims, axis);
    if (op->iattr[FLATTEN]) {
        j.len = mpx_product(dims + axis, r - axis);
    } else {
        j.len = dims[axis];
        j.inner = mpx_product(dims + axis + 1, r - axis - 1);
    }
    int grain = j.len >= 4096 ? 1 : (int)(4096 / j.len);
    mpx_parallel_for(m->pool, (int)(outer * j.inner), grain, softmax_lines, &j);
}

const mpx_op_kind mpx_softmax_kind = {check, NULL, NULL, NULL, run};
