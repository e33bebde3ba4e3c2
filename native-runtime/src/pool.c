/* Max and average pooling over the two trailing axes, with strides, dilations and asymmetric pads.
 * Padding never takes part in a max; an average divides by the window's real elements, or with
 * count_include_pad by every window position inside the padded input.
 *
 * Every output reduces its window in the same order (window rows, then columns; max from −∞, sum from
 * 0), so that all paths give identical results. Outputs whose window lies inside the input (the
 * interior) are computed a row at a time by loops specialised for the common window widths and
 * strides, which the compiler vectorizes; only the border outputs go one by one with bounds. Planes
 * whose windows tile them exactly are regrouped first, so that small planes (1-D signals, one output
 * row per window row) become few long rows instead of many short ones. */
#include "half.h"
#include "kernels.h"

#include <math.h>

#define ROW_OUTPUTS 4096 /* outputs per regrouped row: long enough to amortise a row's setup */

typedef struct {
    const mpx_pool_shape *s;
    const float *x;
    float *y;
    size_t in_plane, out_plane;
    int half, is_max;
} pool_job;

/* First and one-past-last window index k with 0 <= start + k·dil < size. */
static inline void window(int start, int dil, int k, int size, int *lo, int *hi)
{
    if (dil == 1) {
        *lo = start >= 0 ? 0 : -start;
        *hi = size - start < k ? size - start : k;
    } else {
        *lo = start >= 0 ? 0 : (-start + dil - 1) / dil;
        *hi = size - 1 - start < 0 ? 0 : (size - 1 - start) / dil + 1;
        if (*hi > k)
            *hi = k;
    }
    if (*lo > *hi)
        *lo = *hi;
}

/* Window positions inside the padded input [−pad_begin, size + pad_end) (count_include_pad). */
static inline int padded_count(int start, int dil, int k, int size, int pad_begin, int pad_end)
{
    int lo, hi;
    window(start + pad_begin, dil, k, size + pad_begin + pad_end, &lo, &hi);
    return hi - lo;
}

/* Max or average of the window rows [ilo, ihi) × columns [jlo, jhi) whose first element is x[at]. */
static inline float reduce(const float *x, ptrdiff_t at, int W, int dh, int dw, int ilo, int ihi, int jlo, int jhi,
                           int is_max, int half)
{
    float m = -INFINITY, sum = 0.0f;
    for (int i = ilo; i < ihi; i++) {
        const float *row = x + at + (ptrdiff_t)i * dh * W;
        for (int j = jlo; j < jhi; j++) {
            float v = row[j * dw];
            m = v > m ? v : m;
            sum += half ? mpx_half_round(v) : v;
        }
    }
    return is_max ? m : sum; /* max: rounding is monotonic, the max of rounded values is the rounded max */
}

/* ---- interior: one window row into n outputs ------------------------------------------------------ */

/* out[o] = reduce(out[o] (or the seed when first), src[o·sw + j·dw] for j < kw). Inlined with constant
 * kw, sw and dw by the dispatcher below, so that each common case is a loop the compiler vectorizes. */
static inline __attribute__((always_inline)) void window_row(float *restrict out, const float *restrict src, int n,
                                                             int kw, int sw, int dw, int first, int is_max,
                                                             int half)
{
    for (int o = 0; o < n; o++) {
        const float *s = src + (ptrdiff_t)o * sw;
        float acc = first ? (is_max ? -INFINITY : 0.0f) : out[o];
        for (int j = 0; j < kw; j++) {
            float v = s[j * dw];
            if (is_max)
                acc = v > acc ? v : acc;
            else
                acc += half ? mpx_half_round(v) : v;
        }
        out[o] = acc;
    }
}

#define WINDOW_CASE(KW, SW)                                                                                  \
    if (kw == KW && sw == SW && dw == 1) {                                                                   \
        if (is_max)                                                                                          \
            first ? window_row(out, src, n, KW, SW, 1, 1, 1, 0) : window_row(out, src, n, KW, SW, 1, 0, 1, 0); \
        else if (half)                                                                                       \
            first ? window_row(out, src, n, KW, SW, 1, 1, 0, 1) : window_row(out, src, n, KW, SW, 1, 0, 0, 1); \
        else                                                                                                 \
            first ? window_row(out, src, n, KW, SW, 1, 1, 0, 0) : window_row(out, src, n, KW, SW, 1, 0, 0, 0); \
        return;                                                                                              \
    }

static void interior_row(float *out, const float *src, int n, int kw, int sw, int dw, int first, int is_max,
                         int half)
{
    WINDOW_CASE(2, 2)
    WINDOW_CASE(3, 2)
    WINDOW_CASE(3, 1)
    WINDOW_CASE(2, 1)
    WINDOW_CASE(3, 3)
    WINDOW_CASE(4, 4)
    WINDOW_CASE(1, 1)
    if (is_max)
        window_row(out, src, n, kw, sw, dw, first, 1, 0);
    else
        window_row(out, src, n, kw, sw, dw, first, 0, half);
}

/* ---- one plane ------------------------------------------------------------------------------------ */

static void pool_plane(const pool_job *job, const float *x, float *y)
{
    const mpx_pool_shape *s = job->s;
    const int H = s->H, W = s->W, Wo = s->Wo, kh = s->kh, kw = s->kw, dh = s->dil_h, dw = s->dil_w;
    const int sw = s->stride_w, pl = s->pad_left, half = job->half, is_max = job->is_max;
    /* outputs [a, b) of each row have their whole window inside the row */
    int a = (pl + sw - 1) / sw, b = W - 1 - (kw - 1) * dw + pl < 0 ? 0 : (W - 1 - (kw - 1) * dw + pl) / sw + 1;
    b = b < Wo ? b : Wo;
    a = a < b ? a : b;
    for (int oh = 0; oh < s->Ho; oh++) {
        int h0 = oh * s->stride_h - s->pad_top, ilo, ihi;
        window(h0, dh, kh, H, &ilo, &ihi);
        int rows_padded = padded_count(h0, dh, kh, H, s->pad_top, s->pad_bottom);
        float *out = y + (size_t)oh * Wo;
        for (int ow = 0; ow < Wo; ow++) {
            if (ow == a)
                ow = b;
            if (ow == Wo)
                break;
            int w0 = ow * sw - pl, jlo, jhi;
            window(w0, dw, kw, W, &jlo, &jhi);
            float v = reduce(x, (ptrdiff_t)h0 * W + w0, W, dh, dw, ilo, ihi, jlo, jhi, is_max, half);
            if (!is_max) {
                int count = s->count_include_pad ? rows_padded * padded_count(w0, dw, kw, W, pl, s->pad_right)
                                                 : (ihi - ilo) * (jhi - jlo);
                v = count > 0 ? v / (float)count : 0.0f;
            }
            out[ow] = half ? mpx_half_round(v) : v;
        }
        if (a == b)
            continue;
        float *o = out + a;
        const float *first = x + (ptrdiff_t)a * sw - pl;
        for (int i = ilo; i < ihi; i++)
            interior_row(o, first + (ptrdiff_t)(h0 + i * dh) * W, b - a, kw, sw, dw, i == ilo, is_max, half);
        if (ilo == ihi)
            for (int ow = a; ow < b; ow++)
                out[ow] = is_max ? -INFINITY : 0.0f;
        if (!is_max) {
            float count = (float)((s->count_include_pad ? rows_padded : ihi - ilo) * kw);
            for (int ow = a; ow < b; ow++)
                out[ow] = count > 0 ? out[ow] / count : 0.0f;
        }
        if (half)
            mpx_round_half_copy(o, o, (size_t)(b - a));
    }
}

static void pool_range(void *ctx, int begin, int end, int thread)
{
    (void)thread;
    pool_job *job = ctx;
    for (int plane = begin; plane < end; plane++)
        pool_plane(job, job->x + (size_t)plane * job->in_plane, job->y + (size_t)plane * job->out_plane);
}

/* Windows along one axis tile it exactly: no padding, each window inside its own stride, the input
 * exactly `out` strides long. Consecutive blocks along that axis are then independent. */
static int tiles(int size, int out, int k, int stride, int dil, int pad_begin, int pad_end)
{
    return pad_begin == 0 && pad_end == 0 && (k - 1) * dil < stride && size == out * stride;
}

static void run(const mpx_pool_shape *shape, mpx_pool *pool, const float *x, int planes, float *y, int half,
                int is_max)
{
    /* a column (W = 1, as 1-D and global pools are given) is the same data as a row: pool it as one,
     * since the work is organised along rows */
    mpx_pool_shape s = *shape;
    if (shape->W == 1 && shape->kw == 1 && shape->Wo == 1 && shape->pad_left == 0 && shape->pad_right == 0)
        s = (mpx_pool_shape){1, shape->H, 1, shape->Ho, 1, shape->kh, 1, shape->stride_h, 0, shape->pad_top, 0,
                             shape->pad_bottom, 1, shape->dil_h, shape->count_include_pad};
    /* output rows whose windows tile the input rows are separate planes of one output row each; then
     * single-row planes whose windows tile them join into longer rows */
    if (s.Ho > 1 && tiles(s.H, s.Ho, s.kh, s.stride_h, s.dil_h, s.pad_top, s.pad_bottom)) {
        planes *= s.Ho;
        s.H = s.stride_h;
        s.Ho = 1;
    }
    if (s.H == 1 && s.kh == 1 && tiles(s.W, s.Wo, s.kw, s.stride_w, s.dil_w, s.pad_left, s.pad_right)) {
        int g = planes;
        while (g > 1 && ((size_t)g * s.Wo > ROW_OUTPUTS || planes % g != 0))
            g--;
        planes /= g;
        s.W *= g;
        s.Wo *= g;
    }
    pool_job job = {&s, x, y, (size_t)s.H * s.W, (size_t)s.Ho * s.Wo, half, is_max};
    int work = s.Ho * s.Wo * s.kh * s.kw;
    mpx_parallel_for(pool, planes, 16384 / (work + 1) + 1, pool_range, &job);
}

void mpx_maxpool(const mpx_pool_shape *shape, mpx_pool *pool, const float *x, int planes, float *y, int half)
{
    run(shape, pool, x, planes, y, half, 1);
}

void mpx_avgpool(const mpx_pool_shape *shape, mpx_pool *pool, const float *x, int planes, float *y, int half)
{
    run(shape, pool, x, planes, y, half, 0);
}
