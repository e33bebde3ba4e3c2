/* IEEE binary16 rounding through bit manipulation, so that every platform (with or without a native
 * half type) produces the numbers an ARMv8.2 FP16 unit would. */
#include "kernels.h"

#include <stdint.h>
#include <string.h>

static inline uint32_t float_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline float bits_float(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Branch-free so that the array loop vectorizes. Below 2^-14 binary16 is subnormal with a fixed step of
 * 2^-24: adding 0.5 (whose float ulp is 2^-24) lets the FPU's own round-to-nearest-even do the work. In
 * the normal range the 13 dropped mantissa bits are rounded to nearest even by integer addition, which
 * carries into the exponent correctly; 65520 and above round to infinity. NaNs pass unchanged. */
static inline float round_half(float x)
{
    uint32_t u = float_bits(x);
    uint32_t sign = u & 0x80000000u;
    uint32_t a = u ^ sign;
    uint32_t normal = (a + 0x0fffu + ((a >> 13) & 1u)) & ~0x1fffu;
    uint32_t subnormal = float_bits((bits_float(a) + 0.5f) - 0.5f);
    uint32_t r = a < 0x38800000u ? subnormal : normal;
    r = a >= 0x477ff000u ? 0x7f800000u : r;
    r = a > 0x7f800000u ? a : r;
    return bits_float(sign | r);
}

float mpx_round_half(float x)
{
    return round_half(x);
}

void mpx_round_half_array(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = round_half(x[i]);
}
