/* Persistent worker threads. A job is published by bumping a generation counter; workers spin briefly
 * before sleeping on a condition variable, because inference issues jobs back to back and a sleeping
 * worker costs tens of microseconds to wake. Chunks are claimed, not assigned: the caller and every awake
 * worker take the next unclaimed chunk until none is left, so a worker that the OS has descheduled (the
 * cores are often shared) delays the job by at most the chunk it holds, and the caller waits only for
 * chunks already claimed. Not reentrant: a range function must not call mpx_parallel_for on the same pool. */
#define _POSIX_C_SOURCE 200809L
#include "kernels.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define SPIN_ITERATIONS 2000 /* tens of microseconds: longer spins starve the awaited thread when cores are shared */
#define CHUNKS_PER_THREAD 4  /* enough for a thread that arrives late to leave it to the others */

struct mpx_pool {
    int threads;
    pthread_t *workers;
    pthread_mutex_t mutex;
    pthread_cond_t wake, done;
    /* the current job, written by the caller before the generation is bumped */
    mpx_range_fn fn;
    void *ctx;
    int n;
    atomic_int chunks;
    atomic_uint generation;
    /* generation << 32 | next chunk to claim: a claim names its job, so that a worker still finishing
     * with an old job can never take a chunk of a newer one */
    _Atomic uint64_t next;
    atomic_int unfinished; /* chunks of the current job not yet done */
    atomic_int stop;
};

typedef struct {
    mpx_pool *pool;
    int index;
} worker_arg;

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Runs chunks of job `generation` on behalf of `thread` until none is left to claim. */
static void run_chunks(mpx_pool *pool, unsigned generation, int thread)
{
    uint64_t v = atomic_load_explicit(&pool->next, memory_order_acquire);
    for (;;) {
        uint32_t chunk = (uint32_t)v;
        /* a count of the next job (acquired) means the counter was closed first: the exchange fails */
        int chunks = atomic_load_explicit(&pool->chunks, memory_order_acquire);
        if ((unsigned)(v >> 32) != generation || chunk >= (uint32_t)chunks)
            return;
        if (!atomic_compare_exchange_weak_explicit(&pool->next, &v, v + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        int begin = (int)((long long)pool->n * chunk / chunks);
        int end = (int)((long long)pool->n * (chunk + 1) / chunks);
        pool->fn(pool->ctx, begin, end, thread);
        if (atomic_fetch_sub_explicit(&pool->unfinished, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&pool->mutex);
            pthread_cond_signal(&pool->done);
            pthread_mutex_unlock(&pool->mutex);
        }
        v = atomic_load_explicit(&pool->next, memory_order_acquire);
    }
}

static void *worker_main(void *p)
{
    worker_arg arg = *(worker_arg *)p;
    free(p);
    mpx_pool *pool = arg.pool;
    unsigned seen = 0;
    for (;;) {
        unsigned g = atomic_load_explicit(&pool->generation, memory_order_acquire);
        for (int spin = 0; g == seen && spin < SPIN_ITERATIONS; spin++) {
            cpu_relax();
            g = atomic_load_explicit(&pool->generation, memory_order_acquire);
        }
        if (g == seen) {
            pthread_mutex_lock(&pool->mutex);
            while ((g = atomic_load(&pool->generation)) == seen)
                pthread_cond_wait(&pool->wake, &pool->mutex);
            pthread_mutex_unlock(&pool->mutex);
        }
        seen = g;
        if (atomic_load(&pool->stop))
            return NULL;
        run_chunks(pool, g, arg.index);
    }
}

static void stop_workers(mpx_pool *pool, int started)
{
    pthread_mutex_lock(&pool->mutex);
    atomic_store(&pool->stop, 1);
    atomic_fetch_add(&pool->generation, 1);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
    for (int i = 0; i < started; i++)
        pthread_join(pool->workers[i], NULL);
}

mpx_pool *mpx_pool_create(int threads)
{
    if (threads <= 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        threads = online > 0 ? (int)online : 1;
    }
    mpx_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    pool->threads = threads;
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->next, 0);
    atomic_init(&pool->chunks, 0);
    atomic_init(&pool->unfinished, 0);
    atomic_init(&pool->stop, 0);
    if (threads == 1)
        return pool;
    pool->workers = calloc((size_t)threads - 1, sizeof *pool->workers);
    if (!pool->workers) {
        free(pool);
        return NULL;
    }
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);
    for (int i = 0; i < threads - 1; i++) {
        worker_arg *arg = malloc(sizeof *arg);
        if (arg) {
            arg->pool = pool;
            arg->index = i + 1;
        }
        if (!arg || pthread_create(&pool->workers[i], NULL, worker_main, arg) != 0) {
            free(arg);
            stop_workers(pool, i);
            pthread_cond_destroy(&pool->done);
            pthread_cond_destroy(&pool->wake);
            pthread_mutex_destroy(&pool->mutex);
            free(pool->workers);
            free(pool);
            return NULL;
        }
    }
    return pool;
}

void mpx_pool_destroy(mpx_pool *pool)
{
    if (!pool)
        return;
    if (pool->threads > 1) {
        stop_workers(pool, pool->threads - 1);
        pthread_cond_destroy(&pool->done);
        pthread_cond_destroy(&pool->wake);
        pthread_mutex_destroy(&pool->mutex);
        free(pool->workers);
    }
    free(pool);
}

int mpx_pool_threads(const mpx_pool *pool)
{
    return pool ? pool->threads : 1;
}

static double clock_seconds(clockid_t clock)
{
    struct timespec ts;
    return clock_gettime(clock, &ts) ? 0.0 : (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

double mpx_pool_cpu_seconds(const mpx_pool *pool)
{
    double total = clock_seconds(CLOCK_THREAD_CPUTIME_ID);
    for (int i = 0; pool && i < pool->threads - 1; i++) {
        clockid_t clock;
        if (pthread_getcpuclockid(pool->workers[i], &clock) == 0)
            total += clock_seconds(clock);
    }
    return total;
}

void mpx_parallel_for(mpx_pool *pool, int n, int grain, mpx_range_fn fn, void *ctx)
{
    if (n <= 0)
        return;
    if (grain < 1)
        grain = 1;
    int chunks = n / grain;
    if (pool && chunks > pool->threads * CHUNKS_PER_THREAD)
        chunks = pool->threads * CHUNKS_PER_THREAD;
    if (!pool || pool->threads == 1 || chunks <= 1) {
        fn(ctx, 0, n, 0);
        return;
    }
    /* Close the previous job's counter before its fields change: a worker still looking at it must
     * not claim a chunk past its end with the new job's count. */
    unsigned g = atomic_load_explicit(&pool->generation, memory_order_relaxed) + 1;
    atomic_store_explicit(&pool->next, (uint64_t)g << 32 | UINT32_MAX, memory_order_relaxed);
    atomic_store_explicit(&pool->chunks, chunks, memory_order_release);
    pool->fn = fn;
    pool->ctx = ctx;
    pool->n = n;
    atomic_store_explicit(&pool->unfinished, chunks, memory_order_relaxed);
    atomic_store_explicit(&pool->next, (uint64_t)g << 32, memory_order_release);
    pthread_mutex_lock(&pool->mutex);
    atomic_store_explicit(&pool->generation, g, memory_order_release);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);

    run_chunks(pool, g, 0);

    for (int spin = 0; atomic_load_explicit(&pool->unfinished, memory_order_acquire) != 0; spin++) {
        if (spin < SPIN_ITERATIONS) {
            cpu_relax();
            continue;
        }
        pthread_mutex_lock(&pool->mutex);
        while (atomic_load(&pool->unfinished) != 0)
            pthread_cond_wait(&pool->done, &pool->mutex);
        pthread_mutex_unlock(&pool->mutex);
        break;
    }
}
