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
static void window(int start, int dil, int k, int size, int *lo, int *hi)
{
    *lo = start >= 0 ? 0 : (-start + dil - 1) / dil;
    *hi = size - 1 - start < 0 ? 0 : (size - 1 - start) / dil + 1;
    if (*hi > k)
        *hi = k;
    if (*lo > *hi)
        *lo = *hi;
}

static float window_value(const pool_job *job, const float *x, int oh, int ow)
{
    const mpx_pool_shape *s = job->s;
    int h0 = oh * s->stride_h - s->pad_top, w0 = ow * s->stride_w - s->pad_left, ilo, ihi, jlo, jhi;
    window(h0, s->dil_h, s->kh, s->H, &ilo, &ihi);
    window(w0, s->dil_w, s->kw, s->W, &jlo, &jhi);
    if (job->is_max) {
        float m = -INFINITY;
        for (int i = ilo; i < ihi; i++) {
            const float *row = x + (size_t)(h0 + i * s->dil_h) * s->W + w0;
            for (int j = jlo; j < jhi; j++)
                m = row[j * s->dil_w] > m ? row[j * s->dil_w] : m;
        }
        return m; /* rounding is monotonic: max of rounded = rounded max */
    }
    float sum = 0.0f;
    for (int i = ilo; i < ihi; i++) {
        const float *row = x + (size_t)(h0 + i * s->dil_h) * s->W + w0;
        for (int j = jlo; j < jhi; j++)
            sum += job->half ? mpx_half_round(row[j * s->dil_w]) : row[j * s->dil_w];
    }
    int count;
    if (s->count_include_pad) {
        /* window positions inside [−pad, size + pad) */
        int plo, phi, qlo, qhi;
        window(h0 + s->pad_top, s->dil_h, s->kh, s->H + s->pad_top + s->pad_bottom, &plo, &phi);
        window(w0 + s->pad_left, s->dil_w, s->kw, s->W + s->pad_left + s->pad_right, &qlo, &qhi);
        count = (phi - plo) * (qhi - qlo);
    } else {
        count = (ihi - ilo) * (jhi - jlo);
    }
    return count > 0 ? sum / (float)count : 0.0f;
}

static void pool_range(void *ctx, int begin, int end, int thread)
{
    (void)thread;
    pool_job *job = ctx;
    const mpx_pool_shape *s = job->s;
    for (int plane = begin; plane < end; plane++) {
        const float *x = job->x + (size_t)plane * s->H * s->W;
        float *y = job->y + (size_t)plane * s->Ho * s->Wo;
        for (int oh = 0; oh < s->Ho; oh++)
            for (int ow = 0; ow < s->Wo; ow++) {
                float v = window_value(job, x, oh, ow);
                y[(size_t)oh * s->Wo + ow] = job->half ? mpx_half_round(v) : v;
            }
    }
}

static void run(const mpx_pool_shape *shape, mpx_pool *pool, const float *x, int planes, float *y, int half,
                int is_max)
{
    pool_job job = {shape, x, y, half, is_max};
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
