/* Element-wise ops: ADD/SUB/MUL/DIV with numpy broadcasting, AFFINE (per-channel scale and shift) and the
 * activations RELU, CLIP, LEAKY_RELU, SIGMOID, TANH. A fp16 op rounds its operands and its result. */
#include <math.h>
#include <string.h>

#include "epilogue.h"
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
    if (op->n_iattr > 0 && mpx_check_attr(m, op, 0, "act", MPX_ACT_NONE, MPX_ACT_LEAKY_RELU)) return -1;
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

/* ---- shared spans ----------------------------------------------------------------------------------- */
#define SPAN 256 /* elements per step: the operands' binary16 copies and the result stay in L1 */

static inline mpx_v4f load4(const float *p) {
    mpx_v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store4(float *p, mpx_v4f v) { memcpy(p, &v, sizeof v); }

static inline mpx_v4f select4(mpx_v4i mask, mpx_v4f yes, mpx_v4f no) {
    return (mpx_v4f)((mask & (mpx_v4i)yes) | (~mask & (mpx_v4i)no));
}

/* y = act(x) for relu, clip and leaky relu (x may equal y). `rounded`: x holds binary16 values already. */
static void act_span(const mpx_epilogue *e, const float *x, float *y, int n, int rounded) {
    if (e->act_half) {
        if (!rounded || x != y) mpx_round_half_copy(y, x, (size_t)n);
        mpx_bias_act(e, y, n, NULL, 0, 1);
        return;
    }
    const mpx_v4f zero = {0, 0, 0, 0}, lo = {e->act_a, e->act_a, e->act_a, e->act_a};
    const mpx_v4f hi = {e->act_b, e->act_b, e->act_b, e->act_b};
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        mpx_v4f v = load4(x + i);
        if (e->act == MPX_ACT_RELU)
            v = (mpx_v4f)((mpx_v4i)v & (mpx_v4i)(v > zero));
        else if (e->act == MPX_ACT_CLIP)
            v = select4(v < lo, lo, select4(v > hi, hi, v));
        else if (e->act == MPX_ACT_LEAKY_RELU)
            v = select4(v < zero, v * lo, v);
        store4(y + i, v);
    }
    for (; i < n; i++) {
        float v = x[i];
        if (e->act == MPX_ACT_RELU)
            v = v > 0.0f ? v : 0.0f;
        else if (e->act == MPX_ACT_CLIP)
            v = v < e->act_a ? e->act_a : v > e->act_b ? e->act_b : v;
        else if (e->act == MPX_ACT_LEAKY_RELU)
            v = v < 0.0f ? v * e->act_a : v;
        y[i] = v;
    }
}

/* ---- ADD/SUB/MUL/DIV with an optional fused activation --------------------------------------------- */
typedef struct {
    int type, half, rank;
    mpx_epilogue act; /* fused activation: act NONE when there is none */
    int64_t dims[MPX_MAX_RANK], sa[MPX_MAX_RANK], sb[MPX_MAX_RANK];
    const float *a, *b;
    float *y;
} binary_job;

/* One operator per instantiation (always inlined with a constant type and relu), so that the loops have
 * no branch but the loop-invariant choice between a contiguous and a broadcast operand. `relu`: the fused
 * float32 relu, applied in registers. */
static inline __attribute__((always_inline)) void binary_loop(int type, int relu, const float *a, int step_a,
                                                             const float *b, int step_b, float *y, int n) {
    const mpx_v4f a0 = {a[0], a[0], a[0], a[0]}, b0 = {b[0], b[0], b[0], b[0]}, zero = {0, 0, 0, 0};
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        mpx_v4f x = step_a ? load4(a + i) : a0, z = step_b ? load4(b + i) : b0;
        mpx_v4f v = type == MPX_OP_ADD ? x + z : type == MPX_OP_SUB ? x - z : type == MPX_OP_MUL ? x * z : x / z;
        store4(y + i, relu ? (mpx_v4f)((mpx_v4i)v & (mpx_v4i)(v > zero)) : v);
    }
    for (; i < n; i++) {
        float x = a[step_a ? i : 0], z = b[step_b ? i : 0];
        float v = type == MPX_OP_ADD ? x + z : type == MPX_OP_SUB ? x - z : type == MPX_OP_MUL ? x * z : x / z;
        y[i] = relu && !(v > 0.0f) ? 0.0f : v;
    }
}

/* An operand of a span as a contiguous or a broadcast (step 0) array: strided ones are gathered into buf,
 * binary16 ones are rounded into it. */
static const float *span_operand(const float *p, int64_t stride, int n, int half, float *buf, int *step) {
    *step = stride != 0;
    if (stride == 0) {
        if (!half) return p;
        buf[0] = mpx_half_round(p[0]);
        return buf;
    }
    if (stride != 1) {
        for (int i = 0; i < n; i++) buf[i] = p[i * stride];
        p = buf;
    }
    if (half) {
        mpx_round_half_copy(buf, p, (size_t)n);
        return buf;
    }
    return p;
}

/* y[0..n) = act(a[i·sa] op b[i·sb]), n <= SPAN. */
static void binary_span(const binary_job *j, const float *a, int64_t sa, const float *b, int64_t sb, float *y, int n) {
    float ta[SPAN], tb[SPAN];
    int step_a, step_b;
    a = span_operand(a, sa, n, j->half, ta, &step_a);
    b = span_operand(b, sb, n, j->half, tb, &step_b);
    /* the residual add + relu of float32 networks in one loop; anything else as two steps on y in L1 */
    if (j->type == MPX_OP_ADD && !j->half && j->act.act == MPX_ACT_RELU && !j->act.act_half) {
        binary_loop(MPX_OP_ADD, 1, a, step_a, b, step_b, y, n);
        return;
    }
    switch (j->type) {
    case MPX_OP_ADD: binary_loop(MPX_OP_ADD, 0, a, step_a, b, step_b, y, n); break;
    case MPX_OP_SUB: binary_loop(MPX_OP_SUB, 0, a, step_a, b, step_b, y, n); break;
    case MPX_OP_MUL: binary_loop(MPX_OP_MUL, 0, a, step_a, b, step_b, y, n); break;
    default: binary_loop(MPX_OP_DIV, 0, a, step_a, b, step_b, y, n); break;
    }
    if (j->half) mpx_round_half_copy(y, y, (size_t)n);
    if (j->act.act != MPX_ACT_NONE) act_span(&j->act, y, y, n, j->half);
}

/* Elements [begin·SPAN, end·SPAN) of the output, split at the rows of the innermost (merged) axis. */
static void binary_range(void *ctx, int begin, int end, int thread) {
    const binary_job *j = ctx;
    (void)thread;
    int last = j->rank - 1;
    int64_t inner = j->dims[last], sa = j->sa[last], sb = j->sb[last];
    int64_t total = mpx_product(j->dims, j->rank);
    int64_t e = (int64_t)begin * SPAN, e1 = (int64_t)end * SPAN < total ? (int64_t)end * SPAN : total;
    while (e < e1) {
        int64_t row = e / inner, col = e % inner, oa = 0, ob = 0, rest = row;
        for (int d = last - 1; d >= 0; d--) {
            int64_t i = rest % j->dims[d];
            rest /= j->dims[d];
            oa += i * j->sa[d];
            ob += i * j->sb[d];
        }
        int64_t stop = e1 - e < inner - col ? e1 : e + inner - col;
        for (; e < stop; col += SPAN) {
            int n = stop - e < SPAN ? (int)(stop - e) : SPAN;
            binary_span(j, j->a + oa + col * sa, sa, j->b + ob + col * sb, sb, j->y + e, n);
            e += n;
        }
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

/* The optional `act` attribute and its parameters, which a fp16 activation uses in binary16. */
static mpx_epilogue fused_activation(const mpx_op *op) {
    mpx_epilogue e = {0, op->n_iattr > 0 ? op->iattr[0] : MPX_ACT_NONE, op->knob[MPX_PART_ACT] == MPX_KNOB_FP16,
                      op->n_fattr > 0 ? op->fattr[0] : 0.0f, op->n_fattr > 1 ? op->fattr[1] : 0.0f};
    if (e.act_half) e.act_a = mpx_round_half(e.act_a), e.act_b = mpx_round_half(e.act_b);
    return e;
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
        if (k >= 0 && j.sa[k] == sa[i] * out[i] && j.sb[k] == sb[i] * out[i]) {
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
    j.act = fused_activation(op);
    int64_t spans = (mpx_product(j.dims, j.rank) + SPAN - 1) / SPAN;
    mpx_parallel_for(m->pool, (int)spans, GRAIN / SPAN, binary_range, &j);
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
    mpx_epilogue act; /* RELU, CLIP, LEAKY_RELU as an activation; act NONE for SIGMOID and TANH */
    const float *x;
    float *y;
    int64_t count;
} unary_job;

/* Elements [begin·SPAN, end·SPAN) (cut to the tensor). */
static void unary_range(void *ctx, int begin, int end, int thread) {
    const unary_job *j = ctx;
    (void)thread;
    int64_t e0 = (int64_t)begin * SPAN, e1 = (int64_t)end * SPAN < j->count ? (int64_t)end * SPAN : j->count;
    const float *x = j->x + e0;
    float *y = j->y + e0;
    int n = (int)(e1 - e0);
    if (j->act.act != MPX_ACT_NONE) {
        act_span(&j->act, x, y, n, 0);
        return;
    }
    if (j->half) {
        mpx_round_half_copy(y, x, (size_t)n);
        x = y;
    }
    if (j->type == MPX_OP_SIGMOID)
        for (int i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i]));
    else
        for (int i = 0; i < n; i++) y[i] = tanhf(x[i]);
    if (j->half) mpx_round_half_copy(y, y, (size_t)n);
}

static void run_unary(mpx_model *m, const mpx_op *op, int batch) {
    static const int act_of[MPX_OP_TYPE_COUNT] = {[MPX_OP_RELU] = MPX_ACT_RELU, [MPX_OP_CLIP] = MPX_ACT_CLIP,
                                                  [MPX_OP_LEAKY_RELU] = MPX_ACT_LEAKY_RELU};
    int half = mpx_op_half(op);
    unary_job j = {op->type, half,
                   {0, act_of[op->type], half, op->n_fattr > 0 ? op->fattr[0] : 0.0f,
                    op->n_fattr > 1 ? op->fattr[1] : 0.0f},
                   mpx_tensor_data(m, (int)op->in[0]), mpx_tensor_data(m, (int)op->out[0]),
                   (int64_t)batch * (int64_t)m->tensors[op->in[0]].count};
    if (half) j.act.act_a = mpx_round_half(j.act.act_a), j.act.act_b = mpx_round_half(j.act.act_b);
    mpx_parallel_for(m->pool, (int)((j.count + SPAN - 1) / SPAN), GRAIN / SPAN, unary_range, &j);
}

/* `act` and its two parameters are optional (FORMAT.md): the loader accepts 0 and 0 as well. */
const mpx_op_kind mpx_add_kind = {check_binary, NULL, NULL, NULL, run_binary};
const mpx_op_kind mpx_sub_kind = {check_binary, NULL, NULL, NULL, run_binary};
const mpx_op_kind mpx_mul_kind = {check_binary, NULL, NULL, NULL, run_binary};
const mpx_op_kind mpx_div_kind = {check_binary, NULL, NULL, NULL, run_binary};
const mpx_op_kind mpx_affine_kind = {check_affine, NULL, NULL, NULL, run_affine};
const mpx_op_kind mpx_relu_kind = {check_unary, NULL, NULL, NULL, run_unary};
const mpx_op_kind mpx_clip_kind = {check_unary, NULL, NULL, NULL, run_unary};
const mpx_op_kind mpx_leaky_relu_kind = {check_unary, NULL, NULL, NULL, run_unary};
const mpx_op_kind mpx_sigmoid_kind = {check_unary, NULL, NULL, NULL, run_unary};
const mpx_op_kind mpx_tanh_kind = {check_unary, NULL, NULL, NULL, run_unary};
