#include "im2col.h"

#include "gemm.h"

#include <string.h>

/* Appends values to one row of a packed B, crossing from panel to panel every nr columns. */
typedef struct {
    float *dst;   /* current panel's row */
    int fill;     /* columns written in the current panel */
    int nr;
    size_t panel; /* floats between panels of the same row */
} row_writer;

static inline void put_zeros(row_writer *w, int n)
{
    while (n > 0) {
        int run = w->nr - w->fill < n ? w->nr - w->fill : n;
        memset(w->dst + w->fill, 0, (size_t)run * sizeof(float));
        n -= run;
        w->fill += run;
        if (w->fill == w->nr) {
            w->fill = 0;
            w->dst += w->panel;
        }
    }
}

static inline void put_strided(row_writer *w, const float *src, int stride, int n)
{
    while (n > 0) {
        int run = w->nr - w->fill < n ? w->nr - w->fill : n;
        float *d = w->dst + w->fill;
        if (stride == 1)
            memcpy(d, src, (size_t)run * sizeof(float));
        else
            for (int j = 0; j < run; j++)
                d[j] = src[(size_t)j * stride];
        src += (size_t)run * stride;
        n -= run;
        w->fill += run;
        if (w->fill == w->nr) {
            w->fill = 0;
            w->dst += w->panel;
        }
    }
}

static inline void put_one(row_writer *w, float v)
{
    w->dst[w->fill] = v;
    if (++w->fill == w->nr) {
        w->fill = 0;
        w->dst += w->panel;
    }
}

/* Output columns [a, b) of one output row, for one tap whose input row is `src` (NULL: padding). */
static void put_output_row(const mpx_im2col *d, const mpx_tap *t, const float *src, int a, int b, row_writer *w)
{
    if (!src) {
        put_zeros(w, b - a);
        return;
    }
    int off = t->j * d->dil_w - d->pad_left, sw = d->stride_w;
    if (d->cols) {
        for (int jc = a; jc < b; jc++) {
            int iw = d->cols[jc] * sw + off;
            put_one(w, iw >= 0 && iw < d->W ? src[iw] : 0.0f);
        }
        return;
    }
    /* output columns [lo, hi) read inside the input row */
    int lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
    int hi = d->W - 1 - off < 0 ? 0 : (d->W - 1 - off) / sw + 1;
    if (hi > d->Wo)
        hi = d->Wo;
    if (lo > hi)
        lo = hi;
    int z1 = (lo < b ? lo : b) - a;
    if (z1 > 0) {
        put_zeros(w, z1);
        a += z1;
    }
    int mid = (hi < b ? hi : b) - a;
    if (mid > 0) {
        put_strided(w, src + (ptrdiff_t)a * sw + off, sw, mid);
        a += mid;
    }
    if (b > a)
        put_zeros(w, b - a);
}

void mpx_im2col_packed(const mpx_im2col *d, const float *x, int q0, int q1, float *packed)
{
    const mpx_gemm_arch *arch = mpx_gemm_arch_get();
    int nr = arch->nr, npad = mpx_round_up(q1 - q0, nr), ncols = d->n_cols;
    for (int k = 0; k < d->n_taps; k++) {
        int k0 = k / MPX_GEMM_KC * MPX_GEMM_KC;
        int kc = d->n_taps - k0 < MPX_GEMM_KC ? d->n_taps - k0 : MPX_GEMM_KC;
        row_writer w = {packed + (size_t)k0 * npad + (size_t)(k - k0) * nr, 0, nr, (size_t)kc * nr};
        const mpx_tap *t = &d->taps[k];
        const float *plane = x + (size_t)t->c * d->H * d->W;
        for (int q = q0; q < q1;) {
            int r = q / ncols, a = q % ncols, b = ncols - a < q1 - q ? ncols : a + (q1 - q);
            int ih = d->rows[r] * d->stride_h - d->pad_top + t->i * d->dil_h;
            put_output_row(d, t, ih >= 0 && ih < d->H ? plane + (size_t)ih * d->W : NULL, a, b, &w);
            q += b - a;
        }
        if (w.fill)
            put_zeros(&w, nr - w.fill);
    }
}
