/* Persistent worker threads. A job is published by bumping a generation counter; workers spin briefly
 * before sleeping on a condition variable, because inference issues jobs back to back and a sleeping
 * worker costs tens of microseconds to wake. The caller runs chunk 0 itself. Not reentrant: a range
 * function must not call mpx_parallel_for on the same pool. */
#define _POSIX_C_SOURCE 200809L
#include "kernels.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define SPIN_ITERATIONS 2000 /* tens of microseconds: longer spins starve the awaited thread when cores are shared */

struct mpx_pool {
    int threads;
    pthread_t *workers;
    pthread_mutex_t mutex;
    pthread_cond_t wake, done;
    /* the current job, written by the caller before the generation is bumped */
    mpx_range_fn fn;
    void *ctx;
    int n, chunks;
    atomic_uint generation;
    atomic_int pending; /* workers that have not finished the current job */
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

static void run_chunk(mpx_pool *pool, int chunk)
{
    if (chunk >= pool->chunks)
        return;
    int begin = (int)((long long)pool->n * chunk / pool->chunks);
    int end = (int)((long long)pool->n * (chunk + 1) / pool->chunks);
    pool->fn(pool->ctx, begin, end, chunk);
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
        run_chunk(pool, arg.index);
        if (atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&pool->mutex);
            pthread_cond_signal(&pool->done);
            pthread_mutex_unlock(&pool->mutex);
        }
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
    atomic_init(&pool->pending, 0);
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

void mpx_parallel_for(mpx_pool *pool, int n, int grain, mpx_range_fn fn, void *ctx)
{
    if (n <= 0)
        return;
    if (grain < 1)
        grain = 1;
    int chunks = n / grain;
    if (pool && chunks > pool->threads)
        chunks = pool->threads;
    if (!pool || chunks <= 1) {
        fn(ctx, 0, n, 0);
        return;
    }
    pool->fn = fn;
    pool->ctx = ctx;
    pool->n = n;
    pool->chunks = chunks;
    atomic_store_explicit(&pool->pending, pool->threads - 1, memory_order_relaxed);
    pthread_mutex_lock(&pool->mutex);
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);

    run_chunk(pool, 0);

    for (int spin = 0; atomic_load_explicit(&pool->pending, memory_order_acquire) != 0; spin++) {
        if (spin < SPIN_ITERATIONS) {
            cpu_relax();
            continue;
        }
        pthread_mutex_lock(&pool->mutex);
        while (atomic_load(&pool->pending) != 0)
            pthread_cond_wait(&pool->done, &pool->mutex);
        pthread_mutex_unlock(&pool->mutex);
        break;
    }
}
