/* Max and average pooling over the two trailing axes, with strides, dilations and asymmetric pads.
 * Padding never takes part in a max; an average divides by the window's real elements, or with
 * count_include_pad by every window position inside the padded input. */
#include "half.h"
#include "kernels.h"

#include <math.h>

typedef struct {
    const mpx_pool_shape *s;
    const float *x;
    float *y;
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

static void pool_plane(const pool_job *job, const float *x, float *y)
{
    const mpx_pool_shape *s = job->s;
    const int H = s->H, W = s->W, Wo = s->Wo, kh = s->kh, kw = s->kw, dh = s->dil_h, dw = s->dil_w;
    const int sw = s->stride_w, pl = s->pad_left, half = job->half, is_max = job->is_max;
    /* outputs [a, b) of each row have their whole window inside the row: they are computed a window
     * column at a time along the row, the others one by one */
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
        for (int ow = a; ow < b; ow++)
            out[ow] = is_max ? -INFINITY : 0.0f;
        for (int i = ilo; i < ihi; i++)
            for (int j = 0; j < kw; j++) {
                const float *src = x + (ptrdiff_t)(h0 + i * dh) * W + j * dw - pl;
                if (is_max)
                    for (int ow = a; ow < b; ow++)
                        out[ow] = src[ow * sw] > out[ow] ? src[ow * sw] : out[ow];
                else
                    for (int ow = a; ow < b; ow++)
                        out[ow] += half ? mpx_half_round(src[ow * sw]) : src[ow * sw];
            }
        float count = (float)((s->count_include_pad ? rows_padded : ihi - ilo) * kw);
        for (int ow = a; ow < b && !is_max; ow++)
            out[ow] = count > 0 ? out[ow] / count : 0.0f;
        for (int ow = a; ow < b && half; ow++)
            out[ow] = mpx_half_round(out[ow]);
    }
}

static void pool_range(void *ctx, int begin, int end, int thread)
{
    (void)thread;
    pool_job *job = ctx;
    const mpx_pool_shape *s = job->s;
    for (int plane = begin; plane < end; plane++)
        pool_plane(job, job->x + (size_t)plane * s->H * s->W, job->y + (size_t)plane * s->Ho * s->Wo);
}

static void run(const mpx_pool_shape *shape, mpx_pool *pool, const float *x, int planes, float *y, int half,
                int is_max)
{
    /* a column (W = 1, as 1-D and global pools are given) is the same data as a row: pool it as one,
     * since the work is organised along rows */
    mpx_pool_shape row = *shape;
    if (shape->W == 1 && shape->kw == 1 && shape->Wo == 1 && shape->pad_left == 0 && shape->pad_right == 0)
        row = (mpx_pool_shape){1, shape->H, 1, shape->Ho, 1, shape->kh, 1, shape->stride_h, 0, shape->pad_top, 0,
                               shape->pad_bottom, 1, shape->dil_h, shape->count_include_pad};
    pool_job job = {&row, x, y, half, is_max};
    int work = shape->Ho * shape->Wo * shape->kh * shape->kw;
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
