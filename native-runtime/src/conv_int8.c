/* 8-bit convolution (conv_int8.h): quantised weights and layout, the portable kernels and the driver that
 * conv.c calls for the int8 knobs. */
#include "conv_int8.h"
#include "split_columns.h"

#include <math.h>
#include <pthread.h>
#if defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1ul << 20)
#endif
#endif
#include <stdlib.h>
#include <string.h>

struct mpx_conv_int8 {
    mpx_conv_shape s;
    mpx_quant quant;
    int Cg, Mg, Hp, Wp;
    int deint, first;   /* padded rows split into even and odd columns, from computed column `first` */
    int slot_groups;    /* words per padded pixel: channels grouped by residue, four to a word */
    int *slot_channel;  /* [slot_groups · 4]: the channel within the group, or −1 (padding) */
    int groups;         /* kernel steps: (slot group, kernel position) pairs the knob keeps */
    int32_t *offsets;   /* [groups]: word offset of a step from a window's first word */
    int blocks;         /* channel blocks of MPX_INT8_CHANNELS per group */
    uint32_t *weights;  /* per group, per block: [groups][MPX_INT8_CHANNELS] words of four s8 */
    int32_t *corr;      /* per group, per block: zero · Σ w8 of each channel */
    int32_t *corr_signed; /* the same less 128 · Σ w8, for kernels of signed bytes */
    float *scale;       /* per group, per block: quant.scale · s_m */
};

void mpx_conv_int8_destroy(mpx_conv_int8 *q)
{
    if (!q)
        return;
    free(q->slot_channel);
    free(q->offsets);
    free(q->weights);
    free(q->corr);
    free(q->corr_signed);
    free(q->scale);
    free(q);
}

/* Channels grouped by residue modulo the sampling stride (1 otherwise), each class padded to whole words. */
static int lay_out_slots(mpx_conv_int8 *q, const mpx_knob *k)
{
    int x = k->kind == MPX_KNOB_SAMPLING ? k->stride : 1, words = 0;
    for (int r = 0; r < x; r++)
        words += ((q->Cg - r + x - 1) / x + 3) / 4;
    q->slot_groups = words;
    q->slot_channel = malloc((size_t)words * 4 * sizeof *q->slot_channel);
    if (!q->slot_channel)
        return -1;
    int slot = 0;
    for (int r = 0; r < x; r++) {
        int n = 0;
        for (int c = r; c < q->Cg; c += x, n++)
            q->slot_channel[slot++] = c;
        for (; n % 4; n++)
            q->slot_channel[slot++] = -1;
    }
    return 0;
}

/* The steps the knob keeps and their offsets. A word's channels share a residue, so the first decides. */
static int lay_out_steps(mpx_conv_int8 *q, const mpx_knob *k)
{
    const mpx_conv_shape *s = &q->s;
    int area = s->kh * s->kw;
    q->offsets = malloc((size_t)q->slot_groups * area * sizeof *q->offsets);
    if (!q->offsets)
        return -1;
    q->groups = 0;
    for (int sg = 0; sg < q->slot_groups; sg++)
        for (int f = 0; f < area; f++)
            if (!mpx_sampling_drops(k, area, q->slot_channel[sg * 4], f)) {
                int u = f % s->kw * s->dil_w, column = u; /* u: the column from a window's first */
                if (q->deint) /* computed column k reads padded column first + u + 2k: among its parity's */
                    u += q->first, column = (u % 2 ? (q->Wp + 1) / 2 : 0) + u / 2;
                q->offsets[q->groups++] = (sg * q->Hp + f / s->kw * s->dil_h) * q->Wp + column;
            }
    return 0;
}

/* Per output channel: s_m over the kept taps, the packed s8 words, the zero-point correction. */
static int quantize_weights(mpx_conv_int8 *q, const mpx_knob *k, const float *W)
{
    const mpx_conv_shape *s = &q->s;
    int area = s->kh * s->kw, B = MPX_INT8_CHANNELS;
    float rescale = k->kind == MPX_KNOB_SAMPLING ? (float)k->stride / (float)(k->stride - 1) : 1.0f;
    size_t blocks = (size_t)s->group * q->blocks;
    q->weights = calloc(blocks * q->groups * B, sizeof *q->weights);
    q->corr = calloc(blocks * B, sizeof *q->corr);
    q->corr_signed = calloc(blocks * B, sizeof *q->corr_signed);
    q->scale = calloc(blocks * B, sizeof *q->scale);
    if (!q->weights || !q->corr || !q->corr_signed || !q->scale)
        return -1;
    for (int m = 0; m < s->M; m++) {
        const float *w = W + (size_t)m * q->Cg * area;
        float max = 0.0f;
        for (int c = 0; c < q->Cg; c++)
            for (int f = 0; f < area; f++)
                if (!mpx_sampling_drops(k, area, c, f) && fabsf(w[c * area + f] * rescale) > max)
                    max = fabsf(w[c * area + f] * rescale);
        float sm = max > 0.0f ? max / 127.0f : 1.0f;
        int g = m / q->Mg, mg = m % q->Mg, block = g * q->blocks + mg / B, j = mg % B;
        uint32_t *packed = q->weights + (size_t)block * q->groups * B;
        int32_t sum = 0;
        int step = 0;
        for (int sg = 0; sg < q->slot_groups; sg++)
            for (int f = 0; f < area; f++) {
                if (mpx_sampling_drops(k, area, q->slot_channel[sg * 4], f))
                    continue;
                uint32_t word = 0;
                for (int b = 0; b < 4; b++) {
                    int c = q->slot_channel[sg * 4 + b];
                    int v = c < 0 ? 0 : (int)rintf(w[c * area + f] * rescale / sm);
                    v = v > 127 ? 127 : v < -127 ? -127 : v;
                    sum += v;
                    word |= (uint32_t)(uint8_t)(int8_t)v << 8 * b;
                }
                packed[(size_t)step++ * B + j] = word;
            }
        q->corr[(size_t)block * B + j] = q->quant.zero * sum;
        q->corr_signed[(size_t)block * B + j] = (q->quant.zero - 128) * sum;
        q->scale[(size_t)block * B + j] = q->quant.scale * sm;
    }
    return 0;
}

mpx_conv_int8 *mpx_conv_int8_create(const mpx_conv_shape *s, const mpx_knob *knob, mpx_quant quant, const float *W,
                                    int Hp, int Wp, int deint_first)
{
    mpx_conv_int8 *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->s = *s;
    q->quant = quant;
    q->Cg = s->C / s->group;
    q->Mg = s->M / s->group;
    q->Hp = Hp;
    q->Wp = Wp;
    q->deint = deint_first >= 0;
    q->first = deint_first;
    q->blocks = (q->Mg + MPX_INT8_CHANNELS - 1) / MPX_INT8_CHANNELS;
    if (lay_out_slots(q, knob) || lay_out_steps(q, knob) || quantize_weights(q, knob, W)) {
        mpx_conv_int8_destroy(q);
        return NULL;
    }
    return q;
}

/* The quantised input, then the gathered pixels of one call, then a float tile for scattered outputs, then
 * one quantised row before it is split into even and odd columns. */
static size_t input_words(const mpx_conv_int8 *q)
{
    return ((size_t)q->slot_groups * q->Hp * q->Wp + 15) & ~(size_t)15;
}

static size_t gathered_words(const mpx_conv_int8 *q)
{
    return (size_t)q->groups * MPX_INT8_PIXELS + MPX_INT8_PIXELS * MPX_INT8_CHANNELS;
}

size_t mpx_conv_int8_scratch_words(const mpx_conv_int8 *q)
{
    return input_words(q) + gathered_words(q) + (size_t)q->s.W;
}

void mpx_conv_int8_quantize(const mpx_conv_int8 *q, const float *x, uint32_t *scratch, int fresh)
{
    const mpx_conv_shape *s = &q->s;
    const mpx_int8_arch *arch = mpx_int8_arch_get();
    float inv = 1.0f / q->quant.scale;
    if (fresh) { /* the padding holds the zero point, never rewritten */
        uint32_t zero = (uint32_t)q->quant.zero * 0x01010101u;
        for (size_t i = 0, n = (size_t)q->slot_groups * q->Hp * q->Wp; i < n; i++)
            scratch[i] = zero;
    }
    size_t plane = (size_t)s->H * s->W;
    uint32_t *row = scratch + input_words(q) + gathered_words(q);
    /* split rows: the row's even-indexed words go to the half of the left padding's parity */
    int even = (q->Wp + 1) / 2, pl = s->pad_left;
    int first = (pl % 2 ? even : 0) + pl / 2, second = (pl % 2 ? 0 : even) + (pl + 1) / 2;
    for (int sg = 0; sg < q->slot_groups; sg++) {
        const float *rows[4];
        for (int b = 0; b < 4; b++) {
            int c = q->slot_channel[sg * 4 + b];
            rows[b] = c < 0 ? NULL : x + c * plane;
        }
        uint32_t *d = scratch + ((size_t)sg * q->Hp + s->pad_top) * q->Wp;
        if (q->Wp == s->W && !q->deint) { /* no padding between rows (1 × 1): the plane in one call */
            arch->quantize(rows, (int)plane, inv, q->quant.zero, d);
            continue;
        }
        for (int h = 0; h < s->H; h++, d += q->Wp) {
            if (q->deint) { /* padded column pc at pc / 2 among the even ones, or after them among the odd */
                arch->quantize(rows, s->W, inv, q->quant.zero, row);
                mpx_split_columns(row, s->W, d + first, d + second);
            } else {
                arch->quantize(rows, s->W, inv, q->quant.zero, d + s->pad_left);
            }
            for (int b = 0; b < 4; b++)
                rows[b] = rows[b] ? rows[b] + s->W : NULL;
        }
    }
}

void mpx_conv_int8_pixels(const mpx_conv_int8 *q, int g, uint32_t *scratch, const int *pixel_in, const int *pixel_out,
                          int q0, int q1, float *y, size_t plane, const float *bias, mpx_act act)
{
    const mpx_int8_arch *arch = mpx_int8_arch_get();
    enum { P = MPX_INT8_PIXELS, B = MPX_INT8_CHANNELS };
    uint32_t *a = scratch + input_words(q);
    float *tile = (float *)(a + (size_t)q->groups * P);
    const int32_t *corr = arch->signed_input ? q->corr_signed : q->corr;
    for (int t0 = q0; t0 < q1; t0 += P) {
        int count = q1 - t0 < P ? q1 - t0 : P;
        int32_t pix[P];
        for (int i = 0; i < P; i++) /* a partial call repeats its last pixel */
            pix[i] = pixel_in[t0 + (i < count ? i : count - 1)];
        /* pixels increase strictly: a half spanning 7 (the whole spanning 15) is a run; a partial call's
         * repeated pixel is not */
        int run = count < P ? 0 : pix[P - 1] - pix[0] == P - 1 ? P : pix[7] - pix[0] == 7 && pix[P - 1] - pix[8] == 7 ? 8 : 0;
        arch->gather(q->groups, q->offsets, scratch, pix, run, a);
        int first = pixel_out ? pixel_out[t0] : t0;
        int consecutive = !pixel_out || pixel_out[t0 + count - 1] - first == count - 1;
        for (int block = 0; block < q->blocks; block++) {
            size_t at = ((size_t)g * q->blocks + block) * B;
            int m0 = block * B, channels = q->Mg - m0 < B ? q->Mg - m0 : B;
            const uint32_t *w = q->weights + at * q->groups;
            const float *b = bias ? bias + m0 : NULL;
            if (consecutive) {
                arch->kernel(q->groups, a, w, corr + at, q->scale + at, b, act, channels, y + m0 * plane + first,
                             plane, count);
                continue;
            }
            arch->kernel(q->groups, a, w, corr + at, q->scale + at, b, act, channels, tile, P, count);
            for (int j = 0; j < channels; j++)
                for (int i = 0; i < count; i++)
                    y[(m0 + j) * plane + pixel_out[t0 + i]] = tile[j * P + i];
        }
    }
}

/* ---- portable kernels ---------------------------------------------------------------------------- */

MPX_MULTIVERSION static void quantize_portable(const float *const x[4], int n, float inv_scale, int zero,
                                               uint32_t *out)
{
    float lo = (float)-zero, hi = (float)(255 - zero);
    for (int i = 0; i < n; i++) {
        uint32_t word = 0;
        for (int b = 0; b < 4; b++) {
            uint32_t u = (uint32_t)zero;
            if (x[b]) { /* clamped before rounding, NaN to the low end, as the vector kernels do */
                float v = x[b][i] * inv_scale;
                v = v >= lo ? v : lo;
                v = v <= hi ? v : hi;
                u = (uint32_t)((int)rintf(v) + zero);
            }
            word |= u << 8 * b;
        }
        out[i] = word;
    }
}

static void gather_portable(int groups, const int32_t *off, const uint32_t *x, const int32_t *pix, int run,
                            uint32_t *a)
{
    (void)run;
    for (int g = 0; g < groups; g++)
        for (int i = 0; i < MPX_INT8_PIXELS; i++)
            a[g * MPX_INT8_PIXELS + i] = x[pix[i] + off[g]];
}

MPX_MULTIVERSION static void kernel_portable(int groups, const uint32_t *a, const uint32_t *w, const int32_t *corr,
                                             const float *scale, const float *bias, mpx_act act, int channels, float *out,
                                             size_t ldo, int count)
{
    enum { P = MPX_INT8_PIXELS, B = MPX_INT8_CHANNELS };
    int32_t acc[B][P] = {{0}};
    for (int g = 0; g < groups; g++, a += P, w += B) {
        int32_t u[4][P];
        for (int b = 0; b < 4; b++)
            for (int i = 0; i < P; i++)
                u[b][i] = (int32_t)(a[i] >> 8 * b & 0xff);
        for (int j = 0; j < B; j++) {
            int32_t w0 = (int8_t)(w[j] & 0xff), w1 = (int8_t)(w[j] >> 8 & 0xff), w2 = (int8_t)(w[j] >> 16 & 0xff),
                    w3 = (int8_t)(w[j] >> 24);
            for (int i = 0; i < P; i++)
                acc[j][i] += u[0][i] * w0 + u[1][i] * w1 + u[2][i] * w2 + u[3][i] * w3;
        }
    }
    for (int j = 0; j < channels; j++)
        for (int i = 0; i < count; i++) {
            float v = (float)(acc[j][i] - corr[j]) * scale[j];
            if (bias)
                v += bias[j];
            if (act.kind == MPX_ACT_RELU)
                v = v > 0.0f ? v : 0.0f;
            else if (act.kind == MPX_ACT_CLIP)
                v = v < act.lo ? act.lo : v > act.hi ? act.hi : v;
            out[j * ldo + i] = v;
        }
}

static const mpx_int8_arch portable = {"portable", quantize_portable, gather_portable, kernel_portable, 0};
static const mpx_int8_arch *chosen = &portable;
static pthread_once_t chosen_once = PTHREAD_ONCE_INIT;

static void choose(void)
{
    const char *forced = getenv("MPX_PORTABLE_KERNELS");
    if (forced && forced[0] == '1')
        return;
#if defined(__x86_64__)
    static const mpx_int8_arch avx2 = {"avx2", quantize_portable, mpx_int8_gather_avx2, mpx_int8_kernel_avx2, 1};
    const char *no512 = getenv("MPX_NO_AVX512"); /* as the fp32 kernels: tests force each level in turn */
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni") && !(no512 && no512[0] == '1'))
        chosen = &mpx_int8_arch_vnni;
    else if (__builtin_cpu_supports("avx2"))
        chosen = &avx2;
#elif defined(__aarch64__)
    static const mpx_int8_arch sdot = {"neon-dotprod", quantize_portable, gather_portable, mpx_int8_kernel_sdot, 1};
    if (getauxval(AT_HWCAP) & HWCAP_ASIMDDP)
        chosen = &sdot;
#endif
}

const mpx_int8_arch *mpx_int8_arch_get(void)
{
    pthread_once(&chosen_once, choose);
    return chosen;
}
