/* Calibration of the int8 knobs (mobiprox.h): the range of each convolution's input over the calibration
 * data, and the per-tensor quantisation derived from it. */
#include <math.h>

#include "model.h"

void mpx_set_range_tracking(mpx_model *m, int enabled) {
    m->track_ranges = enabled != 0;
    if (!enabled) return;
    for (int i = 0; i < m->n_ops; i++) {
        m->ops[i].range_lo = INFINITY;
        m->ops[i].range_hi = -INFINITY;
    }
}

void mpx_track_range(mpx_model *m, mpx_op *op, int batch) {
    if (op->type != MPX_OP_CONV) return;
    int t = (int)op->in[0];
    const float *x = mpx_tensor_data(m, t);
    float lo = op->range_lo, hi = op->range_hi;
    for (size_t i = 0, n = m->tensors[t].count * (size_t)batch; i < n; i++) {
        if (x[i] < lo) lo = x[i];
        if (x[i] > hi) hi = x[i]; /* NaN fails both: ignored */
    }
    op->range_lo = lo;
    op->range_hi = hi;
}

int mpx_op_input_quant(const mpx_model *m, int op, float *lo, float *hi, float *scale, int *zero) {
    if (op < 0 || op >= m->n_ops || m->ops[op].type != MPX_OP_CONV) return -1;
    const mpx_op *o = &m->ops[op];
    if (!(o->range_lo <= o->range_hi) || isinf(o->range_lo) || isinf(o->range_hi)) return -1;
    *lo = o->range_lo;
    *hi = o->range_hi;
    float max = fmaxf(fabsf(o->range_lo), fabsf(o->range_hi));
    *zero = o->range_lo >= 0.0f ? 0 : 128;
    *scale = max > 0.0f ? max / (*zero ? 127.0f : 255.0f) : 1.0f;
    return 0;
}
