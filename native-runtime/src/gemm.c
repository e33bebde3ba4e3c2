/* Cache-blocked single-precision GEMM over packed panels (BLIS-style loop nest) with a portable
 * register-blocked micro-kernel in GCC vector extensions (SSE2, arm64 NEON), and the kernels chosen at run
 * time: AVX2+FMA and AVX-512 on x86-64, NEON on ARM (gemm_neon.c). */
#include "epilogue.h"
#include "gemm.h"
#include "kernels.h"

#include <pthread.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NC 512 /* columns of B per cache block in mpx_sgemm: KC×NC floats stay in L2 */

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

#if defined(__aarch64__)
#define PORTABLE_MR 8 /* 32 vector registers: 16 accumulators */
#else
#define PORTABLE_MR 4 /* 16 vector registers (SSE2; on ARMv7 GCC makes scalar VFP code of these vectors) */
#endif
#define PORTABLE_NR 8

static inline v4f load4(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store4(float *p, v4f v)
{
    memcpy(p, &v, sizeof v);
}

static void micro_kernel_portable(int kc, const float *a, const float *b, float *c, int ldc, int accumulate,
                                  int m, int n)
{
    v4f lo[PORTABLE_MR], hi[PORTABLE_MR];
    for (int i = 0; i < PORTABLE_MR; i++)
        lo[i] = hi[i] = (v4f){0, 0, 0, 0};
    for (int k = 0; k < kc; k++) {
        v4f b0 = load4(b), b1 = load4(b + 4);
#pragma GCC unroll 8
        for (int i = 0; i < PORTABLE_MR; i++) {
            v4f ai = {a[i], a[i], a[i], a[i]};
            lo[i] += ai * b0;
            hi[i] += ai * b1;
        }
        a += PORTABLE_MR;
        b += PORTABLE_NR;
    }
    if (m == PORTABLE_MR && n == PORTABLE_NR) {
        for (int i = 0; i < PORTABLE_MR; i++, c += ldc) {
            if (accumulate) {
                lo[i] += load4(c);
                hi[i] += load4(c + 4);
            }
            store4(c, lo[i]);
            store4(c + 4, hi[i]);
        }
        return;
    }
    float tile[PORTABLE_MR][PORTABLE_NR];
    for (int i = 0; i < PORTABLE_MR; i++) {
        store4(tile[i], lo[i]);
        store4(tile[i] + 4, hi[i]);
    }
    for (int i = 0; i < m; i++, c += ldc)
        for (int j = 0; j < n; j++)
            c[j] = accumulate ? c[j] + tile[i][j] : tile[i][j];
}

static void conv_kernel_portable(int K, const int *off, const float *const *pixel, const float *w,
                                 const float *bias, mpx_act act, float *tile, float *out, size_t ldo)
{
    v4f lo[PORTABLE_MR], hi[PORTABLE_MR];
    for (int i = 0; i < PORTABLE_MR; i++)
        lo[i] = hi[i] = (v4f){0, 0, 0, 0};
    for (int k = 0; k < K; k++) {
        v4f b0 = load4(w), b1 = load4(w + 4);
        int o = off[k];
#pragma GCC unroll 8
        for (int i = 0; i < PORTABLE_MR; i++) {
            float x = pixel[i][o];
            v4f ai = {x, x, x, x};
            lo[i] += ai * b0;
            hi[i] += ai * b1;
        }
        w += PORTABLE_NR;
    }
    for (int i = 0; i < PORTABLE_MR && bias; i++) {
        lo[i] += load4(bias);
        hi[i] += load4(bias + 4);
    }
    float local[PORTABLE_MR * PORTABLE_NR];
    float *t = out ? local : tile;
    for (int i = 0; i < PORTABLE_MR; i++) {
        store4(t + i * PORTABLE_NR, lo[i]);
        store4(t + i * PORTABLE_NR + 4, hi[i]);
    }
    for (int i = 0; act.kind != MPX_ACT_NONE && i < PORTABLE_MR * PORTABLE_NR; i++) /* the scalar forms */
        t[i] = act.kind == MPX_ACT_RELU ? (t[i] > 0.0f ? t[i] : 0.0f)
                                        : t[i] < act.lo ? act.lo : t[i] > act.hi ? act.hi : t[i];
    if (out)
        for (int j = 0; j < PORTABLE_NR; j++)
            for (int i = 0; i < PORTABLE_MR; i++)
                out[j * ldo + i] = local[i * PORTABLE_NR + j];
}

/* Sixteen outputs in four vectors of four: the mul and add of the C expression (an FMA where the compiler
 * contracts them), then bias and activation as mpx_bias_act_fast */
static void depthwise_portable(int taps, const int *off, const float *in, size_t in_pitch, const float *w, int n,
                               int rows, float bias, mpx_act act, float *out, size_t out_pitch)
{
    for (int r = 0; r < rows; r++)
        for (int o = 0; o < n; o += 16) {
            const float *row = in + r * in_pitch + o;
            float *acc = out + r * out_pitch + o;
            v4f v[4] = {{0}, {0}, {0}, {0}};
            for (int t = 0; t < taps; t++)
                for (int i = 0; i < 4; i++)
                    v[i] += w[t] * load4(row + off[t] + 4 * i);
            for (int i = 0; i < 4; i++)
                store4(acc + 4 * i, v[i]);
            mpx_bias_act_fast(acc, 16, bias, act.kind, act.lo, act.hi);
        }
}

static mpx_gemm_arch chosen_arch;
static pthread_once_t arch_once = PTHREAD_ONCE_INIT;

/* MPX_PORTABLE_KERNELS=1 keeps the portable kernels, so that tests cover them on every CPU */
static int portable_forced(void)
{
    const char *portable = getenv("MPX_PORTABLE_KERNELS");
    return portable && portable[0] == '1';
}

static void choose_arch(void)
{
    mpx_conv_kernel_spec portable_conv = {PORTABLE_MR, PORTABLE_NR, 1, conv_kernel_portable};
    chosen_arch = (mpx_gemm_arch){"portable", PORTABLE_MR, PORTABLE_NR, 32 * PORTABLE_MR, micro_kernel_portable,
                                  portable_conv, portable_conv, {0, 0, 0, NULL}, NULL, depthwise_portable,
                                  NULL, NULL, NULL, NULL, NULL, NULL};
    if (portable_forced())
        return;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        mpx_conv_kernel_spec avx2_conv = {MPX_AVX2_CMR, MPX_AVX2_CNR, 1, mpx_conv_kernel_avx2};
        chosen_arch = (mpx_gemm_arch){"avx2", MPX_AVX2_MR, MPX_AVX2_NR, 32 * MPX_AVX2_MR, mpx_micro_kernel_avx2,
                                      avx2_conv, avx2_conv, {0, 0, 0, NULL}, NULL, mpx_depthwise_avx2,
                                      NULL, NULL, NULL, NULL, NULL, NULL};
        unsigned a, b, c, d; /* F16C by CPUID leaf 1 (ECX bit 29): not every compiler's cpu_supports names it */
        if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C)) {
            chosen_arch.round_half_copy = mpx_round_half_copy_f16c;
            chosen_arch.half_bias_relu = mpx_half_bias_relu_f16c;
        }
    }
    /* MPX_NO_AVX512=1 keeps the AVX2 convolution kernel (tests, comparisons) */
    const char *no512 = getenv("MPX_NO_AVX512");
    if (chosen_arch.conv.kernel == mpx_conv_kernel_avx2 && !(no512 && no512[0] == '1') &&
        __builtin_cpu_supports("avx512f")) {
        chosen_arch.name = "avx512";
        chosen_arch.conv = (mpx_conv_kernel_spec){MPX_AVX512_CMR, MPX_AVX512_CNR, 1, mpx_conv_kernel_avx512};
        chosen_arch.conv_wide =
            (mpx_conv_kernel_spec){MPX_AVX512_WIDE_CMR, MPX_AVX512_WIDE_CNR, 1, mpx_conv_kernel_avx512_wide};
        chosen_arch.conv_row = (mpx_conv_kernel_spec){MPX_AVX512_ROW_CMR, MPX_AVX512_ROW_CNR, MPX_AVX512_ROW_CMR,
                                                      mpx_conv_kernel_avx512_row};
        chosen_arch.conv_3x3 = mpx_conv_kernel_avx512_3x3;
        chosen_arch.depthwise = mpx_depthwise_avx512;
        chosen_arch.depthwise_masked = mpx_depthwise_masked_avx512;
        chosen_arch.split_phases = mpx_split_phases_avx512;
        chosen_arch.split_rows = mpx_split_rows_avx512;
        chosen_arch.depthwise_3x3 = mpx_depthwise_3x3_avx512;
        chosen_arch.round_half_copy = mpx_round_half_copy_avx512;
        chosen_arch.half_bias_relu = mpx_half_bias_relu_avx512;
    }
#elif defined(__ARM_NEON)
    /* NEON is part of both ABIs (arm64-v8a always, armeabi-v7a as Android requires since NDK r21 and as
     * this build assumes), so the choice is the override alone */
    mpx_conv_kernel_spec conv = {MPX_NEON_CMR, MPX_NEON_CNR, 1, mpx_conv_kernel_neon};
#if defined(__aarch64__)
    mpx_conv_kernel_spec wide = {MPX_NEON_WIDE_CMR, MPX_NEON_WIDE_CNR, 1, mpx_conv_kernel_neon_wide};
#else
    mpx_conv_kernel_spec wide = conv;
#endif
    mpx_conv_kernel_spec row = {MPX_NEON_ROW_CMR, MPX_NEON_ROW_CNR, MPX_NEON_ROW_CMR, mpx_conv_kernel_neon_row};
    /* mc: 16 panels of A, at most 128 × 256 floats = 128 KiB, half of a phone core's smallest L2 */
    chosen_arch = (mpx_gemm_arch){"neon", MPX_NEON_MR, MPX_NEON_NR, 16 * MPX_NEON_MR, mpx_micro_kernel_neon,
                                  conv, wide, row, NULL, depthwise_portable, NULL, NULL, NULL, NULL, NULL, NULL};
#endif
}

const mpx_gemm_arch *mpx_gemm_arch_get(void)
{
    pthread_once(&arch_once, choose_arch);
    return &chosen_arch;
}

/* One K block of A (rows × kc, from `A` at the block's first element) into mr-row panels. */
static void pack_a_block(int rows, int kc, const float *A, int lda, int mr, float *dst)
{
    for (int p = 0; p < rows; p += mr, dst += (size_t)kc * mr) {
        int m = rows - p < mr ? rows - p : mr;
        for (int i = 0; i < m; i++) {
            const float *src = A + (size_t)(p + i) * lda;
            for (int k = 0; k < kc; k++)
                dst[(size_t)k * mr + i] = src[k];
        }
        for (int i = m; i < mr; i++)
            for (int k = 0; k < kc; k++)
                dst[(size_t)k * mr + i] = 0.0f;
    }
}

/* One K block of B (kc × cols) into nr-column panels. */
static void pack_b_block(int kc, int cols, const float *B, int ldb, int nr, float *dst)
{
    for (int p = 0; p < cols; p += nr, dst += (size_t)kc * nr) {
        int n = cols - p < nr ? cols - p : nr;
        for (int k = 0; k < kc; k++) {
            const float *src = B + (size_t)k * ldb + p;
            float *d = dst + (size_t)k * nr;
            memcpy(d, src, (size_t)n * sizeof *d);
            for (int j = n; j < nr; j++)
                d[j] = 0.0f;
        }
    }
}

void mpx_gemm_pack_a(int M, int K, const float *A, int lda, float *packed)
{
    const mpx_gemm_arch *arch = mpx_gemm_arch_get();
    int mpad = mpx_round_up(M, arch->mr);
    for (int k0 = 0; k0 < K; k0 += MPX_GEMM_KC) {
        int kc = K - k0 < MPX_GEMM_KC ? K - k0 : MPX_GEMM_KC;
        pack_a_block(M, kc, A + k0, lda, arch->mr, packed + (size_t)k0 * mpad);
    }
}

void mpx_gemm_pack_b(int K, int N, const float *B, int ldb, float *packed)
{
    const mpx_gemm_arch *arch = mpx_gemm_arch_get();
    int npad = mpx_round_up(N, arch->nr);
    for (int k0 = 0; k0 < K; k0 += MPX_GEMM_KC) {
        int kc = K - k0 < MPX_GEMM_KC ? K - k0 : MPX_GEMM_KC;
        pack_b_block(kc, N, B + (size_t)k0 * ldb, ldb, arch->nr, packed + (size_t)k0 * npad);
    }
}

void mpx_gemm_pack_bt(int K, int N, const float *Bt, int ldbt, float *packed)
{
    const mpx_gemm_arch *arch = mpx_gemm_arch_get();
    int nr = arch->nr, npad = mpx_round_up(N, nr);
    for (int k0 = 0; k0 < K; k0 += MPX_GEMM_KC) {
        int kc = K - k0 < MPX_GEMM_KC ? K - k0 : MPX_GEMM_KC;
        float *dst = packed + (size_t)k0 * npad;
        for (int p = 0; p < N; p += nr, dst += (size_t)kc * nr)
            for (int j = 0; j < nr; j++) {
                const float *src = Bt + (size_t)(p + j) * ldbt + k0;
                for (int k = 0; k < kc; k++)
                    dst[(size_t)k * nr + j] = p + j < N ? src[k] : 0.0f;
            }
    }
}

/* The three inner loops over one K block: A rows in mc blocks (kept in L2), B panels (kept in L1),
 * A panels. */
static void block_product(const mpx_gemm_arch *arch, int M, int N, int kc, const float *a, const float *b,
                          float *C, int ldc, int accumulate)
{
    int mr = arch->mr, nr = arch->nr;
    for (int ic = 0; ic < M; ic += arch->mc) {
        int iend = M - ic < arch->mc ? M : ic + arch->mc;
        for (int jp = 0; jp < N; jp += nr) {
            const float *bp = b + (size_t)(jp / nr) * kc * nr;
            int n = N - jp < nr ? N - jp : nr;
            for (int ip = ic; ip < iend; ip += mr) {
                int m = iend - ip < mr ? iend - ip : mr;
                arch->kernel(kc, a + (size_t)(ip / mr) * kc * mr, bp, C + (size_t)ip * ldc + jp, ldc, accumulate,
                             m, n);
            }
        }
    }
}

void mpx_gemm_packed(int M, int N, int K, const float *a, int a_stride, const float *b, int b_stride, int b_panel,
                     float *C, int ldc, int accumulate)
{
    const mpx_gemm_arch *arch = mpx_gemm_arch_get();
    if (K == 0) {
        for (int i = 0; i < M && !accumulate; i++)
            memset(C + (size_t)i * ldc, 0, (size_t)N * sizeof *C);
        return;
    }
    for (int k0 = 0; k0 < K; k0 += MPX_GEMM_KC) {
        int kc = K - k0 < MPX_GEMM_KC ? K - k0 : MPX_GEMM_KC;
        const float *bk = b + (size_t)k0 * b_stride + (size_t)b_panel * kc * arch->nr;
        block_product(arch, M, N, kc, a + (size_t)k0 * a_stride, bk, C, ldc, accumulate || k0 > 0);
    }
}

/* ---- general GEMM on row-major operands ----------------------------------------------------------- */

typedef struct {
    int M, N, K, lda, ldb, ldc, accumulate;
    const float *A, *B;
    float *C;
    float *workspace;
    size_t thread_floats;
    int split_n; /* the pool splits columns (else rows) */
} sgemm_job;

static size_t thread_floats(const mpx_gemm_arch *arch)
{
    size_t a = (size_t)arch->mc * MPX_GEMM_KC, b = (size_t)MPX_GEMM_KC * mpx_round_up(NC, arch->nr);
    return (a + b + 16) & ~(size_t)15;
}

static void sgemm_serial(const mpx_gemm_arch *arch, int M, int N, int K, const float *A, int lda, const float *B,
                         int ldb, float *C, int ldc, int accumulate, float *wa, float *wb)
{
    int nc = NC / arch->nr * arch->nr;
    if (K == 0) {
        mpx_gemm_packed(M, N, 0, NULL, 0, NULL, 0, 0, C, ldc, accumulate);
        return;
    }
    for (int jc = 0; jc < N; jc += nc) {
        int nb = N - jc < nc ? N - jc : nc;
        for (int pc = 0; pc < K; pc += MPX_GEMM_KC) {
            int kc = K - pc < MPX_GEMM_KC ? K - pc : MPX_GEMM_KC;
            pack_b_block(kc, nb, B + (size_t)pc * ldb + jc, ldb, arch->nr, wb);
            for (int ic = 0; ic < M; ic += arch->mc) {
                int mb = M - ic < arch->mc ? M - ic : arch->mc;
                pack_a_block(mb, kc, A + (size_t)ic * lda + pc, lda, arch->mr, wa);
                block_product(arch, mb, nb, kc, wa, wb, C + (size_t)ic * ldc + jc, ldc, accumulate || pc > 0);
            }
        }
    }
}

static void sgemm_range(void *ctx, int begin, int end, int thread)
{
    sgemm_job *job = ctx;
    const mpx_gemm_arch *arch = mpx_gemm_arch_get();
    float *wa = job->workspace + (size_t)thread * job->thread_floats;
    float *wb = wa + (size_t)arch->mc * MPX_GEMM_KC;
    /* ranges count panels, so that no thread gets a ragged edge in the middle */
    if (job->split_n) {
        int j0 = begin * arch->nr, j1 = end * arch->nr < job->N ? end * arch->nr : job->N;
        sgemm_serial(arch, job->M, j1 - j0, job->K, job->A, job->lda, job->B + j0, job->ldb, job->C + j0,
                     job->ldc, job->accumulate, wa, wb);
    } else {
        int i0 = begin * arch->mr, i1 = end * arch->mr < job->M ? end * arch->mr : job->M;
        sgemm_serial(arch, i1 - i0, job->N, job->K, job->A + (size_t)i0 * job->lda, job->lda, job->B, job->ldb,
                     job->C + (size_t)i0 * job->ldc, job->ldc, job->accumulate, wa, wb);
    }
}

size_t mpx_sgemm_workspace(int M, int N, int K, int threads)
{
    (void)M, (void)N, (void)K;
    if (threads < 1)
        threads = 1;
    return (thread_floats(mpx_gemm_arch_get()) * (size_t)threads + 16) * sizeof(float);
}

void mpx_sgemm(mpx_pool *pool, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float *C,
               int ldc, int accumulate, void *workspace)
{
    if (M <= 0 || N <= 0)
        return;
    const mpx_gemm_arch *arch = mpx_gemm_arch_get();
    float *ws = (float *)(((uintptr_t)workspace + 63) & ~(uintptr_t)63);
    sgemm_job job = {M, N, K, lda, ldb, ldc, accumulate, A, B, C, ws, thread_floats(arch), 1};
    int threads = mpx_pool_threads(pool);
    int n_panels = (N + arch->nr - 1) / arch->nr, m_panels = (M + arch->mr - 1) / arch->mr;
    /* split columns when each thread gets at least two panels, else rows */
    if (threads > 1 && n_panels < 2 * threads && m_panels >= threads) {
        job.split_n = 0;
        mpx_parallel_for(pool, m_panels, 1, sgemm_range, &job);
    } else {
        mpx_parallel_for(pool, n_panels, 2, sgemm_range, &job);
    }
}
