/* The clocks a timed unit of mpx_measure is read with (measure.c). Tests put a double in their place to
 * check the method (interleaving, pairing) against a machine whose speed they control; nothing else
 * should. Not thread-safe: set it before measuring, from the one thread that measures. */
#ifndef MPX_MEASURE_CLOCK_H
#define MPX_MEASURE_CLOCK_H

#include "kernels.h"

typedef struct {
    double (*cpu)(const mpx_pool *pool, void *ctx); /* seconds of the inference threads */
    double (*wall)(void *ctx);                      /* seconds */
    void *ctx;
} mpx_unit_clock;

/* NULL restores the real clocks. */
void mpx_measure_set_unit_clock(const mpx_unit_clock *clock);

#endif
