/* The timing method behind every speed figure (mobiprox.h, mpx_measure; README "How speed is measured").
 *
 * Why this shape: on a shared machine, another process slows whichever configuration happens to run
 * while it runs. Interleaving every configuration in each round exposes all of them to the same drift;
 * the CPU time of the inference threads does not count the time they spend preempted; pairing each
 * configuration with the baseline of the same round cancels what remains (frequency, cache pollution);
 * medians with order-statistic intervals let the rare disturbed round pass without moving the estimate,
 * and need no assumption about the distribution of a round's time. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "counters.h"
#include "kernels.h"
#include "measure_clock.h"
#include "model.h"

#define MAX_BATCHES_PER_UNIT 100000

typedef struct {
    double *cpu, *wall, *cycles, *instructions, *ratio; /* per round, ms (or counts) per sample */
    double *op_ms, *op_ratio; /* per round and op (round · ops + op), when ops are timed */
} series;

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double real_cpu(const mpx_pool *pool, void *ctx)
{
    (void)ctx;
    return mpx_pool_cpu_seconds(pool);
}

static double real_wall(void *ctx)
{
    (void)ctx;
    return wall_seconds();
}

static const mpx_unit_clock real_clock = {real_cpu, real_wall, NULL};
static mpx_unit_clock unit_clock = {real_cpu, real_wall, NULL};

void mpx_measure_set_unit_clock(const mpx_unit_clock *clock) { unit_clock = clock ? *clock : real_clock; }

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of v[0..n) with its distribution-free 95 % interval: the order statistics whose ranks are
 * n/2 ∓ 1.96·√n/2 (binomial, normal approximation). `scratch` holds n doubles. */
static mpx_interval median_interval(const double *v, int n, double *scratch)
{
    memcpy(scratch, v, sizeof(double) * (size_t)n);
    qsort(scratch, (size_t)n, sizeof(double), compare_doubles);
    double half = 0.98 * sqrt((double)n);
    int lo = (int)floor(n / 2.0 - half), hi = (int)ceil(n / 2.0 + half);
    if (lo < 0)
        lo = 0;
    if (hi > n - 1)
        hi = n - 1;
    double median = n % 2 ? scratch[n / 2] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2;
    return (mpx_interval){median, scratch[lo], scratch[hi]};
}

static int within(mpx_interval i, double target)
{
    return i.high - i.estimate <= target * i.estimate && i.estimate - i.low <= target * i.estimate;
}

static mpx_measure_options with_defaults(const mpx_measure_options *o)
{
    mpx_measure_options d = o ? *o : (mpx_measure_options){0};
    if (d.batch < 1)
        d.batch = 1;
    if (!(d.unit_ms > 0))
        d.unit_ms = 5;
    if (!(d.target > 0))
        d.target = 0.02;
    if (!(d.max_seconds > 0))
        d.max_seconds = 20;
    if (!(d.min_seconds >= 0))
        d.min_seconds = 0;
    else if (d.min_seconds == 0)
        d.min_seconds = 2;
    if (d.min_seconds > d.max_seconds)
        d.min_seconds = d.max_seconds;
    if (d.min_rounds < 1)
        d.min_rounds = 20;
    if (d.max_rounds < d.min_rounds)
        d.max_rounds = d.min_rounds > 2000 ? d.min_rounds : 2000;
    return d;
}

typedef struct {
    mpx_model *m;
    const float *input;
    int samples, batch, batches; /* batches per unit */
} unit_plan;

/* The unit of round `round`: the same batches whatever the configuration. Returns the samples run. */
static int run_unit(const unit_plan *u, int round)
{
    size_t in = mpx_input_size(u->m);
    int done = 0;
    for (int j = 0; j < u->batches; j++) {
        int start = (int)(((long long)round * u->batches + j) * u->batch % u->samples);
        int b = u->samples - start < u->batch ? u->samples - start : u->batch;
        if (mpx_infer(u->m, u->input + (size_t)start * in, b, NULL))
            return -1;
        done += b;
    }
    return done;
}

static void free_series(series *s, int count)
{
    for (int c = 0; s && c < count; c++) {
        free(s[c].cpu);
        free(s[c].wall);
        free(s[c].cycles);
        free(s[c].instructions);
        free(s[c].ratio);
        free(s[c].op_ms);
        free(s[c].op_ratio);
    }
    free(s);
}

/* Room for `capacity` rounds; `ops` timed ops per round (0: none). */
static int grow_series(series *s, int count, int capacity, int ops)
{
    for (int c = 0; c < count; c++) {
        double **fields[] = {&s[c].cpu, &s[c].wall, &s[c].cycles, &s[c].instructions, &s[c].ratio, &s[c].op_ms,
                             &s[c].op_ratio};
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            size_t n = (size_t)capacity * (f < 5 ? 1 : (size_t)ops);
            if (!n)
                continue;
            double *p = realloc(*fields[f], sizeof(double) * n);
            if (!p)
                return -1;
            *fields[f] = p;
        }
    }
    return 0;
}

/* A paired ratio of two op times (ms per sample); the term below the clock's resolution keeps an op the clock
 * did not see finite. */
static double op_ratio(double base, double ms)
{
    return (base + 1e-12) / (ms + 1e-12);
}

/* Op i's medians over the rounds into the caller's arrays (o: the options, configuration c). */
static void summarize_ops(const series *s, int rounds, int ops, double *column, double *scratch,
                          const mpx_measure_options *o, int c)
{
    for (int i = 0; i < ops; i++) {
        for (int r = 0; r < rounds; r++)
            column[r] = s->op_ms[(size_t)r * ops + i];
        if (o->op_ms)
            o->op_ms[(size_t)c * ops + i] = median_interval(column, rounds, scratch);
        for (int r = 0; r < rounds; r++)
            column[r] = s->op_ratio[(size_t)r * ops + i];
        if (o->op_speedup)
            o->op_speedup[(size_t)c * ops + i] = median_interval(column, rounds, scratch);
    }
}

static void summarize(const series *s, int rounds, double *scratch, int one_thread, mpx_measurement *out)
{
    out->cpu_ms = median_interval(s->cpu, rounds, scratch);
    out->wall_ms = median_interval(s->wall, rounds, scratch);
    out->latency_ms = one_thread ? out->cpu_ms : out->wall_ms;
    out->speedup = median_interval(s->ratio, rounds, scratch);
    out->cycles = median_interval(s->cycles, rounds, scratch).estimate;
    out->instructions = median_interval(s->instructions, rounds, scratch).estimate;
    out->rounds = rounds;
}

int mpx_measure(mpx_model *m, const int *configs, int count, const float *input, int samples,
                const mpx_measure_options *options, mpx_measurement *out)
{
    if (count < 1 || !configs || !input || !out || samples < 1)
        return mpx_fail(m, "measure: needs at least one configuration and one sample");
    for (int c = 0; c < count; c++)
        if (configs[c] < 0 || configs[c] >= m->n_configs)
            return mpx_fail(m, "measure: configuration %d outside 0..%d", configs[c], m->n_configs - 1);
    mpx_measure_options o = with_defaults(options);
    int saved = m->config, one_thread = mpx_pool_threads(m->pool) == 1, status = -1, rounds = 0;
    int ops = o.op_ms || o.op_speedup ? m->n_ops : 0, saved_timing = m->timing;
    /* the op counters as they were (mpx_set_op_timing's, of the caller's inferences), restored at the end */
    double *column = NULL, *counted = saved_timing || ops ? malloc(sizeof(double) * ((size_t)m->n_ops + 1)) : NULL;
    for (int i = 0; counted && i < m->n_ops; i++)
        counted[i] = m->ops[i].seconds;
    unit_plan u = {m, input, samples, o.batch < samples ? o.batch : samples, 1};
    series *s = calloc((size_t)count, sizeof *s);
    double *scratch = NULL;
    mpx_counters counters = {-1, -1};
    if (one_thread)
        mpx_counters_open(&counters);
    m->timing = ops > 0; /* timed units carry the op clocks' reads only when ops are asked for */

    /* Calibrate the unit on the baseline, warmed up, so that one timer read covers unit_ms. */
    if (!s || ((saved_timing || ops) && !counted)) {
        mpx_fail(m, "measure: out of memory");
        goto done;
    }
    if (mpx_set_config(m, configs[0]) || run_unit(&u, 0) < 0)
        goto done;
    double t0 = wall_seconds();
    if (run_unit(&u, 0) < 0)
        goto done;
    double once = (wall_seconds() - t0) * 1e3;
    u.batches = once > 0 ? (int)ceil(o.unit_ms / once) : MAX_BATCHES_PER_UNIT;
    if (u.batches > MAX_BATCHES_PER_UNIT)
        u.batches = MAX_BATCHES_PER_UNIT;
    for (int c = 0; c < count; c++) /* warm-up: every configuration's plans and caches */
        if (mpx_set_config(m, configs[c]) || run_unit(&u, 0) < 0)
            goto done;

    int capacity = 0;
    double started = wall_seconds();
    for (;;) {
        if (rounds == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            free(scratch);
            free(column);
            scratch = malloc(sizeof(double) * (size_t)capacity);
            column = malloc(sizeof(double) * (size_t)capacity);
            if (!scratch || !column || grow_series(s, count, capacity, ops)) {
                mpx_fail(m, "measure: out of memory");
                goto done;
            }
        }
        for (int k = 0; k < count; k++) {
            int c = (rounds + k) % count; /* rotated: no configuration always follows the same one */
            if (mpx_set_config(m, configs[c]))
                goto done;
            double cycles0, ins0, cycles1, ins1;
            mpx_counters_read(&counters, &cycles0, &ins0);
            if (ops)
                mpx_reset_op_timing(m);
            double cpu0 = unit_clock.cpu(m->pool, unit_clock.ctx), wall0 = unit_clock.wall(unit_clock.ctx);
            int n = run_unit(&u, rounds);
            double wall1 = unit_clock.wall(unit_clock.ctx), cpu1 = unit_clock.cpu(m->pool, unit_clock.ctx);
            mpx_counters_read(&counters, &cycles1, &ins1);
            if (n < 0)
                goto done;
            s[c].cpu[rounds] = (cpu1 - cpu0) * 1e3 / n;
            s[c].wall[rounds] = (wall1 - wall0) * 1e3 / n;
            s[c].cycles[rounds] = (cycles1 - cycles0) / n;
            s[c].instructions[rounds] = (ins1 - ins0) / n;
            for (int i = 0; i < ops; i++)
                s[c].op_ms[(size_t)rounds * ops + i] = m->ops[i].seconds * 1e3 / n;
        }
        for (int c = 0; c < count; c++) {
            s[c].ratio[rounds] = s[0].cpu[rounds] / s[c].cpu[rounds];
            for (size_t i = (size_t)rounds * ops; i < (size_t)(rounds + 1) * ops; i++)
                s[c].op_ratio[i] = op_ratio(s[0].op_ms[i], s[c].op_ms[i]);
        }
        rounds++;
        double elapsed = wall_seconds() - started;
        if ((rounds < o.min_rounds || elapsed < o.min_seconds) && rounds < o.max_rounds && elapsed < o.max_seconds)
            continue;
        /* The speedups are what a choice rests on; a configuration measured alone needs its latency. */
        int converged = 1;
        for (int c = 0; c < count; c++) {
            summarize(&s[c], rounds, scratch, one_thread, &out[c]);
            converged &= within(count == 1 ? out[c].latency_ms : out[c].speedup, o.target);
        }
        int capped = rounds >= o.max_rounds || elapsed >= o.max_seconds;
        if (converged || capped) {
            for (int c = 0; c < count; c++) {
                out[c].converged = converged;
                out[c].samples_per_unit = u.batches * u.batch;
                if (ops)
                    summarize_ops(&s[c], rounds, ops, column, scratch, &o, c);
            }
            status = 0;
            break;
        }
    }
done:
    mpx_counters_close(&counters);
    m->timing = saved_timing;
    for (int i = 0; counted && i < m->n_ops; i++)
        m->ops[i].seconds = counted[i];
    free(counted);
    free_series(s, count);
    free(scratch);
    free(column);
    if (mpx_set_config(m, saved) && status == 0)
        status = -1;
    return status;
}
