/* Element-wise ops: ADD/SUB/MUL/DIV with numpy broadcasting, AFFINE (per-channel scale and shift) and the
 * activations RELU, CLIP, LEAKY_RELU, SIGMOID, TANH. A fp16 op rounds its operands and its result. */
#include <math.h>
#include <string.h>

#include "model.h"

#define GRAIN 16384 /* elements per parallel chunk: below this, waking threads costs more than it saves */

/* numpy broadcasting, right-aligned; -1 when the shapes are incompatible. */
static int broadcast(const int64_t *a, int ra, const int64_t *b, int rb, int64_t *out) {
    int r = ra > rb ? ra : rb;
    for (int i = 0; i < r; i++) {
        int64_t da = i < ra ? a[ra - 1 - i] : 1, db = i < rb ? b[rb - 1 - i] : 1;
        if (da != db && da != 1 && db != 1) return -1;
        out[r - 1 - i] = da > db ? da : db;
    }
    return r;
}

/* Valid for every batch size: the result must be [N, output dims] for two different N. */
static int check_binary(mpx_model *m, mpx_op *op) {
    char label[160], sa[160], sb[160];
    mpx_op_label(m, (int)(op - m->ops), label, sizeof label);
    if (mpx_check_input(m, op, 0, -1) || mpx_check_input(m, op, 1, -1)) return -1;
    const mpx_tensor *y = &m->tensors[op->out[0]];
    for (int64_t n = 2; n <= 3; n++) {
        int64_t a[MPX_MAX_RANK], b[MPX_MAX_RANK], out[MPX_MAX_RANK];
        int ra = mpx_full_shape(m, (int)op->in[0], n, a), rb = mpx_full_shape(m, (int)op->in[1], n, b);
        int r = broadcast(a, ra, b, rb, out);
        if (r < 0)
            return mpx_fail(m, "%s operands %s %s and %s %s do not broadcast (shapes for a batch of %lld)", label,
                            m->tensors[op->in[0]].name, mpx_dims_text(a, ra, sa, sizeof sa), m->tensors[op->in[1]].name,
                            mpx_dims_text(b, rb, sb, sizeof sb), (long long)n);
        if (!mpx_shape_is(m, (int)op->out[0], n, out, r))
            return mpx_fail(m, "%s broadcasts to %s for a batch of %lld, which is not [N] + the output %s's shape %s",
                            label, mpx_dims_text(out, r, sa, sizeof sa), (long long)n, y->name,
                            mpx_dims_text(y->dims, y->rank, sb, sizeof sb));
    }
    return 0;
}

typedef struct {
    int type, half, rank;
    int64_t dims[MPX_MAX_RANK], sa[MPX_MAX_RANK], sb[MPX_MAX_RANK];
    const float *a, *b;
    float *y;
} binary_job;

static inline float binary_apply(int type, float a, float b) {
    switch (type) {
    case MPX_OP_ADD: return a + b;
    case MPX_OP_SUB: return a - b;
    case MPX_OP_MUL: return a * b;
    default: return a / b;
    }
}

static void binary_rows(void *ctx, int begin, int end, int thread) {
    const binary_job *j = ctx;
    (void)thread;
    int last = j->rank - 1;
    int64_t inner = j->dims[last], sa = j->sa[last], sb = j->sb[last];
    for (int row = begin; row < end; row++) {
        int64_t oa = 0, ob = 0, rest = row;
        for (int d = last - 1; d >= 0; d--) {
            int64_t i = rest % j->dims[d];
            rest /= j->dims[d];
            oa += i * j->sa[d];
            ob += i * j->sb[d];
        }
        const float *a = j->a + oa, *b = j->b + ob;
        float *y = j->y + (int64_t)row * inner;
        if (j->half)
            for (int64_t i = 0; i < inner; i++)
                y[i] = mpx_round_half(binary_apply(j->type, mpx_round_half(a[i * sa]), mpx_round_half(b[i * sb])));
        else if (sa == 1 && sb == 1)
            for (int64_t i = 0; i < inner; i++) y[i] = binary_apply(j->type, a[i], b[i]);
        else if (sa == 1 && sb == 0)
            for (int64_t i = 0; i < inner; i++) y[i] = binary_apply(j->type, a[i], b[0]);
        else
            for (int64_t i = 0; i < inner; i++) y[i] = binary_apply(j->type, a[i * sa], b[i * sb]);
    }
}

/* Element strides of an operand inside the output shape, 0 along broadcast axes. */
static void operand_strides(const int64_t *dims, int r, const int64_t *out, int ro, int64_t *strides) {
    int64_t s = 1;
    for (int i = ro - 1; i >= 0; i--) {
        int k = i - (ro - r);
        int64_t d = k >= 0 ? dims[k] : 1;
        strides[i] = d == 1 && out[i] != 1 ? 0 : s;
        s *= d;
    }
}

static void run_binary(mpx_model *m, const mpx_op *op, int batch) {
    binary_job j = {.type = op->type, .half = mpx_op_half(op)};
    int64_t a[MPX_MAX_RANK], b[MPX_MAX_RANK], out[MPX_MAX_RANK], sa[MPX_MAX_RANK], sb[MPX_MAX_RANK];
    int ra = mpx_full_shape(m, (int)op->in[0], batch, a), rb = mpx_full_shape(m, (int)op->in[1], batch, b);
    int r = broadcast(a, ra, b, rb, out);
    operand_strides(a, ra, out, r, sa);
    operand_strides(b, rb, out, r, sb);
    /* Merge neighbouring axes that both operands traverse contiguously: fewer, longer inner loops. */
    j.rank = 0;
    for (int i = 0; i < r; i++) {
        int k = j.rank - 1;
        if (k >= 0 && sa[k] == sa[i] * out[i] && sb[k] == sb[i] * out[i]) {
            j.dims[k] *= out[i];
            j.sa[k] = sa[i];
            j.sb[k] = sb[i];
        } else {
            j.dims[j.rank] = out[i];
            j.sa[j.rank] = sa[i];
            j.sb[j.rank] = sb[i];
            j.rank++;
        }
    }
    if (j.rank == 0) j.dims[j.rank++] = 1, j.sa[0] = j.sb[0] = 0;
    j.a = mpx_tensor_data(m, (int)op->in[0]);
    j.b = mpx_tensor_data(m, (int)op->in[1]);
    j.y = mpx_tensor_data(m, (int)op->out[0]);
    int64_t inner = j.dims[j.rank - 1], rows = mpx_product(j.dims, j.rank) / inner;
    int grain = inner >= GRAIN ? 1 : (int)(GRAIN / inner);
    mpx_parallel_for(m->pool, (int)rows, grain, binary_rows, &j);
}

/* ---- AFFINE: y[n, c, ...] = x·scale[c] + shift[c] ---------------------------------------------------- */
static int check_affine(mpx_model *m, mpx_op *op) {
    char label[160];
    mpx_op_label(m, (int)(op - m->ops), label, sizeof label);
    if (mpx_check_input(m, op, 0, MPX_TENSOR_ACTIVATION) || mpx_check_input(m, op, 1, MPX_TENSOR_CONSTANT) ||
        mpx_check_input(m, op, 2, MPX_TENSOR_CONSTANT))
        return -1;
    const mpx_tensor *x = &m->tensors[op->in[0]];
    if (x->rank < 1) return mpx_fail(m, "%s input %s has no channel axis", label, x->name);
    for (int k = 1; k <= 2; k++) {
        const mpx_tensor *p = &m->tensors[op->in[k]];
        if (p->rank != 1 || p->dims[0] != x->dims[0])
            return mpx_fail(m, "%s %s %s must be [%lld], one per channel", label, k == 1 ? "scale" : "shift", p->name,
                            (long long)x->dims[0]);
    }
    return mpx_check_output(m, op, x->dims, x->rank);
}

typedef struct {
    const float *x, *scale, *shift;
    float *y;
    int channels, half;
    int64_t inner;
} affine_job;

static void affine_planes(void *ctx, int begin, int end, int thread) {
    const affine_job *j = ctx;
    (void)thread;
    for (int p = begin; p < end; p++) {
        int c = p % j->channels;
        float s = j->scale[c], t = j->shift[c];
        const float *x = j->x + (int64_t)p * j->inner;
        float *y = j->y + (int64_t)p * j->inner;
        if (j->half) {
            s = mpx_round_half(s);
            t = mpx_round_half(t);
            for (int64_t i = 0; i < j->inner; i++) y[i] = mpx_round_half(mpx_round_half(x[i]) * s + t);
        } else {
            for (int64_t i = 0; i < j->inner; i++) y[i] = x[i] * s + t;
        }
    }
}

static void run_affine(mpx_model *m, const mpx_op *op, int batch) {
    const mpx_tensor *x = &m->tensors[op->in[0]];
    affine_job j = {mpx_tensor_data(m, (int)op->in[0]), m->tensors[op->in[1]].data, m->tensors[op->in[2]].data,
                    mpx_tensor_data(m, (int)op->out[0]), (int)x->dims[0], mpx_op_half(op),
                    (int64_t)(x->count / (size_t)x->dims[0])};
    int grain = j.inner >= GRAIN ? 1 : (int)(GRAIN / j.inner);
    mpx_parallel_for(m->pool, batch * j.channels, grain, affine_planes, &j);
}

/* ---- activations ---------------------------------------------------------------------------------- */
static int check_unary(mpx_model *m, mpx_op *op) {
    if (mpx_check_input(m, op, 0, MPX_TENSOR_ACTIVATION)) return -1;
    const mpx_tensor *x = &m->tensors[op->in[0]];
    return mpx_check_output(m, op, x->dims, x->rank);
}

typedef struct {
    int type, half;
    float a, b;
    const float *x;
    float *y;
} unary_job;

static inline float unary_apply(int type, float v, float a, float b) {
    switch (type) {
    case MPX_OP_RELU: return v > 0.0f ? v : 0.0f;
    case MPX_OP_CLIP: return v < a ? a : v > b ? b : v;
    case MPX_OP_LEAKY_RELU: return v >= 0.0f ? v : v * a;
    case MPX_OP_SIGMOID: return 1.0f / (1.0f + expf(-v));
    default: return tanhf(v);
    }
}

static void unary_chunk(void *ctx, int begin, int end, int thread) {
    const unary_job *j = ctx;
    (void)thread;
    if (j->half)
        for (int i = begin; i < end; i++)
            j->y[i] = mpx_round_half(unary_apply(j->type, mpx_round_half(j->x[i]), j->a, j->b));
    else
        for (int i = begin; i < end; i++) j->y[i] = unary_apply(j->type, j->x[i], j->a, j->b);
}

static void run_unary(mpx_model *m, const mpx_op *op, int batch) {
    unary_job j = {op->type, mpx_op_half(op), op->n_fattr > 0 ? op->fattr[0] : 0.0f,
                   op->n_fattr > 1 ? op->fattr[1] : 0.0f, mpx_tensor_data(m, (int)op->in[0]),
                   mpx_tensor_data(m, (int)op->out[0])};
    if (j.half) j.a = mpx_round_half(j.a), j.b = mpx_round_half(j.b);
    mpx_parallel_for(m->pool, batch * (int)m->tensors[op->in[0]].count, GRAIN, unary_chunk, &j);
}

const mpx_op_kind mpx_add_kind = {"ADD", 2, 2, 0, 0, check_binary, NULL, NULL, NULL, run_binary};
const mpx_op_kind mpx_sub_kind = {"SUB", 2, 2, 0, 0, check_binary, NULL, NULL, NULL, run_binary};
const mpx_op_kind mpx_mul_kind = {"MUL", 2, 2, 0, 0, check_binary, NULL, NULL, NULL, run_binary};
const mpx_op_kind mpx_div_kind = {"DIV", 2, 2, 0, 0, check_binary, NULL, NULL, NULL, run_binary};
const mpx_op_kind mpx_affine_kind = {"AFFINE", 3, 3, 0, 0, check_affine, NULL, NULL, NULL, run_affine};
const mpx_op_kind mpx_relu_kind = {"RELU", 1, 1, 0, 0, check_unary, NULL, NULL, NULL, run_unary};
const mpx_op_kind mpx_clip_kind = {"CLIP", 1, 1, 0, 2, check_unary, NULL, NULL, NULL, run_unary};
const mpx_op_kind mpx_leaky_relu_kind = {"LEAKY_RELU", 1, 1, 0, 1, check_unary, NULL, NULL, NULL, run_unary};
const mpx_op_kind mpx_sigmoid_kind = {"SIGMOID", 1, 1, 0, 0, check_unary, NULL, NULL, NULL, run_unary};
const mpx_op_kind mpx_tanh_kind = {"TANH", 1, 1, 0, 0, check_unary, NULL, NULL, NULL, run_unary};
