/* 8-bit convolution: the int8 knobs (311, perf_int8 321-338, samp_int8 341-349; FORMAT.md "int8").
 *
 * Contract, the same on every CPU so that host, device and app agree bit for bit: the input is quantised
 * per tensor with the configuration's mpx_quant, u = clamp(rint(x · (1/scale)), −zero, 255 − zero) + zero;
 * the weights per output channel, symmetrically, w8 = rint(w / s_m) with s_m = max|w| / 127 over the taps
 * the knob keeps (sampling rescales first); sums are exact in int32; the result is
 * (float)(Σ u·w8 − zero·Σ w8) · (scale · s_m), then + bias and the activation in float32, as fp32 does.
 *
 * Layout: the padded input of a group is stored as 32-bit words, each holding four channels of one pixel,
 * [slot groups][Hp][Wp]; a kernel call multiplies 16 pixels by 16 output channels, four channels a step
 * (the u8 · s8 dot product of four bytes that VNNI, SDOT and vpmaddwd provide). Sampling drops a weight
 * according to its channel modulo the stride and its kernel position, so the channels are grouped by
 * residue: every word then lies wholly inside or outside the sample and the sampled convolution is
 * shorter, not zero-padded. */
#ifndef MPX_CONV_INT8_H
#define MPX_CONV_INT8_H

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"

#define MPX_INT8_PIXELS 16   /* pixels per kernel call */
#define MPX_INT8_CHANNELS 16 /* output channels per kernel call */

typedef struct {
    const char *name; /* "avx512-vnni", "avx2", "neon-dotprod" or "portable": reported by mpxrun info */
    /* out[i] = the four channels' quantised values of pixel i as bytes 0-3 (a NULL channel: `zero`) */
    void (*quantize)(const float *const x[4], int n, float inv_scale, int zero, uint32_t *out);
    /* a[g·16 + i] = x[pix[i] + off[g]] for `groups` steps; run 16: pix[i] = pix[0] + i, run 8: the same within
     * each half, 0: any pixels */
    void (*gather)(int groups, const int32_t *off, const uint32_t *x, const int32_t *pix, int run, uint32_t *a);
    /* for pixel i < count, channel j < channels: s = Σ_g dot4(a[g·16 + i], w[g·16 + j]) (u8 · s8);
     * out[j·ldo + i] = act((float)(s − corr[j]) · scale[j] (+ bias[j])) */
    void (*kernel)(int groups, const uint32_t *a, const uint32_t *w, const int32_t *corr, const float *scale,
                   const float *bias, mpx_act act, int channels, float *out, size_t ldo, int count);
    /* the kernel multiplies signed bytes: it sums (u − 128)·w, and corr holds zero·Σw − 128·Σw */
    int signed_input;
} mpx_int8_arch;

/* The fastest kernels the running CPU supports (MPX_PORTABLE_KERNELS=1 forces the portable ones). */
const mpx_int8_arch *mpx_int8_arch_get(void);

#if defined(__x86_64__)
extern const mpx_int8_arch mpx_int8_arch_vnni;
void mpx_int8_gather_avx2(int groups, const int32_t *off, const uint32_t *x, const int32_t *pix, int run, uint32_t *a);
void mpx_int8_kernel_avx2(int groups, const uint32_t *a, const uint32_t *w, const int32_t *corr, const float *scale,
                          const float *bias, mpx_act act, int channels, float *out, size_t ldo, int count);
#endif
#if defined(__aarch64__)
void mpx_int8_kernel_sdot(int groups, const uint32_t *a, const uint32_t *w, const int32_t *corr, const float *scale,
                          const float *bias, mpx_act act, int channels, float *out, size_t ldo, int count);
#endif

typedef struct mpx_conv_int8 mpx_conv_int8;

/* W is [M, C/group, kh, kw]; Hp, Wp the padded input plane. deint_first >= 0: column perforation of stride 2
 * whose first computed column it is, with each padded row stored as its even columns, then its odd ones (as
 * conv.c lays out the float input), so that one parity's windows are consecutive. NULL on allocation failure. */
mpx_conv_int8 *mpx_conv_int8_create(const mpx_conv_shape *s, const mpx_knob *knob, mpx_quant quant, const float *W,
                                    int Hp, int Wp, int deint_first);
void mpx_conv_int8_destroy(mpx_conv_int8 *q);
/* Words of one thread's scratch: the quantised group input, the gathered pixels and a tile. */
size_t mpx_conv_int8_scratch_words(const mpx_conv_int8 *q);
/* Quantises group input x [C/group, H, W] into the padded word layout in `scratch` (fresh: the padding is
 * not written yet). */
void mpx_conv_int8_quantize(const mpx_conv_int8 *q, const float *x, uint32_t *scratch, int fresh);
/* Computed pixels [q0, q1) of group g from the quantised input in `scratch`: pixel_in are window starts in
 * the padded plane; the results of pixel t go to y[m·plane + pixel_out[t]] (pixel_out NULL: + t) for the
 * group's channels m, with bias (the group's, or NULL) and act fused. */
void mpx_conv_int8_pixels(const mpx_conv_int8 *q, int g, uint32_t *scratch, const int *pixel_in, const int *pixel_out,
                          int q0, int q1, float *y, size_t plane, const float *bias, mpx_act act);

#endif
