/* aarch64 kernel of the 8-bit convolution (conv_int8.h): SDOT, the ARMv8.2 dot product of signed bytes,
 * chosen when the CPU has it (HWCAP_ASIMDDP). It is fed u − 128 (each byte XOR 0x80), so its sums are
 * Σ u·w − 128·Σ w; the driver passes the correction with 128·Σ w taken off, and the results equal the
 * portable kernel's bit for bit. */
#if defined(__aarch64__)
#include "conv_int8.h"
#include "neon.h"

#include <arm_neon.h>

/* Accumulators [4 pixel quads][4 channels]: a step loads the 16 pixels' words once per quad of channels and
 * one vector of four channels' weight words, each lane of which multiplies all four pixel quads. */
#define MPX_SDOT_QUAD(q)                                                                                       \
    do {                                                                                                       \
        int8x16_t u = vreinterpretq_s8_u8(veorq_u8(vld1q_u8((const uint8_t *)(a + 4 * (q))), flip));           \
        acc[q][0] = vdotq_laneq_s32(acc[q][0], u, wv, 0);                                                      \
        acc[q][1] = vdotq_laneq_s32(acc[q][1], u, wv, 1);                                                      \
        acc[q][2] = vdotq_laneq_s32(acc[q][2], u, wv, 2);                                                      \
        acc[q][3] = vdotq_laneq_s32(acc[q][3], u, wv, 3);                                                      \
    } while (0)

__attribute__((target("arch=armv8.2-a+dotprod"))) void
mpx_int8_kernel_sdot(int groups, const uint32_t *a0, const uint32_t *w0, const int32_t *corr, const float *scale,
                     const float *bias, mpx_act act, int channels, float *out, size_t ldo, int count)
{
    const uint8x16_t flip = vdupq_n_u8(0x80);
    for (int j0 = 0; j0 < channels; j0 += 4) {
        int32x4_t acc[4][4];
        for (int q = 0; q < 4; q++)
            for (int c = 0; c < 4; c++)
                acc[q][c] = vdupq_n_s32(0);
        const uint32_t *a = a0, *w = w0 + j0;
        for (int g = 0; g < groups; g++, a += 16, w += 16) {
            int8x16_t wv = vreinterpretq_s8_u32(vld1q_u32(w));
            MPX_SDOT_QUAD(0);
            MPX_SDOT_QUAD(1);
            MPX_SDOT_QUAD(2);
            MPX_SDOT_QUAD(3);
        }
        for (int c = 0; c < 4 && j0 + c < channels; c++) {
            int j = j0 + c;
            float *o = out + (size_t)j * ldo;
            for (int q = 0; q < 4; q++) {
                float32x4_t v = vmulq_f32(vcvtq_f32_s32(vsubq_s32(acc[q][c], vdupq_n_s32(corr[j]))), vdupq_n_f32(scale[j]));
                if (bias)
                    v = vaddq_f32(v, vdupq_n_f32(bias[j]));
                v = mpx_act4(v, act);
                if (4 * q + 4 <= count) {
                    vst1q_f32(o + 4 * q, v);
                    continue;
                }
                float lanes[4];
                vst1q_f32(lanes, v);
                for (int i = 4 * q; i < count; i++)
                    o[i] = lanes[i - 4 * q];
            }
        }
    }
}
#endif
