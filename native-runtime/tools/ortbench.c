/* ortbench: times onnxruntime through its C API the way mpxrun times Mobiprox (README, "How speed is
 * measured"), so that bench:runtime compares the two engines without a language binding in between.
 *
 * It dlopen()s the libonnxruntime.so.1 named on the command line (onnxruntime-node ships one); the C API
 * header is not shipped, so the few functions used are called by their index in the OrtApi table, which
 * onnxruntime only ever appends to (include/onnxruntime/core/session/onnxruntime_c_api.h; the indices
 * below are those of ORT_API_VERSION 13 and hold for every later version). One session, one thread
 * (intra-op 1, inter-op 1, sequential, all graph optimizations): onnxruntime then runs each node on the
 * calling thread, whose CPU clock is the one read. After a warm-up, R rounds each time one unit, a run of
 * batches long enough to last --unit-ms; the JSON printed holds the medians over rounds, per sample, with
 * their order-statistic 95 % intervals (ranks n/2 ∓ 0.98√n, as mpx_measure). Exit status 2 on any error. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "npy.h"

#define EXIT_ERROR 2
#define MAX_BATCHES_PER_UNIT 100000
#define ORT_API_VERSION_USED 13

static const char usage[] =
    "usage: ortbench MODEL.onnx --ort LIBONNXRUNTIME.so.1 --input X.npy [--batch B] [--rounds R] [--unit-ms 5]\n"
    "                [--limit N] [--warmup W]\n"
    "Runs the model with onnxruntime's C API on one thread, W untimed units (default 1), then R rounds\n"
    "(default 20) of one timed unit each: full batches of B samples of X (the first N) taken in turn, as many\n"
    "as last --unit-ms. Prints JSON: cpuMsPerSample (CPU time of the calling thread), wallMsPerSample and\n"
    "processCpuMsPerSample, each {estimate, low, high}: the median over rounds and its 95 % interval.\n";

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("ortbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(EXIT_ERROR);
}

/* ---- The subset of the C API used, by index into the OrtApi table ------------------------------------- */
typedef struct OrtStatus OrtStatus;
typedef struct OrtEnv OrtEnv;
typedef struct OrtSession OrtSession;
typedef struct OrtSessionOptions OrtSessionOptions;
typedef struct OrtValue OrtValue;
typedef struct OrtTypeInfo OrtTypeInfo;
typedef struct OrtTensorTypeAndShapeInfo OrtTensorTypeAndShapeInfo;
typedef struct OrtMemoryInfo OrtMemoryInfo;
typedef struct OrtAllocator OrtAllocator;
typedef void (*ort_fn)(void);
typedef struct {
    const ort_fn *(*GetApi)(uint32_t version); /* returns the OrtApi, a table of function pointers */
    const char *(*GetVersionString)(void);
} OrtApiBase;

enum { /* OrtApi members, in declaration order */
    ORT_GET_ERROR_MESSAGE = 2,
    ORT_CREATE_ENV = 3,
    ORT_CREATE_SESSION = 7,
    ORT_RUN = 9,
    ORT_CREATE_SESSION_OPTIONS = 10,
    ORT_SET_SESSION_EXECUTION_MODE = 13,
    ORT_SET_SESSION_GRAPH_OPTIMIZATION_LEVEL = 23,
    ORT_SET_INTRA_OP_NUM_THREADS = 24,
    ORT_SET_INTER_OP_NUM_THREADS = 25,
    ORT_SESSION_GET_INPUT_COUNT = 30,
    ORT_SESSION_GET_OUTPUT_COUNT = 31,
    ORT_SESSION_GET_INPUT_TYPE_INFO = 33,
    ORT_SESSION_GET_INPUT_NAME = 36,
    ORT_SESSION_GET_OUTPUT_NAME = 37,
    ORT_CREATE_TENSOR_WITH_DATA_AS_ORT_VALUE = 49,
    ORT_CAST_TYPE_INFO_TO_TENSOR_INFO = 55,
    ORT_GET_TENSOR_ELEMENT_TYPE = 60,
    ORT_GET_DIMENSIONS_COUNT = 61,
    ORT_GET_DIMENSIONS = 62,
    ORT_CREATE_CPU_MEMORY_INFO = 69,
    ORT_ALLOCATOR_FREE = 76,
    ORT_GET_ALLOCATOR_WITH_DEFAULT_OPTIONS = 78,
    ORT_RELEASE_ENV = 92,
    ORT_RELEASE_STATUS = 93,
    ORT_RELEASE_MEMORY_INFO = 94,
    ORT_RELEASE_SESSION = 95,
    ORT_RELEASE_VALUE = 96,
    ORT_RELEASE_TYPE_INFO = 98,
    ORT_RELEASE_SESSION_OPTIONS = 100,
};
enum { ORT_LOGGING_LEVEL_ERROR = 3, ORT_SEQUENTIAL = 0, ORT_ENABLE_ALL = 99 };
enum { ORT_ARENA_ALLOCATOR = 1, ORT_MEM_TYPE_DEFAULT = 0, ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT = 1 };

static const ort_fn *api;
#define ORT(index, type) ((type)api[index])

typedef const char *(*get_error_message_fn)(const OrtStatus *);
typedef void (*release_fn)(void *);

/* Dies with onnxruntime's message when `status` is an error. */
static void check(OrtStatus *status, const char *what) {
    if (!status) return;
    char message[1024];
    snprintf(message, sizeof message, "%s", ORT(ORT_GET_ERROR_MESSAGE, get_error_message_fn)(status));
    ORT(ORT_RELEASE_STATUS, release_fn)(status);
    die("%s: %s", what, message);
}

/* ---- Options ------------------------------------------------------------------------------------------ */
typedef struct {
    const char *model, *ort, *input;
    int batch, rounds, limit, warmup;
    double unit_ms;
} options;

static int parse_count(const char *option, const char *value, int min) {
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (!*value || *end || errno || v < min || v > INT_MAX) die("%s %s: expected an integer of at least %d", option, value, min);
    return (int)v;
}

static options parse_options(int argc, char **argv) {
    options o = {.batch = 1, .rounds = 20, .limit = -1, .warmup = 1, .unit_ms = 5};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        exit(argc < 2 ? EXIT_ERROR : 0);
    }
    o.model = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        static const char *const valued[] = {"--ort", "--input", "--batch", "--rounds", "--unit-ms", "--limit", "--warmup"};
        int known = 0;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++) known |= !strcmp(a, valued[k]);
        if (!known) die("unknown option %s\n%s", a, usage);
        if (i + 1 >= argc) die("%s needs a value\n%s", a, usage);
        const char *v = argv[++i];
        if (!strcmp(a, "--ort")) o.ort = v;
        else if (!strcmp(a, "--input")) o.input = v;
        else if (!strcmp(a, "--batch")) o.batch = parse_count(a, v, 1);
        else if (!strcmp(a, "--rounds")) o.rounds = parse_count(a, v, 1);
        else if (!strcmp(a, "--limit")) o.limit = parse_count(a, v, 1);
        else if (!strcmp(a, "--warmup")) o.warmup = parse_count(a, v, 0);
        else {
            char *end;
            errno = 0;
            o.unit_ms = strtod(v, &end);
            if (!*v || *end || errno || !(o.unit_ms > 0) || !isfinite(o.unit_ms)) die("--unit-ms %s: expected a positive number", v);
        }
    }
    if (!o.ort) die("--ort LIBONNXRUNTIME.so.1 is required (onnxruntime-node ships it under bin/napi-v*/<os>/<arch>/)\n%s", usage);
    if (!o.input) die("--input X.npy is required\n%s", usage);
    return o;
}

/* ---- Clocks and estimators ---------------------------------------------------------------------------- */
static double seconds(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Prints "name":{estimate,low,high}: the median of v[0..n) and the order statistics of ranks n/2 ∓ 0.98√n
 * (mpx_measure's distribution-free 95 % interval). Sorts v. */
static void print_median_interval(const char *name, double *v, int n) {
    qsort(v, (size_t)n, sizeof(double), compare_doubles);
    double half = 0.98 * sqrt((double)n);
    int lo = (int)floor(n / 2.0 - half), hi = (int)ceil(n / 2.0 + half);
    if (lo < 0) lo = 0;
    if (hi > n - 1) hi = n - 1;
    double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    printf("\"%s\":{\"estimate\":%.9g,\"low\":%.9g,\"high\":%.9g}", name, median, v[lo], v[hi]);
}

/* ---- The run ------------------------------------------------------------------------------------------ */
typedef OrtStatus *(*run_fn)(OrtSession *, const void *run_options, const char *const *input_names,
                             const OrtValue *const *inputs, size_t input_count, const char *const *output_names,
                             size_t output_count, OrtValue **outputs);

typedef struct {
    OrtSession *session;
    const char *input_name;
    char **output_names;
    size_t outputs;
    OrtValue **batches; /* one input tensor per full batch of the data */
    OrtValue **results;
    int n_batches, per_unit;
} bench;

/* Runs the unit of round `round`: per_unit batches taken in turn, the same for every round's position. */
static void run_unit(const bench *b, long long round) {
    for (int j = 0; j < b->per_unit; j++) {
        const OrtValue *input = b->batches[(round * b->per_unit + j) % b->n_batches];
        for (size_t k = 0; k < b->outputs; k++) b->results[k] = NULL;
        check(ORT(ORT_RUN, run_fn)(b->session, NULL, &b->input_name, &input, 1, (const char *const *)b->output_names,
                                   b->outputs, b->results),
              "run");
        for (size_t k = 0; k < b->outputs; k++) ORT(ORT_RELEASE_VALUE, release_fn)(b->results[k]);
    }
}

int main(int argc, char **argv) {
    options o = parse_options(argc, argv);

    void *library = dlopen(o.ort, RTLD_NOW | RTLD_LOCAL);
    if (!library) die("cannot load onnxruntime from %s: %s", o.ort, dlerror());
    const OrtApiBase *(*get_api_base)(void);
    *(void **)&get_api_base = dlsym(library, "OrtGetApiBase");
    if (!get_api_base) die("%s has no OrtGetApiBase: not an onnxruntime library", o.ort);
    const OrtApiBase *base = get_api_base();
    const char *version = base->GetVersionString();
    api = base->GetApi(ORT_API_VERSION_USED);
    if (!api) die("onnxruntime %s at %s does not provide C API version %d", version, o.ort, ORT_API_VERSION_USED);

    npy_array x;
    char err[512];
    if (npy_read(o.input, &x, err, sizeof err)) die("%s", err);
    if (x.dtype != NPY_F32) die("%s: float32 expected", o.input);
    if (x.rank < 1 || x.dims[0] < 1) die("%s: no samples", o.input);

    OrtEnv *env;
    OrtSessionOptions *so;
    OrtSession *session;
    check(ORT(ORT_CREATE_ENV, OrtStatus *(*)(int, const char *, OrtEnv **))(ORT_LOGGING_LEVEL_ERROR, "ortbench", &env),
          "creating the environment");
    check(ORT(ORT_CREATE_SESSION_OPTIONS, OrtStatus *(*)(OrtSessionOptions **))(&so), "session options");
    check(ORT(ORT_SET_INTRA_OP_NUM_THREADS, OrtStatus *(*)(OrtSessionOptions *, int))(so, 1), "intra-op threads");
    check(ORT(ORT_SET_INTER_OP_NUM_THREADS, OrtStatus *(*)(OrtSessionOptions *, int))(so, 1), "inter-op threads");
    check(ORT(ORT_SET_SESSION_EXECUTION_MODE, OrtStatus *(*)(OrtSessionOptions *, int))(so, ORT_SEQUENTIAL), "execution mode");
    check(ORT(ORT_SET_SESSION_GRAPH_OPTIMIZATION_LEVEL, OrtStatus *(*)(OrtSessionOptions *, int))(so, ORT_ENABLE_ALL),
          "graph optimization level");
    char what[1100];
    snprintf(what, sizeof what, "loading the model %s", o.model);
    check(ORT(ORT_CREATE_SESSION, OrtStatus *(*)(OrtEnv *, const char *, OrtSessionOptions *, OrtSession **))(
              env, o.model, so, &session),
          what);

    /* The model's one float input, its shape against the data's. */
    size_t n_inputs, n_outputs;
    check(ORT(ORT_SESSION_GET_INPUT_COUNT, OrtStatus *(*)(OrtSession *, size_t *))(session, &n_inputs), "input count");
    check(ORT(ORT_SESSION_GET_OUTPUT_COUNT, OrtStatus *(*)(OrtSession *, size_t *))(session, &n_outputs), "output count");
    if (n_inputs != 1) die("%s: %zu inputs; ortbench feeds models with one input", o.model, n_inputs);
    OrtTypeInfo *type_info;
    const OrtTensorTypeAndShapeInfo *tensor_info;
    int element_type;
    size_t rank;
    int64_t dims[8];
    check(ORT(ORT_SESSION_GET_INPUT_TYPE_INFO, OrtStatus *(*)(OrtSession *, size_t, OrtTypeInfo **))(session, 0, &type_info),
          "input type");
    check(ORT(ORT_CAST_TYPE_INFO_TO_TENSOR_INFO, OrtStatus *(*)(const OrtTypeInfo *, const OrtTensorTypeAndShapeInfo **))(
              type_info, &tensor_info),
          "input type");
    if (!tensor_info) die("%s: the input is not a tensor", o.model);
    check(ORT(ORT_GET_TENSOR_ELEMENT_TYPE, OrtStatus *(*)(const OrtTensorTypeAndShapeInfo *, int *))(tensor_info, &element_type),
          "input element type");
    check(ORT(ORT_GET_DIMENSIONS_COUNT, OrtStatus *(*)(const OrtTensorTypeAndShapeInfo *, size_t *))(tensor_info, &rank),
          "input rank");
    if (element_type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) die("%s: the input is not float32", o.model);
    if (rank < 1 || rank > 8) die("%s: input of rank %zu not supported", o.model, rank);
    check(ORT(ORT_GET_DIMENSIONS, OrtStatus *(*)(const OrtTensorTypeAndShapeInfo *, int64_t *, size_t))(tensor_info, dims, rank),
          "input shape");
    ORT(ORT_RELEASE_TYPE_INFO, release_fn)(type_info);

    char model_shape[160] = "", data_shape[160] = "";
    for (size_t d = 0; d < rank; d++)
        snprintf(model_shape + strlen(model_shape), sizeof model_shape - strlen(model_shape), "%s%lld", d ? "," : "",
                 (long long)dims[d]);
    for (int d = 0; d < x.rank; d++)
        snprintf(data_shape + strlen(data_shape), sizeof data_shape - strlen(data_shape), "%s%zu", d ? "," : "", x.dims[d]);
    int matches = (size_t)x.rank == rank;
    for (size_t d = 1; matches && d < rank; d++) matches = dims[d] < 0 || (size_t)dims[d] == x.dims[d];
    if (!matches)
        die("input size mismatch: %s has shape [%s], the model's input is [%s] (a negative dimension is free)", o.input,
            data_shape, model_shape);
    if (dims[0] >= 0 && dims[0] != o.batch)
        die("the model's batch dimension is fixed at %lld: --batch %d cannot run", (long long)dims[0], o.batch);

    size_t samples = x.dims[0], per_sample = x.count / x.dims[0];
    if (o.limit > 0 && (size_t)o.limit < samples) samples = (size_t)o.limit;
    if (samples < (size_t)o.batch) die("%zu samples: fewer than one batch of %d", samples, o.batch);

    bench b = {.session = session, .outputs = n_outputs, .n_batches = (int)(samples / (size_t)o.batch), .per_unit = 1};
    OrtAllocator *allocator;
    OrtMemoryInfo *memory;
    char *input_name;
    check(ORT(ORT_GET_ALLOCATOR_WITH_DEFAULT_OPTIONS, OrtStatus *(*)(OrtAllocator **))(&allocator), "allocator");
    check(ORT(ORT_SESSION_GET_INPUT_NAME, OrtStatus *(*)(OrtSession *, size_t, OrtAllocator *, char **))(session, 0, allocator,
                                                                                                         &input_name),
          "input name");
    b.input_name = input_name;
    b.output_names = calloc(n_outputs, sizeof *b.output_names);
    b.results = calloc(n_outputs, sizeof *b.results);
    b.batches = calloc((size_t)b.n_batches, sizeof *b.batches);
    if (!b.output_names || !b.results || !b.batches) die("out of memory");
    for (size_t k = 0; k < n_outputs; k++)
        check(ORT(ORT_SESSION_GET_OUTPUT_NAME, OrtStatus *(*)(OrtSession *, size_t, OrtAllocator *, char **))(
                  session, k, allocator, &b.output_names[k]),
              "output name");
    check(ORT(ORT_CREATE_CPU_MEMORY_INFO, OrtStatus *(*)(int, int, OrtMemoryInfo **))(ORT_ARENA_ALLOCATOR, ORT_MEM_TYPE_DEFAULT,
                                                                                       &memory),
          "memory info");
    int64_t shape[8];
    shape[0] = o.batch;
    for (size_t d = 1; d < rank; d++) shape[d] = (int64_t)x.dims[d];
    size_t batch_floats = (size_t)o.batch * per_sample;
    for (int i = 0; i < b.n_batches; i++)
        check(ORT(ORT_CREATE_TENSOR_WITH_DATA_AS_ORT_VALUE,
                  OrtStatus *(*)(const OrtMemoryInfo *, void *, size_t, const int64_t *, size_t, int, OrtValue **))(
                  memory, (float *)x.data + (size_t)i * batch_floats, batch_floats * sizeof(float), shape, rank,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &b.batches[i]),
              "input tensor");

    /* Calibrate the unit as mpx_measure does: one batch warms up, the next is timed. */
    run_unit(&b, 0);
    double t0 = seconds(CLOCK_MONOTONIC);
    run_unit(&b, 1);
    double once = (seconds(CLOCK_MONOTONIC) - t0) * 1e3;
    b.per_unit = once > 0 ? (int)ceil(o.unit_ms / once) : MAX_BATCHES_PER_UNIT;
    if (b.per_unit > MAX_BATCHES_PER_UNIT) b.per_unit = MAX_BATCHES_PER_UNIT;
    for (int w = 0; w < o.warmup; w++) run_unit(&b, 0);

    double *cpu = malloc(sizeof(double) * (size_t)o.rounds), *wall = malloc(sizeof(double) * (size_t)o.rounds),
           *process = malloc(sizeof(double) * (size_t)o.rounds);
    if (!cpu || !wall || !process) die("out of memory");
    double per_round = (double)b.per_unit * o.batch;
    for (int r = 0; r < o.rounds; r++) {
        double p0 = seconds(CLOCK_PROCESS_CPUTIME_ID), c0 = seconds(CLOCK_THREAD_CPUTIME_ID), w0 = seconds(CLOCK_MONOTONIC);
        run_unit(&b, r);
        double w1 = seconds(CLOCK_MONOTONIC), c1 = seconds(CLOCK_THREAD_CPUTIME_ID), p1 = seconds(CLOCK_PROCESS_CPUTIME_ID);
        cpu[r] = (c1 - c0) * 1e3 / per_round;
        wall[r] = (w1 - w0) * 1e3 / per_round;
        process[r] = (p1 - p0) * 1e3 / per_round;
    }

    printf("{\"engine\":\"onnxruntime\",\"version\":");
    json_string(version);
    printf(",\"api\":\"C\",\"model\":");
    json_string(o.model);
    printf(",\"batch\":%d,\"threads\":1,\"samples\":%zu,\"samplesPerUnit\":%d,\"rounds\":%d,\"clock\":\"thread-cpu\",",
           o.batch, (size_t)b.n_batches * (size_t)o.batch, b.per_unit * o.batch, o.rounds);
    print_median_interval("cpuMsPerSample", cpu, o.rounds);
    putchar(',');
    print_median_interval("wallMsPerSample", wall, o.rounds);
    putchar(',');
    print_median_interval("processCpuMsPerSample", process, o.rounds);
    printf("}\n");
    fflush(stdout);

    for (int i = 0; i < b.n_batches; i++) ORT(ORT_RELEASE_VALUE, release_fn)(b.batches[i]);
    typedef OrtStatus *(*allocator_free_fn)(OrtAllocator *, void *);
    for (size_t k = 0; k < n_outputs; k++) check(ORT(ORT_ALLOCATOR_FREE, allocator_free_fn)(allocator, b.output_names[k]), "free");
    check(ORT(ORT_ALLOCATOR_FREE, allocator_free_fn)(allocator, input_name), "free");
    ORT(ORT_RELEASE_MEMORY_INFO, release_fn)(memory);
    ORT(ORT_RELEASE_SESSION, release_fn)(session);
    ORT(ORT_RELEASE_SESSION_OPTIONS, release_fn)(so);
    ORT(ORT_RELEASE_ENV, release_fn)(env);
    free(cpu);
    free(wall);
    free(process);
    free(b.batches);
    free(b.results);
    free(b.output_names);
    npy_free(&x);
    return 0;
}
