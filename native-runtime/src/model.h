/* Internal representation of a loaded model, shared by the loader, the planner, the configuration parser
 * and the op families. One op family = one file (ops_*.c); each exports an mpx_op_kind per op type.
 * The loader's, the planner's and the configuration parser's own entry points, which the public API
 * (runtime.c) calls, are declared in format.h, plan_memory.h and config.h. */
#ifndef MPX_MODEL_H
#define MPX_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "format_table.h"
#include "kernels.h"
#include "mobiprox.h"

#define MPX_MAX_RANK (MPX_FORMAT_MAX_RANK + 1) /* the stored rank, plus the batch axis */
#define MPX_ERROR_SIZE 512
/* Activations of one sample may not need more than this (checked at load, batch 1). */
#define MPX_MAX_SAMPLE_BYTES ((size_t)1 << 30)

/* Op types (MPX_OP_*), tensor kinds (MPX_TENSOR_*) and slot parts (MPX_PART_*) are the file's codes:
 * format_table.h, generated from native-runtime/format.tsv. */
enum { MPX_KNOB_FP32 = 11, MPX_KNOB_FP16 = 12 };

typedef struct {
    const char *name;
    int kind;                 /* MPX_TENSOR_* */
    int rank;                 /* stored rank: per sample for activations */
    int64_t dims[MPX_FORMAT_MAX_RANK];
    size_t count;             /* elements per sample (activation) or in total (constant) */
    const float *data;        /* constants */
    int producer;             /* op writing it; -1 for the graph input and constants */
    int last_use;             /* last op reading it (liveness) */
    int root;                 /* tensor whose storage it shares (RESHAPE aliases); itself otherwise */
    int buffer;               /* activation buffer of its root; -1 for the caller's input */
} mpx_tensor;

/* A cached kernel plan, keyed by the knobs it was built for. */
typedef struct {
    uint64_t key;
    void *plan;
} mpx_plan_entry;

typedef struct mpx_op {
    int type;
    const char *name;
    int n_in, n_out, n_iattr, n_fattr;
    int64_t *in;              /* tensor ids, -1 for an absent optional input */
    int64_t *out;
    int32_t *iattr;
    float *fattr;
    uint16_t knob[MPX_PART_COUNT]; /* knob ids of the current configuration */
    void *plan;                    /* current kernel plan (CONV, DENSE) */
    mpx_plan_entry *plans;
    int n_plans;
    double seconds;
    float range_lo, range_hi;      /* range tracking: the input's extremes (lo > hi: none yet) */
    union {
        struct { mpx_conv_shape shape; int act; float act_a, act_b; } conv;
        struct { int K, P, act; float act_a, act_b; } dense;
        mpx_pool_shape pool;
    } u;
} mpx_op;

typedef struct {
    uint8_t kind, part;
    uint32_t op;
} mpx_slot;

typedef struct {
    int n_slots;
    mpx_slot slots[MPX_FORMAT_MAX_SLOTS];
} mpx_layer;

typedef struct {
    char *name;
    uint16_t *knobs;          /* one per slot, all layers in order */
    mpx_quant *quant;         /* one per slot: an int8 knob's input quantisation, else {0, 0} */
} mpx_config;

struct mpx_model {
    uint8_t *file;            /* the whole file, owned; constants point into it */
    size_t file_size;
    int n_tensors, n_ops, n_layers, n_outputs, n_slots;
    int input;
    int *outputs;
    mpx_tensor *tensors;
    mpx_op *ops;
    mpx_layer *layers;

    mpx_config *configs;
    int n_configs, config;

    mpx_pool *pool;
    int threads;

    /* Activation buffers planned by liveness; buffer b holds capacity * buffer_start[b+1]-[b] floats. */
    int n_buffers;
    size_t *buffer_start;     /* n_buffers + 1 prefix sums, floats per sample, 16-float aligned */
    int copy_input;           /* a graph output shares the input's storage: copy the input in */
    float *arena;
    int capacity;             /* batch the arena was sized for */
    void *workspace;
    size_t workspace_size;
    size_t max_count;         /* largest activation, elements per sample: bounds the batch for int kernels */
    uint16_t *next_knobs;     /* scratch of mpx_set_config: n_ops x MPX_PART_COUNT */
    mpx_quant *next_quant;    /* scratch of mpx_set_config: n_ops */
    void **next_plans;        /* scratch of mpx_set_config: n_ops */
    const float *input_data;  /* caller's input during mpx_infer */
    int timing;
    int track_ranges;
    int keep_activations;     /* no two activations share storage (incremental re-runs) */
    int last_batch;           /* batch of the last inference, 0 before any */
    int chunk;                /* samples per chunk of a batch (mpx_infer); 0: chosen from the memory plan */
    /* A batch run a chunk at a time gathers its outputs here: output k at
     * gathered + gathered_start[k] · gathered_capacity, [batch][count] */
    float *gathered;
    size_t *gathered_start;   /* n_outputs + 1 prefix sums, floats per sample */
    int gathered_capacity;
    int gathered_valid;       /* the last inference was chunked: mpx_output reads `gathered` */

    char error[MPX_ERROR_SIZE];
};

/* One op type's behaviour: its shape check and execution (what the file holds of it: mpx_op_format_of). */
typedef struct {
    int (*check)(mpx_model *m, mpx_op *op);
    /* Kernel plan for the given knobs (get or build); NULL with the error set. NULL function: no plan. */
    void *(*plan)(mpx_model *m, mpx_op *op, const uint16_t knob[MPX_PART_COUNT], mpx_quant quant);
    void (*destroy_plan)(void *plan);
    size_t (*workspace)(const mpx_model *m, const mpx_op *op, const void *plan, int batch);
    void (*run)(mpx_model *m, const mpx_op *op, int batch);
} mpx_op_kind;

const mpx_op_kind *mpx_op_kind_of(int type);

extern const mpx_op_kind mpx_conv_kind, mpx_dense_kind, mpx_matmul_kind;
extern const mpx_op_kind mpx_add_kind, mpx_sub_kind, mpx_mul_kind, mpx_div_kind;
extern const mpx_op_kind mpx_affine_kind, mpx_relu_kind, mpx_clip_kind, mpx_leaky_relu_kind,
    mpx_sigmoid_kind, mpx_tanh_kind;
extern const mpx_op_kind mpx_maxpool_kind, mpx_avgpool_kind, mpx_global_avgpool_kind,
    mpx_global_maxpool_kind;
extern const mpx_op_kind mpx_reshape_kind, mpx_transpose_kind, mpx_concat_kind, mpx_pad_kind,
    mpx_slice_kind;
extern const mpx_op_kind mpx_softmax_kind;

/* ---- errors (model.c) ---------------------------------------------------------------------------- */
int mpx_fail(mpx_model *m, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Turns the error into "prefix: error" (truncated to the buffer). */
void mpx_prefix_error(mpx_model *m, const char *prefix);
/* "op 3 (conv1)" for messages; a static buffer per call site is not needed: writes into buf. */
const char *mpx_op_label(const mpx_model *m, int op, char *buf, size_t size);

/* ---- activation storage (plan_memory.c, which plans it: plan_memory.h) --------------------------- */
/* Storage of tensor t for the current batch capacity (the caller's input for the graph input). */
float *mpx_tensor_data(const mpx_model *m, int t);

/* ---- shapes (shape.c) ---------------------------------------------------------------------------- */
/* Run-time shape of tensor t for a batch of n: activations get the batch axis, constants do not. */
int mpx_full_shape(const mpx_model *m, int t, int64_t n, int64_t *dims);
/* 1 when tensor t's run-time shape for batch n is [n, dims...] of rank `rank`. */
int mpx_shape_is(const mpx_model *m, int t, int64_t n, const int64_t *dims, int rank);
int64_t mpx_product(const int64_t *dims, int rank);
/* Formats dims as "[2, 3, 4]" into buf. */
const char *mpx_dims_text(const int64_t *dims, int rank, char *buf, size_t size);
/* Checks that op input i is a tensor of the given kind (-1: any); names op, input and tensor. */
int mpx_check_input(mpx_model *m, const mpx_op *op, int i, int kind);
/* Checks that the op's output has the per-sample shape dims; names the op and both shapes. */
int mpx_check_output(mpx_model *m, const mpx_op *op, const int64_t *dims, int rank);

/* ---- calibration (calibrate.c) ------------------------------------------------------------------- */
/* Widens a convolution's input range by its input for this batch; other ops are left alone. */
void mpx_track_range(mpx_model *m, mpx_op *op, int batch);

/* ---- helpers shared by op families --------------------------------------------------------------- */
/* The op's plan built for `key`, or NULL when there is none yet. */
void *mpx_plan_find(const mpx_op *op, uint64_t key);
/* Keeps a new plan in the op's cache; on failure destroys it and returns -1 with the error set. */
int mpx_plan_keep(mpx_model *m, mpx_op *op, uint64_t key, void *plan, void (*destroy)(void *));
/* Integer attribute `index` (named `what`) must lie in [lo, hi]. */
int mpx_check_attr(mpx_model *m, const mpx_op *op, int index, const char *what, int lo, int hi);
static inline int mpx_op_half(const mpx_op *op) { return op->knob[MPX_PART_OP] == MPX_KNOB_FP16; }

#endif
