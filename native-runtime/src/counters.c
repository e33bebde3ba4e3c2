/* Cycles and instructions of the calling thread, user mode only: with perf_event_paranoid at 2 (the
 * common default) a process may count itself that way. Containers and some hypervisors refuse; then the
 * figures are NaN and a measurement goes on without them. */
#define _GNU_SOURCE
#include "counters.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__)
#include <linux/perf_event.h>
#include <sys/syscall.h>

static int open_counter(uint64_t config, int group)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_HARDWARE;
    attr.config = config;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    attr.read_format = PERF_FORMAT_GROUP;
    return (int)syscall(SYS_perf_event_open, &attr, 0, -1, group, 0);
}

void mpx_counters_open(mpx_counters *c)
{
    c->group = open_counter(PERF_COUNT_HW_CPU_CYCLES, -1);
    c->instructions = c->group < 0 ? -1 : open_counter(PERF_COUNT_HW_INSTRUCTIONS, c->group);
    if (c->group >= 0 && c->instructions < 0) {
        close(c->group);
        c->group = -1;
    }
}

void mpx_counters_read(const mpx_counters *c, double *cycles, double *instructions)
{
    uint64_t values[3]; /* count, cycles, instructions */
    if (c->group < 0 || read(c->group, values, sizeof values) != (ssize_t)sizeof values || values[0] != 2) {
        *cycles = *instructions = NAN;
        return;
    }
    *cycles = (double)values[1];
    *instructions = (double)values[2];
}

void mpx_counters_close(mpx_counters *c)
{
    if (c->group < 0)
        return;
    close(c->instructions);
    close(c->group);
    c->group = c->instructions = -1;
}
#else
void mpx_counters_open(mpx_counters *c) { c->group = c->instructions = -1; }
void mpx_counters_read(const mpx_counters *c, double *cycles, double *instructions)
{
    (void)c;
    *cycles = *instructions = NAN;
}
void mpx_counters_close(mpx_counters *c) { (void)c; }
#endif
