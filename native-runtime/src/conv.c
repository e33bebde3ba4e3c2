/* 2-D convolution (strides, asymmetric pads, dilations, groups) with its approximations (DESIGN.md §2):
 * im2col + packed GEMM per group, or a direct kernel when the per-group GEMM would be tiny (depthwise).
 * Perforation evaluates only the computed output rows/columns (fewer GEMM columns) and then fills the
 * skipped ones; filter sampling drops filter elements from the GEMM's reduction; binary16 rounds the
 * input, the prepared weights and the result, accumulating in float32. */
#include "epilogue.h"
#include "gemm.h"
#include "im2col.h"
#include "kernels.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IM2COL_BLOCK_FLOATS 65536 /* one im2col block (256 KiB) stays in L2 while the GEMM runs on it */

struct mpx_conv_plan {
    mpx_conv_shape s;
    mpx_conv_mode mode;
    int Cg, Mg, n_taps;
    mpx_tap *taps;
    int direct;             /* direct kernel instead of im2col + GEMM */
    float *weights;         /* direct: [M][n_taps]; GEMM: one packed A [Mg × n_taps] per group */
    size_t group_floats;    /* floats of one group's packed A */
    int a_stride;           /* Mg rounded up to the kernel's mr */
    float *bias;            /* [M] (rounded when bias_half) or NULL */
    int *rows, *cols;       /* computed output rows and columns */
    int n_rows, n_cols;
    int perforated;
    int q_block;            /* im2col columns per block */
    mpx_im2col im2col;
};

/* ---- plan ---------------------------------------------------------------------------------------- */

static int is_dropped(const mpx_conv_plan *p, int c, int j)
{
    const mpx_knob *k = &p->mode.knob;
    if (k->kind != MPX_KNOB_SAMPLING)
        return 0;
    int x = k->stride, area = p->s.kh * p->s.kw;
    if (area % x == 0) {
        int oc = (k->offset + c) % x;
        return j >= oc && (j - oc) % x == 0;
    }
    int f = c * area + j;
    return f >= k->offset && (f - k->offset) % x == 0;
}

/* Indices 0..n-1 without the skipped ones s, s+x, … (x = 0: none skipped). */
static int *computed_indices(int n, int x, int s, int *count)
{
    int *idx = malloc((size_t)n * sizeof *idx);
    if (!idx)
        return NULL;
    *count = 0;
    for (int i = 0; i < n; i++)
        if (!(x && i >= s && (i - s) % x == 0))
            idx[(*count)++] = i;
    return idx;
}

void mpx_conv_plan_destroy(mpx_conv_plan *plan)
{
    if (!plan)
        return;
    free(plan->taps);
    free(plan->weights);
    free(plan->bias);
    free(plan->rows);
    free(plan->cols);
    free(plan);
}

static int shape_valid(const mpx_conv_shape *s)
{
    return s->group >= 1 && s->C % s->group == 0 && s->M % s->group == 0 && s->C > 0 && s->M > 0 && s->H > 0 &&
           s->W > 0 && s->Ho > 0 && s->Wo > 0 && s->kh > 0 && s->kw > 0 && s->stride_h > 0 && s->stride_w > 0 &&
           s->dil_h > 0 && s->dil_w > 0 && s->pad_top >= 0 && s->pad_left >= 0;
}

static int prepare_weights(mpx_conv_plan *p, const float *W)
{
    const mpx_conv_shape *s = &p->s;
    const mpx_knob *k = &p->mode.knob;
    float scale = k->kind == MPX_KNOB_SAMPLING ? (float)k->stride / (float)(k->stride - 1) : 1.0f;
    size_t area = (size_t)s->kh * s->kw;
    float *dense = malloc((size_t)s->M * p->n_taps * sizeof *dense);
    if (!dense)
        return -1;
    for (int m = 0; m < s->M; m++)
        for (int t = 0; t < p->n_taps; t++) {
            const mpx_tap *tap = &p->taps[t];
            float w = W[(size_t)m * p->Cg * area + tap->c * area + (size_t)tap->i * s->kw + tap->j] * scale;
            dense[(size_t)m * p->n_taps + t] = k->half ? mpx_round_half(w) : w;
        }
    if (p->direct) {
        p->weights = dense;
        return 0;
    }
    p->a_stride = mpx_round_up(p->Mg, mpx_gemm_arch_get()->mr);
    p->group_floats = mpx_gemm_packed_a_floats(p->Mg, p->n_taps);
    p->weights = malloc(p->group_floats * s->group * sizeof *p->weights);
    if (p->weights)
        for (int g = 0; g < s->group; g++)
            mpx_gemm_pack_a(p->Mg, p->n_taps, dense + (size_t)g * p->Mg * p->n_taps, p->n_taps,
                            p->weights + g * p->group_floats);
    free(dense);
    return p->weights ? 0 : -1;
}

mpx_conv_plan *mpx_conv_plan_create(const mpx_conv_shape *shape, const float *W, const float *B,
                                    const mpx_conv_mode *mode)
{
    if (!shape_valid(shape) || !mpx_conv_knob_applies(shape, &mode->knob))
        return NULL;
    mpx_conv_plan *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->s = *shape;
    p->mode = *mode;
    p->Cg = shape->C / shape->group;
    p->Mg = shape->M / shape->group;
    int area = shape->kh * shape->kw;
    p->taps = malloc((size_t)p->Cg * area * sizeof *p->taps);
    if (!p->taps)
        goto fail;
    for (int c = 0; c < p->Cg; c++)
        for (int j = 0; j < area; j++)
            if (!is_dropped(p, c, j))
                p->taps[p->n_taps++] = (mpx_tap){c, j / shape->kw, j % shape->kw};

    const mpx_knob *k = &mode->knob;
    int rx = k->kind == MPX_KNOB_PERF_ROWS ? k->stride : 0, cx = k->kind == MPX_KNOB_PERF_COLS ? k->stride : 0;
    p->rows = computed_indices(shape->Ho, rx, k->offset, &p->n_rows);
    p->cols = computed_indices(shape->Wo, cx, k->offset, &p->n_cols);
    if (!p->rows || !p->cols)
        goto fail;
    p->perforated = rx || cx;

    /* a GEMM with fewer than 4 rows per group wastes most of the micro-kernel */
    p->direct = p->Mg < 4;
    if (prepare_weights(p, W) != 0)
        goto fail;
    if (B) {
        p->bias = malloc((size_t)shape->M * sizeof *p->bias);
        if (!p->bias)
            goto fail;
        for (int m = 0; m < shape->M; m++)
            p->bias[m] = mode->bias_half ? mpx_round_half(B[m]) : B[m];
    }
    int nr = mpx_gemm_arch_get()->nr;
    p->q_block = IM2COL_BLOCK_FLOATS / p->n_taps / nr * nr;
    if (p->q_block < nr)
        p->q_block = nr;
    p->im2col = (mpx_im2col){shape->H, shape->W, shape->Wo, shape->stride_h, shape->stride_w, shape->pad_top,
                             shape->pad_left, shape->dil_h, shape->dil_w, p->n_taps, p->taps, p->n_rows, p->rows,
                             p->n_cols, cx ? p->cols : NULL};
    return p;
fail:
    mpx_conv_plan_destroy(p);
    return NULL;
}

/* ---- workspace ----------------------------------------------------------------------------------- */

static size_t aligned_floats(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

/* Per thread: the group's input rounded to binary16, then the im2col block and the perforated GEMM's
 * result (GEMM path) or one accumulator row (direct path). */
static size_t input_floats(const mpx_conv_plan *p)
{
    return p->mode.knob.half ? aligned_floats((size_t)p->Cg * p->s.H * p->s.W) : 0;
}

static size_t thread_floats(const mpx_conv_plan *p)
{
    if (p->direct)
        return input_floats(p) + aligned_floats((size_t)p->s.Wo);
    size_t cols = (size_t)mpx_round_up(p->q_block, mpx_gemm_arch_get()->nr);
    return input_floats(p) + aligned_floats(cols * p->n_taps) +
           (p->perforated ? aligned_floats((size_t)p->Mg * p->q_block) : 0);
}

size_t mpx_conv_workspace(const mpx_conv_plan *plan, int batch, int threads)
{
    (void)batch;
    if (threads < 1)
        threads = 1;
    return (thread_floats(plan) * (size_t)threads + 16) * sizeof(float);
}

/* ---- epilogue: interpolation of skipped rows/columns, bias, activation ------------------------- */

static void bias_act(const mpx_conv_plan *p, float *v, int n, int m)
{
    const mpx_conv_mode *md = &p->mode;
    mpx_epilogue e = {md->bias_half, md->act, md->act_half, md->act_a, md->act_b};
    mpx_bias_act(&e, v, n, p->bias != NULL, p->bias ? p->bias[m] : 0.0f);
}

static inline float mean2(float a, float b, int half)
{
    float v = (a + b) * 0.5f;
    return half ? mpx_round_half(v) : v;
}

/* Rules 1-4 of DESIGN.md §2 on one output plane whose computed positions are already final. */
static void interpolate(const mpx_conv_plan *p, float *plane)
{
    const mpx_knob *k = &p->mode.knob;
    int Ho = p->s.Ho, Wo = p->s.Wo, half = k->half;
    if (k->kind == MPX_KNOB_PERF_ROWS) {
        for (int r = k->offset; r < Ho; r += k->stride) {
            float *d = plane + (size_t)r * Wo;
            if (r == Ho - 1)
                memcpy(d, d - Wo, (size_t)Wo * sizeof *d);
            else if (r == 0)
                memcpy(d, d + Wo, (size_t)Wo * sizeof *d);
            else
                for (int j = 0; j < Wo; j++)
                    d[j] = mean2(d[j - Wo], d[j + Wo], half);
        }
    } else if (k->kind == MPX_KNOB_PERF_COLS) {
        for (int r = 0; r < Ho; r++) {
            float *d = plane + (size_t)r * Wo;
            for (int c = k->offset; c < Wo; c += k->stride)
                d[c] = c == Wo - 1 ? d[c - 1] : c == 0 ? d[1] : mean2(d[c - 1], d[c + 1], half);
        }
    }
}

/* ---- execution ------------------------------------------------------------------------------------ */

typedef struct {
    const mpx_conv_plan *p;
    const float *x;
    float *y;
    float *workspace;
    int chunks;      /* column chunks per (sample, group) */
    int chunk_cols;  /* columns per chunk, a multiple of nr */
} conv_job;

/* The input channels of group g of sample n, rounded to binary16 into `scratch` when the knob says so;
 * *rounded remembers which (sample, group) the scratch holds, as consecutive units often share it. */
static const float *group_input(const conv_job *job, int n, int g, float *scratch, int *rounded)
{
    const mpx_conv_plan *p = job->p;
    size_t size = (size_t)p->Cg * p->s.H * p->s.W;
    const float *x = job->x + ((size_t)n * p->s.C + (size_t)g * p->Cg) * p->s.H * p->s.W;
    int which = n * p->s.group + g;
    if (!p->mode.knob.half)
        return x;
    if (*rounded != which) {
        for (size_t i = 0; i < size; i++)
            scratch[i] = mpx_round_half(x[i]);
        *rounded = which;
    }
    return scratch;
}

static void gemm_unit(conv_job *job, int unit, float *ws, int *rounded)
{
    const mpx_conv_plan *p = job->p;
    const mpx_conv_shape *s = &p->s;
    int nr = mpx_gemm_arch_get()->nr, half = p->mode.knob.half;
    int chunk = unit % job->chunks, ng = unit / job->chunks, g = ng % s->group, n = ng / s->group;
    int total = p->n_rows * p->n_cols, c0 = chunk * job->chunk_cols;
    int c1 = c0 + job->chunk_cols < total ? c0 + job->chunk_cols : total;
    size_t plane = (size_t)s->Ho * s->Wo;
    float *packed = ws + input_floats(p);
    float *tmp = packed + aligned_floats((size_t)mpx_round_up(p->q_block, nr) * p->n_taps);
    const float *x = group_input(job, n, g, ws, rounded);
    const float *a = p->weights + g * p->group_floats;
    float *y = job->y + ((size_t)n * s->M + (size_t)g * p->Mg) * plane;
    for (int q0 = c0; q0 < c1; q0 += p->q_block) {
        int q1 = q0 + p->q_block < c1 ? q0 + p->q_block : c1, cols = q1 - q0;
        mpx_im2col_packed(&p->im2col, x, q0, q1, packed);
        if (!p->perforated) {
            mpx_gemm_packed(p->Mg, cols, p->n_taps, a, p->a_stride, packed, mpx_round_up(cols, nr), 0, y + q0,
                            (int)plane, 0);
            for (int m = 0; m < p->Mg; m++) {
                float *v = y + m * plane + q0;
                if (half)
                    mpx_round_half_array(v, (size_t)cols);
                bias_act(p, v, cols, g * p->Mg + m);
            }
            continue;
        }
        mpx_gemm_packed(p->Mg, cols, p->n_taps, a, p->a_stride, packed, mpx_round_up(cols, nr), 0, tmp, cols,
                        0);
        for (int m = 0; m < p->Mg; m++) {
            const float *src = tmp + (size_t)m * cols;
            float *out = y + m * plane;
            for (int q = q0; q < q1; q++) {
                float v = src[q - q0];
                out[(size_t)p->rows[q / p->n_cols] * s->Wo + p->cols[q % p->n_cols]] = half ? mpx_round_half(v) : v;
            }
        }
    }
}

static void gemm_range(void *ctx, int begin, int end, int thread)
{
    conv_job *job = ctx;
    float *ws = job->workspace + (size_t)thread * thread_floats(job->p);
    int rounded = -1;
    for (int unit = begin; unit < end; unit++)
        gemm_unit(job, unit, ws, &rounded);
}

/* Perforated GEMM path, second pass: fill the skipped positions, then bias and activation. */
static void finish_range(void *ctx, int begin, int end, int thread)
{
    (void)thread;
    conv_job *job = ctx;
    const mpx_conv_plan *p = job->p;
    int plane = p->s.Ho * p->s.Wo;
    for (int i = begin; i < end; i++) {
        float *out = job->y + (size_t)i * plane;
        interpolate(p, out);
        bias_act(p, out, plane, i % p->s.M);
    }
}

/* One output plane (sample n, channel m) of the direct kernel: taps outermost so that the inner loop
 * runs along an output row (contiguous for stride 1). */
static void direct_plane(conv_job *job, int index, float *ws, int *rounded)
{
    const mpx_conv_plan *p = job->p;
    const mpx_conv_shape *s = &p->s;
    int m = index % s->M, n = index / s->M, g = m / p->Mg, Wo = s->Wo, sw = s->stride_w, half = p->mode.knob.half;
    size_t in_plane = (size_t)s->H * s->W;
    const float *x = group_input(job, n, g, ws, rounded);
    float *acc = ws + input_floats(p);
    float *out = job->y + (size_t)index * s->Ho * Wo;
    const float *w = p->weights + (size_t)m * p->n_taps;
    const int *cols = p->mode.knob.kind == MPX_KNOB_PERF_COLS ? p->cols : NULL;
    for (int r = 0; r < p->n_rows; r++) {
        int oh = p->rows[r];
        memset(acc, 0, (size_t)Wo * sizeof *acc);
        for (int t = 0; t < p->n_taps; t++) {
            const mpx_tap *tap = &p->taps[t];
            int ih = oh * s->stride_h - s->pad_top + tap->i * s->dil_h;
            if (ih < 0 || ih >= s->H)
                continue;
            const float *src = x + tap->c * in_plane + (size_t)ih * s->W;
            int off = tap->j * s->dil_w - s->pad_left;
            float wt = w[t];
            if (cols) {
                for (int jc = 0; jc < p->n_cols; jc++) {
                    int iw = cols[jc] * sw + off;
                    if (iw >= 0 && iw < s->W)
                        acc[cols[jc]] += wt * src[iw];
                }
                continue;
            }
            int lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
            int hi = s->W - 1 - off < 0 ? 0 : (s->W - 1 - off) / sw + 1;
            if (hi > Wo)
                hi = Wo;
            if (sw == 1)
                for (int ow = lo; ow < hi; ow++)
                    acc[ow] += wt * src[ow + off];
            else
                for (int ow = lo; ow < hi; ow++)
                    acc[ow] += wt * src[ow * sw + off];
        }
        float *d = out + (size_t)oh * Wo;
        for (int jc = 0; jc < p->n_cols; jc++) {
            int ow = p->cols[jc];
            d[ow] = half ? mpx_round_half(acc[ow]) : acc[ow];
        }
    }
    interpolate(p, out);
    bias_act(p, out, s->Ho * Wo, m);
}

static void direct_range(void *ctx, int begin, int end, int thread)
{
    conv_job *job = ctx;
    float *ws = job->workspace + (size_t)thread * thread_floats(job->p);
    int rounded = -1;
    for (int i = begin; i < end; i++)
        direct_plane(job, i, ws, &rounded);
}

void mpx_conv_run(const mpx_conv_plan *plan, mpx_pool *pool, const float *x, int batch, float *y,
                  void *workspace)
{
    conv_job job = {plan, x, y, (float *)(((uintptr_t)workspace + 63) & ~(uintptr_t)63), 1, 0};
    if (plan->direct) {
        mpx_parallel_for(pool, batch * plan->s.M, 1, direct_range, &job);
        return;
    }
    /* Units are (sample, group, column chunk). Split columns only when the (sample, group) pairs alone
     * would leave threads idle or unbalanced. */
    int nr = mpx_gemm_arch_get()->nr, threads = mpx_pool_threads(pool), items = batch * plan->s.group;
    int total = plan->n_rows * plan->n_cols, panels = (total + nr - 1) / nr;
    if (items < threads)
        job.chunks = (threads + items - 1) / items;
    else if (items % threads != 0 && items < 4 * threads)
        job.chunks = (4 * threads + items - 1) / items;
    if (job.chunks > panels)
        job.chunks = panels;
    job.chunk_cols = (panels + job.chunks - 1) / job.chunks * nr;
    job.chunks = (total + job.chunk_cols - 1) / job.chunk_cols;
    mpx_parallel_for(pool, items * job.chunks, 1, gemm_range, &job);
    if (plan->perforated)
        mpx_parallel_for(pool, batch * plan->s.M, 1, finish_range, &job);
}
