/* Hardware counters of the calling thread (cycles and instructions in user mode) through
 * perf_event_open, where the kernel allows it; elsewhere every read is NaN. */
#ifndef MPX_COUNTERS_H
#define MPX_COUNTERS_H

typedef struct {
    int group; /* leader descriptor, -1 when unavailable */
    int instructions;
} mpx_counters;

void mpx_counters_open(mpx_counters *c);
/* Cycles and instructions since the counters were opened. */
void mpx_counters_read(const mpx_counters *c, double *cycles, double *instructions);
void mpx_counters_close(mpx_counters *c);

#endif
