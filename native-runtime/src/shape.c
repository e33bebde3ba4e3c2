/* Shape helpers for the op checks: run-time shapes with the batch axis, and messages that show them. */
#include <stdio.h>
#include <string.h>

#include "model.h"

int mpx_full_shape(const mpx_model *m, int t, int64_t n, int64_t *dims) {
    const mpx_tensor *x = &m->tensors[t];
    if (x->kind == MPX_TENSOR_CONSTANT) {
        memcpy(dims, x->dims, sizeof(int64_t) * (size_t)x->rank);
        return x->rank;
    }
    dims[0] = n;
    memcpy(dims + 1, x->dims, sizeof(int64_t) * (size_t)x->rank);
    return x->rank + 1;
}

int mpx_shape_is(const mpx_model *m, int t, int64_t n, const int64_t *dims, int rank) {
    int64_t full[MPX_MAX_RANK];
    int r = mpx_full_shape(m, t, n, full);
    return r == rank && memcmp(full, dims, sizeof(int64_t) * (size_t)rank) == 0;
}

int64_t mpx_product(const int64_t *dims, int rank) {
    int64_t p = 1;
    for (int i = 0; i < rank; i++) p *= dims[i];
    return p;
}

const char *mpx_dims_text(const int64_t *dims, int rank, char *buf, size_t size) {
    size_t len = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < rank && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, i ? ", %lld" : "%lld", (long long)dims[i]);
    if (len < size) snprintf(buf + len, size - len, "]");
    return buf;
}

int mpx_check_input(mpx_model *m, const mpx_op *op, int i, int kind) {
    char label[160];
    int64_t t = op->in[i];
    if (t < 0)
        return mpx_fail(m, "%s input %d is required but absent", mpx_op_label(m, (int)(op - m->ops), label,
                                                                               sizeof label), i);
    if (kind >= 0 && m->tensors[t].kind != kind)
        return mpx_fail(m, "%s input %d is tensor %lld (%s), which must be %s", mpx_op_label(m, (int)(op - m->ops),
                        label, sizeof label), i, (long long)t, m->tensors[t].name,
                        kind == MPX_TENSOR_CONSTANT ? "a constant" : "an activation");
    return 0;
}

int mpx_check_output(mpx_model *m, const mpx_op *op, const int64_t *dims, int rank) {
    const mpx_tensor *y = &m->tensors[op->out[0]];
    if (y->rank == rank && memcmp(y->dims, dims, sizeof(int64_t) * (size_t)rank) == 0) return 0;
    char label[160], want[160], have[160];
    return mpx_fail(m, "%s output %s has per-sample shape %s but the op computes %s",
                    mpx_op_label(m, (int)(op - m->ops), label, sizeof label), y->name,
                    mpx_dims_text(y->dims, y->rank, have, sizeof have), mpx_dims_text(dims, rank, want, sizeof want));
}
