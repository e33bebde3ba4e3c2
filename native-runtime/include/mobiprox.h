/* Mobiprox native runtime: executes a compiled .mpxm network under any per-layer approximation
 * configuration, switching configurations between inferences without reloading the model.
 * Thread safety: one mpx_model is used by one thread at a time; distinct models are independent. */
#ifndef MOBIPROX_H
#define MOBIPROX_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MPX_VERSION_MAJOR 0
#define MPX_VERSION_MINOR 1

typedef struct mpx_model mpx_model;

/* Load a model. threads <= 0 means one per online CPU. Returns NULL on failure; the reason is then
 * available from mpx_last_error(NULL) on the same thread. */
mpx_model *mpx_create_from_file(const char *path, int threads);
mpx_model *mpx_create_from_buffer(const void *data, size_t size, int threads);
void mpx_destroy(mpx_model *model);

/* The message of the last failed call on this model, or, for model == NULL, of the last failed create on
 * this thread. Never NULL; empty when there was no error. */
const char *mpx_last_error(const mpx_model *model);

/* Configurations, parsed from ApproxTuner/HPVM text (FORMAT.md, "Configurations"). Replaces the current
 * set; index 0 is always the exact configuration. Returns 0, or -1 with the error set (and the previous set
 * kept). Without a call, the model has the exact configuration only. */
int mpx_load_configs(mpx_model *model, const char *text, size_t length);
int mpx_load_configs_file(mpx_model *model, const char *path);
int mpx_config_count(const mpx_model *model);
const char *mpx_config_name(const mpx_model *model, int index);
int mpx_set_config(mpx_model *model, int index);
int mpx_get_config(const mpx_model *model);

/* Per-sample element counts of the graph input and of output `index`. */
size_t mpx_input_size(const mpx_model *model);
int mpx_output_count(const mpx_model *model);
size_t mpx_output_size(const mpx_model *model, int index);

/* Introspection for tools: per-sample dims of the input and of output `index` (returns the rank, writes at
 * most max_rank dims), tensor names, and the layers of the configuration lines (layer i is line i + 1),
 * each slot named by its HPVM op name ("conv", "add", ...) and controlling op mpx_layer_slot_op. */
int mpx_input_dims(const mpx_model *model, size_t *dims, int max_rank);
int mpx_output_dims(const mpx_model *model, int index, size_t *dims, int max_rank);
const char *mpx_input_name(const mpx_model *model);
const char *mpx_output_name(const mpx_model *model, int index);
int mpx_layer_count(const mpx_model *model);
int mpx_layer_slot_count(const mpx_model *model, int layer);
const char *mpx_layer_slot_name(const mpx_model *model, int layer, int slot);
int mpx_layer_slot_op(const mpx_model *model, int layer, int slot);

/* Runs `batch` samples: input holds batch * mpx_input_size floats, output batch * mpx_output_size(model, 0)
 * floats (the first output; NULL to read the outputs through mpx_output only). Returns 0, or -1 with the
 * error set. Allocates only when the batch is larger than any before. */
int mpx_infer(mpx_model *model, const float *input, int batch, float *output);
/* Output `index` of the last mpx_infer call (batch * mpx_output_size floats), valid until the next call. */
const float *mpx_output(const mpx_model *model, int index);

/* Incremental re-runs for profiling many configurations on one batch. With activations kept, every
 * intermediate tensor has its own storage, so after an inference of a batch, mpx_infer_from(first_op) can
 * re-run only ops first_op.. on the same input and batch under another configuration: ops before first_op
 * are not run and their results of the previous call are read. Keeping costs memory (all activations);
 * changing the mode frees the activations. Returns 0, or -1 with the error set. */
int mpx_keep_activations(mpx_model *model, int enabled);
/* Like mpx_infer, starting at op first_op. first_op > 0 needs kept activations and a previous call with
 * the same input and batch whose ops before first_op ran under the knobs they have now. */
int mpx_infer_from(mpx_model *model, const float *input, int batch, int first_op, float *output);
/* The first op whose knobs in configuration `index` differ from the exact ones (mpx_op_count when none):
 * where an incremental re-run of that configuration may start after an exact inference. -1 for a bad index. */
int mpx_config_first_op(const mpx_model *model, int index);

/* Per-op timing for calibration: when enabled, each mpx_infer adds every op's CPU time (of the inference
 * threads, as mpx_measure counts it) to a counter. */
void mpx_set_op_timing(mpx_model *model, int enabled);
int mpx_op_count(const mpx_model *model);
const char *mpx_op_name(const mpx_model *model, int op);
/* Accumulated seconds of op `op` since the last reset; resets all counters when reset != 0. */
double mpx_op_seconds(const mpx_model *model, int op);
void mpx_reset_op_timing(mpx_model *model);

/* ---- Calibration of the int8 knobs ----
 * With range tracking on, each inference widens, for every convolution, the range of its input (under the
 * configuration set; the exact one for calibration). Enabling clears the ranges. */
void mpx_set_range_tracking(mpx_model *model, int enabled);
/* The input range of convolution `op` seen since tracking began and the quantisation an int8 knob of that
 * op takes from it ("q=<scale>,<zero>" in a configuration, FORMAT.md): zero 0 and scale max/255 for an
 * input without negative values, else zero 128 and scale max|x|/127. Returns 0, or -1 when the op is not a
 * convolution or saw no finite input. */
int mpx_op_input_quant(const mpx_model *model, int op, float *lo, float *hi, float *scale, int *zero);

/* ---- Measurement: the one timing method behind every speed figure (README, "How speed is measured") ----
 * Every configuration of a set runs in rounds inside this process, the order rotated each round; a timed
 * unit is a fixed sequence of batches (enough samples to last unit_ms), the same in every configuration
 * of a round. The clock is the CPU time of the threads that run inference, so that other processes on the
 * machine do not show up as a slower configuration; wall time is measured beside. Estimates are medians
 * over rounds with distribution-free 95 % intervals; a speedup is the median over rounds of the paired
 * ratio to configs[0]'s time in the same round. Rounds go on for at least min_seconds and min_rounds,
 * then until every speedup's interval (the latency's, for a configuration measured alone) is within
 * ±target of its estimate, or the time cap. */
typedef struct {
    int batch;          /* samples per inference; 0: 1 */
    double unit_ms;     /* least duration of a timed unit; 0: 5 ms */
    double target;      /* relative half-width of the 95 % intervals to reach; 0: 0.02 */
    double max_seconds; /* time cap of the rounds; 0: 20 s */
    double min_seconds; /* least duration of the rounds, so that they span the machine's slower and faster
                           moments (a shared machine's speed drifts over seconds); 0: 2 s, at most max_seconds */
    int min_rounds;     /* 0: 20 */
    int max_rounds;     /* 0: 2000 */
    /* Per-op times, when not NULL (count × mpx_op_count entries, configuration c's ops from c × mpx_op_count):
     * each op's CPU time per sample and its paired ratio to the same op's in configs[0] (the op's speedup),
     * medians over the rounds with their intervals, as for whole configurations. Ops are timed as by
     * mpx_set_op_timing (two clock reads per op, inside the timed units); their counters are reset. */
    struct mpx_interval *op_ms, *op_speedup;
} mpx_measure_options;

typedef struct mpx_interval {
    double estimate, low, high; /* median and its 95 % interval */
} mpx_interval;

typedef struct {
    mpx_interval latency_ms; /* per sample, on the method's clock: CPU time with one thread, else wall */
    mpx_interval cpu_ms;     /* CPU time per sample of the inference threads */
    mpx_interval wall_ms;    /* wall time per sample */
    mpx_interval speedup;    /* configs[0]'s CPU time over this one's, paired by round */
    double cycles, instructions; /* per sample (user mode, one-thread runs); NaN where the kernel refuses */
    int rounds, samples_per_unit;
    int converged;           /* every interval reached the target before the cap */
} mpx_measurement;

/* Measures `count` configurations (indexes into the loaded set; configs[0] is the speedup's baseline) on
 * `samples` input samples, into out[count]. Leaves the configuration that was set. Returns 0, or -1 with
 * the error set. */
int mpx_measure(mpx_model *model, const int *configs, int count, const float *input, int samples,
                const mpx_measure_options *options, mpx_measurement *out);

/* What produced a measurement: the CPU's model name (from /proc/cpuinfo; "unknown" when unreadable) and
 * the convolution kernels chosen for it ("avx512", "avx2", "neon", "portable"). */
const char *mpx_cpu_name(void);
const char *mpx_kernels_name(void);
/* The 8-bit convolution kernels chosen for the CPU ("avx512-vnni", "neon-dotprod", "portable"). */
const char *mpx_int8_kernels_name(void);

#ifdef __cplusplus
}
#endif
#endif
