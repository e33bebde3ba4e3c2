/* Unit tests of the numeric kernels against naive references written independently here: a direct
 * nested-loop convolution, sampling as a dense convolution with dropped weights zeroed and kept ones
 * rescaled, perforation as a full convolution whose skipped rows/columns are then overwritten, binary16
 * rounding computed in double (and checked against the compiler's _Float16 where it exists). */
#include "../src/gemm.h"
#include "../src/kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond, ...)                                                                                       \
    do {                                                                                                       \
        if (cond) {                                                                                            \
            passed++;                                                                                          \
        } else {                                                                                               \
            failed++;                                                                                          \
            if (failed <= 40) {                                                                                \
                printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                    \
                printf(__VA_ARGS__);                                                                           \
                printf("\n");                                                                                  \
            }                                                                                                  \
        }                                                                                                      \
    } while (0)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd32(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static int rnd_int(int lo, int hi) /* inclusive */
{
    return lo + (int)(rnd32() % (uint32_t)(hi - lo + 1));
}

static float rnd_float(void)
{
    return (float)((double)rnd32() / 4294967296.0 * 2.0 - 1.0);
}

static float *rnd_array(size_t n)
{
    float *a = malloc(n * sizeof *a);
    for (size_t i = 0; i < n; i++)
        a[i] = rnd_float();
    return a;
}

static float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* ---- binary16 reference ---------------------------------------------------------------------------- */

/* Nearest binary16 by arithmetic in double: the spacing of binary16 around |x| is 2^(e−10) with
 * e = max(floor(log2 |x|), −14); nearbyint rounds the quotient to nearest even. */
static float ref_half(float xf)
{
    double x = xf;
    if (isnan(x) || isinf(x))
        return xf;
    double a = fabs(x);
    if (a == 0.0)
        return xf;
    int e;
    frexp(a, &e); /* a = f·2^e, f in [0.5, 1) */
    e -= 1;
    if (e < -14)
        e = -14;
    double step = ldexp(1.0, e - 10);
    double r = nearbyint(a / step) * step;
    if (r > 65504.0)
        r = INFINITY;
    return (float)copysign(r, x);
}

static float half_to_float(uint16_t h)
{
    int sign = h >> 15, exp = (h >> 10) & 31, man = h & 1023;
    double v;
    if (exp == 31)
        v = man ? NAN : INFINITY;
    else if (exp == 0)
        v = ldexp(man, -24);
    else
        v = ldexp(1024 + man, exp - 25);
    return (float)(sign ? -v : v);
}

static int same_float(float a, float b)
{
    return (isnan(a) && isnan(b)) || float_bits(a) == float_bits(b);
}

static float half_batch[4096], half_batch_in[4096];
static int half_batch_n;

/* The array form (vectorized) on the same values, a batch at a time. */
static void flush_half_batch(void)
{
    memcpy(half_batch, half_batch_in, sizeof(float) * (size_t)half_batch_n);
    mpx_round_half_array(half_batch, (size_t)half_batch_n);
    for (int i = 0; i < half_batch_n; i++) {
        float want = ref_half(half_batch_in[i]);
        if (!same_float(half_batch[i], want))
            CHECK(0, "round_half_array(%a) = %a, want %a", (double)half_batch_in[i], (double)half_batch[i],
                  (double)want);
    }
    passed++;
    half_batch_n = 0;
}

static void check_half_value(float x)
{
    half_batch_in[half_batch_n++] = x;
    if (half_batch_n == 4096 - 3) /* an odd length exercises the scalar tail */
        flush_half_batch();
    float got = mpx_round_half(x), want = ref_half(x);
    CHECK(same_float(got, want), "round_half(%a) = %a, want %a", (double)x, (double)got, (double)want);
#if defined(__FLT16_MAX__) && (defined(__x86_64__) || defined(__aarch64__))
    float native = (float)(_Float16)x;
    CHECK(same_float(got, native), "round_half(%a) = %a, _Float16 gives %a", (double)x, (double)got,
          (double)native);
#endif
}

static void test_half(void)
{
    int before = failed;
    for (uint32_t h = 0; h < 65536; h++) {
        float v = half_to_float((uint16_t)h);
        if (isnan(v)) {
            CHECK(isnan(mpx_round_half(v)), "NaN pattern %04x not preserved", h);
            continue;
        }
        check_half_value(v);
        uint32_t u = float_bits(v);
        check_half_value(bits_float(u + 1));
        check_half_value(bits_float(u - 1));
        if ((h & 0x7fff) < 0x7c00) { /* the tie with the next value up, and either side of it */
            float next = (h & 0x7fff) == 0x7bff ? 65536.0f : half_to_float((uint16_t)(h + 1));
            if (h & 0x8000)
                next = -next;
            float mid = (float)(((double)v + (double)next) / 2);
            check_half_value(mid);
            check_half_value(bits_float(float_bits(mid) + 1));
            check_half_value(bits_float(float_bits(mid) - 1));
        }
    }
    for (int i = 0; i < 1000000; i++)
        check_half_value(bits_float(rnd32() ^ (rnd32() << 16)));
    check_half_value(65504.0f);
    check_half_value(65519.99f);
    check_half_value(65520.0f);
    check_half_value(-1e30f);
    check_half_value(1e-30f);
    flush_half_batch();
    float arr[37];
    for (int i = 0; i < 37; i++)
        arr[i] = rnd_float() * 1000.0f;
    float copy[37];
    memcpy(copy, arr, sizeof arr);
    mpx_round_half_array(arr, 37);
    for (int i = 0; i < 37; i++)
        CHECK(arr[i] == ref_half(copy[i]), "round_half_array[%d]", i);
    printf("binary16 rounding: %s\n", failed == before ? "ok" : "MISMATCH");
}

/* ---- thread pool ----------------------------------------------------------------------------------- */

typedef struct {
    int *hits;
    int grain, threads, bad;
    int busy[8]; /* a thread index runs one range at a time: kernels give it per-thread workspace */
} pool_probe;

static void probe_range(void *ctx, int begin, int end, int thread)
{
    pool_probe *p = ctx;
    if (thread < 0 || thread >= p->threads || end <= begin || __atomic_exchange_n(&p->busy[thread], 1, __ATOMIC_ACQ_REL))
        __atomic_store_n(&p->bad, 1, __ATOMIC_RELAXED);
    for (int i = begin; i < end; i++)
        __atomic_fetch_add(&p->hits[i], 1, __ATOMIC_RELAXED);
    if (thread >= 0 && thread < p->threads)
        __atomic_store_n(&p->busy[thread], 0, __ATOMIC_RELEASE);
}

static void test_pool(void)
{
    /* 8 threads outnumber the cores of most test machines: workers get descheduled mid-job */
    for (int threads = 1; threads <= 8; threads += threads < 3 ? 1 : 5) {
        mpx_pool *pool = mpx_pool_create(threads);
        CHECK(pool && mpx_pool_threads(pool) == threads, "pool_create(%d)", threads);
        int hits[1000];
        for (int round = 0; round < 3000; round++) {
            int n = rnd_int(0, 1000), grain = rnd_int(1, 50);
            memset(hits, 0, sizeof hits);
            pool_probe probe = {hits, grain, threads, 0, {0}};
            mpx_parallel_for(pool, n, grain, probe_range, &probe);
            int ok = !probe.bad;
            for (int i = 0; i < n; i++)
                ok &= hits[i] == 1;
            if (!ok || round % 500 == 0)
                CHECK(ok, "parallel_for(n=%d, grain=%d) with %d threads covers each item once", n, grain, threads);
        }
        mpx_pool_destroy(pool);
    }
    mpx_pool *pool = mpx_pool_create(0);
    CHECK(pool && mpx_pool_threads(pool) >= 1, "pool_create(0) uses the online CPUs");
    mpx_pool_destroy(pool);
}

/* ---- GEMM ------------------------------------------------------------------------------------------- */

static void test_sgemm_case(mpx_pool *pool, int M, int N, int K, int accumulate)
{
    int lda = K + rnd_int(0, 3), ldb = N + rnd_int(0, 5), ldc = N + rnd_int(0, 4);
    float *A = rnd_array((size_t)M * lda), *B = rnd_array((size_t)K * ldb), *C = rnd_array((size_t)M * ldc);
    float *C0 = malloc((size_t)M * ldc * sizeof *C0);
    memcpy(C0, C, (size_t)M * ldc * sizeof *C);
    int threads = mpx_pool_threads(pool);
    void *ws = malloc(mpx_sgemm_workspace(M, N, K, threads));
    mpx_sgemm(pool, M, N, K, A, lda, B, ldb, C, ldc, accumulate, ws);
    double worst = 0;
    int ok = 1;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < ldc; j++) {
            if (j >= N) {
                ok &= C[(size_t)i * ldc + j] == C0[(size_t)i * ldc + j]; /* beyond the width: untouched */
                continue;
            }
            double s = accumulate ? C0[(size_t)i * ldc + j] : 0.0, mag = fabs(s);
            for (int k = 0; k < K; k++) {
                s += (double)A[(size_t)i * lda + k] * B[(size_t)k * ldb + j];
                mag += fabs((double)A[(size_t)i * lda + k] * B[(size_t)k * ldb + j]);
            }
            double err = fabs(C[(size_t)i * ldc + j] - s) / (mag + 1e-30);
            worst = err > worst ? err : worst;
        }
    CHECK(ok && worst < 1e-5, "sgemm M=%d N=%d K=%d acc=%d threads=%d: relative error %g%s", M, N, K, accumulate,
          threads, worst, ok ? "" : ", wrote beyond N");
    free(A), free(B), free(C), free(C0), free(ws);
}

static void test_sgemm(mpx_pool *pool)
{
    for (int i = 0; i < 150; i++)
        test_sgemm_case(pool, rnd_int(1, 40), rnd_int(1, 70), rnd_int(1, 60), rnd_int(0, 1));
    test_sgemm_case(pool, 64, 64, 576, 0);
    test_sgemm_case(pool, 130, 600, 300, 1); /* crosses the K, M and N cache blocks */
    test_sgemm_case(pool, 7, 1030, 513, 0);
    test_sgemm_case(pool, 1, 1, 1, 1);
    test_sgemm_case(pool, 33, 5, 0, 1);
    test_sgemm_case(pool, 33, 5, 0, 0);
}

/* ---- knobs ------------------------------------------------------------------------------------------ */

static void test_knob_decode(void)
{
    static const struct {
        int id, kind, stride, offset, half;
    } cases[] = {
        {11, MPX_KNOB_EXACT, 0, 0, 0},       {12, MPX_KNOB_EXACT, 0, 0, 1},
        {121, MPX_KNOB_PERF_COLS, 2, 0, 0},  {122, MPX_KNOB_PERF_COLS, 2, 1, 0},
        {123, MPX_KNOB_PERF_ROWS, 2, 0, 0},  {124, MPX_KNOB_PERF_ROWS, 2, 1, 0},
        {125, MPX_KNOB_PERF_COLS, 3, 0, 0},  {127, MPX_KNOB_PERF_COLS, 3, 2, 0},
        {128, MPX_KNOB_PERF_ROWS, 3, 0, 0},  {130, MPX_KNOB_PERF_ROWS, 3, 2, 0},
        {131, MPX_KNOB_PERF_COLS, 4, 0, 0},  {134, MPX_KNOB_PERF_COLS, 4, 3, 0},
        {135, MPX_KNOB_PERF_ROWS, 4, 0, 0},  {138, MPX_KNOB_PERF_ROWS, 4, 3, 0},
        {151, MPX_KNOB_PERF_COLS, 2, 0, 1},  {154, MPX_KNOB_PERF_ROWS, 2, 1, 1},
        {160, MPX_KNOB_PERF_ROWS, 3, 2, 1},  {168, MPX_KNOB_PERF_ROWS, 4, 3, 1},
        {231, MPX_KNOB_SAMPLING, 2, 0, 0},   {232, MPX_KNOB_SAMPLING, 2, 1, 0},
        {233, MPX_KNOB_SAMPLING, 3, 0, 0},   {235, MPX_KNOB_SAMPLING, 3, 2, 0},
        {236, MPX_KNOB_SAMPLING, 4, 0, 0},   {239, MPX_KNOB_SAMPLING, 4, 3, 0},
        {261, MPX_KNOB_SAMPLING, 2, 0, 1},   {265, MPX_KNOB_SAMPLING, 3, 2, 1},
        {269, MPX_KNOB_SAMPLING, 4, 3, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mpx_knob k;
        int r = mpx_knob_decode(cases[i].id, &k);
        CHECK(r == 0 && k.kind == cases[i].kind && k.stride == cases[i].stride && k.offset == cases[i].offset &&
                  k.half == cases[i].half,
              "knob %d decodes to kind %d stride %d offset %d half %d", cases[i].id, k.kind, k.stride, k.offset,
              k.half);
    }
    static const int unknown[] = {0, 10, 13, 120, 139, 150, 169, 230, 240, 260, 270, 310, 312, 320, 339, 340, 350, -1};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        mpx_knob k;
        CHECK(mpx_knob_decode(unknown[i], &k) == -1, "knob %d is unknown", unknown[i]);
    }
    /* int8 keeps its int32 sums from overflowing: at most 65536 filter elements */
    mpx_knob int8, exact;
    mpx_knob_decode(311, &int8);
    mpx_knob_decode(11, &exact);
    mpx_conv_shape wide = {7281, 3, 3, 4, 1, 1, 1, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1};
    CHECK(mpx_conv_knob_applies(&wide, &int8), "int8 applies to 7281 x 3 x 3 filter elements");
    wide.C = 7282;
    CHECK(!mpx_conv_knob_applies(&wide, &int8) && mpx_conv_knob_applies(&wide, &exact),
          "int8 does not apply to 7282 x 3 x 3 filter elements, fp32 does");
}

/* ---- convolution reference ---------------------------------------------------------------------------- */

static float ref_act(int act, float a, float b, float v)
{
    switch (act) {
    case MPX_ACT_RELU:
        return v > 0 ? v : 0;
    case MPX_ACT_CLIP:
        return v < a ? a : v > b ? b : v;
    case MPX_ACT_LEAKY_RELU:
        return v < 0 ? v * a : v;
    default:
        return v;
    }
}

/* Filter element (c, j) of a filter, j = ki·kw + kj, dropped by sampling (src/core/DESIGN.md §2). */
static int ref_dropped(const mpx_knob *k, int c, int j, int area)
{
    if (k->kind != MPX_KNOB_SAMPLING)
        return 0;
    int x = k->stride;
    if (area % x == 0) {
        int oc = (k->offset + c) % x;
        return j >= oc && (j - oc) % x == 0;
    }
    int f = c * area + j;
    return f >= k->offset && (f - k->offset) % x == 0;
}

static int ref_skipped(int i, int x, int s)
{
    return i >= s && (i - s) % x == 0;
}

/* Returns the largest magnitude of the values before the activation (the scale of rounding errors). */
static double ref_conv(const mpx_conv_shape *s, const float *x, const float *W, const float *B,
                       const mpx_conv_mode *md, int batch, float *y)
{
    double scale = 0;
    const mpx_knob *k = &md->knob;
    int Cg = s->C / s->group, Mg = s->M / s->group, area = s->kh * s->kw, half = k->half;
    size_t wn = (size_t)s->M * Cg * area, xn = (size_t)batch * s->C * s->H * s->W;
    float *w = malloc(wn * sizeof *w), *xi = malloc(xn * sizeof *xi);
    float wscale = k->kind == MPX_KNOB_SAMPLING ? (float)k->stride / (float)(k->stride - 1) : 1.0f;
    for (int m = 0; m < s->M; m++)
        for (int c = 0; c < Cg; c++)
            for (int j = 0; j < area; j++) {
                size_t i = ((size_t)m * Cg + c) * area + j;
                float v = ref_dropped(k, c, j, area) ? 0.0f : W[i] * wscale;
                w[i] = half ? ref_half(v) : v;
            }
    for (size_t i = 0; i < xn; i++)
        xi[i] = half ? ref_half(x[i]) : x[i];
    /* int8 (conv_int8.h): the input quantised per tensor, minus the zero point; each filter symmetrically
     * over the weights it keeps; sums exact */
    float *filter_scale = malloc((size_t)s->M * sizeof *filter_scale);
    if (k->int8) {
        float inv = 1.0f / md->quant.scale, lo = (float)-md->quant.zero, hi = 255.0f + lo;
        for (size_t i = 0; i < xn; i++) {
            float v = x[i] * inv;
            xi[i] = rintf(v < lo ? lo : v > hi ? hi : v);
        }
        for (int m = 0; m < s->M; m++) {
            float max = 0;
            for (int i = 0; i < Cg * area; i++)
                max = fabsf(w[(size_t)m * Cg * area + i]) > max ? fabsf(w[(size_t)m * Cg * area + i]) : max;
            filter_scale[m] = max > 0 ? max / 127.0f : 1.0f;
            for (int i = 0; i < Cg * area; i++) {
                float q = rintf(w[(size_t)m * Cg * area + i] / filter_scale[m]);
                w[(size_t)m * Cg * area + i] = q > 127 ? 127 : q < -127 ? -127 : q;
            }
        }
    }
    for (int n = 0; n < batch; n++)
        for (int m = 0; m < s->M; m++) {
            int g = m / Mg;
            float *out = y + ((size_t)n * s->M + m) * s->Ho * s->Wo;
            for (int oh = 0; oh < s->Ho; oh++)
                for (int ow = 0; ow < s->Wo; ow++) {
                    double acc = 0;
                    for (int c = 0; c < Cg; c++)
                        for (int ki = 0; ki < s->kh; ki++)
                            for (int kj = 0; kj < s->kw; kj++) {
                                int ih = oh * s->stride_h - s->pad_top + ki * s->dil_h;
                                int iw = ow * s->stride_w - s->pad_left + kj * s->dil_w;
                                if (ih < 0 || ih >= s->H || iw < 0 || iw >= s->W)
                                    continue;
                                acc += (double)w[((size_t)m * Cg + c) * area + ki * s->kw + kj] *
                                       xi[(((size_t)n * s->C + g * Cg + c) * s->H + ih) * s->W + iw];
                            }
                    if (k->int8)
                        acc = (float)acc * (md->quant.scale * filter_scale[m]);
                    out[oh * s->Wo + ow] = half ? ref_half((float)acc) : (float)acc;
                }
            /* perforation: overwrite the skipped rows/columns, rules 1-4 */
            if (k->kind == MPX_KNOB_PERF_ROWS)
                for (int r = 0; r < s->Ho; r++) {
                    if (!ref_skipped(r, k->stride, k->offset))
                        continue;
                    for (int c = 0; c < s->Wo; c++) {
                        float v = r == s->Ho - 1 ? out[(r - 1) * s->Wo + c]
                                  : r == 0       ? out[s->Wo + c]
                                                 : (out[(r - 1) * s->Wo + c] + out[(r + 1) * s->Wo + c]) / 2;
                        out[r * s->Wo + c] = half ? ref_half(v) : v;
                    }
                }
            if (k->kind == MPX_KNOB_PERF_COLS)
                for (int r = 0; r < s->Ho; r++)
                    for (int c = 0; c < s->Wo; c++) {
                        if (!ref_skipped(c, k->stride, k->offset))
                            continue;
                        float *row = out + r * s->Wo;
                        float v = c == s->Wo - 1 ? row[c - 1] : c == 0 ? row[1] : (row[c - 1] + row[c + 1]) / 2;
                        row[c] = half ? ref_half(v) : v;
                    }
            for (int i = 0; i < s->Ho * s->Wo; i++) {
                float v = out[i];
                scale = fabs(v) > scale ? fabs(v) : scale;
                if (B)
                    v = md->bias_half ? ref_half(ref_half(v) + ref_half(B[m])) : v + B[m];
                scale = fabs(v) > scale ? fabs(v) : scale;
                if (md->act != MPX_ACT_NONE)
                    v = md->act_half ? ref_half(ref_act(md->act, md->act_a, md->act_b, ref_half(v)))
                                     : ref_act(md->act, md->act_a, md->act_b, v);
                out[i] = v;
            }
        }
    free(w);
    free(xi);
    free(filter_scale);
    return scale;
}

/* Spacing of binary16 numbers at magnitude v. */
static double half_ulp(double v)
{
    int e;
    frexp(v, &e);
    return ldexp(1.0, (e - 1 < -14 ? -14 : e - 1) - 10);
}

/* fp32: tight relative agreement. binary16: every value within two binary16 steps at the scale of the
 * values before the activation (summation order may flip a rounding, which interpolation and the bias
 * step carry on) and such flips rare, so that a missed rounding step shows. */
static int compare_outputs(const float *got, const float *want, size_t n, int half, double scale,
                           const char *what)
{
    for (size_t i = 0; i < n; i++)
        scale = fabs(want[i]) > scale ? fabs(want[i]) : scale;
    double tol = half ? 2.01 * half_ulp(scale) + 1e-5 * scale : 2e-5 * (scale + 1);
    size_t differ = 0, bad = 0, first = n;
    for (size_t i = 0; i < n; i++) {
        if (!(fabs(got[i] - want[i]) <= tol)) {
            bad++;
            if (first == n)
                first = i;
        }
        differ += got[i] != want[i];
    }
    int ok = bad == 0 && (!half || differ <= n / 50 + 2);
    CHECK(ok, "%s: %zu of %zu outside %g, %zu differ (first bad at %zu: %g vs %g)", what, bad, n, tol, differ,
          first, first < n ? got[first] : 0.0, first < n ? want[first] : 0.0);
    return ok;
}

static int ref_applies(const mpx_conv_shape *s, const mpx_knob *k)
{
    switch (k->kind) {
    case MPX_KNOB_PERF_ROWS:
        return s->Ho >= 2;
    case MPX_KNOB_PERF_COLS:
        return s->Wo >= 2;
    case MPX_KNOB_SAMPLING:
        return s->C / s->group * s->kh * s->kw >= k->stride;
    default:
        return 1;
    }
}

static const int all_knob_ids[] = {11,  12,  121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132,
                                   133, 134, 135, 136, 137, 138, 151, 152, 153, 154, 155, 156, 157, 158,
                                   159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 231, 232, 233, 234,
                                   235, 236, 237, 238, 239, 261, 262, 263, 264, 265, 266, 267, 268, 269,
                                   311, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333,
                                   334, 335, 336, 337, 338, 341, 342, 343, 344, 345, 346, 347, 348, 349};

typedef struct {
    int C, H, W, M, group, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw;
} conv_case;

/* MPX_TEST_SUBSET=n runs the (case, knob) pairs whose index sum is a multiple of n: every knob still meets
 * every n-th case. For emulated runs (qemu), where the whole matrix takes minutes per kernel level. */
static int subset = 1;

static void test_conv_case(mpx_pool **pools, const conv_case *cc, int case_index)
{
    mpx_conv_shape s = {cc->C, cc->H, cc->W, cc->M, 0, 0, cc->group, cc->kh, cc->kw, cc->sh, cc->sw,
                        cc->pt, cc->pl, cc->pb, cc->pr, cc->dh, cc->dw};
    s.Ho = (s.H + s.pad_top + s.pad_bottom - s.dil_h * (s.kh - 1) - 1) / s.stride_h + 1;
    s.Wo = (s.W + s.pad_left + s.pad_right - s.dil_w * (s.kw - 1) - 1) / s.stride_w + 1;
    int batch = 3;
    size_t xn = (size_t)batch * s.C * s.H * s.W, yn = (size_t)batch * s.M * s.Ho * s.Wo;
    float *x = rnd_array(xn), *W = rnd_array((size_t)s.M * s.C / s.group * s.kh * s.kw), *B = rnd_array(s.M);
    float *want = malloc(yn * sizeof *want), *got = malloc(yn * sizeof *got);
    int ids = (int)(sizeof all_knob_ids / sizeof all_knob_ids[0]);
    for (int i = 0; i < ids; i++) {
        if ((case_index + i) % subset != 0)
            continue;
        mpx_conv_mode md = {.act = (case_index + i) % 4};
        mpx_knob_decode(all_knob_ids[i], &md.knob);
        /* symmetric, or unsigned with the negative inputs clamped to zero */
        md.quant = (i + case_index) % 2 ? (mpx_quant){1.0f / 127, 128} : (mpx_quant){0.75f / 255, 0};
        md.act_a = md.act == MPX_ACT_CLIP ? -0.5f : 0.1f;
        md.act_b = 0.75f;
        md.bias_half = md.knob.half && (i % 3 != 0);
        md.act_half = md.knob.half && (i % 2 == 0);
        const float *bias = (case_index + i) % 5 == 4 ? NULL : B;
        int applies = ref_applies(&s, &md.knob);
        CHECK(mpx_conv_knob_applies(&s, &md.knob) == applies, "case %d knob %d: applies should be %d", case_index,
              all_knob_ids[i], applies);
        mpx_conv_plan *plan = mpx_conv_plan_create(&s, W, bias, &md);
        if (!applies) {
            CHECK(plan == NULL, "case %d knob %d: a plan for a knob that does not apply", case_index,
                  all_knob_ids[i]);
            mpx_conv_plan_destroy(plan);
            continue;
        }
        CHECK(plan != NULL, "case %d knob %d: plan", case_index, all_knob_ids[i]);
        if (!plan)
            continue;
        double scale = ref_conv(&s, x, W, bias, &md, batch, want);
        for (int t = 0; t < 2; t++)
            for (int b = 1; b <= batch; b += batch - 1) {
                void *ws = malloc(mpx_conv_workspace(plan, b, mpx_pool_threads(pools[t])));
                for (size_t j = 0; j < yn; j++)
                    got[j] = NAN;
                mpx_conv_run(plan, pools[t], x, b, got, ws);
                char what[160];
                snprintf(what, sizeof what,
                         "conv case %d (C%d %dx%d M%d g%d k%dx%d s%d,%d) knob %d batch %d threads %d act %d",
                         case_index, s.C, s.H, s.W, s.M, s.group, s.kh, s.kw, s.stride_h, s.stride_w,
                         all_knob_ids[i], b, t + 1, md.act);
                size_t n = (size_t)b * s.M * s.Ho * s.Wo;
                compare_outputs(got, want, n, md.knob.half || md.bias_half || md.act_half, scale, what);
                if (md.knob.int8) /* the contract is exact: integer sums, the same float steps */
                    CHECK(memcmp(got, want, n * sizeof *got) == 0, "%s: int8 result not bit-identical", what);
                free(ws);
            }
        mpx_conv_plan_destroy(plan);
    }
    free(x), free(W), free(B), free(want), free(got);
}

static void test_conv(mpx_pool **pools)
{
    static const conv_case cases[] = {
        /* C  H   W   M grp kh kw sh sw pt pl pb pr dh dw */
        {3, 9, 11, 8, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},     /* odd sizes, area 9: regular for stride 3 */
        {16, 16, 16, 16, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},  /* resnet-like */
        {8, 10, 7, 12, 1, 3, 3, 2, 2, 0, 1, 1, 0, 1, 1},    /* stride 2, asymmetric pads */
        {6, 1, 20, 5, 1, 1, 5, 1, 1, 0, 2, 0, 2, 1, 1},     /* 1-D, M not a multiple of the kernel rows */
        {8, 9, 9, 8, 2, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2},      /* groups of 4 channels, dilation 2 */
        {6, 8, 9, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},      /* depthwise */
        {6, 9, 8, 6, 6, 3, 3, 2, 2, 1, 0, 1, 1, 1, 1},      /* depthwise, stride 2 */
        {6, 11, 17, 6, 6, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2},    /* depthwise, stride 2, dilation 2, 3 vectors a row */
        {4, 5, 20, 4, 4, 5, 5, 1, 1, 2, 1, 2, 3, 1, 1},     /* depthwise 5 x 5, uneven padding */
        {3, 6, 32, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},     /* depthwise, rows of 2 whole vectors */
        {4, 11, 16, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},    /* depthwise, rows of a whole vector, 8 + 3 rows */
        {3, 32, 32, 3, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},    /* depthwise, stride 2, rows of a whole vector */
        {4, 22, 64, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1},    /* depthwise, stride 2, rows of 2 vectors, 8 + 3 rows */
        {20, 4, 4, 20, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},   /* depthwise 4 x 4: a plane per vector (masked, in place) */
        {6, 7, 8, 6, 6, 3, 3, 1, 1, 0, 1, 0, 1, 2, 1},      /* depthwise, fewer output rows, dilation 2 in rows */
        {6, 7, 7, 6, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1, 1},      /* 2 outputs per group (direct), area 4 */
        {4, 6, 5, 20, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1},     /* 1x1 */
        {5, 12, 10, 7, 1, 5, 5, 1, 2, 2, 2, 2, 2, 1, 1},    /* area 25: irregular sampling */
        {40, 8, 8, 36, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},    /* K = 360 crosses a K block */
        {4, 2, 3, 8, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1},      /* 1x2 output: no row perforation */
        {4, 5, 2, 4, 4, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1},      /* 1 filter element: no sampling */
        {2, 40, 37, 64, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},   /* many columns: several im2col blocks */
        /* the kernel shapes chosen per plan (gemm.h): runs along rows, wide channel panels */
        {32, 6, 32, 32, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},   /* two runs of 16 per row */
        {12, 5, 16, 40, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},   /* runs, a panel with padding channels */
        {8, 9, 16, 32, 2, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2},    /* runs, groups, dilation 2 */
        {24, 8, 8, 64, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},    /* rows of 8: wide panels */
        {16, 17, 17, 32, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},  /* stride 2, wide, partial tiles */
        {8, 7, 9, 60, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},     /* wide, a panel with padding channels */
        {16, 5, 6, 64, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},    /* wide, groups of 32 */
        /* 3 x 3, padding 1, rows of whole runs (AVX-512: read in place, the taps over the padding skipped or
         * shifted in as zeros) */
        {5, 1, 16, 16, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},    /* one row: no kernel row above or below */
        {3, 2, 48, 16, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},    /* three runs a row: the middle one loads both sides */
        {8, 4, 16, 32, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},    /* groups of 16 channels */
        {4, 3, 64, 16, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},    /* column perforation: runs with a run on either side */
        {5, 4, 32, 16, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},    /* stride 2, an input twice the output's size */
        {3, 6, 64, 32, 1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1},    /* stride 2, two runs a row, no bottom or right pad */
        /* column perforation of stride 2 on the row kernel (padded rows split into even and odd columns) */
        {8, 5, 33, 16, 1, 3, 3, 1, 1, 1, 0, 1, 1, 1, 1},    /* even left pad */
        {8, 6, 32, 16, 2, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2},    /* groups, dilation 2 */
        {4, 4, 33, 16, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},    /* odd width: 16 computed columns at offset 0 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        test_conv_case(pools, &cases[i], (int)i);
}

/* Each convolution kernel of the running CPU's choice (gemm.h contract) on its own: both stores (tile and
 * channel-major), with and without bias, with no activation, relu and clip, against a double reference; a kernel with runs reads
 * only the first pixel of each run. */
static void test_conv_kernel_spec(const mpx_conv_kernel_spec *spec, const char *which)
{
    enum { K = 37, PLANE = 96 };
    int cmr = spec->cmr, cnr = spec->cnr, lanes = spec->lanes;
    float *x = rnd_array(2 * PLANE + K + cmr), *w = rnd_array((size_t)K * cnr), *bias = rnd_array((size_t)cnr);
    float *tile = malloc((size_t)cmr * cnr * sizeof *tile), *out = malloc((size_t)cnr * (cmr + 3) * sizeof *out);
    int off[K];
    for (int k = 0; k < K; k++)
        off[k] = rnd_int(0, PLANE);
    const float *pixel[MPX_CONV_MAX_CMR];
    int start[MPX_CONV_MAX_CMR]; /* each pixel's window */
    for (int i = 0; i < cmr; i++) {
        start[i] = i % lanes ? start[i - 1] + 1 : rnd_int(0, PLANE);
        if (i % lanes == 0)
            pixel[i / lanes] = x + start[i];
    }
    for (int v = cmr / lanes; v < MPX_CONV_MAX_CMR; v++)
        pixel[v] = NULL;
    for (int mode = 0; mode < 6; mode++) {
        const float *b = mode & 1 ? bias : NULL;
        mpx_act act = {mode >> 1, -0.3f, 0.4f}; /* none, relu, clip */
        int ok = 1;
        size_t ldo = (size_t)cmr + 3;
        spec->kernel(K, off, pixel, w, b, act, tile, NULL, 0);
        spec->kernel(K, off, pixel, w, b, act, NULL, out, ldo);
        for (int i = 0; i < cmr; i++)
            for (int j = 0; j < cnr; j++) {
                double r = 0, mag = 0;
                for (int k = 0; k < K; k++) {
                    double term = (double)x[start[i] + off[k]] * w[k * cnr + j];
                    r += term, mag += fabs(term);
                }
                r += b ? b[j] : 0.0;
                if (act.kind == MPX_ACT_RELU)
                    r = !(r > 0) ? 0 : r;
                if (act.kind == MPX_ACT_CLIP)
                    r = r < act.lo ? act.lo : r > act.hi ? act.hi : r;
                float t = tile[i * cnr + j], o = out[j * ldo + i];
                ok &= fabs(t - r) <= 1e-5 * (mag + 1) && t == o;
            }
        CHECK(ok, "%s conv kernel %dx%d (runs of %d), bias %d activation %d", which, cmr, cnr, lanes, b != NULL,
              act.kind);
    }
    free(x), free(w), free(bias), free(tile), free(out);
}

static void test_conv_kernels(void)
{
    const mpx_gemm_arch *arch = mpx_gemm_arch_get();
    test_conv_kernel_spec(&arch->conv, arch->name);
    test_conv_kernel_spec(&arch->conv_wide, arch->name);
    if (arch->conv_row.kernel)
        test_conv_kernel_spec(&arch->conv_row, arch->name);
}

/* Perforation must evaluate fewer positions: a NaN planted where only skipped outputs read would
 * otherwise... instead check directly that skipped rows of a row-perforated conv equal the rule's copy
 * even when the true convolution there differs (guards against computing everything). */
static void test_perforation_skips(mpx_pool *pool)
{
    mpx_conv_shape s = {1, 6, 4, 4, 6, 4, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1};
    float x[24], W[4] = {1, 2, 3, 4};
    for (int i = 0; i < 24; i++)
        x[i] = (float)(i * i % 7);
    mpx_conv_mode md = {.knob = {.kind = MPX_KNOB_PERF_ROWS, .stride = 2}};
    mpx_conv_plan *plan = mpx_conv_plan_create(&s, W, NULL, &md);
    float y[96];
    void *ws = malloc(mpx_conv_workspace(plan, 1, mpx_pool_threads(pool)));
    mpx_conv_run(plan, pool, x, 1, y, ws);
    int ok = 1;
    for (int m = 0; m < 4; m++)
        for (int c = 0; c < 4; c++) {
            float *p = y + m * 24;
            ok &= p[c] == p[4 + c] && p[1 * 4 + c] == W[m] * x[4 + c];
            ok &= p[2 * 4 + c] == (p[4 + c] + p[12 + c]) / 2 && p[4 * 4 + c] == (p[12 + c] + p[20 + c]) / 2;
        }
    CHECK(ok, "row perforation s2 o0 on a 1x1 conv: rows 0, 2, 4 interpolated from 1, 3, 5");
    free(ws);
    mpx_conv_plan_destroy(plan);
}

/* ---- dense ------------------------------------------------------------------------------------------- */

static void test_dense(mpx_pool **pools)
{
    static const int sizes[][3] = {{1, 7, 5}, {1, 64, 10}, {2, 33, 17}, {3, 300, 40}, {5, 9, 3},
                                   {37, 65, 29}, {70, 257, 70}, {1, 1, 1}};
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++)
        for (int variant = 0; variant < 4; variant++) {
            int rows = sizes[c][0], K = sizes[c][1], P = sizes[c][2];
            int half = variant & 1, bias_half = variant == 3, act = (int)(c + variant) % 4, act_half = variant == 1;
            float act_a = act == MPX_ACT_CLIP ? -0.25f : 0.2f, act_b = 0.5f;
            float *x = rnd_array((size_t)rows * K), *W = rnd_array((size_t)P * K), *B = rnd_array(P);
            const float *bias = variant == 2 ? NULL : B;
            float *want = malloc((size_t)rows * P * sizeof *want), *got = malloc((size_t)rows * P * sizeof *got);
            for (int r = 0; r < rows; r++)
                for (int p = 0; p < P; p++) {
                    double acc = 0;
                    for (int k = 0; k < K; k++)
                        acc += (double)(half ? ref_half(x[r * K + k]) : x[r * K + k]) *
                               (half ? ref_half(W[p * K + k]) : W[p * K + k]);
                    float v = half ? ref_half((float)acc) : (float)acc;
                    if (bias)
                        v = bias_half ? ref_half(ref_half(v) + ref_half(bias[p])) : v + bias[p];
                    if (act)
                        v = act_half ? ref_half(ref_act(act, act_a, act_b, ref_half(v))) : ref_act(act, act_a, act_b, v);
                    want[(size_t)r * P + p] = v;
                }
            mpx_dense_plan *plan = mpx_dense_plan_create(K, P, W, bias, half, bias_half, act, act_a, act_b, act_half);
            for (int t = 0; t < 2; t++) {
                void *ws = malloc(mpx_dense_workspace(plan, rows, mpx_pool_threads(pools[t])));
                mpx_dense_run(plan, pools[t], x, rows, got, ws);
                char what[128];
                snprintf(what, sizeof what, "dense rows %d K %d P %d half %d act %d threads %d", rows, K, P, half, act,
                         t + 1);
                compare_outputs(got, want, (size_t)rows * P, half || bias_half || act_half, 2.0 * sqrt(K) + 2, what);
                free(ws);
            }
            mpx_dense_plan_destroy(plan);
            free(x), free(W), free(B), free(want), free(got);
        }
}

/* ---- pooling ----------------------------------------------------------------------------------------- */

static void test_pooling(mpx_pool **pools)
{
    static const mpx_pool_shape shapes[] = {
        /* H W Ho Wo kh kw sh sw pt pl pb pr dh dw cip */
        {8, 8, 4, 4, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 0},
        {7, 9, 4, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0},
        {7, 9, 4, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},
        {9, 6, 4, 4, 3, 2, 2, 2, 0, 1, 1, 2, 2, 1, 0}, /* dilation, asymmetric pads */
        {9, 6, 4, 4, 3, 2, 2, 2, 0, 1, 1, 2, 2, 1, 1},
        {1, 20, 1, 10, 1, 3, 1, 2, 0, 1, 0, 1, 1, 1, 0}, /* 1-D */
        {5, 5, 1, 1, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, 0},   /* global */
        {12, 1, 7, 1, 3, 1, 2, 1, 1, 0, 2, 0, 1, 1, 1},  /* a column (1-D along H), padded */
        {12, 1, 7, 1, 3, 1, 2, 1, 1, 0, 2, 0, 1, 1, 0},
        {12, 1, 5, 1, 2, 1, 2, 1, 0, 0, 0, 0, 3, 1, 0},  /* a dilated column */
        {30, 1, 1, 1, 30, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, /* global, as the runtime passes it */
    };
    int planes = 5;
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++)
        for (int kind = 0; kind < 2; kind++)
            for (int half = 0; half < 2; half++) {
                const mpx_pool_shape *s = &shapes[c];
                float *x = rnd_array((size_t)planes * s->H * s->W);
                size_t yn = (size_t)planes * s->Ho * s->Wo;
                float *want = malloc(yn * sizeof *want), *got = malloc(yn * sizeof *got);
                for (int p = 0; p < planes; p++)
                    for (int oh = 0; oh < s->Ho; oh++)
                        for (int ow = 0; ow < s->Wo; ow++) {
                            double m = -INFINITY, sum = 0;
                            int real = 0, padded = 0;
                            for (int i = 0; i < s->kh; i++)
                                for (int j = 0; j < s->kw; j++) {
                                    int ih = oh * s->stride_h - s->pad_top + i * s->dil_h;
                                    int iw = ow * s->stride_w - s->pad_left + j * s->dil_w;
                                    if (ih >= -s->pad_top && ih < s->H + s->pad_bottom && iw >= -s->pad_left &&
                                        iw < s->W + s->pad_right)
                                        padded++;
                                    if (ih < 0 || ih >= s->H || iw < 0 || iw >= s->W)
                                        continue;
                                    float v = x[((size_t)p * s->H + ih) * s->W + iw];
                                    v = half ? ref_half(v) : v;
                                    m = v > m ? v : m;
                                    sum += v;
                                    real++;
                                }
                            float v = kind == 0 ? (float)m : (float)(sum / (s->count_include_pad ? padded : real));
                            want[((size_t)p * s->Ho + oh) * s->Wo + ow] = half ? ref_half(v) : v;
                        }
                for (int t = 0; t < 2; t++) {
                    if (kind == 0)
                        mpx_maxpool(s, pools[t], x, planes, got, half);
                    else
                        mpx_avgpool(s, pools[t], x, planes, got, half);
                    char what[96];
                    snprintf(what, sizeof what, "%s pool shape %zu half %d threads %d", kind ? "avg" : "max", c, half,
                             t + 1);
                    compare_outputs(got, want, yn, half, 0.0, what);
                }
                free(x), free(want), free(got);
            }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress survives a crash */
    const char *every = getenv("MPX_TEST_SUBSET");
    if (every && atoi(every) > 1)
        subset = atoi(every);
    mpx_pool *pools[2] = {mpx_pool_create(1), mpx_pool_create(2)};
    test_half();
    test_pool();
    test_knob_decode();
    test_sgemm(pools[0]);
    test_sgemm(pools[1]);
    test_conv_kernels();
    test_conv(pools);
    test_perforation_skips(pools[1]);
    test_dense(pools);
    test_pooling(pools);
    mpx_pool_destroy(pools[0]);
    mpx_pool_destroy(pools[1]);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
