/* Data-movement ops: RESHAPE (an alias: the planner gives it its input's storage), TRANSPOSE, SLICE, PAD
 * and CONCAT, all as strided copies over the full run-time shape. */
#include <string.h>

#include "model.h"

#define GRAIN 16384

/* dst[Σ i·dst_stride] = src[Σ i·src_stride] over the index space dims (strides may be negative). */
typedef struct {
    int rank;
    int64_t dims[MPX_MAX_RANK], ss[MPX_MAX_RANK], ds[MPX_MAX_RANK];
    const float *src;
    float *dst;
} copy_job;

static void copy_rows(void *ctx, int begin, int end, int thread) {
    const copy_job *j = ctx;
    (void)thread;
    int last = j->rank - 1;
    int64_t inner = j->dims[last], ss = j->ss[last], ds = j->ds[last];
    for (int row = begin; row < end; row++) {
        int64_t so = 0, d = 0, rest = row;
        for (int k = last - 1; k >= 0; k--) {
            int64_t i = rest % j->dims[k];
            rest /= j->dims[k];
            so += i * j->ss[k];
            d += i * j->ds[k];
        }
        const float *s = j->src + so;
        float *o = j->dst + d;
        if (ss == 1 && ds == 1)
            memcpy(o, s, sizeof(float) * (size_t)inner);
        else
            for (int64_t i = 0; i < inner; i++) o[i * ds] = s[i * ss];
    }
}

/* Row-major element strides of a shape. */
static void contiguous(const int64_t *dims, int rank, int64_t *strides) {
    int64_t s = 1;
    for (int i = rank - 1; i >= 0; i--) {
        strides[i] = s;
        s *= dims[i];
    }
}

static void strided_copy(mpx_pool *pool, copy_job *j) {
    int rank = 0;
    for (int i = 0; i < j->rank; i++) { /* merge axes that both sides traverse contiguously */
        int k = rank - 1;
        if (k >= 0 && j->ss[k] == j->ss[i] * j->dims[i] && j->ds[k] == j->ds[i] * j->dims[i]) {
            j->dims[k] *= j->dims[i];
            j->ss[k] = j->ss[i];
            j->ds[k] = j->ds[i];
        } else {
            j->dims[rank] = j->dims[i];
            j->ss[rank] = j->ss[i];
            j->ds[rank] = j->ds[i];
            rank++;
        }
    }
    j->rank = rank;
    int64_t inner = j->dims[rank - 1], rows = mpx_product(j->dims, rank) / inner;
    mpx_parallel_for(pool, (int)rows, inner >= GRAIN ? 1 : (int)(GRAIN / inner), copy_rows, j);
}

/* ---- RESHAPE ---------------------------------------------------------------------------------------- */
static int check_reshape(mpx_model *m, mpx_op *op) {
    char label[160];
    if (mpx_check_input(m, op, 0, MPX_TENSOR_ACTIVATION)) return -1;
    const mpx_tensor *x = &m->tensors[op->in[0]], *y = &m->tensors[op->out[0]];
    if (x->count != y->count)
        return mpx_fail(m, "%s reshapes %s (%zu elements per sample) to %s (%zu)",
                        mpx_op_label(m, (int)(op - m->ops), label, sizeof label), x->name, x->count, y->name, y->count);
    return 0;
}

static void run_reshape(mpx_model *m, const mpx_op *op, int batch) {
    (void)m, (void)op, (void)batch; /* the output is the input's storage */
}

/* ---- TRANSPOSE -------------------------------------------------------------------------------------- */
static int check_transpose(mpx_model *m, mpx_op *op) {
    char label[160];
    mpx_op_label(m, (int)(op - m->ops), label, sizeof label);
    if (mpx_check_input(m, op, 0, MPX_TENSOR_ACTIVATION)) return -1;
    const mpx_tensor *x = &m->tensors[op->in[0]];
    int r = x->rank + 1;
    if (op->n_iattr != r)
        return mpx_fail(m, "%s has %d perm entries, input %s has rank %d", label, op->n_iattr, x->name, r);
    int seen[MPX_MAX_RANK] = {0};
    int64_t out[8];
    for (int i = 0; i < r; i++) {
        int p = op->iattr[i];
        if (p < 0 || p >= r || seen[p] || (i == 0) != (p == 0))
            return mpx_fail(m, "%s perm[%d] is %d: perm must be a permutation of 0..%d with perm[0] = 0", label, i, p,
                            r - 1);
        seen[p] = 1;
        if (i) out[i - 1] = x->dims[p - 1];
    }
    return mpx_check_output(m, op, out, x->rank);
}

static void run_transpose(mpx_model *m, const mpx_op *op, int batch) {
    copy_job j = {.src = mpx_tensor_data(m, (int)op->in[0]), .dst = mpx_tensor_data(m, (int)op->out[0])};
    int64_t in[MPX_MAX_RANK], in_strides[MPX_MAX_RANK];
    j.rank = mpx_full_shape(m, (int)op->in[0], batch, in);
    contiguous(in, j.rank, in_strides);
    for (int i = 0; i < j.rank; i++) {
        j.dims[i] = in[op->iattr[i]];
        j.ss[i] = in_strides[op->iattr[i]];
    }
    contiguous(j.dims, j.rank, j.ds);
    strided_copy(m->pool, &j);
}

/* ---- SLICE: output index i along axis a reads start[a] + i·step[a] ---------------------------------- */
static int check_slice(mpx_model *m, mpx_op *op) {
    char label[160];
    mpx_op_label(m, (int)(op - m->ops), label, sizeof label);
    if (mpx_check_input(m, op, 0, MPX_TENSOR_ACTIVATION)) return -1;
    const mpx_tensor *x = &m->tensors[op->in[0]], *y = &m->tensors[op->out[0]];
    int r = x->rank + 1;
    if (op->n_iattr != 2 * r)
        return mpx_fail(m, "%s has %d integer attributes, SLICE of rank %d takes start[%d] and step[%d]", label,
                        op->n_iattr, r, r, r);
    if (y->rank != x->rank)
        return mpx_fail(m, "%s output %s has rank %d, input %s has %d", label, y->name, y->rank + 1, x->name, r);
    if (op->iattr[0] != 0 || op->iattr[r] != 1)
        return mpx_fail(m, "%s slices the batch axis (start 0 and step 1 required)", label);
    for (int a = 1; a < r; a++) {
        int64_t start = op->iattr[a], step = op->iattr[r + a], n = x->dims[a - 1], d = y->dims[a - 1];
        int64_t last = start + (d - 1) * step;
        if (step == 0 || start < 0 || start >= n || last < 0 || last >= n)
            return mpx_fail(m, "%s axis %d reads %lld..%lld step %lld of %lld elements (out of range or step 0)",
                            label, a, (long long)start, (long long)last, (long long)step, (long long)n);
    }
    return 0;
}

static void run_slice(mpx_model *m, const mpx_op *op, int batch) {
    copy_job j = {.src = mpx_tensor_data(m, (int)op->in[0]), .dst = mpx_tensor_data(m, (int)op->out[0])};
    int64_t in[MPX_MAX_RANK], in_strides[MPX_MAX_RANK];
    int r = mpx_full_shape(m, (int)op->in[0], batch, in);
    contiguous(in, r, in_strides);
    j.rank = mpx_full_shape(m, (int)op->out[0], batch, j.dims);
    for (int a = 0; a < r; a++) {
        j.src += op->iattr[a] * in_strides[a];
        j.ss[a] = op->iattr[r + a] * in_strides[a];
    }
    contiguous(j.dims, j.rank, j.ds);
    strided_copy(m->pool, &j);
}

/* ---- PAD: constant value around the input ----------------------------------------------------------- */
static int check_pad(mpx_model *m, mpx_op *op) {
    char label[160];
    mpx_op_label(m, (int)(op - m->ops), label, sizeof label);
    if (mpx_check_input(m, op, 0, MPX_TENSOR_ACTIVATION)) return -1;
    const mpx_tensor *x = &m->tensors[op->in[0]];
    int r = x->rank + 1;
    if (op->n_iattr != 2 * r)
        return mpx_fail(m, "%s has %d integer attributes, PAD of rank %d takes begin[%d] and end[%d]", label,
                        op->n_iattr, r, r, r);
    if (op->iattr[0] != 0 || op->iattr[r] != 0) return mpx_fail(m, "%s pads the batch axis", label);
    int64_t out[8];
    for (int a = 1; a < r; a++) {
        if (op->iattr[a] < 0 || op->iattr[r + a] < 0)
            return mpx_fail(m, "%s axis %d pads by %d and %d, which must be >= 0", label, a, op->iattr[a],
                            op->iattr[r + a]);
        out[a - 1] = x->dims[a - 1] + op->iattr[a] + op->iattr[r + a];
    }
    return mpx_check_output(m, op, out, x->rank);
}

static void run_pad(mpx_model *m, const mpx_op *op, int batch) {
    const mpx_tensor *y = &m->tensors[op->out[0]];
    copy_job j = {.src = mpx_tensor_data(m, (int)op->in[0]), .dst = mpx_tensor_data(m, (int)op->out[0])};
    int64_t out[MPX_MAX_RANK];
    int r = mpx_full_shape(m, (int)op->out[0], batch, out);
    float value = op->fattr[0];
    size_t total = y->count * (size_t)batch;
    for (size_t i = 0; i < total; i++) j.dst[i] = value;
    j.rank = mpx_full_shape(m, (int)op->in[0], batch, j.dims);
    contiguous(j.dims, r, j.ss);
    contiguous(out, r, j.ds);
    for (int a = 0; a < r; a++) j.dst += op->iattr[a] * j.ds[a];
    strided_copy(m->pool, &j);
}

/* ---- CONCAT ----------------------------------------------------------------------------------------- */
static int check_concat(mpx_model *m, mpx_op *op) {
    char label[160];
    mpx_op_label(m, (int)(op - m->ops), label, sizeof label);
    const mpx_tensor *y = &m->tensors[op->out[0]];
    int r = y->rank + 1, axis = op->iattr[0];
    if (mpx_check_attr(m, op, 0, "axis", 1, r - 1)) return -1;
    int64_t out[8];
    memcpy(out, y->dims, sizeof out);
    out[axis - 1] = 0;
    for (int k = 0; k < op->n_in; k++) {
        if (mpx_check_input(m, op, k, MPX_TENSOR_ACTIVATION)) return -1;
        const mpx_tensor *x = &m->tensors[op->in[k]];
        int same = x->rank == y->rank;
        for (int a = 0; same && a < x->rank; a++) same = a == axis - 1 || x->dims[a] == y->dims[a];
        if (!same)
            return mpx_fail(m, "%s input %d (%s) differs from the output %s on an axis other than %d", label, k,
                            x->name, y->name, axis);
        out[axis - 1] += x->dims[axis - 1];
    }
    return mpx_check_output(m, op, out, y->rank);
}

static void run_concat(mpx_model *m, const mpx_op *op, int batch) {
    int64_t out[MPX_MAX_RANK], out_strides[MPX_MAX_RANK];
    int r = mpx_full_shape(m, (int)op->out[0], batch, out), axis = op->iattr[0];
    contiguous(out, r, out_strides);
    float *dst = mpx_tensor_data(m, (int)op->out[0]);
    for (int k = 0; k < op->n_in; k++) {
        copy_job j = {.src = mpx_tensor_data(m, (int)op->in[k]), .dst = dst};
        j.rank = mpx_full_shape(m, (int)op->in[k], batch, j.dims);
        contiguous(j.dims, r, j.ss);
        memcpy(j.ds, out_strides, sizeof j.ds);
        dst += j.dims[axis] * out_strides[axis];
        strided_copy(m->pool, &j);
    }
}

const mpx_op_kind mpx_reshape_kind = {check_reshape, NULL, NULL, NULL, run_reshape};
const mpx_op_kind mpx_transpose_kind = {check_transpose, NULL, NULL, NULL, run_transpose};
const mpx_op_kind mpx_slice_kind = {check_slice, NULL, NULL, NULL, run_slice};
const mpx_op_kind mpx_pad_kind = {check_pad, NULL, NULL, NULL, run_pad};
const mpx_op_kind mpx_concat_kind = {check_concat, NULL, NULL, NULL, run_concat};
