/* End-to-end tests of the executor: the models written by make_test_model.py are run under every
 * configuration and compared with the outputs that script computed by plain loops from FORMAT.md and
 * src/core/DESIGN.md; then configuration parsing, switching, batching and load errors.
 *     test_runtime DIR   (DIR holds cnn.* and ops.* from make_test_model.py) */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mobiprox.h"
#include "measure_clock.h" /* a test double of the measurement's clock */
#include "model.h" /* the memory plan's internals */

static int passed, failed;

#define CHECK(cond, ...)                                                                                       \
    do {                                                                                                       \
        if (cond) {                                                                                            \
            passed++;                                                                                          \
        } else {                                                                                               \
            failed++;                                                                                          \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                        \
            printf(__VA_ARGS__);                                                                               \
            printf("\n");                                                                                      \
        }                                                                                                      \
    } while (0)

static char *read_file(const char *dir, const char *name, size_t *size) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("cannot open %s (run make_test_model.py %s first)\n", path, dir);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc(*size + 1);
    if (!data || fread(data, 1, *size, f) != *size) exit(2);
    data[*size] = 0;
    fclose(f);
    return data;
}

static float max_error(const float *a, const float *b, size_t n) {
    float worst = 0;
    for (size_t i = 0; i < n; i++) {
        float e = fabsf(a[i] - b[i]);
        if (!(e <= worst)) worst = e; /* NaN counts as worst */
    }
    return worst;
}

/* Every configuration, the whole set as one batch and sample by sample, against the reference outputs. */
static void test_model_outputs(const char *dir, const char *name, const float *tolerance_by_config) {
    char file[256];
    size_t size, in_bytes, expected_bytes, config_size;
    snprintf(file, sizeof file, "%s.mpxm", name);
    char *model_data = read_file(dir, file, &size);
    mpx_model *m = mpx_create_from_buffer(model_data, size, 2);
    CHECK(m != NULL, "%s loads: %s", name, mpx_last_error(NULL));
    if (!m) return;
    snprintf(file, sizeof file, "%s.configs", name);
    char *configs = read_file(dir, file, &config_size);
    CHECK(mpx_load_configs(m, configs, config_size) == 0, "%s configs: %s", name, mpx_last_error(m));
    snprintf(file, sizeof file, "%s.input.f32", name);
    float *input = (float *)read_file(dir, file, &in_bytes);
    snprintf(file, sizeof file, "%s.expected.f32", name);
    float *expected = (float *)read_file(dir, file, &expected_bytes);
    size_t in = mpx_input_size(m), out = mpx_output_size(m, 0);
    int n = (int)(in_bytes / sizeof(float) / in), configs_n = mpx_config_count(m);
    CHECK(expected_bytes == sizeof(float) * out * (size_t)n * (size_t)configs_n,
          "%s: %d configurations x %d samples x %zu outputs in the reference", name, configs_n, n, out);
    float *y = malloc(sizeof(float) * out * (size_t)n);
    for (int c = 0; c < configs_n && expected_bytes >= sizeof(float) * out * n * (size_t)(c + 1); c++) {
        const float *want = expected + (size_t)c * out * n;
        CHECK(mpx_set_config(m, c) == 0, "%s set %d: %s", name, c, mpx_last_error(m));
        CHECK(mpx_infer(m, input, n, y) == 0, "%s infer: %s", name, mpx_last_error(m));
        float e = max_error(y, want, out * n);
        CHECK(e <= tolerance_by_config[c], "%s %s batch %d: max error %g > %g", name, mpx_config_name(m, c), n, e,
              tolerance_by_config[c]);
        for (int s = 0; s < n; s++) {
            mpx_infer(m, input + (size_t)s * in, 1, y);
            e = max_error(y, want + (size_t)s * out, out);
            CHECK(e <= tolerance_by_config[c], "%s %s sample %d alone: max error %g", name, mpx_config_name(m, c), s, e);
        }
    }
    /* Switching back and forth gives the same numbers as the first time. */
    if (configs_n > 3) {
        float *again = malloc(sizeof(float) * out * (size_t)n);
        mpx_set_config(m, 3);
        mpx_infer(m, input, n, y);
        mpx_set_config(m, 0);
        mpx_infer(m, input, n, again);
        mpx_set_config(m, 3);
        mpx_infer(m, input, n, again);
        CHECK(memcmp(y, again, sizeof(float) * out * n) == 0, "%s: config 3 after 0 gives the same outputs", name);
        CHECK(mpx_get_config(m) == 3, "%s: current config is 3", name);
        free(again);
    }
    CHECK(mpx_output(m, 0) != NULL, "%s: mpx_output after infer", name);
    free(y);
    free(expected);
    free(input);
    free(configs);
    mpx_destroy(m);
    free(model_data);
}

static const char *const layer_lines =
    "1 cpu conv fp32 11 add fp32 11 relu fp32 11 pool_max fp32 11\n2 cpu mul fp32 11 add fp32 11\n";

/* Bad configuration texts are rejected with the configuration's name and line, and the old set is kept. */
static void test_config_errors(const char *dir) {
    size_t size;
    char *data = read_file(dir, "cnn.mpxm", &size);
    mpx_model *m = mpx_create_from_buffer(data, size, 1);
    if (!m) return;
    static const struct {
        const char *text, *needle;
    } cases[] = {
        {"0.0\n+++++\nbad 1 1 1 1\n1 cpu conv fp32 11 add fp32 11 relu fp32 11 pool_max fp32 11\n"
         "2 cpu mul fp32 11 add fp32 11\n3 cpu relu fp32 11\n-----\n", "bad line 6"},
        {"0.0\n+++++\nbad 1 1 1 1\n1 cpu conv fp32 11 add perf 121 relu fp32 11 pool_max fp32 11\n", "perf 121"},
        {"0.0\n+++++\nbad 1 1 1 1\n1 cpu conv fp16 11 add fp32 11 relu fp32 11 pool_max fp32 11\n", "is fp32, not fp16"},
        {"0.0\n+++++\nbad 1 1 1 1\n1 cpu conv perf 121 add fp32 11 relu fp32 11\n", "lists 3 ops"},
        {"0.0\n+++++\nbad 1 1 1 1\n1 cpu conv fp32 11 add fp32 11 relu fp32 11 pool_max fp32 11\n-----\n", "layer 2"},
        {"0.0\n+++++\nbad 1 1 1\n", "header has 3 numbers"},
        {"0.0\nconf1 1 1 1 1\n", "+++++"},
        {"zero\n", "baseline"},
        /* a message quotes the line, not the text after it */
        {"zero\n+++++\n", "found \"zero\""},
        {"0.0\n-----\n+++++\n", "found \"-----\""},
        {"0.0\n+++++\nbad 1 1 1 1\n1 cpu conv samp 299 add fp32 11 relu fp32 11 pool_max fp32 11\n", "unknown knob id 299"},
        /* an int8 knob carries its input's quantisation */
        {"0.0\n+++++\nbad 1 1 1 1\n1 cpu conv int8 311 add fp32 11 relu fp32 11 pool_max fp32 11\n", "found \"add\""},
        {"0.0\n+++++\nbad 1 1 1 1\n1 cpu conv int8 311 q=0.1,64 add fp32 11 relu fp32 11 pool_max fp32 11\n",
         "zero 0 or 128"},
        {"0.0\n+++++\nbad 1 1 1 1\n1 cpu conv perf_int8 323 q=-1,0 add fp32 11 relu fp32 11 pool_max fp32 11\n",
         "int8 knob 323 needs its input quantisation"},
        {"0.0\n+++++\nbad 1 1 1 1\n1 cpu conv int8 311 q=nan,128 add fp32 11 relu fp32 11 pool_max fp32 11\n",
         "q=<scale>,<zero>"},
        {"0.0\n+++++\nbad 1 1 1 1\n1 cpu conv int8 311 q=0.5 add fp32 11 relu fp32 11 pool_max fp32 11\n", "q=0.5"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = mpx_load_configs(m, cases[i].text, strlen(cases[i].text));
        CHECK(rc == -1 && strstr(mpx_last_error(m), cases[i].needle), "config case %zu: error \"%s\" lacks \"%s\"", i,
              mpx_last_error(m), cases[i].needle);
        CHECK(mpx_config_count(m) == 1, "config case %zu keeps the previous set", i);
    }
    /* A file starting with an exact configuration keeps it as index 0 under its own name. */
    char text[1024];
    snprintf(text, sizeof text, "0.0\n+++++\nbase 1 1 1 0\n%s3 cpu softmax fp32 11\n-----\n+++++\nfast 2 1 1 1\n"
                                "1 cpu conv perf_fp16 151 add fp16 12 relu fp16 12 pool_max fp16 12\n"
                                "2 cpu mul fp16 12 add fp16 12\n3 cpu softmax fp16 12\n-----\n", layer_lines);
    CHECK(mpx_load_configs(m, text, strlen(text)) == 0, "exact-first configs load: %s", mpx_last_error(m));
    CHECK(mpx_config_count(m) == 2 && !strcmp(mpx_config_name(m, 0), "base"), "exact first config is index 0");
    CHECK(mpx_set_config(m, 2) == -1 && strstr(mpx_last_error(m), "index 2"), "set_config out of range");
    snprintf(text, sizeof text, "0.0\n+++++\nq8 2 1 1 1\n1 cpu conv samp_int8 341 q=0.02,128 add fp32 11 relu fp32 11 "
                                "pool_max fp32 11\n2 cpu mul fp32 11 add fp32 11\n3 cpu softmax fp32 11\n-----\n");
    CHECK(mpx_load_configs(m, text, strlen(text)) == 0 && mpx_set_config(m, 1) == 0, "an int8 configuration loads and is set: %s",
          mpx_last_error(m));
    mpx_destroy(m);
    free(data);
}

static uint32_t crc32_ieee(const unsigned char *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = crc & 1 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    }
    return crc ^ 0xFFFFFFFFu;
}

static void reseal(unsigned char *p, size_t n) {
    uint32_t crc = crc32_ieee(p, n - 4);
    memcpy(p + n - 4, &crc, 4);
}

/* Targeted corruptions name the field at fault. */
static void test_load_errors(const char *dir) {
    size_t size;
    unsigned char *data = (unsigned char *)read_file(dir, "cnn.mpxm", &size);
    unsigned char *copy = malloc(size);
    struct {
        size_t offset;
        unsigned value;
        int reseal;
        const char *needle;
    } cases[] = {
        {0, 'X', 0, "magic"},
        {4, 2, 1, "version is 2"},
        {100, 0x5A, 0, "checksum"},
        {12, 0, 1, "n_tensors is 0"},
        {24, 2, 1, "n_inputs is 2"},
        {36, 1, 1, "reserved header field"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(copy, data, size);
        copy[cases[i].offset] = (unsigned char)cases[i].value;
        if (cases[i].reseal) reseal(copy, size);
        mpx_model *m = mpx_create_from_buffer(copy, size, 1);
        CHECK(!m && strstr(mpx_last_error(NULL), cases[i].needle), "load case %zu: \"%s\" lacks \"%s\"", i,
              mpx_last_error(NULL), cases[i].needle);
        mpx_destroy(m);
    }
    mpx_model *m = mpx_create_from_buffer(data, size - 1, 1);
    CHECK(!m && strstr(mpx_last_error(NULL), "file_size"), "truncation: %s", mpx_last_error(NULL));
    /* The first op's first input id sits right after the op's fixed fields: make it 99 and reseal. */
    uint32_t strings, n_tensors;
    memcpy(&n_tensors, data + 12, 4);
    memcpy(&strings, data + 32, 4);
    size_t pos = 48 + strings;
    for (uint32_t t = 0; t < n_tensors; t++) {
        unsigned rank = data[pos + 6], kind = data[pos + 4];
        pos += 8 + 4 * rank + (kind ? 8 : 0);
    }
    pos += 4 + 4; /* input and the one output */
    memcpy(copy, data, size);
    uint32_t bad = 99;
    memcpy(copy + pos + 12, &bad, 4);
    reseal(copy, size);
    m = mpx_create_from_buffer(copy, size, 1);
    CHECK(!m && strstr(mpx_last_error(NULL), "op 0 (conv1/Conv) input 0 is tensor 99 but the file has"),
          "bad tensor id: %s", mpx_last_error(NULL));
    mpx_destroy(m);
    CHECK(!mpx_create_from_file("/nonexistent/model.mpxm", 1) && strstr(mpx_last_error(NULL), "/nonexistent/model.mpxm"),
          "missing file is named");
    free(copy);
    free(data);
}

/* Liveness planning: in conv -> pool -> flatten -> dense -> softmax, two buffers suffice (the flatten is an
 * alias, dense reuses the conv's buffer, softmax the pool's); after warm-up, inference allocates nothing. */
static void test_memory_plan(const char *dir) {
    size_t size;
    char *data = read_file(dir, "cnn.mpxm", &size);
    mpx_model *m = mpx_create_from_buffer(data, size, 1);
    if (!m) return;
    CHECK(m->n_buffers == 2, "cnn activations use %d buffers, expected 2", m->n_buffers);
    /* conv output 108 and pool output 27 floats, each rounded up to 16 floats (64 bytes) */
    CHECK(m->buffer_start[m->n_buffers] == 112 + 32, "per-sample arena is %zu floats, expected 144",
          m->buffer_start[m->n_buffers]);
    float *x = calloc(72 * 4, sizeof(float)), y[16];
    mpx_infer(m, x, 4, y);
    const float *arena = m->arena;
    const void *workspace = m->workspace;
    for (int b = 1; b <= 4; b++) mpx_infer(m, x, b, y);
    CHECK(m->arena == arena && m->workspace == workspace && m->capacity == 4, "smaller batches reuse the buffers");
    free(x);
    mpx_destroy(m);
    free(data);
}

/* The cnn test model with its configurations and input, for the measurement tests. */
typedef struct {
    char *data, *configs;
    float *input;
    mpx_model *m;
    int n; /* samples in the input */
} cnn_fixture;

static void close_cnn(cnn_fixture *f) {
    mpx_destroy(f->m);
    free(f->input);
    free(f->configs);
    free(f->data);
}

static int open_cnn(const char *dir, cnn_fixture *f) {
    size_t size, config_size, in_bytes;
    f->data = read_file(dir, "cnn.mpxm", &size);
    f->configs = read_file(dir, "cnn.configs", &config_size);
    f->input = (float *)read_file(dir, "cnn.input.f32", &in_bytes);
    f->m = mpx_create_from_buffer(f->data, size, 1);
    CHECK(f->m && mpx_load_configs(f->m, f->configs, config_size) == 0, "cnn loads with its configurations");
    if (!f->m) {
        close_cnn(f);
        return -1;
    }
    f->n = (int)(in_bytes / sizeof(float) / mpx_input_size(f->m));
    return 0;
}


/* A batch run a few samples at a time (to keep activations in cache) gives the whole batch's results bit for bit,
 * in `output` and through mpx_output, in every configuration (a rest shorter than a chunk goes with the chunk
 * before it). */
static void test_chunks(const char *dir) {
    cnn_fixture f;
    if (open_cnn(dir, &f)) return;
    mpx_model *m = f.m;
    const int n = 11; /* the fixture's samples over again */
    size_t in = mpx_input_size(m), out = mpx_output_size(m, 0);
    float *x = malloc(sizeof(float) * n * in), *whole = malloc(sizeof(float) * n * out),
          *chunked = malloc(sizeof(float) * n * out);
    for (int i = 0; i < n; i++) memcpy(x + i * in, f.input + (size_t)(i % f.n) * in, sizeof(float) * in);
    for (int c = 0; c < mpx_config_count(m); c++) {
        mpx_set_config(m, c);
        m->chunk = 0; /* chosen from the plan: the whole of a batch this small */
        CHECK(mpx_infer(m, x, n, whole) == 0, "config %d: %s", c, mpx_last_error(m));
        m->chunk = 4; /* 4, then 7 */
        CHECK(mpx_infer(m, x, n, chunked) == 0, "config %d chunked: %s", c, mpx_last_error(m));
        CHECK(memcmp(whole, chunked, sizeof(float) * n * out) == 0 &&
                  memcmp(mpx_output(m, 0), whole, sizeof(float) * n * out) == 0,
              "config %d: chunks give the batch's outputs", c);
    }
    free(x);
    free(whole);
    free(chunked);
    close_cnn(&f);
}

/* The measurement's contract: every interval holds its estimate, the baseline's speedup is exactly 1,
 * conf7 (exact again, the same work as conf0) measures as neither faster nor slower beyond the method's
 * noise, the configuration set before is restored, and bad arguments are refused. No absolute time is
 * asserted: only the ratio of identical work. */
static void test_measure(const char *dir) {
    cnn_fixture f;
    if (open_cnn(dir, &f)) return;
    mpx_model *m = f.m;
    const float *input = f.input;
    int n = f.n;
    const int list[] = {0, 3, 7};
    mpx_measurement t[3];
    mpx_measure_options o = {.batch = 2, .unit_ms = 1, .min_rounds = 20, .max_seconds = 5, .min_seconds = 0.2};
    mpx_set_config(m, 5);
    CHECK(mpx_measure(m, list, 3, input, n, &o, t) == 0, "measure: %s", mpx_last_error(m));
    CHECK(mpx_get_config(m) == 5, "measure restores the configuration that was set (%d)", mpx_get_config(m));
    for (int c = 0; c < 3; c++) {
        const mpx_interval *i[] = {&t[c].latency_ms, &t[c].cpu_ms, &t[c].wall_ms, &t[c].speedup};
        for (int k = 0; k < 4; k++)
            CHECK(i[k]->low <= i[k]->estimate && i[k]->estimate <= i[k]->high && i[k]->low > 0,
                  "config %d interval %d: %g [%g, %g]", list[c], k, i[k]->estimate, i[k]->low, i[k]->high);
        CHECK(t[c].rounds >= 20 && t[c].samples_per_unit >= 2, "config %d: %d rounds of %d samples", list[c], t[c].rounds,
              t[c].samples_per_unit);
        CHECK(t[c].latency_ms.estimate == t[c].cpu_ms.estimate, "one thread: the latency is the CPU time");
    }
    CHECK(t[0].speedup.estimate == 1 && t[0].speedup.low == 1 && t[0].speedup.high == 1, "the baseline's speedup is 1");
    CHECK(t[2].speedup.estimate > 0.9 && t[2].speedup.estimate < 1.1, "identical work: speedup %g", t[2].speedup.estimate);
    const int bad[] = {0, 99};
    CHECK(mpx_measure(m, bad, 2, input, n, &o, t) == -1 && strstr(mpx_last_error(m), "configuration 99"),
          "an unknown configuration is refused: %s", mpx_last_error(m));
    CHECK(mpx_measure(m, list, 3, input, 0, &o, t) == -1, "no samples is refused");
    CHECK(strcmp(mpx_cpu_name(), "") != 0 && strcmp(mpx_kernels_name(), "") != 0, "the CPU and kernels are named");
    close_cnn(&f);
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Per-op times: every op of every configuration gets an interval holding its estimate; the baseline's ops have
 * speedup exactly 1; the ops' times add up to the inference's (they are timed inside it); identical work (conf7)
 * has ops neither faster nor slower beyond the method's noise; and the counters of the caller's own op timing
 * come back as they were. No absolute time is asserted. */
static void test_measure_ops(const char *dir) {
    cnn_fixture f;
    if (open_cnn(dir, &f)) return;
    mpx_model *m = f.m;
    int ops = mpx_op_count(m);
    mpx_set_op_timing(m, 1);
    mpx_set_config(m, 0);
    CHECK(mpx_infer(m, f.input, 2, NULL) == 0, "infer: %s", mpx_last_error(m));
    double *before = malloc(sizeof(double) * (size_t)ops), *ratios = malloc(sizeof(double) * (size_t)ops);
    for (int i = 0; i < ops; i++) before[i] = mpx_op_seconds(m, i);
    const int list[] = {0, 3, 7};
    mpx_measurement t[3];
    mpx_interval *ms = malloc(sizeof *ms * 3 * (size_t)ops), *speedup = malloc(sizeof *speedup * 3 * (size_t)ops);
    mpx_measure_options o = {.batch = 2, .unit_ms = 1, .min_rounds = 20, .max_seconds = 5, .min_seconds = 0.2,
                             .op_ms = ms, .op_speedup = speedup};
    CHECK(mpx_measure(m, list, 3, f.input, f.n, &o, t) == 0, "measure with op times: %s", mpx_last_error(m));
    for (int c = 0; c < 3; c++) {
        double sum = 0;
        for (int i = 0; i < ops; i++) {
            const mpx_interval *a = &ms[c * ops + i], *b = &speedup[c * ops + i];
            CHECK(a->low <= a->estimate && a->estimate <= a->high && a->low > 0 && b->low <= b->estimate &&
                      b->estimate <= b->high && b->low > 0,
                  "config %d op %s: %g ms [%g, %g], speedup %g [%g, %g]", list[c], mpx_op_name(m, i), a->estimate,
                  a->low, a->high, b->estimate, b->low, b->high);
            sum += a->estimate;
        }
        CHECK(sum > 0.3 * t[c].cpu_ms.estimate && sum < 1.1 * t[c].cpu_ms.estimate,
              "config %d: its ops take %g of its %g ms per sample", list[c], sum, t[c].cpu_ms.estimate);
    }
    for (int i = 0; i < ops; i++) {
        CHECK(speedup[i].estimate == 1 && speedup[i].low == 1 && speedup[i].high == 1, "baseline op %d: speedup 1", i);
        ratios[i] = speedup[2 * ops + i].estimate;
    }
    qsort(ratios, (size_t)ops, sizeof *ratios, compare_double);
    CHECK(ratios[ops / 2] > 0.8 && ratios[ops / 2] < 1.25, "identical work: the ops' median speedup is %g", ratios[ops / 2]);
    int kept = 1;
    for (int i = 0; i < ops; i++) kept &= mpx_op_seconds(m, i) == before[i];
    CHECK(kept, "the caller's op counters are kept");
    free(before);
    free(ratios);
    free(ms);
    free(speedup);
    close_cnn(&f);
}

/* A machine that slows steadily while it measures (each timed unit 1 % slower than the one before, 2.2×
 * by the end), as a test double of the unit clock: configuration c's unit costs cost[c] × that drift. A
 * method that timed configurations one after the other would see the last one measured as the slowest;
 * interleaved, rotated rounds with paired ratios must give the true speedups, and each round must start
 * with the next configuration in turn. */
typedef struct {
    const mpx_model *m;
    const double *cost; /* by configuration index */
    double t;
    int started, units;
    int order[512];
} drifting_clock;

static double drifting_cpu(const mpx_pool *pool, void *ctx) {
    (void)pool;
    drifting_clock *c = ctx;
    if (!c->started) {
        if (c->units < 512) c->order[c->units] = mpx_get_config(c->m);
        c->started = 1;
        return c->t;
    }
    c->t += c->cost[mpx_get_config(c->m)] * (1.0 + 0.01 * c->units++);
    c->started = 0;
    return c->t;
}

static double drifting_wall(void *ctx) { return ((drifting_clock *)ctx)->t; }

static void test_measure_interleaving(const char *dir) {
    cnn_fixture f;
    if (open_cnn(dir, &f)) return;
    mpx_model *m = f.m;
    const float *input = f.input;
    int n = f.n;
    double cost[8] = {0};
    cost[0] = 2e-3, cost[3] = 1e-3, cost[5] = 4e-3;
    drifting_clock clock = {.m = m, .cost = cost};
    mpx_unit_clock fake = {drifting_cpu, drifting_wall, &clock};
    mpx_measure_set_unit_clock(&fake);
    const int list[] = {0, 3, 5};
    mpx_measurement t[3];
    mpx_measure_options o = {.min_rounds = 40, .max_rounds = 40, .min_seconds = 0.001, .target = 0.5};
    int rc = mpx_measure(m, list, 3, input, n, &o, t);
    mpx_measure_set_unit_clock(NULL);
    CHECK(rc == 0 && t[0].rounds == 40, "measure under a drifting clock: %s", mpx_last_error(m));
    const double expected[] = {1.0, 2.0, 0.5};
    for (int c = 0; c < 3; c++)
        CHECK(fabs(t[c].speedup.estimate / expected[c] - 1) < 0.02, "configuration %d: speedup %g, expected %g",
              list[c], t[c].speedup.estimate, expected[c]);
    int rotated = clock.units == 120;
    for (int r = 0; r < 40 && rotated; r++)
        for (int k = 0; k < 3; k++) rotated &= clock.order[3 * r + k] == list[(r + k) % 3];
    CHECK(rotated, "every round runs each configuration once, starting with the next in turn (%d units)", clock.units);
    close_cnn(&f);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        printf("usage: test_runtime DIR\n");
        return 2;
    }
    /* Outputs are probabilities below 1. fp32: float32 summation order. fp16: one binary16 ulp in [0.5, 1),
     * for a result that sits at a rounding boundary (perforation interpolates before or after rounding).
     * cnn: conf0 exact; conf1-4 perforation and sampling in fp32; conf5-6 fp16; conf7 exact again.
     * ops: conf0 exact, conf1 every slot in fp16. */
    const float fp32 = 1e-6f, fp16 = 1.0f / 2048;
    const float cnn_tolerance[] = {fp32, fp32, fp32, fp32, fp32, fp16, fp16, fp32};
    const float ops_tolerance[] = {fp32, fp16};
    test_model_outputs(argv[1], "cnn", cnn_tolerance);
    test_model_outputs(argv[1], "ops", ops_tolerance);
    test_config_errors(argv[1]);
    test_memory_plan(argv[1]);
    test_chunks(argv[1]);
    test_measure(argv[1]);
    test_measure_interleaving(argv[1]);
    test_measure_ops(argv[1]);
    test_load_errors(argv[1]);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
