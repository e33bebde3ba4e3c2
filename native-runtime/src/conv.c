/* 2-D convolution (strides, asymmetric pads, dilations, groups) with its approximations (src/core/DESIGN.md §2).
 * The main path is an indirect GEMM: the input of a group is copied once into a zero-padded buffer, and
 * the micro-kernel multiplies pre-packed weights [K × channels] by "im2col columns" it reads straight
 * from that buffer through a list of output pixels and a list of filter-element offsets; of the
 * architecture's kernels (gemm.h), the plan picks the one that fits its shape. Perforation
 * shortens the pixel list (only computed outputs): the kernel writes them densely into a compact
 * buffer, and one pass per output row places them, fills the skipped ones and applies bias and
 * activation while the row is in L1; filter sampling
 * shortens the offset list (the reduction dimension K); binary16 rounds the padded input, the prepared
 * weights and the result, accumulating in float32. On AVX-512, 3 × 3 convolutions of padding 1 on rows of
 * whole runs read their input in place instead, and expand perforation as they store (form_3x3,
 * native-runtime/KERNELS.md). Depthwise convolutions (a GEMM of fewer than 4 channels per group) use a direct
 * kernel instead. The int8 knobs run the same pixel lists through the 8-bit kernels of conv_int8.c. */
#include "conv_int8.h"
#include "epilogue.h"
#include "gemm.h"
#include "kernels.h"
#include "split_columns.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PIXEL_BLOCK 16 /* kernel tiles sharing one weight panel while it is in L1 */

typedef struct {
    int c, i, j; /* input channel within the group, kernel row, kernel column */
} mpx_tap;

struct mpx_conv_plan {
    mpx_conv_shape s;
    mpx_conv_mode mode;
    int Cg, Mg, n_taps;
    mpx_tap *taps;
    int direct;             /* direct kernel instead of the indirect GEMM */
    const mpx_conv_kernel_spec *kernel; /* GEMM: the indirect kernel, chosen for the shape */
    float *weights;         /* direct: [M][n_taps]; GEMM: per group, panels [n_taps × cnr] of channels */
    size_t group_floats;    /* floats of one group's weight panels */
    float *bias;            /* [M] (rounded when bias_half) or NULL */
    int *rows, *cols;       /* computed output rows and columns */
    int *col_start;         /* input column of each computed output column's window (direct kernel) */
    int n_rows, n_cols;
    int perforated;
    int compact;            /* perforated GEMM path: results go to a compact [M][n_pixels] buffer first */
    int fused;              /* GEMM path whose bias and relu or clip the kernel applies as it stores (float32, exact) */
    float *panel_bias;      /* fused: per group, the bias padded to whole channel panels; NULL without bias */
    int Hp, Wp;             /* padded input plane */
    int unpadded;           /* float32 GEMM without padding, or in_place_3x3: the kernel reads the input itself */
    int in_place_3x3;       /* the arch's conv_3x3 reads the input in place (the row kernel's weight panels) */
    int form_3x3;           /* in_place_3x3: MPX_3X3_* (gemm.h), each input channel's taps or the computed columns */
    int expand_rows;        /* in_place_3x3 under row perforation in float32: the kernel writes the skipped rows too
                             * (mpx_expansion), with the sums of the row before kept per thread (rows_floats) */
    int expand_cols;        /* in place, column perforation of rows of 32 in float32: the kernel writes whole rows */
    int deint;              /* column perforation of stride 2 (row kernel or int8): each padded row holds its even
                             * columns, then its odd ones, so that a row's computed windows are consecutive */
    int *offsets;           /* per tap: offset in the padded group input (depthwise: plane) from a window's first
                             * element */
    int n_pixels;           /* computed outputs, n_rows · n_cols */
    int *pixel_in;          /* per computed output: its window's first element in the padded input */
    int *pixel_out;         /* per computed output: its index in the output plane */
    int depthwise;          /* direct, one input channel per output, stride 1 or 2: the arch's depthwise kernel */
    int dw_rows, dw_row;    /* depthwise: the padded plane's rows and floats per row */
    int dw_flat;            /* depthwise, stride 1, narrow rows: the padded plane read as one long row */
    int dw_acc;             /* direct: floats of the accumulator, whole vectors */
    int dw_step;            /* depthwise, perforated: the computed rows' spacing when even (one kernel call), else 0 */
    int dw_half;            /* depthwise, stride 2: where a padded row's odd columns start (0 for stride 1) */
    int dw_fused;           /* depthwise, exact float32 with no, relu or clip activation: the kernel applies them */
    uint16_t *dw_mask;      /* dw_fused, stride 1 with output rows as wide as the input's or stride 2 with half as
                             * wide, on an arch with a masked depthwise kernel: per vector of outputs and tap, the
                             * lanes whose window element lies inside the plane (offsets: from the output's own
                             * index); stride 1 reads the plane in place, stride 2 its phases; else NULL */
    int dw_3x3;             /* dw_mask, every tap of a 3 × 3 window, padding 1, output rows 16 or 32 wide (stride 2:
                             * even input sizes): the arch's depthwise_3x3, which loads each input row once for the
                             * output rows it feeds */
    int dw_phase;           /* dw_mask, stride 2: floats of one phase plane (the input's rows and columns of one
                             * parity each), ceil(H / 2) rows of Wo; 0 under dw_3x3, which splits rows as it loads */
    int dw_expand;          /* depthwise, row perforation in float32 with no, relu or clip activation: the rows the
                             * kernel computed are expanded from the accumulator in one pass (expand_plane_fast) */
    mpx_conv_int8 *int8;    /* int8 knobs: quantised weights and their kernels */
};

/* ---- plan ---------------------------------------------------------------------------------------- */

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
    free(plan->panel_bias);
    free(plan->rows);
    free(plan->cols);
    free(plan->col_start);
    free(plan->offsets);
    free(plan->dw_mask);
    free(plan->pixel_in);
    free(plan->pixel_out);
    mpx_conv_int8_destroy(plan->int8);
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
    int cnr = p->kernel->cnr, panels = (p->Mg + cnr - 1) / cnr;
    p->group_floats = (size_t)panels * p->n_taps * cnr;
    p->weights = malloc(p->group_floats * s->group * sizeof *p->weights);
    if (p->weights)
        for (int g = 0; g < s->group; g++)
            for (int q = 0; q < panels; q++)
                for (int t = 0; t < p->n_taps; t++)
                    for (int j = 0; j < cnr; j++) {
                        int m = q * cnr + j;
                        p->weights[g * p->group_floats + ((size_t)q * p->n_taps + t) * cnr + j] =
                            m < p->Mg ? dense[((size_t)g * p->Mg + m) * p->n_taps + t] : 0.0f;
                    }
    free(dense);
    return p->weights ? 0 : -1;
}

/* The pixel and offset lists of the indirect GEMM over the padded input. */
static int prepare_indirect(mpx_conv_plan *p)
{
    const mpx_conv_shape *s = &p->s;
    p->Hp = s->H + s->pad_top + s->pad_bottom;
    p->Wp = s->W + s->pad_left + s->pad_right;
    p->n_pixels = p->n_rows * p->n_cols;
    p->offsets = malloc((size_t)p->n_taps * sizeof *p->offsets);
    p->pixel_in = malloc((size_t)p->n_pixels * sizeof *p->pixel_in);
    p->pixel_out = malloc((size_t)p->n_pixels * sizeof *p->pixel_out);
    if (!p->offsets || !p->pixel_in || !p->pixel_out)
        return -1;
    for (int t = 0; t < p->n_taps; t++) {
        const mpx_tap *tap = &p->taps[t];
        p->offsets[t] = (tap->c * p->Hp + tap->i * s->dil_h) * p->Wp + tap->j * s->dil_w;
        if (p->deint) { /* computed column k reads padded column u + 2k: its place among the even or odd */
            int u = p->cols[0] + tap->j * s->dil_w;
            p->offsets[t] = (tap->c * p->Hp + tap->i * s->dil_h) * p->Wp + (u % 2 ? (p->Wp + 1) / 2 : 0) + u / 2;
        }
    }
    for (int r = 0; r < p->n_rows; r++)
        for (int c = 0; c < p->n_cols; c++) {
            int oh = p->rows[r], ow = p->cols[c];
            p->pixel_in[r * p->n_cols + c] = oh * s->stride_h * p->Wp + (p->deint ? c : ow * s->stride_w);
            p->pixel_out[r * p->n_cols + c] = oh * s->Wo + ow;
        }
    return 0;
}

static int prepare_panel_bias(mpx_conv_plan *p)
{
    int cnr = p->kernel->cnr, padded = mpx_round_up(p->Mg, cnr);
    p->panel_bias = calloc((size_t)p->s.group * padded, sizeof *p->panel_bias);
    if (!p->panel_bias)
        return -1;
    for (int g = 0; g < p->s.group; g++)
        memcpy(p->panel_bias + (size_t)g * padded, p->bias + (size_t)g * p->Mg, (size_t)p->Mg * sizeof *p->bias);
    return 0;
}

/* dw_mask and the offsets. Stride 1: output o = (r, c) reads x[o + off[t]], input row r + a, column c + b for
 * the tap's a = i·dil_h − pad_top, b = j·dil_w − pad_left (rows as wide as the input's). Stride 2: input row
 * 2r + a lies in the phase of a's parity, at its row r + ⌊a/2⌋, and so for columns; the four phase planes have
 * rows of Wo, so the same o + off[t] reads it. A lane is masked out where that row or column lies outside the
 * plane or its phase. */
static int prepare_masks(mpx_conv_plan *p)
{
    const mpx_conv_shape *s = &p->s;
    int n = s->Ho * s->Wo, st = s->stride_w, rows = (s->H + st - 1) / st;
    p->dw_phase = st == 2 ? rows * s->Wo : 0;
    p->offsets = malloc((size_t)p->n_taps * sizeof *p->offsets);
    p->dw_mask = calloc((size_t)mpx_round_up(n, 16) / 16 * p->n_taps, sizeof *p->dw_mask);
    if (!p->offsets || !p->dw_mask)
        return -1;
    for (int t = 0; t < p->n_taps; t++) {
        int a = p->taps[t].i * s->dil_h - s->pad_top, b = p->taps[t].j * s->dil_w - s->pad_left;
        int pr = a & (st - 1), pc = b & (st - 1), da = (a - pr) / st, db = (b - pc) / st;
        int height = (s->H - pr + st - 1) / st, width = (s->W - pc + st - 1) / st;
        p->offsets[t] = (pr * st + pc) * p->dw_phase + da * (st == 2 ? s->Wo : s->W) + db;
        for (int o = 0; o < n; o++) {
            int ih = o / s->Wo + da, iw = o % s->Wo + db;
            if (ih >= 0 && ih < height && iw >= 0 && iw < width)
                p->dw_mask[o / 16 * p->n_taps + t] |= (uint16_t)(1u << (o % 16));
        }
    }
    p->dw_acc = 0;
    return 0;
}

/* How the arch's conv_3x3 computes this float32 convolution (MPX_3X3_*: which taps each input channel keeps and
 * which outputs a call computes), or -1 when it does not: 3 × 3, padding 1 at the top and left, runs of 16
 * output columns, whole panels of 16 output channels; stride 1 with every column computed or column perforation
 * of stride 2 (every tap), or stride 2 on an input twice the output's size. */
static int form_3x3(const mpx_conv_plan *p)
{
    const mpx_conv_shape *s = &p->s;
    static const struct {
        int code, period;
        unsigned pattern[3];
    } known[] = {{MPX_3X3_ALL, 1, {MPX_3X3_TAPS_ALL}},
                 {MPX_3X3_SAMPLED2, 2, {MPX_3X3_TAPS_ODD, MPX_3X3_TAPS_EVEN}},
                 {MPX_3X3_SAMPLED2 + 1, 2, {MPX_3X3_TAPS_EVEN, MPX_3X3_TAPS_ODD}},
                 {MPX_3X3_SAMPLED3, 3, {MPX_3X3_TAPS_NOT0, MPX_3X3_TAPS_NOT1, MPX_3X3_TAPS_NOT2}},
                 {MPX_3X3_SAMPLED3 + 1, 3, {MPX_3X3_TAPS_NOT1, MPX_3X3_TAPS_NOT2, MPX_3X3_TAPS_NOT0}},
                 {MPX_3X3_SAMPLED3 + 2, 3, {MPX_3X3_TAPS_NOT2, MPX_3X3_TAPS_NOT0, MPX_3X3_TAPS_NOT1}}};
    const mpx_gemm_arch *arch = mpx_gemm_arch_get();
    if (!arch->conv_3x3 || p->direct || p->mode.knob.int8 || p->mode.knob.half || s->kh != 3 || s->kw != 3 ||
        s->dil_h != 1 || s->dil_w != 1 || s->pad_top != 1 || s->pad_left != 1 || s->Wo % 16 || p->Mg % 16)
        return -1;
    int stride1 = s->stride_h == 1 && s->stride_w == 1 && s->pad_bottom == 1 && s->pad_right == 1 &&
                  s->Ho == s->H && s->Wo == s->W;
    int stride2 = s->stride_h == 2 && s->stride_w == 2 && s->H == 2 * s->Ho && s->W == 2 * s->Wo;
    if (!stride1 && !stride2)
        return -1;
    unsigned *kept = calloc((size_t)p->Cg, sizeof *kept);
    if (!kept)
        return -1;
    for (int t = 0; t < p->n_taps; t++)
        kept[p->taps[t].c] |= 1u << (3 * p->taps[t].i + p->taps[t].j);
    int code = -1;
    for (size_t q = 0; q < sizeof known / sizeof known[0] && code < 0; q++) {
        int match = 1;
        for (int c = 0; c < p->Cg && match; c++)
            match = kept[c] == known[q].pattern[c % known[q].period];
        code = match ? known[q].code : -1;
    }
    free(kept);
    if (p->deint) /* column perforation of stride 2: runs of 16 computed columns from 32 input ones */
        return stride1 && code == MPX_3X3_ALL && s->W % 32 == 0 ? MPX_3X3_COLUMNS2 : -1;
    if (p->n_cols != s->Wo || code < 0)
        return -1;
    return stride2 ? MPX_3X3_STRIDE2 + code : code;
}

/* The row kernel where the computed outputs are whole runs of consecutive windows (stride 1, all
 * columns, rows of whole runs); else the wide kernel where its panels pad the channels no more than the
 * general kernel's; else the general kernel. */
static const mpx_conv_kernel_spec *choose_kernel(const mpx_conv_plan *p)
{
    const mpx_gemm_arch *arch = mpx_gemm_arch_get();
    const mpx_conv_kernel_spec *row = &arch->conv_row, *wide = &arch->conv_wide;
    if (row->kernel && p->s.stride_w == 1 && p->n_cols == p->s.Wo && p->s.Wo % row->lanes == 0)
        return row;
    if (p->deint && !p->mode.knob.int8)
        return row;
    if (wide->kernel && p->Mg >= wide->cnr &&
        mpx_round_up(p->Mg, wide->cnr) == mpx_round_up(p->Mg, arch->conv.cnr))
        return wide;
    return &arch->conv;
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
    const mpx_knob *k = &mode->knob;
    int area = shape->kh * shape->kw;
    p->taps = malloc((size_t)p->Cg * area * sizeof *p->taps);
    if (!p->taps)
        goto fail;
    for (int c = 0; c < p->Cg; c++)
        for (int j = 0; j < area; j++)
            if (!mpx_sampling_drops(k, area, c, j))
                p->taps[p->n_taps++] = (mpx_tap){c, j / shape->kw, j % shape->kw};

    int rx = k->kind == MPX_KNOB_PERF_ROWS ? k->stride : 0, cx = k->kind == MPX_KNOB_PERF_COLS ? k->stride : 0;
    p->rows = computed_indices(shape->Ho, rx, k->offset, &p->n_rows);
    p->cols = computed_indices(shape->Wo, cx, k->offset, &p->n_cols);
    p->col_start = malloc((size_t)shape->Wo * sizeof *p->col_start);
    if (!p->rows || !p->cols || !p->col_start)
        goto fail;
    for (int j = 0; j < p->n_cols; j++)
        p->col_start[j] = p->cols[j] * shape->stride_w - shape->pad_left;
    p->perforated = rx || cx;

    /* a GEMM with fewer than 4 rows per group wastes most of the micro-kernel (the int8 kernels have no
     * direct form) */
    p->direct = p->Mg < 4 && !k->int8;
    p->depthwise = p->direct && p->Cg == 1 && (shape->stride_w == 1 || shape->stride_w == 2);
    int kernel_act = mode->act == MPX_ACT_NONE || mode->act == MPX_ACT_RELU || mode->act == MPX_ACT_CLIP;
    p->dw_fused = p->depthwise && !p->perforated && !k->half && !mode->bias_half && !mode->act_half && kernel_act;
    p->dw_acc = mpx_round_up(shape->Wo, MPX_DEPTHWISE_LANES);
    int in_place = shape->stride_h == 1 && shape->stride_w == 1 && shape->Wo == shape->W;
    int phases = shape->stride_h == 2 && shape->stride_w == 2 && (shape->W + 1) / 2 <= shape->Wo;
    if (p->dw_fused && (in_place || phases) && mpx_gemm_arch_get()->depthwise_masked) {
        if (prepare_masks(p) != 0)
            goto fail;
        /* stride 2: an input twice the output's size */
        int even = phases && shape->H % 2 == 0 && shape->W % 2 == 0;
        p->dw_3x3 = (in_place || even) && shape->Ho * shape->stride_h == shape->H && shape->kh == 3 &&
                    shape->kw == 3 && p->n_taps == 9 && shape->dil_h == 1 && shape->dil_w == 1 &&
                    shape->pad_top == 1 && shape->pad_left == 1 && (shape->Wo == 16 || shape->Wo == 32) &&
                    mpx_gemm_arch_get()->depthwise_3x3;
        if (p->dw_3x3)
            p->dw_phase = 0;
    } else if (p->depthwise) {
        /* a row's whole vectors of outputs may read past the padding up to the last window's reach */
        int span = shape->pad_left + shape->W + shape->pad_right, reach = (shape->kw - 1) * shape->dil_w;
        int vectors = mpx_round_up(shape->Wo, MPX_DEPTHWISE_LANES);
        p->dw_rows = shape->pad_top + shape->H + shape->pad_bottom;
        /* Stride 1, rows narrower than whole vectors (MobileNets' 8 × 8 and 4 × 4 layers): the plane in one
         * call over the padded plane read as one long row of pitch span, each output's window starting where
         * it does in the plane; the outputs at the padding columns are computed and dropped, fewer than the
         * lanes past each row's end would be. */
        int flat = mpx_round_up((shape->Ho - 1) * span + shape->Wo, MPX_DEPTHWISE_LANES);
        p->dw_flat = shape->stride_w == 1 && shape->stride_h == 1 && !p->perforated && flat < shape->Ho * vectors;
        p->dw_acc = shape->Ho * vectors;
        p->dw_step = p->n_rows > 1 ? p->rows[1] - p->rows[0] : 1;
        for (int r = 2; r < p->n_rows; r++)
            p->dw_step = p->rows[r] - p->rows[r - 1] == p->dw_step ? p->dw_step : 0;
        if (p->dw_flat) {
            p->dw_row = span;
            p->dw_acc = flat;
        } else if (shape->stride_w == 1) {
            p->dw_row = span > vectors + reach ? span : vectors + reach;
        } else {
            p->dw_half = (span + 1) / 2 > vectors + reach / 2 + 1 ? (span + 1) / 2 : vectors + reach / 2 + 1;
            p->dw_row = 2 * p->dw_half;
        }
        if (!(p->offsets = malloc((size_t)p->n_taps * sizeof *p->offsets)))
            goto fail;
        for (int t = 0; t < p->n_taps; t++) {
            int q = p->taps[t].j * shape->dil_w;
            p->offsets[t] = p->taps[t].i * shape->dil_h * p->dw_row + (shape->stride_w == 1 ? q : (q & 1) * p->dw_half + (q >> 1));
        }
    }
    /* column perforation of stride 2 computes every other column, all of one parity: consecutive in a
     * padded row split into its even and odd columns (float32 input only: the binary16 copy keeps rows) */
    const mpx_conv_kernel_spec *row_kernel = &mpx_gemm_arch_get()->conv_row;
    p->deint = !p->direct && cx == 2 && !k->half && shape->stride_w == 1 &&
               (k->int8 || (row_kernel->kernel && p->n_cols % row_kernel->lanes == 0));
    p->kernel = choose_kernel(p);
    /* AVX-512: 3 × 3 convolutions that read their input in place, on the row kernel's weight panels */
    p->form_3x3 = form_3x3(p);
    p->in_place_3x3 = p->form_3x3 >= 0;
    if (p->in_place_3x3)
        p->kernel = &mpx_gemm_arch_get()->conv_row;
    if (!k->int8 && prepare_weights(p, W) != 0)
        goto fail;
    if (B) {
        p->bias = malloc((size_t)shape->M * sizeof *p->bias);
        if (!p->bias)
            goto fail;
        for (int m = 0; m < shape->M; m++)
            p->bias[m] = mode->bias_half ? mpx_round_half(B[m]) : B[m];
    }
    if (!p->direct && prepare_indirect(p) != 0)
        goto fail;
    if (k->int8 && !(p->int8 = mpx_conv_int8_create(shape, k, mode->quant, W, p->Hp, p->Wp, p->deint ? p->cols[0] : -1)))
        goto fail;
    p->unpadded = p->in_place_3x3 || (!p->direct && !k->int8 && !k->half && !p->deint &&
                                      !(shape->pad_top | shape->pad_left | shape->pad_bottom | shape->pad_right));
    p->expand_rows = p->in_place_3x3 && k->kind == MPX_KNOB_PERF_ROWS && !mode->bias_half && !mode->act_half &&
                     kernel_act;
    p->expand_cols = p->form_3x3 == MPX_3X3_COLUMNS2 && shape->Wo == 32 && !mode->bias_half && !mode->act_half &&
                     kernel_act;
    p->compact = !p->direct && p->perforated && !p->expand_rows && !p->expand_cols;
    p->fused = !p->direct && (!p->perforated || p->expand_rows || p->expand_cols) && !k->half && !mode->bias_half &&
               !mode->act_half && kernel_act;
    p->dw_expand = p->depthwise && k->kind == MPX_KNOB_PERF_ROWS && !k->half && !mode->bias_half && !mode->act_half &&
                   kernel_act;
    if (p->fused && B && !k->int8 && prepare_panel_bias(p) != 0)
        goto fail;
    return p;
fail:
    mpx_conv_plan_destroy(p);
    return NULL;
}

/* ---- workspace ----------------------------------------------------------------------------------- */

#define PHASE_CHUNK 16 /* planes split into phases per kernel call (depthwise, stride 2, dw_mask) */

static size_t aligned_floats(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

/* Per thread, direct path: the group's input rounded to binary16 (when half), one accumulator row (whole
 * depthwise vectors) and, depthwise, the padded plane. Indirect path: the group's padded (and rounded) input,
 * unless the kernel reads it in place, and one kernel tile. */
static size_t input_floats(const mpx_conv_plan *p)
{
    if (p->int8)
        return aligned_floats(mpx_conv_int8_scratch_words(p->int8));
    if (p->unpadded)
        return 0;
    if (!p->direct)
        return aligned_floats((size_t)p->Cg * p->Hp * p->Wp);
    return p->mode.knob.half ? aligned_floats((size_t)p->Cg * p->s.H * p->s.W) : 0;
}

/* Depthwise: the padded plane, and a vector's slack past it that a flat call's last vector reads; read through
 * masks at stride 2, the phases of PHASE_CHUNK planes. */
static size_t padded_plane_floats(const mpx_conv_plan *p)
{
    if (p->dw_mask)
        return (size_t)PHASE_CHUNK * 4 * p->dw_phase;
    return p->depthwise ? (size_t)p->dw_rows * p->dw_row + MPX_DEPTHWISE_LANES : 0;
}

#define ROW_SLOT 272 /* expand_rows: a run's 16 × 16 sums of its last computed row, then that row (an int) */

/* expand_rows: a slot per panel of 16 channels and run of 16 columns */
static size_t rows_floats(const mpx_conv_plan *p)
{
    return p->expand_rows ? (size_t)(p->Mg / 16) * (p->s.Wo / 16) * ROW_SLOT : 0;
}

static size_t thread_floats(const mpx_conv_plan *p)
{
    if (p->direct)
        return input_floats(p) + aligned_floats((size_t)p->dw_acc) + aligned_floats(padded_plane_floats(p));
    return input_floats(p) + aligned_floats((size_t)p->kernel->cmr * p->kernel->cnr) + rows_floats(p);
}

/* Shared by all threads: the compact results of a perforated convolution, [batch][M][n_pixels]. */
static size_t compact_floats(const mpx_conv_plan *p, int batch)
{
    return p->compact ? aligned_floats((size_t)batch * p->s.M * p->n_pixels) : 0;
}

size_t mpx_conv_workspace(const mpx_conv_plan *plan, int batch, int threads)
{
    if (threads < 1)
        threads = 1;
    return (compact_floats(plan, batch) + thread_floats(plan) * (size_t)threads + 16) * sizeof(float);
}

/* ---- epilogue: interpolation of skipped rows/columns, bias, activation ------------------------- */

/* `rounded`: v holds binary16 values already. */
static void bias_act(const mpx_conv_plan *p, float *v, int n, int m, int rounded)
{
    const mpx_conv_mode *md = &p->mode;
    mpx_epilogue e = {md->bias_half, md->act, md->act_half, md->act_a, md->act_b};
    mpx_bias_act(&e, v, n, p->bias ? p->bias + m : NULL, 0, rounded);
}

static inline float mean2(float a, float b, int half)
{
    float v = (a + b) * 0.5f;
    return half ? mpx_half_round(v) : v;
}

/* d = mean of the rows a and b (d is neither), vectorized: compilers do not prove that the rows of one
 * plane do not overlap. */
static void mean_rows(float *d, const float *a, const float *b, int n, int half)
{
    const mpx_v4f h = {0.5f, 0.5f, 0.5f, 0.5f};
    int j = 0;
    for (; j + 4 <= n; j += 4) {
        mpx_v4f x, y;
        memcpy(&x, a + j, sizeof x);
        memcpy(&y, b + j, sizeof y);
        x = (x + y) * h;
        memcpy(d + j, &x, sizeof x);
    }
    for (; j < n; j++)
        d[j] = (a[j] + b[j]) * 0.5f;
    if (half)
        mpx_round_half_copy(d, d, (size_t)n);
}

/* Rules 1-4 of src/core/DESIGN.md §2 along one output row of column perforation. */
static void fill_cols(const mpx_knob *k, float *d, int Wo)
{
    int c = k->offset;
    if (c == 0) {
        d[0] = d[1];
        c += k->stride;
    }
    if (k->half)
        for (; c < Wo - 1; c += k->stride)
            d[c] = mean2(d[c - 1], d[c + 1], 1);
    else
        for (; c < Wo - 1; c += k->stride)
            d[c] = mean2(d[c - 1], d[c + 1], 0);
    if (c == Wo - 1)
        d[c] = d[c - 1];
}

/* Rules 1-4 of src/core/DESIGN.md §2 on one output plane whose computed positions are already final. */
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
                mean_rows(d, d - Wo, d + Wo, Wo, half);
        }
    } else if (k->kind == MPX_KNOB_PERF_COLS) {
        for (int r = 0; r < Ho; r++)
            fill_cols(k, plane + (size_t)r * Wo, Wo);
    }
}

/* The float32 epilogue of mpx_bias_act_fast on one value. The expansion's functions are always inlined
 * with a constant act.kind, so each activation gets its own loops. */
static inline float bias_act1(float v, float bias, mpx_act act)
{
    v += bias;
    if (act.kind == MPX_ACT_CLIP)
        return v < act.lo ? act.lo : v > act.hi ? act.hi : v;
    if (act.kind != MPX_ACT_RELU)
        return v;
    uint32_t u; /* a mask rather than a branch, which the signs of real data would mispredict */
    memcpy(&u, &v, sizeof u);
    u &= -(uint32_t)(v > 0.0f);
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Eight floats: the stride-2 expansion interleaves computed and interpolated values a vector at a time
 * (compilers leave the interleaving loop scalar); sixteen: rows of whole vectors of 16 go in one AVX-512
 * register where the clone has them (two or four elsewhere). The same operations per value as bias_act1. */
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define MPX_V8_SHUFFLE 1
typedef float mpx_v8f __attribute__((vector_size(32)));
typedef int32_t mpx_v8i __attribute__((vector_size(32)));
typedef float mpx_v16f __attribute__((vector_size(64)));
typedef int32_t mpx_v16i __attribute__((vector_size(64)));

/* act(v + bias) as bias_act1, on the vector v (of floats, VI its integer type) in place (a macro: vectors as
 * arguments of a function trip ABI notes) */
#define BIAS_ACT_V(v, bias, act, VI)                                                                         \
    do {                                                                                                     \
        const __typeof__(v) zero_ = {0};                                                                     \
        (v) += zero_ + (bias);                                                                               \
        if ((act).kind == MPX_ACT_RELU)                                                                      \
            (v) = (__typeof__(v))((VI)(v) & (VI)((v) > zero_));                                              \
        if ((act).kind == MPX_ACT_CLIP) {                                                                    \
            const __typeof__(v) lo_ = zero_ + (act).lo, hi_ = zero_ + (act).hi;                              \
            VI above_ = (VI)((v) > hi_), below_ = (VI)((v) < lo_);                                           \
            VI t_ = ((VI)hi_ & above_) | ((VI)(v) & ~above_);                                                \
            (v) = (__typeof__(v))(((VI)lo_ & below_) | (t_ & ~below_));                                      \
        }                                                                                                    \
    } while (0)
#define BIAS_ACT8(v, bias, act) BIAS_ACT_V(v, bias, act, mpx_v8i)

/* d[0..15] = x0, y0, x1, y1, … */
#define STORE_INTERLEAVED8(d, x, y)                                                                          \
    do {                                                                                                     \
        mpx_v8f lo_ = __builtin_shufflevector(x, y, 0, 8, 1, 9, 2, 10, 3, 11);                               \
        mpx_v8f hi_ = __builtin_shufflevector(x, y, 4, 12, 5, 13, 6, 14, 7, 15);                             \
        memcpy((d), &lo_, sizeof lo_);                                                                       \
        memcpy((d) + 8, &hi_, sizeof hi_);                                                                   \
    } while (0)

/* Column perforation of stride 2 on a plane of even width Wo = 2n: output 2K and 2K + 1 come from
 * computed value K of the whole plane (all rows at once), then each row's edge is fixed (rules 1-4):
 * o = 0 (computed 1, 3, …): d[2K] = act(mean(s[K-1], s[K])), d[2K+1] = act(s[K]), a row's first = its second;
 * o = 1 (computed 0, 2, …): d[2K] = act(s[K]), d[2K+1] = act(mean(s[K], s[K+1])), a row's last = its
 * second last. */
static inline __attribute__((always_inline)) void cols2_plane(float *restrict d, const float *restrict s,
                                                              int Ho, int Wo, int o, float bias, mpx_act act)
{
    const mpx_v8f h = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
    int total = Ho * (Wo / 2);
    if (o == 0) {
        int k = 1;
        for (; k + 8 <= total; k += 8) {
            mpx_v8f a, b;
            memcpy(&a, s + k - 1, sizeof a);
            memcpy(&b, s + k, sizeof b);
            a = (a + b) * h;
            BIAS_ACT8(a, bias, act);
            BIAS_ACT8(b, bias, act);
            STORE_INTERLEAVED8(d + 2 * k, a, b);
        }
        for (; k < total; k++) {
            d[2 * k] = bias_act1((s[k - 1] + s[k]) * 0.5f, bias, act);
            d[2 * k + 1] = bias_act1(s[k], bias, act);
        }
        d[1] = bias_act1(s[0], bias, act);
        for (int r = 0; r < Ho; r++)
            d[(size_t)r * Wo] = d[(size_t)r * Wo + 1];
        return;
    }
    int k = 0;
    for (; k + 8 <= total - 1; k += 8) {
        mpx_v8f a, b;
        memcpy(&a, s + k, sizeof a);
        memcpy(&b, s + k + 1, sizeof b);
        b = (a + b) * h;
        BIAS_ACT8(a, bias, act);
        BIAS_ACT8(b, bias, act);
        STORE_INTERLEAVED8(d + 2 * k, a, b);
    }
    for (; k < total - 1; k++) {
        d[2 * k] = bias_act1(s[k], bias, act);
        d[2 * k + 1] = bias_act1((s[k] + s[k + 1]) * 0.5f, bias, act);
    }
    d[2 * total - 2] = bias_act1(s[total - 1], bias, act);
    for (int r = 0; r < Ho; r++)
        d[(size_t)r * Wo + Wo - 1] = d[(size_t)r * Wo + Wo - 2];
}
#endif

/* d = act(a + bias), or act(mean(a, b) + bias) when b: one output row of row perforation. Rows of whole
 * vectors (resnets' 32, 16 and 8 columns) go a vector at a time with no remainder loop: the compiler's
 * vectorized loop spends more on its prologue and epilogue than on rows this short. */
static inline __attribute__((always_inline)) void row_fast(float *restrict d, const float *restrict a,
                                                           const float *restrict b, int n, float bias, mpx_act act)
{
#ifdef MPX_V8_SHUFFLE
/* the row in vectors of VF (VI: its integer type) */
#define ROW_VECTORS(VF, VI)                                                                                  \
    do {                                                                                                     \
        const VF h_ = (VF){0} + 0.5f;                                                                        \
        for (int i = 0; i < n; i += (int)(sizeof(VF) / sizeof(float))) {                                     \
            VF v, w;                                                                                         \
            memcpy(&v, a + i, sizeof v);                                                                     \
            if (b) {                                                                                         \
                memcpy(&w, b + i, sizeof w);                                                                 \
                v = (v + w) * h_;                                                                            \
            }                                                                                                \
            BIAS_ACT_V(v, bias, act, VI);                                                                    \
            memcpy(d + i, &v, sizeof v);                                                                     \
        }                                                                                                    \
    } while (0)
    if (n % 16 == 0) {
        ROW_VECTORS(mpx_v16f, mpx_v16i);
        return;
    }
    if (n % 8 == 0) {
        ROW_VECTORS(mpx_v8f, mpx_v8i);
        return;
    }
#undef ROW_VECTORS
#endif
    if (b)
        for (int i = 0; i < n; i++)
            d[i] = bias_act1((a[i] + b[i]) * 0.5f, bias, act);
    else
        for (int i = 0; i < n; i++)
            d[i] = bias_act1(a[i], bias, act);
}

/* One output row of column perforation from its computed values s, rules 1-4 then act(v + bias). Stride
 * 2 pairs each computed value with its skipped neighbour, a loop the compiler vectorizes. */
static inline __attribute__((always_inline)) void cols_fast(float *restrict d, const float *restrict s,
                                                            const int *cols, int Wo, int x, int o, float bias,
                                                            mpx_act act)
{
    int n = Wo - (Wo > o ? (Wo - o + x - 1) / x : 0); /* computed values */
    if (x == 2 && o == 1) {                           /* computed 0, 2, 4, … */
        for (int k = 0; k < n - 1; k++) {
            d[2 * k] = bias_act1(s[k], bias, act);
            d[2 * k + 1] = bias_act1((s[k] + s[k + 1]) * 0.5f, bias, act);
        }
        d[2 * n - 2] = bias_act1(s[n - 1], bias, act);
        if (Wo == 2 * n)
            d[Wo - 1] = d[Wo - 2];
        return;
    }
    if (x == 2) { /* computed 1, 3, 5, … */
        d[0] = bias_act1(s[0], bias, act);
        d[1] = d[0];
        for (int k = 1; k < n; k++) {
            d[2 * k] = bias_act1((s[k - 1] + s[k]) * 0.5f, bias, act);
            d[2 * k + 1] = bias_act1(s[k], bias, act);
        }
        if (Wo == 2 * n + 1)
            d[Wo - 1] = d[Wo - 2];
        return;
    }
    /* other strides: place the computed values, fill the skipped ones, then the vectorized epilogue */
    for (int j = 0; j < n; j++)
        d[cols[j]] = s[j];
    fill_cols(&(mpx_knob){.kind = MPX_KNOB_PERF_COLS, .stride = x, .offset = o}, d, Wo);
    mpx_bias_act_fast(d, Wo, bias, act.kind, act.lo, act.hi);
}

/* expand_plane for float32 bias and activation: each output written once (act.kind a constant). `pitch`:
 * floats from one computed row to the next in src (n_cols but for the depthwise accumulator's rows). */
static inline __attribute__((always_inline)) void expand_plane_act(const mpx_conv_plan *p, const float *src,
                                                                   size_t pitch, float *out, float bias, mpx_act act)
{
    const mpx_knob *k = &p->mode.knob;
    int Ho = p->s.Ho, Wo = p->s.Wo, nc = p->n_cols;
    if (k->kind == MPX_KNOB_PERF_ROWS) {
        int next = 0;
        for (int r = 0; r < Ho; r++) {
            float *d = out + (size_t)r * Wo;
            const float *a, *b = NULL;
            if (next < p->n_rows && p->rows[next] == r)
                a = src + next++ * pitch;
            else if (r == Ho - 1)
                a = src + (next - 1) * pitch;
            else if (r == 0)
                a = src;
            else
                a = src + (next - 1) * pitch, b = src + next * pitch;
            row_fast(d, a, b, Wo, bias, act);
        }
        return;
    }
#ifdef MPX_V8_SHUFFLE
    if (k->stride == 2 && Wo % 2 == 0 && pitch == (size_t)nc) {
        cols2_plane(out, src, Ho, Wo, k->offset, bias, act);
        return;
    }
#endif
    for (int r = 0; r < Ho; r++)
        cols_fast(out + (size_t)r * Wo, src + r * pitch, p->cols, Wo, k->stride, k->offset, bias, act);
}

MPX_MULTIVERSION_512 static void expand_plane_fast(const mpx_conv_plan *p, const float *src, size_t pitch,
                                                   float *out, float bias, mpx_act act)
{
    if (act.kind == MPX_ACT_RELU)
        expand_plane_act(p, src, pitch, out, bias, (mpx_act){MPX_ACT_RELU, 0.0f, 0.0f});
    else if (act.kind == MPX_ACT_CLIP)
        expand_plane_act(p, src, pitch, out, bias, (mpx_act){MPX_ACT_CLIP, act.lo, act.hi});
    else
        expand_plane_act(p, src, pitch, out, bias, (mpx_act){MPX_ACT_NONE, 0.0f, 0.0f});
}

/* Perforated GEMM path: output plane `out` of channel m from its compact results `src` (n_rows ×
 * n_cols, binary16 values already when half), a row at a time: place, fill the skipped positions
 * (rules 1-4), then bias and activation while the row is in L1. Every source is a computed row, so the
 * rows already finished never feed a later one. */
static void expand_plane(const mpx_conv_plan *p, const float *src, float *out, int m)
{
    const mpx_knob *k = &p->mode.knob;
    int Ho = p->s.Ho, Wo = p->s.Wo, half = k->half, nc = p->n_cols;
    size_t row = (size_t)Wo * sizeof *out;
    const mpx_conv_mode *md = &p->mode;
    if (!half && !md->bias_half && !md->act_half &&
        (md->act == MPX_ACT_NONE || md->act == MPX_ACT_RELU || md->act == MPX_ACT_CLIP)) {
        expand_plane_fast(p, src, (size_t)nc, out, p->bias ? p->bias[m] : 0.0f, (mpx_act){md->act, md->act_a, md->act_b});
        return;
    }
    if (k->kind == MPX_KNOB_PERF_ROWS) {
        int next = 0; /* compact index of the next computed row */
        for (int r = 0; r < Ho; r++) {
            float *d = out + (size_t)r * Wo;
            if (next < p->n_rows && p->rows[next] == r)
                memcpy(d, src + (size_t)next++ * Wo, row);
            else if (r == Ho - 1)
                memcpy(d, src + (size_t)(next - 1) * Wo, row);
            else if (r == 0)
                memcpy(d, src, row);
            else
                mean_rows(d, src + (size_t)(next - 1) * Wo, src + (size_t)next * Wo, Wo, half);
            bias_act(p, d, Wo, m, half);
        }
        return;
    }
    for (int r = 0; r < Ho; r++) {
        float *d = out + (size_t)r * Wo;
        const float *s = src + (size_t)r * nc;
        for (int j = 0; j < nc; j++)
            d[p->cols[j]] = s[j];
        fill_cols(k, d, Wo);
        bias_act(p, d, Wo, m, half);
    }
}

/* ---- execution ------------------------------------------------------------------------------------ */

typedef struct {
    const mpx_conv_plan *p;
    const float *x;
    float *y;
    float *workspace; /* per-thread areas */
    float *compact;   /* perforated GEMM path: [batch][M][n_pixels] */
    int chunks;       /* pixel chunks per (sample, group) */
    int chunk_pixels; /* pixels per chunk, a multiple of the kernel's cmr */
} conv_job;

static const float *group_start(const conv_job *job, int n, int g)
{
    const mpx_conv_plan *p = job->p;
    return job->x + ((size_t)n * p->s.C + (size_t)g * p->Cg) * p->s.H * p->s.W;
}

/* The input channels of group g of sample n, rounded to binary16 into `scratch` when the knob says so;
 * *cached remembers which (sample, group) the scratch holds, as consecutive units often share it. */
static const float *group_input(const conv_job *job, int n, int g, float *scratch, int *cached)
{
    const mpx_conv_plan *p = job->p;
    const float *x = group_start(job, n, g);
    if (!p->mode.knob.half)
        return x;
    if (*cached != n * p->s.group + g) {
        mpx_round_half_copy(scratch, x, (size_t)p->Cg * p->s.H * p->s.W);
        *cached = n * p->s.group + g;
    }
    return scratch;
}

/* Rows of W floats (pitch W) into rows of pitch `pitch`, 16 then 8 floats at a time inline (a library call
 * per row of 8-32 floats costs more than the copy; the AVX-512 clone moves 16 in one instruction). */
MPX_MULTIVERSION_512 static void pad_rows(const float *x, int rows, int W, float *d, int pitch)
{
    for (int h = 0; h < rows; h++, x += W, d += pitch) {
        int j = 0;
        for (; j + 16 <= W; j += 16)
            memcpy(d + j, x + j, 16 * sizeof *d);
        for (; j + 8 <= W; j += 8)
            memcpy(d + j, x + j, 8 * sizeof *d);
        for (; j < W; j++)
            d[j] = x[j];
    }
}

/* The same, zero-padded to [Cg, Hp, Wp] for the indirect GEMM: a copy, but for a convolution without padding
 * (a 1×1 one, say) on float32, whose kernel reads the input in place. */
static const float *padded_input(const conv_job *job, int n, int g, float *buf, int *cached)
{
    const mpx_conv_plan *p = job->p;
    const mpx_conv_shape *s = &p->s;
    if (p->unpadded)
        return group_start(job, n, g);
    if (*cached == n * s->group + g)
        return buf;
    int fresh = *cached < 0; /* the first unit of this thread's range: the padding is not zero yet */
    *cached = n * s->group + g;
    const float *x = group_start(job, n, g);
    if (!p->mode.knob.half) {
        /* the padding never changes: zeroed once per range, then each unit copies the rows alone */
        int W = s->W;
        if (fresh)
            memset(buf, 0, (size_t)p->Cg * p->Hp * p->Wp * sizeof *buf);
        if (p->deint) { /* padded column pc at pc / 2 among the even ones, or after them among the odd */
            int E = (p->Wp + 1) / 2, pl = s->pad_left;
            const mpx_gemm_arch *arch = mpx_gemm_arch_get();
            for (int c = 0; c < p->Cg; c++) {
                float *d = buf + ((size_t)c * p->Hp + s->pad_top) * p->Wp;
                /* the even-indexed columns of x go to the half of the left padding's parity */
                float *even = d + (pl % 2 ? E : 0) + pl / 2, *odd = d + (pl % 2 ? 0 : E) + (pl + 1) / 2;
                if (arch->split_rows) {
                    arch->split_rows(x, s->H, W, even, odd, p->Wp);
                    x += (size_t)s->H * W;
                    continue;
                }
                for (int h = 0; h < s->H; h++, x += W, even += p->Wp, odd += p->Wp)
                    mpx_split_columns(x, W, even, odd);
            }
            return buf;
        }
        for (int c = 0; c < p->Cg; c++, x += (size_t)s->H * W)
            pad_rows(x, s->H, W, buf + ((size_t)c * p->Hp + s->pad_top) * p->Wp + s->pad_left, p->Wp);
        return buf;
    }
    size_t row = (size_t)p->Wp * sizeof *buf;
    for (int c = 0; c < p->Cg; c++) {
        float *plane = buf + (size_t)c * p->Hp * p->Wp;
        memset(plane, 0, (size_t)s->pad_top * row);
        for (int h = 0; h < s->H; h++) {
            float *d = plane + (size_t)(s->pad_top + h) * p->Wp;
            const float *src = x + ((size_t)c * s->H + h) * s->W;
            memset(d, 0, (size_t)s->pad_left * sizeof *d);
            if (p->mode.knob.half)
                mpx_round_half_copy(d + s->pad_left, src, (size_t)s->W);
            else
                memcpy(d + s->pad_left, src, (size_t)s->W * sizeof *d);
            memset(d + s->pad_left + s->W, 0, (size_t)s->pad_right * sizeof *d);
        }
        memset(plane + (size_t)(s->pad_top + s->H) * p->Wp, 0, (size_t)s->pad_bottom * row);
    }
    return buf;
}

/* The run of computed pixels from t0 (a row of row perforation, 16 columns) and channels m0… by the in-place
 * kernel, which writes the skipped rows beside it as well (rules 1-4 of src/core/DESIGN.md §2): the one above, the
 * mean of this row and the computed row before, whose sums the run's slot holds (or are computed again first,
 * when another thread computed that row or the slot holds another), a copy at the top, and a copy at the bottom. */
static void expand_rows_tile(const mpx_conv_plan *p, const float *x, int t0, int m0, const float *w, const float *b,
                             mpx_act act, float *out, float *slots)
{
    const mpx_conv_shape *s = &p->s;
    const mpx_gemm_arch *arch = mpx_gemm_arch_get();
    int r = t0 / p->n_cols, c = t0 % p->n_cols, oh = p->rows[r], Ho = s->Ho, held;
    float *slot = slots + ((size_t)(m0 / 16) * (s->Wo / 16) + c / 16) * ROW_SLOT;
    int above = oh > 0 && (r == 0 || p->rows[r - 1] != oh - 1), below = oh + 1 == Ho - 1 && r == p->n_rows - 1;
    int flags = above ? (oh - 1 == 0 ? MPX_EXPAND_COPY_ABOVE : MPX_EXPAND_MEAN_ABOVE) : 0;
    flags |= below ? MPX_EXPAND_COPY_BELOW : 0;
    memcpy(&held, slot + 256, sizeof held);
    if ((flags & MPX_EXPAND_MEAN_ABOVE) && held != r - 1) /* the computed row before: rows[r - 1] = oh - 2 */
        arch->conv_3x3(x, p->Cg, s->H, s->W, p->rows[r - 1], c, p->form_3x3, w, NULL,
                       &(mpx_act){MPX_ACT_NONE, 0.0f, 0.0f}, slot, 16, NULL);
    mpx_expansion rows = {slot, flags, (size_t)s->Wo};
    arch->conv_3x3(x, p->Cg, s->H, s->W, oh, c, p->form_3x3, w, b, &act, out, (size_t)Ho * s->Wo, &rows);
    memcpy(slot + 256, &r, sizeof r);
}

/* Pixels [q0, q1) of sample n, group g: for each block of kernel tiles, each weight panel in turn (so it
 * stays in L1 across the block), each tile; results go straight to their output positions. */
static void indirect_unit(conv_job *job, int unit, float *ws, int *cached)
{
    const mpx_conv_plan *p = job->p;
    const mpx_conv_shape *s = &p->s;
    const mpx_conv_kernel_spec *kernel = p->kernel;
    int cmr = kernel->cmr, cnr = kernel->cnr, lanes = kernel->lanes, half = p->mode.knob.half;
    int chunk = unit % job->chunks, ng = unit / job->chunks, g = ng % s->group, n = ng / s->group;
    int q0 = chunk * job->chunk_pixels, q1 = q0 + job->chunk_pixels < p->n_pixels ? q0 + job->chunk_pixels : p->n_pixels;
    /* compact: the results of computed pixel q go to position q of a plane of n_pixels */
    size_t plane = p->compact ? (size_t)p->n_pixels : (size_t)s->Ho * s->Wo;
    mpx_act act = {p->fused ? p->mode.act : MPX_ACT_NONE, p->mode.act_a, p->mode.act_b};
    if (p->int8) {
        if (*cached != ng) {
            mpx_conv_int8_quantize(p->int8, group_start(job, n, g), (uint32_t *)ws, *cached < 0);
            *cached = ng;
        }
        float *out = (p->compact ? job->compact : job->y) + ((size_t)n * s->M + (size_t)g * p->Mg) * plane;
        mpx_conv_int8_pixels(p->int8, g, (uint32_t *)ws, p->pixel_in, p->compact ? NULL : p->pixel_out, q0, q1, out,
                             plane, p->fused && p->bias ? p->bias + (size_t)g * p->Mg : NULL, act);
        return;
    }
    const float *x = padded_input(job, n, g, ws, cached);
    float *tile = ws + input_floats(p), *slots = tile + aligned_floats((size_t)cmr * cnr);
    for (size_t k = 0; k < rows_floats(p); k += ROW_SLOT) /* no row's sums kept yet */
        memcpy(slots + k + 256, &(int){-1}, sizeof(int));
    float *y = (p->compact ? job->compact : job->y) + ((size_t)n * s->M + (size_t)g * p->Mg) * plane;
    const float *pixel[MPX_CONV_MAX_CMR];
    const float *bias = p->panel_bias ? p->panel_bias + (size_t)g * mpx_round_up(p->Mg, cnr) : NULL;
    for (int b0 = q0; b0 < q1; b0 += PIXEL_BLOCK * cmr) {
        int b1 = b0 + PIXEL_BLOCK * cmr < q1 ? b0 + PIXEL_BLOCK * cmr : q1;
        for (int m0 = 0; m0 < p->Mg; m0 += cnr) {
            const float *w = p->weights + g * p->group_floats + (size_t)(m0 / cnr) * p->n_taps * cnr;
            const float *b = bias ? bias + m0 : NULL;
            int channels = p->Mg - m0 < cnr ? p->Mg - m0 : cnr;
            for (int t0 = b0; t0 < b1; t0 += cmr) {
                int count = b1 - t0 < cmr ? b1 - t0 : cmr;
                /* a partial tile repeats its last pixel (run: the computed pixels are whole runs) */
                for (int i = 0; i < cmr; i += lanes)
                    pixel[i / lanes] = x + p->pixel_in[t0 + (i < count ? i : count - lanes)];
                int first = p->compact ? t0 : p->pixel_out[t0];
                if (p->expand_cols) { /* a row's 16 computed columns: the kernel writes the row's 32 */
                    mpx_expansion cols = {NULL, MPX_EXPAND_COLUMNS, 0};
                    mpx_gemm_arch_get()->conv_3x3(x, p->Cg, s->H, s->W, first / s->Wo, p->cols[0], p->form_3x3, w,
                                                  b, &act, y + m0 * plane + first / s->Wo * s->Wo, plane, &cols);
                    continue;
                }
                if (count == cmr && (p->compact || p->pixel_out[t0 + cmr - 1] - first == cmr - 1)) {
                    /* consecutive outputs: the kernel stores them itself (with bias and relu when fused),
                     * through a channel-major tile when the panel has padding channels; finish_range
                     * rounds them */
                    if (p->in_place_3x3) {
                        int o = p->pixel_out[t0];
                        if (p->expand_rows)
                            expand_rows_tile(p, x, t0, m0, w, b, act, y + m0 * plane + first, slots);
                        else
                            mpx_gemm_arch_get()->conv_3x3(x, p->Cg, s->H, s->W, o / s->Wo, o % s->Wo, p->form_3x3,
                                                          w, b, &act, y + m0 * plane + first, plane, NULL);
                        continue;
                    }
                    if (channels == cnr) {
                        kernel->kernel(p->n_taps, p->offsets, pixel, w, b, act, NULL, y + m0 * plane + first, plane);
                        continue;
                    }
                    kernel->kernel(p->n_taps, p->offsets, pixel, w, b, act, NULL, tile, (size_t)cmr);
                    for (int j = 0; j < channels; j++)
                        memcpy(y + (m0 + j) * plane + first, tile + (size_t)j * cmr, (size_t)cmr * sizeof *tile);
                    continue;
                }
                kernel->kernel(p->n_taps, p->offsets, pixel, w, b, act, tile, NULL, 0);
                if (half && !p->compact)
                    mpx_round_half_copy(tile, tile, (size_t)cmr * cnr);
                for (int j = 0; j < channels; j++) {
                    float *out = y + (m0 + j) * plane;
                    if (p->compact)
                        for (int i = 0; i < count; i++)
                            out[t0 + i] = tile[i * cnr + j];
                    else
                        for (int i = 0; i < count; i++)
                            out[p->pixel_out[t0 + i]] = tile[i * cnr + j];
                }
            }
        }
    }
}

static void finish_range(void *ctx, int begin, int end, int thread);

/* Whether the indirect path needs finish_range: perforated (expansion), or bias, activation or rounding
 * that the kernel does not apply as it stores. */
static int needs_finish(const mpx_conv_plan *p)
{
    return p->compact || (!p->fused && (p->bias || p->mode.act != MPX_ACT_NONE || p->mode.knob.half));
}

static void indirect_range(void *ctx, int begin, int end, int thread)
{
    conv_job *job = ctx;
    float *ws = job->workspace + (size_t)thread * thread_floats(job->p);
    int cached = -1, Mg = job->p->Mg;
    for (int unit = begin; unit < end; unit++) {
        indirect_unit(job, unit, ws, &cached);
        /* a unit that computed a whole (sample, group) finishes it at once, while it is in cache */
        if (job->chunks == 1 && needs_finish(job->p))
            finish_range(job, unit * Mg, (unit + 1) * Mg, thread);
    }
}

/* Indirect path, second pass: fill the skipped positions, then bias and activation. */
static void finish_range(void *ctx, int begin, int end, int thread)
{
    (void)thread;
    conv_job *job = ctx;
    const mpx_conv_plan *p = job->p;
    int plane = p->s.Ho * p->s.Wo;
    const mpx_conv_mode *md = &p->mode;
    /* the kernel's direct stores are not rounded yet (rounding again is a no-op); a binary16 bias step
     * rounds its operand itself, in the same pass */
    int bias_rounds = p->bias && md->bias_half && (md->act == MPX_ACT_NONE || md->act == MPX_ACT_RELU);
    int half = md->knob.half && (p->perforated || !bias_rounds), all_cols = p->n_cols == p->s.Wo;
    for (int i = begin; i < end; i++) {
        float *out = job->y + (size_t)i * plane;
        if (p->compact) {
            float *src = job->compact + (size_t)i * p->n_pixels;
            if (half)
                mpx_round_half_copy(src, src, (size_t)p->n_pixels);
            expand_plane(p, src, out, i % p->s.M);
            continue;
        }
        for (int r = 0; half && r < p->n_rows; r++) {
            float *row = out + (size_t)p->rows[r] * p->s.Wo;
            if (all_cols)
                mpx_round_half_copy(row, row, (size_t)p->s.Wo);
            else
                for (int c = 0; c < p->n_cols; c++)
                    row[p->cols[c]] = mpx_half_round(row[p->cols[c]]);
        }
        interpolate(p, out);
        bias_act(p, out, plane, i % p->s.M, half);
    }
}

/* The zero-padded copy of a depthwise convolution's input plane x; at stride 2 each row holds its even
 * columns, then (from dw_half) its odd ones, so that a window column's inputs are consecutive. Every plane
 * fills the same positions, so the padding is zeroed once, when the buffer is `fresh`. */
static void pad_plane(const mpx_conv_plan *p, const float *x, float *pad, int fresh)
{
    const mpx_conv_shape *s = &p->s;
    int pl = s->pad_left, E = p->dw_half;
    if (fresh)
        memset(pad, 0, padded_plane_floats(p) * sizeof *pad);
    for (int h = 0; h < s->H; h++, x += s->W) {
        float *d = pad + (size_t)(s->pad_top + h) * p->dw_row;
        if (s->stride_w == 1)
            memcpy(d + pl, x, (size_t)s->W * sizeof *x);
        else /* x's even-indexed columns go to the half of the left padding's parity */
            mpx_split_columns(x, s->W, d + (pl % 2 ? E : 0) + pl / 2, d + (pl % 2 ? 0 : E) + (pl + 1) / 2);
    }
}

/* acc[0..Wo) = output row oh of the direct kernel before rounding, bias and activation: taps outermost so
 * that the inner loop runs along the row (contiguous for stride 1); with column perforation, the computed
 * columns only. x: the group's input. */
static void direct_row(const mpx_conv_plan *p, const float *x, const float *w, int oh, float *acc)
{
    const mpx_conv_shape *s = &p->s;
    int Wo = s->Wo, sw = s->stride_w;
    size_t in_plane = (size_t)s->H * s->W;
    const int *cols = p->mode.knob.kind == MPX_KNOB_PERF_COLS ? p->cols : NULL;
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
            int lo = 0, hi = p->n_cols, at = tap->j * s->dil_w;
            while (lo < hi && p->col_start[lo] + at < 0)
                lo++;
            while (hi > lo && p->col_start[hi - 1] + at >= s->W)
                hi--;
            for (int jc = lo; jc < hi; jc++)
                acc[cols[jc]] += wt * src[p->col_start[jc] + at];
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
}

/* acc's computed values of one output row into d: the computed columns, rounded when half. */
static void store_row(const mpx_conv_plan *p, const float *acc, float *d)
{
    int Wo = p->s.Wo, half = p->mode.knob.half;
    if (p->n_cols < Wo) {
        for (int jc = 0; jc < p->n_cols; jc++)
            d[p->cols[jc]] = half ? mpx_half_round(acc[p->cols[jc]]) : acc[p->cols[jc]];
    } else if (half) {
        mpx_round_half_copy(d, acc, (size_t)Wo);
    } else {
        memcpy(d, acc, (size_t)Wo * sizeof *d);
    }
}

/* A depthwise output plane from its padded input plane: every row in one kernel call (stride 1: the plane
 * read as one long row, see dw_flat); perforated, the computed rows, into acc a row per whole vectors (then
 * stored, unless dw_expand expands them from there). A tap over the padding adds w·0 where direct_row skips
 * it: the same sums, a zero may differ in sign. */
static void depthwise_plane(const mpx_conv_plan *p, const float *pad, const float *w, float bias, mpx_act act,
                            float *acc, float *out)
{
    const mpx_conv_shape *s = &p->s;
    const mpx_gemm_arch *arch = mpx_gemm_arch_get();
    int Wo = s->Wo, vectors = mpx_round_up(Wo, MPX_DEPTHWISE_LANES);
    size_t in_pitch = (size_t)s->stride_h * p->dw_row;
    if (p->perforated) {
        int step = p->dw_step ? p->dw_step : 1, count = p->dw_step ? p->n_rows : 1;
        for (int r = 0; r < p->n_rows; r += count)
            arch->depthwise(p->n_taps, p->offsets, pad + p->rows[r] * in_pitch, step * in_pitch, w, Wo, count, bias,
                            act, acc + (size_t)r * vectors, (size_t)vectors);
        for (int r = 0; !p->dw_expand && r < p->n_rows; r++)
            store_row(p, acc + (size_t)r * vectors, out + (size_t)p->rows[r] * Wo);
        return;
    }
    if (p->dw_flat) {
        arch->depthwise(p->n_taps, p->offsets, pad, 0, w, (s->Ho - 1) * p->dw_row + Wo, 1, bias, act, acc, 0);
    } else if (Wo == vectors && !p->mode.knob.half) { /* rows of whole vectors: straight into the plane */
        arch->depthwise(p->n_taps, p->offsets, pad, in_pitch, w, Wo, s->Ho, bias, act, out, (size_t)Wo);
        return;
    } else {
        arch->depthwise(p->n_taps, p->offsets, pad, in_pitch, w, Wo, s->Ho, bias, act, acc, (size_t)vectors);
    }
    size_t pitch = p->dw_flat ? (size_t)p->dw_row : (size_t)vectors;
    for (int oh = 0; oh < s->Ho; oh++)
        store_row(p, acc + oh * pitch, out + (size_t)oh * Wo);
}

/* One output plane (sample n, channel m) of the direct kernel; `fresh`: the first of this thread's range. */
static void direct_plane(conv_job *job, int index, float *ws, int *cached, int fresh)
{
    const mpx_conv_plan *p = job->p;
    const mpx_conv_shape *s = &p->s;
    const mpx_conv_mode *md = &p->mode;
    int m = index % s->M, n = index / s->M, g = m / p->Mg, Wo = s->Wo;
    const float *x = group_input(job, n, g, ws, cached);
    float *acc = ws + input_floats(p), *pad = acc + aligned_floats((size_t)p->dw_acc);
    float *out = job->y + (size_t)index * s->Ho * Wo;
    const float *w = p->weights + (size_t)m * p->n_taps;
    if (p->depthwise) {
        /* bias and activation in the kernel when it can */
        mpx_act act = {p->dw_fused ? md->act : MPX_ACT_NONE, md->act_a, md->act_b};
        pad_plane(p, x, pad, fresh);
        depthwise_plane(p, pad, w, p->dw_fused && p->bias ? p->bias[m] : 0.0f, act, acc, out);
        if (p->dw_expand) {
            expand_plane_fast(p, acc, (size_t)mpx_round_up(Wo, MPX_DEPTHWISE_LANES), out, p->bias ? p->bias[m] : 0.0f,
                              (mpx_act){md->act, md->act_a, md->act_b});
            return;
        }
    } else {
        for (int r = 0; r < p->n_rows; r++) {
            direct_row(p, x, w, p->rows[r], acc);
            store_row(p, acc, out + (size_t)p->rows[r] * Wo);
        }
    }
    if (p->dw_fused)
        return;
    interpolate(p, out);
    bias_act(p, out, s->Ho * Wo, m, md->knob.half);
}

static void direct_range(void *ctx, int begin, int end, int thread)
{
    conv_job *job = ctx;
    float *ws = job->workspace + (size_t)thread * thread_floats(job->p);
    int cached = -1;
    for (int i = begin; i < end; i++)
        direct_plane(job, i, ws, &cached, i == begin);
}

/* Planes [begin, end) of a depthwise convolution read through masks (dw_mask): consecutive planes are
 * consecutive channels in both x and y, so one kernel call takes every plane of a sample in the range (at
 * stride 2, of a chunk whose phases are split into the thread's workspace). */
static void masked_range(void *ctx, int begin, int end, int thread)
{
    const conv_job *job = ctx;
    const mpx_conv_plan *p = job->p;
    const mpx_conv_shape *s = &p->s;
    size_t in_plane = (size_t)s->H * s->W, out_plane = (size_t)s->Ho * s->Wo;
    float *phases = job->workspace + (size_t)thread * thread_floats(p);
    const mpx_gemm_arch *arch = mpx_gemm_arch_get();
    mpx_act act = {p->mode.act, p->mode.act_a, p->mode.act_b};
    for (int i = begin; i < end;) {
        int m = i % s->M, planes = end - i < s->M - m ? end - i : s->M - m;
        const float *x = job->x + i * in_plane;
        size_t pitch = in_plane;
        if (p->dw_phase) {
            planes = planes < PHASE_CHUNK ? planes : PHASE_CHUNK;
            for (int k = 0; k < planes; k++)
                arch->split_phases(x + k * in_plane, s->H, s->W, s->Wo, (size_t)p->dw_phase,
                                   phases + (size_t)k * 4 * p->dw_phase);
            x = phases, pitch = (size_t)4 * p->dw_phase;
        }
        const float *w = p->weights + (size_t)m * p->n_taps, *bias = p->bias ? p->bias + m : NULL;
        if (p->dw_3x3)
            arch->depthwise_3x3(x, pitch, w, bias, planes, s->Ho, s->Wo, s->stride_w, act, job->y + i * out_plane);
        else
            arch->depthwise_masked(p->n_taps, p->offsets, p->dw_mask, x, pitch, w, bias, planes, (int)out_plane, act,
                                   job->y + i * out_plane);
        i += planes;
    }
}

void mpx_conv_run(const mpx_conv_plan *plan, mpx_pool *pool, const float *x, int batch, float *y,
                  void *workspace)
{
    float *ws = (float *)(((uintptr_t)workspace + 63) & ~(uintptr_t)63);
    conv_job job = {plan, x, y, ws + compact_floats(plan, batch), ws, 1, 0};
    if (plan->dw_mask) {
        mpx_parallel_for(pool, batch * plan->s.M, 1, masked_range, &job);
        return;
    }
    if (plan->direct) {
        mpx_parallel_for(pool, batch * plan->s.M, 1, direct_range, &job);
        return;
    }
    /* Units are (sample, group, pixel chunk). Split pixels only when the (sample, group) pairs alone
     * would leave threads idle or unbalanced. */
    int cmr = plan->int8 ? MPX_INT8_PIXELS : plan->kernel->cmr, threads = mpx_pool_threads(pool), items = batch * plan->s.group;
    int tiles = (plan->n_pixels + cmr - 1) / cmr;
    if (items < threads)
        job.chunks = (threads + items - 1) / items;
    else if (items % threads != 0 && items < 4 * threads)
        job.chunks = (4 * threads + items - 1) / items;
    if (job.chunks > tiles)
        job.chunks = tiles;
    job.chunk_pixels = (tiles + job.chunks - 1) / job.chunks * cmr;
    job.chunks = (plan->n_pixels + job.chunk_pixels - 1) / job.chunk_pixels;
    mpx_parallel_for(pool, items * job.chunks, 1, indirect_range, &job);
    if (job.chunks > 1 && needs_finish(plan))
        mpx_parallel_for(pool, batch * plan->s.M, 1, finish_range, &job);
}
