/* MATMUL of activations (numpy matmul: 1-D operands promoted, leading axes broadcast), one GEMM per
 * matrix pair. A fp16 MATMUL multiplies binary16-rounded copies and rounds the result. */
#include <string.h>

#include "model.h"

typedef struct {
    int64_t n, k, m;             /* C[n×m] = A[n×k]·B[k×m] per matrix pair */
    int lead;                    /* broadcast leading axes */
    int64_t dims[MPX_MAX_RANK], sa[MPX_MAX_RANK], sb[MPX_MAX_RANK];
    int64_t out[MPX_MAX_RANK];
    int rank;                    /* of the result */
} matmul_geometry;

/* Element strides of a leading-axes shape inside the broadcast leading shape, 0 along broadcast axes. */
static void lead_strides(const int64_t *dims, int r, const int64_t *lead, int rl, int64_t matrix, int64_t *strides) {
    int64_t s = matrix;
    for (int i = rl - 1; i >= 0; i--) {
        int k = i - (rl - r);
        int64_t d = k >= 0 ? dims[k] : 1;
        strides[i] = d == 1 && lead[i] != 1 ? 0 : s;
        s *= d;
    }
}

static int geometry(const int64_t *a, int ra, const int64_t *b, int rb, matmul_geometry *g) {
    if (ra < 1 || rb < 1) return -1;
    int64_t kb;
    g->n = ra == 1 ? 1 : a[ra - 2];
    g->k = a[ra - 1];
    kb = rb == 1 ? b[0] : b[rb - 2];
    g->m = rb == 1 ? 1 : b[rb - 1];
    if (kb != g->k) return -1;
    int la = ra > 2 ? ra - 2 : 0, lb = rb > 2 ? rb - 2 : 0;
    g->lead = la > lb ? la : lb;
    for (int i = 0; i < g->lead; i++) {
        int ka = i - (g->lead - la), kk = i - (g->lead - lb);
        int64_t da = ka >= 0 ? a[ka] : 1, db = kk >= 0 ? b[kk] : 1;
        if (da != db && da != 1 && db != 1) return -1;
        g->dims[i] = da > db ? da : db;
    }
    lead_strides(a, la, g->dims, g->lead, g->n * g->k, g->sa);
    lead_strides(b, lb, g->dims, g->lead, g->k * g->m, g->sb);
    memcpy(g->out, g->dims, sizeof(int64_t) * (size_t)g->lead);
    g->rank = g->lead;
    if (ra > 1) g->out[g->rank++] = g->n;
    if (rb > 1) g->out[g->rank++] = g->m;
    return 0;
}

static int full_geometry(const mpx_model *m, const mpx_op *op, int64_t batch, matmul_geometry *g) {
    int64_t a[MPX_MAX_RANK], b[MPX_MAX_RANK];
    int ra = mpx_full_shape(m, (int)op->in[0], batch, a), rb = mpx_full_shape(m, (int)op->in[1], batch, b);
    return geometry(a, ra, b, rb, g);
}

static int check(mpx_model *m, mpx_op *op) {
    char label[160], sa[160], sb[160];
    mpx_op_label(m, (int)(op - m->ops), label, sizeof label);
    if (mpx_check_input(m, op, 0, -1) || mpx_check_input(m, op, 1, -1)) return -1;
    const mpx_tensor *a = &m->tensors[op->in[0]], *b = &m->tensors[op->in[1]], *y = &m->tensors[op->out[0]];
    for (int64_t n = 2; n <= 3; n++) { /* valid for every batch size, not by coincidence */
        matmul_geometry g;
        if (full_geometry(m, op, n, &g))
            return mpx_fail(m, "%s operands %s %s and %s %s do not multiply (N is the batch)", label, a->name,
                            mpx_dims_text(a->dims, a->rank, sa, sizeof sa), b->name,
                            mpx_dims_text(b->dims, b->rank, sb, sizeof sb));
        if (!mpx_shape_is(m, (int)op->out[0], n, g.out, g.rank))
            return mpx_fail(m, "%s computes %s for a batch of %lld, which is not [N] + the output %s's shape %s",
                            label, mpx_dims_text(g.out, g.rank, sa, sizeof sa), (long long)n, y->name,
                            mpx_dims_text(y->dims, y->rank, sb, sizeof sb));
    }
    return 0;
}

static size_t count_of(const mpx_model *m, int64_t t, int batch) {
    const mpx_tensor *x = &m->tensors[t];
    return x->kind == MPX_TENSOR_CONSTANT ? x->count : x->count * (size_t)batch;
}

static size_t align64(size_t bytes) { return (bytes + 63) & ~(size_t)63; }

/* Room for binary16-rounded copies of both operands, then the GEMM's own workspace. */
static size_t workspace(const mpx_model *m, const mpx_op *op, const void *plan, int batch) {
    (void)plan;
    matmul_geometry g;
    full_geometry(m, op, batch, &g);
    size_t copies = align64(sizeof(float) * count_of(m, op->in[0], batch)) +
                    align64(sizeof(float) * count_of(m, op->in[1], batch));
    return copies + mpx_sgemm_workspace((int)g.n, (int)g.m, (int)g.k, m->threads);
}

static void run(mpx_model *m, const mpx_op *op, int batch) {
    matmul_geometry g;
    full_geometry(m, op, batch, &g);
    const float *a = mpx_tensor_data(m, (int)op->in[0]), *b = mpx_tensor_data(m, (int)op->in[1]);
    float *c = mpx_tensor_data(m, (int)op->out[0]);
    size_t na = count_of(m, op->in[0], batch), nb = count_of(m, op->in[1], batch);
    char *ws = m->workspace;
    int half = mpx_op_half(op);
    if (half) { /* the operands are read-only: round copies */
        float *ra = (float *)ws, *rb = (float *)(ws + align64(sizeof(float) * na));
        for (size_t i = 0; i < na; i++) ra[i] = mpx_round_half(a[i]);
        for (size_t i = 0; i < nb; i++) rb[i] = mpx_round_half(b[i]);
        a = ra;
        b = rb;
    }
    void *gemm_ws = ws + align64(sizeof(float) * na) + align64(sizeof(float) * nb);
    int64_t pairs = mpx_product(g.dims, g.lead);
    for (int64_t p = 0; p < pairs; p++) {
        int64_t oa = 0, ob = 0, rest = p;
        for (int d = g.lead - 1; d >= 0; d--) {
            int64_t i = rest % g.dims[d];
            rest /= g.dims[d];
            oa += i * g.sa[d];
            ob += i * g.sb[d];
        }
        mpx_sgemm(m->pool, (int)g.n, (int)g.m, (int)g.k, a + oa, (int)g.k, b + ob, (int)g.m, c + p * g.n * g.m,
                  (int)g.m, 0, gemm_ws);
    }
    if (half) mpx_round_half_array(c, (size_t)(pairs * g.n * g.m));
}

const mpx_op_kind mpx_matmul_kind = {check, NULL, NULL, workspace, run};
