/* Fuel-gauge sampling: power = |current| · voltage (µA · µV), integrated with the trapezoidal rule. */
#define _POSIX_C_SOURCE 200809L
#include "energy.h"

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PERIOD_NS 5000000L /* 5 ms: gauges update slower, and this keeps the sampler cheap */

struct energy_meter {
    char current[1024], voltage[1024];
    pthread_t thread;
    pthread_mutex_t lock;
    int stop, samples;
    double joules, last_time, last_watts;
};

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int read_number(const char *path, double *v) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int ok = fscanf(f, "%lf", v) == 1;
    fclose(f);
    return ok ? 0 : -1;
}

static int read_watts(const energy_meter *e, double *watts) {
    double ua, uv;
    if (read_number(e->current, &ua) || read_number(e->voltage, &uv)) return -1;
    *watts = fabs(ua) * 1e-6 * fabs(uv) * 1e-6;
    return 0;
}

static void sample(energy_meter *e) {
    double w, t = now_seconds();
    if (read_watts(e, &w)) return;
    if (e->samples++) e->joules += 0.5 * (w + e->last_watts) * (t - e->last_time);
    e->last_time = t;
    e->last_watts = w;
}

static void *sampler(void *arg) {
    energy_meter *e = arg;
    for (;;) {
        pthread_mutex_lock(&e->lock);
        int stop = e->stop;
        if (!stop) sample(e);
        pthread_mutex_unlock(&e->lock);
        if (stop) return NULL;
        struct timespec ts = {0, PERIOD_NS};
        nanosleep(&ts, NULL);
    }
}

/* Batteries first: a charger's current is not what the device consumes. */
static int find_gauge(energy_meter *e) {
    const char *root = getenv("MOBIPROX_POWER_SUPPLY");
    if (!root || !*root) root = "/sys/class/power_supply";
    for (int pass = 0; pass < 2; pass++) {
        DIR *d = opendir(root);
        if (!d) return -1;
        struct dirent *ent;
        while ((ent = readdir(d))) {
            if (ent->d_name[0] == '.') continue;
            char type[64] = "", path[1024];
            snprintf(path, sizeof path, "%s/%s/type", root, ent->d_name);
            FILE *f = fopen(path, "r");
            if (f) {
                if (!fgets(type, sizeof type, f)) type[0] = 0;
                fclose(f);
            }
            if (pass == 0 && strncmp(type, "Battery", 7) != 0) continue;
            snprintf(e->current, sizeof e->current, "%s/%s/current_now", root, ent->d_name);
            snprintf(e->voltage, sizeof e->voltage, "%s/%s/voltage_now", root, ent->d_name);
            double w;
            if (read_watts(e, &w) == 0) {
                closedir(d);
                return 0;
            }
        }
        closedir(d);
    }
    return -1;
}

energy_meter *energy_start(void) {
    energy_meter *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    if (find_gauge(e) || pthread_mutex_init(&e->lock, NULL)) {
        free(e);
        return NULL;
    }
    sample(e);
    if (pthread_create(&e->thread, NULL, sampler, e)) {
        pthread_mutex_destroy(&e->lock);
        free(e);
        return NULL;
    }
    return e;
}

double energy_stop(energy_meter *e) {
    pthread_mutex_lock(&e->lock);
    e->stop = 1;
    sample(e); /* close the interval at the end of the run */
    pthread_mutex_unlock(&e->lock);
    pthread_join(e->thread, NULL);
    double joules = e->samples >= 2 ? e->joules : -1.0;
    pthread_mutex_destroy(&e->lock);
    free(e);
    return joules;
}
