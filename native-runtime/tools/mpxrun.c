/* mpxrun: runs a .mpxm model on .npy data under its configurations and prints JSON (README, "mpxrun"):
 * `run` one configuration, `profile` each configuration's outcomes as one streamed line and then the
 * timing of all of them measured together (mpx_measure), `measure` the timing alone, `calibrate` the int8
 * knobs' input quantisation, `info`. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "energy.h"
#include "json.h"
#include "mobiprox.h"
#include "npy.h"

#define EXIT_USAGE 2
#define EXIT_RUNTIME 1

static const char usage[] =
    "usage:\n"
    "  mpxrun run MODEL.mpxm --input X.npy [--labels Y.npy] [--configs FILE] [--config NAME|INDEX] [--batch B]\n"
    "         [--threads T] [--limit N] [--warmup W] [--repeat R] [--save-outputs OUT.npy] [--op-times]\n"
    "         [--probabilities] [--timed none] [TIMING]\n"
    "  mpxrun profile MODEL.mpxm --input X.npy --labels Y.npy --configs FILE [--only 0,3,5] [--timed 0,3|none]\n"
    "         [--batch B] [--threads T] [--limit N] [--warmup W] [--repeat R] [--per-sample] [--probabilities]\n"
    "         [--op-times] [--save-outputs-dir DIR] [--reuse-prefix] [TIMING]\n"
    "  mpxrun measure MODEL.mpxm --input X.npy --configs FILE [--only 0,3,5] [--batch B] [--threads T] [--limit N]\n"
    "         [--op-times] [TIMING]\n"
    "  mpxrun calibrate MODEL.mpxm --input X.npy [--batch B] [--threads T] [--limit N]\n"
    "  mpxrun info MODEL.mpxm\n"
    "TIMING: [--target 0.02] [--max-seconds 20] [--min-seconds 2] [--min-rounds 20] [--unit-ms 5] (mobiprox.h, mpx_measure).\n"
    "Outcomes come from --repeat passes over the data after --warmup batches (default 1); opTimes are their\n"
    "milliseconds per batch and energy is read over them. Latencies and speedups come from the measurement:\n"
    "all timed configurations in rounds in this process, configuration 0 the speedups' baseline; with\n"
    "--op-times, each timing record has every op's measured time per sample and speedup (\"opTimes\").\n"
    "profile --save-outputs-dir writes DIR/<index>.npy per configuration. --reuse-prefix runs each batch\n"
    "exactly once, then every configuration from its first approximated op only (outcomes only, nothing\n"
    "timed) and prints the records when all are done.\n"
    "calibrate runs the exact configuration over the data and prints, per convolution, its input's range and\n"
    "the quantisation its int8 knobs take (\"q\": the token of a configuration line, FORMAT.md).\n";

static void die(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("mpxrun: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(code);
}

typedef struct {
    const char *command, *model, *input, *labels, *configs, *config, *save, *only, *timed, *save_dir;
    int batch, threads, limit, warmup, repeat, op_times, probabilities, per_sample, reuse_prefix;
    mpx_measure_options timing;
} options;

static double parse_positive(const char *option, const char *value) {
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    if (!*value || *end || errno || !(v > 0) || !isfinite(v)) die(EXIT_USAGE, "%s %s: expected a positive number", option, value);
    return v;
}

static int parse_count(const char *option, const char *value, int min) {
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (!*value || *end || errno || v < min || v > INT_MAX)
        die(EXIT_USAGE, "%s %s: expected an integer of at least %d", option, value, min);
    return (int)v;
}

static options parse_options(int argc, char **argv) {
    options o = {.batch = 1, .threads = 0, .limit = -1, .warmup = 1, .repeat = 1};
    if (argc < 3) die(EXIT_USAGE, "missing command or model\n%s", usage);
    o.command = argv[1];
    o.model = argv[2];
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        int flag = 1;
        if (!strcmp(a, "--op-times")) o.op_times = 1;
        else if (!strcmp(a, "--probabilities")) o.probabilities = 1;
        else if (!strcmp(a, "--per-sample")) o.per_sample = 1;
        else if (!strcmp(a, "--reuse-prefix")) o.reuse_prefix = 1;
        else flag = 0;
        if (flag) continue;
        static const char *const valued[] = {"--input", "--labels", "--configs", "--config", "--save-outputs",
                                             "--only", "--batch", "--threads", "--limit", "--warmup", "--repeat",
                                             "--save-outputs-dir", "--timed", "--target", "--max-seconds", "--min-seconds",
                                             "--min-rounds", "--unit-ms"};
        int known = 0;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++) known |= !strcmp(a, valued[k]);
        if (!known) die(EXIT_USAGE, "unknown option %s\n%s", a, usage);
        if (i + 1 >= argc) die(EXIT_USAGE, "%s needs a value\n%s", a, usage);
        const char *v = argv[++i];
        if (!strcmp(a, "--input")) o.input = v;
        else if (!strcmp(a, "--labels")) o.labels = v;
        else if (!strcmp(a, "--configs")) o.configs = v;
        else if (!strcmp(a, "--config")) o.config = v;
        else if (!strcmp(a, "--save-outputs")) o.save = v;
        else if (!strcmp(a, "--only")) o.only = v;
        else if (!strcmp(a, "--save-outputs-dir")) o.save_dir = v;
        else if (!strcmp(a, "--timed")) o.timed = v;
        else if (!strcmp(a, "--target")) o.timing.target = parse_positive(a, v);
        else if (!strcmp(a, "--max-seconds")) o.timing.max_seconds = parse_positive(a, v);
        else if (!strcmp(a, "--min-seconds")) o.timing.min_seconds = parse_positive(a, v);
        else if (!strcmp(a, "--unit-ms")) o.timing.unit_ms = parse_positive(a, v);
        else if (!strcmp(a, "--min-rounds")) o.timing.min_rounds = parse_count(a, v, 1);
        else if (!strcmp(a, "--batch")) o.batch = parse_count(a, v, 1);
        else if (!strcmp(a, "--threads")) o.threads = parse_count(a, v, 0);
        else if (!strcmp(a, "--limit")) o.limit = parse_count(a, v, 1);
        else if (!strcmp(a, "--warmup")) o.warmup = parse_count(a, v, 0);
        else o.repeat = parse_count(a, v, 1);
    }
    o.timing.batch = o.batch;
    return o;
}

/* ---- JSON output ------------------------------------------------------------------------------------ */
/* Mean of a running sum, null (NaN) over an empty set. */
static double mean_of(double sum, long n) { return n ? sum / (double)n : NAN; }

/* ---- data ------------------------------------------------------------------------------------------- */
typedef struct {
    npy_array x, y;
    int n;                      /* samples used (after --limit) */
    int has_labels;
} dataset;

static void load_data(const options *o, mpx_model *m, dataset *d) {
    char err[512];
    if (!o->input) die(EXIT_USAGE, "--input X.npy is required");
    if (npy_read(o->input, &d->x, err, sizeof err)) die(EXIT_USAGE, "%s", err);
    if (d->x.dtype != NPY_F32) die(EXIT_USAGE, "%s: input must be float32", o->input);
    if (d->x.rank < 1 || d->x.dims[0] == 0) die(EXIT_USAGE, "%s: input has no samples (N == 0)", o->input);
    size_t per = d->x.count / d->x.dims[0];
    if (per != mpx_input_size(m))
        die(EXIT_USAGE, "%s: a sample has %zu values but the model input %s takes %zu", o->input, per,
            mpx_input_name(m), mpx_input_size(m));
    if (d->x.dims[0] > INT_MAX) die(EXIT_USAGE, "%s: too many samples", o->input);
    d->n = (int)d->x.dims[0];
    if (o->limit > 0 && o->limit < d->n) d->n = o->limit;
    const float *x = d->x.data;
    for (size_t i = 0; i < (size_t)d->n * per; i++)
        if (!isfinite(x[i]))
            die(EXIT_USAGE, "%s: value %zu (sample %zu) is %s", o->input, i, i / per, isnan(x[i]) ? "NaN" : "infinite");
    if (!o->labels) return;
    if (npy_read(o->labels, &d->y, err, sizeof err)) die(EXIT_USAGE, "%s", err);
    if (d->y.dtype == NPY_F32) die(EXIT_USAGE, "%s: labels must be int32 or int64, not float32", o->labels);
    if (d->y.rank != 1 || d->y.dims[0] != d->x.dims[0])
        die(EXIT_USAGE, "%s: labels must have shape [%zu] to match %s", o->labels, d->x.dims[0], o->input);
    size_t classes = mpx_output_size(m, 0);
    for (int i = 0; i < d->n; i++) {
        long long label = d->y.dtype == NPY_I32 ? ((const int *)d->y.data)[i] : ((const long long *)d->y.data)[i];
        if (label < 0 || (unsigned long long)label >= classes)
            die(EXIT_USAGE, "%s: label %d is %lld, outside the model's %zu outputs", o->labels, i, label, classes);
    }
    d->has_labels = 1;
}

static long long label_of(const dataset *d, int i) {
    return d->y.dtype == NPY_I32 ? ((const int *)d->y.data)[i] : ((const long long *)d->y.data)[i];
}

/* ---- running ---------------------------------------------------------------------------------------- */
typedef struct {
    float *outputs;             /* n × output size */
    long batches;               /* batches run by the passes, for op times */
    double joules;              /* < 0: not measured */
} run_result;

static void infer(mpx_model *m, const float *x, int batch, float *y) {
    if (mpx_infer(m, x, batch, y)) die(EXIT_RUNTIME, "inference failed: %s", mpx_last_error(m));
}

/* Warm-up batches, then `repeat` passes over the data for the outputs (those of the last pass are kept),
 * the op times and the energy. Nothing here is a latency: those come from measure_configs. */
static void run_pass(mpx_model *m, const options *o, const dataset *d, run_result *r, int measure_energy) {
    size_t in = mpx_input_size(m), out = mpx_output_size(m, 0);
    const float *x = d->x.data;
    int first = o->batch < d->n ? o->batch : d->n;
    for (int w = 0; w < o->warmup; w++) infer(m, x, first, r->outputs);
    mpx_reset_op_timing(m);
    mpx_set_op_timing(m, o->op_times);
    energy_meter *meter = measure_energy ? energy_start() : NULL;
    for (int rep = 0; rep < o->repeat; rep++)
        for (int s = 0; s < d->n; s += o->batch, r->batches++) {
            int b = d->n - s < o->batch ? d->n - s : o->batch;
            infer(m, x + (size_t)s * in, b, r->outputs + (size_t)s * out);
        }
    r->joules = meter ? energy_stop(meter) : -1.0;
    mpx_set_op_timing(m, 0);
}

/* The timing of configurations[0..count) measured together; configurations[0] is the baseline. With op_ms
 * and op_speedup (count × mpx_op_count entries), each op's as well. */
static mpx_measurement *measure_configs(mpx_model *m, const options *o, const dataset *d, const int *configurations,
                                        int count, mpx_interval *op_ms, mpx_interval *op_speedup) {
    mpx_measurement *t = calloc((size_t)count, sizeof *t);
    if (!t) die(EXIT_RUNTIME, "out of memory");
    mpx_measure_options timing = o->timing;
    timing.op_ms = op_ms;
    timing.op_speedup = op_speedup;
    if (mpx_measure(m, configurations, count, d->x.data, d->n, &timing, t))
        die(EXIT_RUNTIME, "timing failed: %s", mpx_last_error(m));
    return t;
}

static void print_interval(const char *key, mpx_interval i) {
    printf("\"%s\":{\"estimate\":", key);
    json_number(i.estimate);
    printf(",\"low\":");
    json_number(i.low);
    printf(",\"high\":");
    json_number(i.high);
    putchar('}');
}

/* "latencyMsPerSample" (the estimate) and "timing", the measurement with its intervals and provenance. */
static void print_timing(const mpx_measurement *t, int threads) {
    printf("\"latencyMsPerSample\":");
    json_number(t->latency_ms.estimate);
    printf(",\"timing\":{\"method\":\"interleaved-rounds\",\"clock\":\"%s\",", threads == 1 ? "thread-cpu" : "wall");
    print_interval("latencyMsPerSample", t->latency_ms);
    putchar(',');
    print_interval("cpuMsPerSample", t->cpu_ms);
    putchar(',');
    print_interval("wallMsPerSample", t->wall_ms);
    putchar(',');
    print_interval("speedup", t->speedup);
    printf(",\"cyclesPerSample\":");
    json_number(t->cycles);
    printf(",\"instructionsPerSample\":");
    json_number(t->instructions);
    printf(",\"rounds\":%d,\"samplesPerUnit\":%d,\"converged\":%s,\"cpu\":", t->rounds, t->samples_per_unit,
           t->converged ? "true" : "false");
    json_string(mpx_cpu_name());
    printf(",\"kernels\":");
    json_string(mpx_kernels_name());
    printf(",\"int8Kernels\":");
    json_string(mpx_int8_kernels_name());
    putchar('}');
}

/* "opTimes" of a timing record: each op's CPU time per sample and speedup over the baseline's, as measured. */
static void print_op_timing(const mpx_model *m, const mpx_interval *ms, const mpx_interval *speedup) {
    printf(",\"opTimes\":[");
    for (int i = 0; i < mpx_op_count(m); i++) {
        printf(i ? ",{\"name\":" : "{\"name\":");
        json_string(mpx_op_name(m, i));
        putchar(',');
        print_interval("msPerSample", ms[i]);
        putchar(',');
        print_interval("speedup", speedup[i]);
        putchar('}');
    }
    putchar(']');
}

static void print_op_times(const mpx_model *m, long batches) {
    printf(",\"opTimes\":[");
    for (int i = 0; i < mpx_op_count(m); i++) {
        printf(i ? ",{\"name\":" : "{\"name\":");
        json_string(mpx_op_name(m, i));
        printf(",\"ms\":");
        json_number(mpx_op_seconds(m, i) * 1e3 / (double)batches);
        putchar('}');
    }
    putchar(']');
}

/* The outputs of configuration `index` as DIR/<index>.npy, written under a temporary name and renamed so
 * that a reader never sees half a file. */
static void save_outputs(mpx_model *m, const char *dir, int index, const float *outputs, int n) {
    char path[4096], tmp[4200], err[512];
    size_t dims[9] = {(size_t)n};
    int rank = mpx_output_dims(m, 0, dims + 1, 8);
    snprintf(path, sizeof path, "%s/%d.npy", dir, index);
    snprintf(tmp, sizeof tmp, "%s/.%d.npy.%ld.tmp", dir, index, (long)getpid());
    if (npy_write_f32(tmp, outputs, dims, rank + 1, err, sizeof err)) die(EXIT_RUNTIME, "--save-outputs-dir %s", err);
    if (rename(tmp, path)) die(EXIT_RUNTIME, "--save-outputs-dir: cannot rename %s to %s: %s", tmp, path, strerror(errno));
}

static int argmax(const float *v, size_t n) {
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return (int)best;
}

/* Max softmax probability of a row of outputs (or the max itself when the outputs are probabilities). */
static double confidence(const float *v, size_t n, int probabilities) {
    double max = v[argmax(v, n)];
    if (probabilities) return max;
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += exp((double)v[i] - max);
    return 1.0 / sum;
}

static int count_correct(const dataset *d, const float *outputs, size_t out) {
    int correct = 0;
    for (int i = 0; i < d->n; i++) correct += argmax(outputs + (size_t)i * out, out) == label_of(d, i);
    return correct;
}

static int threads_used(int requested) {
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return requested > 0 ? requested : online > 0 ? (int)online : 1;
}

static mpx_model *open_model(const options *o) {
    mpx_model *m = mpx_create_from_file(o->model, o->threads);
    if (!m) die(EXIT_USAGE, "%s", mpx_last_error(NULL));
    if (o->configs && mpx_load_configs_file(m, o->configs)) die(EXIT_USAGE, "%s", mpx_last_error(m));
    return m;
}

static int find_config(mpx_model *m, const char *spec) {
    char *end;
    long index = strtol(spec, &end, 10);
    if (*spec && !*end) {
        if (index < 0 || index >= mpx_config_count(m))
            die(EXIT_USAGE, "--config %s: index outside 0..%d", spec, mpx_config_count(m) - 1);
        return (int)index;
    }
    for (int i = 0; i < mpx_config_count(m); i++)
        if (!strcmp(mpx_config_name(m, i), spec)) return i;
    die(EXIT_USAGE, "--config %s: no configuration of that name", spec);
    return -1;
}

static void set_config(mpx_model *m, int index) {
    if (mpx_set_config(m, index)) die(EXIT_RUNTIME, "configuration %d: %s", index, mpx_last_error(m));
}

static float *alloc_outputs(mpx_model *m, int n) {
    float *p = malloc(sizeof(float) * mpx_output_size(m, 0) * (size_t)n + 1);
    if (!p) die(EXIT_RUNTIME, "out of memory for %d outputs", n);
    return p;
}

static int command_run(const options *o) {
    mpx_model *m = open_model(o);
    int index = o->config ? find_config(m, o->config) : 0;
    dataset d = {0};
    load_data(o, m, &d);
    set_config(m, index);
    run_result r = {.outputs = alloc_outputs(m, d.n)};
    run_pass(m, o, &d, &r, 0);
    mpx_measurement *t = o->timed && !strcmp(o->timed, "none") ? NULL : measure_configs(m, o, &d, &index, 1, NULL, NULL);
    size_t out = mpx_output_size(m, 0);
    if (o->save) {
        size_t dims[9] = {(size_t)d.n};
        int rank = mpx_output_dims(m, 0, dims + 1, 8);
        char err[512];
        if (npy_write_f32(o->save, r.outputs, dims, rank + 1, err, sizeof err)) die(EXIT_RUNTIME, "%s", err);
    }
    printf("{\"config\":");
    json_string(mpx_config_name(m, index));
    printf(",\"configIndex\":%d,\"samples\":%d,\"batch\":%d,\"threads\":%d,", index, d.n, o->batch,
           threads_used(o->threads));
    if (d.has_labels) {
        int correct = count_correct(&d, r.outputs, out);
        printf("\"accuracy\":");
        json_number(100.0 * correct / d.n);
        printf(",\"correct\":%d,", correct);
    }
    if (t) print_timing(t, threads_used(o->threads));
    else printf("\"timed\":false");
    if (o->op_times) print_op_times(m, r.batches);
    printf("}\n");
    free(t);
    free(r.outputs);
    npy_free(&d.x);
    npy_free(&d.y);
    mpx_destroy(m);
    return 0;
}

/* --only "0,3,5" -> flags per configuration (all without a spec). */
static void parse_only(const char *option, const char *spec, int count, unsigned char *selected) {
    memset(selected, spec ? 0 : 1, (size_t)count);
    if (!spec) return;
    for (const char *p = spec; *p;) {
        char *end;
        errno = 0;
        long i = strtol(p, &end, 10);
        if (end == p || errno || (*end && *end != ','))
            die(EXIT_USAGE, "%s %s: expected comma-separated configuration indexes", option, spec);
        if (i < 0 || i >= count) die(EXIT_USAGE, "%s %s: index %ld outside 0..%d", option, spec, i, count - 1);
        selected[i] = 1;
        p = *end ? end + 1 : end;
    }
}

typedef struct {
    double sum, sum_correct, sum_wrong;
    long n, n_correct, n_wrong;
} confidence_stats;

static void add_confidence(confidence_stats *s, double c, int correct) {
    s->sum += c;
    s->n++;
    if (correct) s->sum_correct += c, s->n_correct++;
    else s->sum_wrong += c, s->n_wrong++;
}

static void print_confidence_fields(const confidence_stats *s) {
    printf("\"mean\":");
    json_number(mean_of(s->sum, s->n));
    printf(",\"correct\":");
    json_number(mean_of(s->sum_correct, s->n_correct));
    printf(",\"wrong\":");
    json_number(mean_of(s->sum_wrong, s->n_wrong));
}

/* One streamed record of configuration `index`: its outcomes over the data (the timing follows later). */
static void print_profile_record(mpx_model *m, const options *o, const dataset *d, int index, const run_result *r,
                                 confidence_stats *per_class) {
    size_t out = mpx_output_size(m, 0);
    const float *outputs = r->outputs;
    if (o->save_dir) save_outputs(m, o->save_dir, index, outputs, d->n);
    confidence_stats all = {0};
    memset(per_class, 0, sizeof *per_class * out);
    int correct = 0;
    for (int i = 0; i < d->n; i++) {
        const float *row = outputs + (size_t)i * out;
        int predicted = argmax(row, out), ok = predicted == label_of(d, i);
        double c = confidence(row, out, o->probabilities);
        correct += ok;
        add_confidence(&all, c, ok);
        add_confidence(&per_class[predicted], c, ok);
    }
    printf("{\"type\":\"config\",\"index\":%d,\"name\":", index);
    json_string(mpx_config_name(m, index));
    printf(",\"samples\":%d,\"accuracy\":", d->n);
    json_number(100.0 * correct / d->n);
    printf(",\"correct\":%d", correct);
    if (o->op_times) print_op_times(m, r->batches);
    if (o->per_sample) {
        printf(",\"predictions\":[");
        for (int i = 0; i < d->n; i++) printf(i ? ",%d" : "%d", argmax(outputs + (size_t)i * out, out));
        printf("],\"confidences\":[");
        for (int i = 0; i < d->n; i++) {
            if (i) putchar(',');
            json_number(confidence(outputs + (size_t)i * out, out, o->probabilities));
        }
        putchar(']');
    }
    printf(",\"confidence\":{");
    print_confidence_fields(&all);
    printf(",\"perClass\":[");
    for (size_t k = 0; k < out; k++) {
        printf(k ? ",{" : "{");
        print_confidence_fields(&per_class[k]);
        putchar('}');
    }
    printf("]},\"energyJoules\":");
    json_number(r->joules >= 0 ? r->joules : NAN);
    printf("}\n");
    fflush(stdout);
}

static void profile_config(mpx_model *m, const options *o, const dataset *d, int index, float *outputs,
                           confidence_stats *per_class) {
    set_config(m, index);
    run_result r = {.outputs = outputs};
    run_pass(m, o, d, &r, 1);
    print_profile_record(m, o, d, index, &r, per_class);
}

/* --reuse-prefix: batch by batch, the exact configuration once, then every selected configuration from its
 * first approximated op, latest first, so that each re-run finds the exact results of the ops before it
 * (no earlier re-run has touched them). */
static void profile_incremental(mpx_model *m, const options *o, const dataset *d, const unsigned char *selected,
                                confidence_stats *per_class) {
    int count = mpx_config_count(m), n_sel = 0;
    size_t in = mpx_input_size(m), out = mpx_output_size(m, 0);
    if (mpx_keep_activations(m, 1)) die(EXIT_RUNTIME, "--reuse-prefix: %s", mpx_last_error(m));
    int *order = malloc(sizeof(int) * (size_t)count), *first = malloc(sizeof(int) * (size_t)count);
    run_result *results = calloc((size_t)count, sizeof *results);
    if (!order || !first || !results) die(EXIT_RUNTIME, "out of memory");
    for (int i = 0; i < count; i++)
        if (selected[i]) {
            order[n_sel++] = i;
            first[i] = mpx_config_first_op(m, i);
            results[i].outputs = alloc_outputs(m, d->n);
        }
    for (int a = 1; a < n_sel; a++) /* insertion sort by descending first op; stable */
        for (int b = a; b > 0 && first[order[b - 1]] < first[order[b]]; b--) {
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    const float *x = d->x.data;
    for (int s = 0; s < d->n; s += o->batch) {
        int b = d->n - s < o->batch ? d->n - s : o->batch;
        set_config(m, 0);
        infer(m, x + (size_t)s * in, b, NULL);
        for (int k = 0; k < n_sel; k++) {
            int i = order[k];
            set_config(m, i);
            if (mpx_infer_from(m, x + (size_t)s * in, b, first[i], results[i].outputs + (size_t)s * out))
                die(EXIT_RUNTIME, "inference failed: %s", mpx_last_error(m));
        }
    }
    for (int k = 0; k < n_sel; k++) {
        results[order[k]].joules = -1.0;
        print_profile_record(m, o, d, order[k], &results[order[k]], per_class);
        free(results[order[k]].outputs);
    }
    free(order);
    free(first);
    free(results);
}

/* The timing records of the flagged configurations, measured together with configuration 0 (the
 * baseline; its record is printed only when it is flagged). */
static void print_timing_records(mpx_model *m, const options *o, const dataset *d, const unsigned char *timed) {
    int count = mpx_config_count(m), n = 0;
    int *list = malloc(sizeof(int) * (size_t)count);
    if (!list) die(EXIT_RUNTIME, "out of memory");
    list[n++] = 0;
    for (int i = 1; i < count; i++)
        if (timed[i]) list[n++] = i;
    if (n == 1 && !timed[0]) {
        free(list);
        return;
    }
    size_t ops = (size_t)mpx_op_count(m);
    mpx_interval *op_ms = o->op_times ? malloc(sizeof *op_ms * ops * (size_t)n) : NULL;
    mpx_interval *op_speedup = o->op_times ? malloc(sizeof *op_speedup * ops * (size_t)n) : NULL;
    if (o->op_times && (!op_ms || !op_speedup)) die(EXIT_RUNTIME, "out of memory");
    mpx_measurement *t = measure_configs(m, o, d, list, n, op_ms, op_speedup);
    for (int k = 0; k < n; k++) {
        if (!timed[list[k]]) continue;
        printf("{\"type\":\"timing\",\"index\":%d,\"name\":", list[k]);
        json_string(mpx_config_name(m, list[k]));
        printf(",\"threads\":%d,\"batch\":%d,", threads_used(o->threads), o->batch);
        print_timing(&t[k], threads_used(o->threads));
        if (o->op_times) print_op_timing(m, op_ms + k * ops, op_speedup + k * ops);
        printf("}\n");
    }
    fflush(stdout);
    free(t);
    free(op_ms);
    free(op_speedup);
    free(list);
}

static int command_profile(const options *o) {
    if (!o->labels) die(EXIT_USAGE, "profile needs --labels Y.npy");
    if (!o->configs) die(EXIT_USAGE, "profile needs --configs FILE");
    if (o->reuse_prefix && o->op_times) die(EXIT_USAGE, "--reuse-prefix runs suffixes only: it excludes --op-times");
    if (o->reuse_prefix && o->timed) die(EXIT_USAGE, "--reuse-prefix runs suffixes only: nothing is timed (no --timed)");
    if (o->save_dir) {
        struct stat st;
        if (stat(o->save_dir, &st) || !S_ISDIR(st.st_mode) || access(o->save_dir, W_OK))
            die(EXIT_USAGE, "--save-outputs-dir %s: not a writable folder", o->save_dir);
    }
    mpx_model *m = open_model(o);
    dataset d = {0};
    load_data(o, m, &d);
    int count = mpx_config_count(m), done = 0;
    unsigned char *selected = malloc((size_t)count), *timed = malloc((size_t)count);
    float *outputs = alloc_outputs(m, d.n);
    confidence_stats *per_class = malloc(sizeof *per_class * mpx_output_size(m, 0));
    if (!selected || !timed || !per_class) die(EXIT_RUNTIME, "out of memory");
    parse_only("--only", o->only, count, selected);
    if (o->timed && !strcmp(o->timed, "none")) memset(timed, 0, (size_t)count);
    else if (o->timed) parse_only("--timed", o->timed, count, timed);
    else memcpy(timed, selected, (size_t)count);
    if (o->reuse_prefix) {
        profile_incremental(m, o, &d, selected, per_class);
        for (int i = 0; i < count; i++) done += selected[i];
    } else {
        for (int i = 0; i < count; i++)
            if (selected[i]) {
                profile_config(m, o, &d, i, outputs, per_class);
                done++;
            }
        print_timing_records(m, o, &d, timed);
    }
    printf("{\"type\":\"done\",\"count\":%d}\n", done);
    fflush(stdout);
    free(selected);
    free(timed);
    free(outputs);
    free(per_class);
    npy_free(&d.x);
    npy_free(&d.y);
    mpx_destroy(m);
    return 0;
}

/* The timing of the --only configurations (all by default) without outcomes: no labels needed. */
static int command_measure(const options *o) {
    if (!o->configs) die(EXIT_USAGE, "measure needs --configs FILE");
    mpx_model *m = open_model(o);
    dataset d = {0};
    load_data(o, m, &d);
    int count = mpx_config_count(m);
    unsigned char *timed = malloc((size_t)count);
    if (!timed) die(EXIT_RUNTIME, "out of memory");
    parse_only("--only", o->only, count, timed);
    print_timing_records(m, o, &d, timed);
    printf("{\"type\":\"done\"}\n");
    free(timed);
    npy_free(&d.x);
    npy_free(&d.y);
    mpx_destroy(m);
    return 0;
}

/* The exact configuration over the data with range tracking, then one record per convolution slot. */
static int command_calibrate(const options *o) {
    mpx_model *m = open_model(o);
    dataset d = {0};
    load_data(o, m, &d);
    size_t per = mpx_input_size(m);
    mpx_set_range_tracking(m, 1);
    for (int s = 0; s < d.n; s += o->batch) {
        int b = d.n - s < o->batch ? d.n - s : o->batch;
        infer(m, (const float *)d.x.data + (size_t)s * per, b, NULL);
    }
    printf("{\"type\":\"calibration\",\"samples\":%d,\"layers\":[", d.n);
    int first = 1;
    for (int l = 0; l < mpx_layer_count(m); l++) {
        int op = mpx_layer_slot_op(m, l, 0);
        float lo, hi, scale;
        int zero;
        if (mpx_op_input_quant(m, op, &lo, &hi, &scale, &zero)) continue;
        printf(first ? "{\"layer\":%d,\"op\":" : ",{\"layer\":%d,\"op\":", l + 1);
        first = 0;
        json_string(mpx_op_name(m, op));
        printf(",\"min\":%.9g,\"max\":%.9g,\"q\":\"q=%.9g,%d\"}", lo, hi, scale, zero);
    }
    printf("]}\n");
    npy_free(&d.x);
    mpx_destroy(m);
    return 0;
}

static void print_dims(const size_t *dims, int rank) {
    putchar('[');
    for (int i = 0; i < rank; i++) printf(i ? ",%zu" : "%zu", dims[i]);
    putchar(']');
}

static int command_info(const options *o) {
    mpx_model *m = open_model(o);
    size_t dims[8];
    int rank = mpx_input_dims(m, dims, 8);
    printf("{\"input\":{\"name\":");
    json_string(mpx_input_name(m));
    printf(",\"dims\":");
    print_dims(dims, rank);
    printf(",\"size\":%zu},\"outputs\":[", mpx_input_size(m));
    for (int k = 0; k < mpx_output_count(m); k++) {
        rank = mpx_output_dims(m, k, dims, 8);
        printf(k ? ",{\"name\":" : "{\"name\":");
        json_string(mpx_output_name(m, k));
        printf(",\"dims\":");
        print_dims(dims, rank);
        printf(",\"size\":%zu}", mpx_output_size(m, k));
    }
    printf("],\"ops\":%d,\"layers\":[", mpx_op_count(m));
    for (int l = 0; l < mpx_layer_count(m); l++) {
        printf(l ? ",{\"index\":%d,\"slots\":[" : "{\"index\":%d,\"slots\":[", l + 1);
        for (int s = 0; s < mpx_layer_slot_count(m, l); s++) {
            int op = mpx_layer_slot_op(m, l, s);
            printf(s ? ",{\"op\":" : "{\"op\":");
            json_string(mpx_layer_slot_name(m, l, s));
            printf(",\"opIndex\":%d,\"opName\":", op);
            json_string(mpx_op_name(m, op));
            putchar('}');
        }
        printf("]}");
    }
    printf("],\"configs\":[");
    for (int i = 0; i < mpx_config_count(m); i++) {
        if (i) putchar(',');
        json_string(mpx_config_name(m, i));
    }
    printf("],\"cpu\":");
    json_string(mpx_cpu_name());
    printf(",\"kernels\":");
    json_string(mpx_kernels_name());
    printf(",\"int8Kernels\":");
    json_string(mpx_int8_kernels_name());
    printf("}\n");
    mpx_destroy(m);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage, stdout);
        return 0;
    }
    options o = parse_options(argc, argv);
    if (!strcmp(o.command, "run")) return command_run(&o);
    if (!strcmp(o.command, "profile")) return command_profile(&o);
    if (!strcmp(o.command, "measure")) return command_measure(&o);
    if (!strcmp(o.command, "calibrate")) return command_calibrate(&o);
    if (!strcmp(o.command, "info")) return command_info(&o);
    die(EXIT_USAGE, "unknown command %s\n%s", o.command, usage);
    return EXIT_USAGE;
}
