/* IEEE binary16 rounding through bit manipulation, so that every platform (with or without a native
 * half type) produces the numbers an ARMv8.2 FP16 unit would. */
#include "half.h"

#include "kernels.h"

typedef uint32_t v4u __attribute__((vector_size(16)));
typedef float v4f __attribute__((vector_size(16)));

/* mpx_half_round on four lanes, written with vector extensions because compilers do not if-convert
 * the scalar form. Comparisons give all-ones masks, used as selects. */
static inline v4u round4(v4u u)
{
    const v4u one = {1, 1, 1, 1};
    v4u sign = u & 0x80000000u, a = u ^ sign;
    v4u sub = (v4u)(((v4f)a + 0.5f) - 0.5f);
    v4u normal = (a + 0x0fffu + ((a >> 13) & one)) & ~(v4u){0x1fffu, 0x1fffu, 0x1fffu, 0x1fffu};
    v4u is_sub = (v4u)(a < 0x38800000u), is_inf = (v4u)(a >= 0x477ff000u), is_nan = (v4u)(a > 0x7f800000u);
    v4u r = (is_sub & sub) | (~is_sub & normal);
    r = (is_inf & 0x7f800000u) | (~is_inf & r);
    r = (is_nan & a) | (~is_nan & r);
    return r | sign;
}

void mpx_round_half_copy(float *dst, const float *src, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4u u;
        memcpy(&u, src + i, sizeof u);
        u = round4(u);
        memcpy(dst + i, &u, sizeof u);
    }
    for (; i < n; i++)
        dst[i] = mpx_half_round(src[i]);
}

float mpx_round_half(float x)
{
    return mpx_half_round(x);
}

void mpx_round_half_array(float *x, size_t n)
{
    mpx_round_half_copy(x, x, n);
}
