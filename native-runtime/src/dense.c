/* Fully connected layer y = x·Wᵀ + b, then the activation. W is packed once as the GEMM's B operand;
 * a few rows (rows = 1 is inference of one sample) take dot products instead, which read W once and
 * need no packing of x. */
#include "epilogue.h"
#include "gemm.h"
#include "kernels.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ROW_BLOCK 64

struct mpx_dense_plan {
    int K, P, half;
    mpx_epilogue epilogue;
    float *w;      /* [P][K], rounded when half */
    float *packed; /* Wᵀ as a packed B [K × P] */
    float *bias;   /* [P] or NULL */
};

void mpx_dense_plan_destroy(mpx_dense_plan *plan)
{
    if (!plan)
        return;
    free(plan->w);
    free(plan->packed);
    free(plan->bias);
    free(plan);
}

mpx_dense_plan *mpx_dense_plan_create(int K, int P, const float *W, const float *B, int half, int bias_half,
                                      int act, float act_a, float act_b, int act_half)
{
    if (K <= 0 || P <= 0)
        return NULL;
    mpx_dense_plan *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->K = K;
    p->P = P;
    p->half = half;
    p->epilogue = (mpx_epilogue){bias_half, act, act_half, act_a, act_b};
    p->w = malloc((size_t)K * P * sizeof *p->w);
    p->packed = malloc(mpx_gemm_packed_b_floats(K, P) * sizeof *p->packed);
    p->bias = B ? malloc((size_t)P * sizeof *p->bias) : NULL;
    if (!p->w || !p->packed || (B && !p->bias)) {
        mpx_dense_plan_destroy(p);
        return NULL;
    }
    memcpy(p->w, W, (size_t)K * P * sizeof *p->w);
    if (half)
        mpx_round_half_array(p->w, (size_t)K * P);
    mpx_gemm_pack_bt(K, P, p->w, K, p->packed);
    if (B)
        for (int j = 0; j < P; j++)
            p->bias[j] = bias_half ? mpx_half_round(B[j]) : B[j];
    return p;
}

static int row_block(const mpx_dense_plan *p, int rows)
{
    (void)p;
    int mr = mpx_gemm_arch_get()->mr;
    return mpx_round_up(rows < ROW_BLOCK ? rows : ROW_BLOCK, mr);
}

static size_t thread_floats(const mpx_dense_plan *p, int rows)
{
    return ((size_t)row_block(p, rows) * p->K + 15) & ~(size_t)15;
}

size_t mpx_dense_workspace(const mpx_dense_plan *plan, int rows, int threads)
{
    if (threads < 1)
        threads = 1;
    size_t gemv = (size_t)MPX_DENSE_GEMV_MAX_ROWS * plan->K + 16;
    size_t gemm = thread_floats(plan, rows) * (size_t)threads + 16;
    return (gemv > gemm ? gemv : gemm) * sizeof(float);
}

typedef struct {
    const mpx_dense_plan *p;
    const float *x;
    float *y;
    float *workspace;
    int rows, row_blocks, col_chunks, chunk_cols;
} dense_job;

static void finish(const mpx_dense_plan *p, float *v, int n, int col0)
{
    if (p->half)
        mpx_round_half_copy(v, v, (size_t)n);
    mpx_bias_act(&p->epilogue, v, n, p->bias ? p->bias + col0 : NULL, 1, p->half);
}

static float dot(const float *a, const float *b, int n)
{
    float s[8] = {0};
    int k = 0;
    for (; k + 8 <= n; k += 8)
        for (int j = 0; j < 8; j++)
            s[j] += a[k + j] * b[k + j];
    float t = 0.0f;
    for (; k < n; k++)
        t += a[k] * b[k];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7])) + t;
}

static void gemv_range(void *ctx, int begin, int end, int thread)
{
    (void)thread;
    dense_job *job = ctx;
    const mpx_dense_plan *p = job->p;
    for (int r = 0; r < job->rows; r++) {
        float *y = job->y + (size_t)r * p->P;
        for (int j = begin; j < end; j++)
            y[j] = dot(job->x + (size_t)r * p->K, p->w + (size_t)j * p->K, p->K);
        finish(p, y + begin, end - begin, begin);
    }
}

static void gemm_range(void *ctx, int begin, int end, int thread)
{
    dense_job *job = ctx;
    const mpx_dense_plan *p = job->p;
    int nr = mpx_gemm_arch_get()->nr, mr = mpx_gemm_arch_get()->mr, block = row_block(p, job->rows);
    float *packed = job->workspace + (size_t)thread * thread_floats(p, job->rows);
    int packed_block = -1;
    for (int unit = begin; unit < end; unit++) {
        int rb = unit / job->col_chunks, cc = unit % job->col_chunks;
        int r0 = rb * block, rows = job->rows - r0 < block ? job->rows - r0 : block;
        int j0 = cc * job->chunk_cols, cols = p->P - j0 < job->chunk_cols ? p->P - j0 : job->chunk_cols;
        if (packed_block != rb) {
            mpx_gemm_pack_a(rows, p->K, job->x + (size_t)r0 * p->K, p->K, packed);
            if (p->half)
                mpx_round_half_copy(packed, packed, mpx_gemm_packed_a_floats(rows, p->K));
            packed_block = rb;
        }
        float *y = job->y + (size_t)r0 * p->P + j0;
        mpx_gemm_packed(rows, cols, p->K, packed, mpx_round_up(rows, mr), p->packed, mpx_round_up(p->P, nr),
                        j0 / nr, y, p->P, 0);
        for (int r = 0; r < rows; r++)
            finish(p, y + (size_t)r * p->P, cols, j0);
    }
}

void mpx_dense_run(const mpx_dense_plan *plan, mpx_pool *pool, const float *x, int rows, float *y,
                   void *workspace)
{
    if (rows <= 0)
        return;
    dense_job job = {plan, x, y, (float *)(((uintptr_t)workspace + 63) & ~(uintptr_t)63), rows, 0, 1, 0};
    int threads = mpx_pool_threads(pool);
    if (rows <= MPX_DENSE_GEMV_MAX_ROWS) {
        if (plan->half) {
            memcpy(job.workspace, x, (size_t)rows * plan->K * sizeof *x);
            mpx_round_half_copy(job.workspace, job.workspace, (size_t)rows * plan->K);
            job.x = job.workspace;
        }
        int grain = 4096 / plan->K + 1; /* at least ~4k multiply-adds per chunk */
        mpx_parallel_for(pool, plan->P, grain, gemv_range, &job);
        return;
    }
    int nr = mpx_gemm_arch_get()->nr, panels = (plan->P + nr - 1) / nr;
    job.row_blocks = (rows + row_block(plan, rows) - 1) / row_block(plan, rows);
    if (job.row_blocks < threads)
        job.col_chunks = (threads + job.row_blocks - 1) / job.row_blocks;
    if (job.col_chunks > panels)
        job.col_chunks = panels;
    job.chunk_cols = (panels + job.col_chunks - 1) / job.col_chunks * nr;
    job.col_chunks = (panels * nr + job.chunk_cols - 1) / job.chunk_cols;
    mpx_parallel_for(pool, job.row_blocks * job.col_chunks, 1, gemm_range, &job);
}
