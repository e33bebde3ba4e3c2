/* The public API: model lifetime, configuration switching, inference and per-op timing. It loads (format.c),
 * plans the activations (plan_memory.c) and reads configurations (config.c) through the model of model.h. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "format.h"
#include "model.h"
#include "plan_memory.h"

#define MPX_MAX_THREADS 256 /* far beyond any phone or host CPU; guards against a stray value */

static _Thread_local char create_error[MPX_ERROR_SIZE];

const char *mpx_last_error(const mpx_model *model) {
    return model ? model->error : create_error;
}

static void *aligned_bytes(size_t size) {
    void *p = NULL;
    return posix_memalign(&p, 64, size ? size : 64) == 0 ? p : NULL;
}

static size_t workspace_for(const mpx_model *m, void *const *plans, int batch) {
    size_t need = 0;
    for (int i = 0; i < m->n_ops; i++) {
        const mpx_op_kind *kind = mpx_op_kind_of(m->ops[i].type);
        if (!kind->workspace) continue;
        size_t w = kind->workspace(m, &m->ops[i], plans[i], batch);
        if (w > need) need = w;
    }
    return need;
}

static int grow_workspace(mpx_model *m, size_t need) {
    if (need <= m->workspace_size) return 0;
    void *w = aligned_bytes(need);
    if (!w) return mpx_fail(m, "out of memory: the workspace needs %zu MiB", need >> 20);
    free(m->workspace);
    m->workspace = w;
    m->workspace_size = need;
    return 0;
}

void mpx_destroy(mpx_model *m) {
    if (!m) return;
    for (int i = 0; m->ops && i < m->n_ops; i++) {
        mpx_op *op = &m->ops[i];
        const mpx_op_kind *kind = mpx_op_kind_of(op->type);
        for (int p = 0; p < op->n_plans; p++) kind->destroy_plan(op->plans[p].plan);
        free(op->plans);
        free(op->in);
    }
    mpx_configs_free(m->configs, m->n_configs);
    if (m->pool) mpx_pool_destroy(m->pool);
    free(m->ops);
    free(m->tensors);
    free(m->layers);
    free(m->outputs);
    free(m->buffer_start);
    free(m->next_knobs);
    free(m->next_quant);
    free(m->next_plans);
    free(m->arena);
    free(m->gathered);
    free(m->gathered_start);
    free(m->workspace);
    free(m->file);
    free(m);
}

/* Takes ownership of file (64-byte aligned). */
static mpx_model *create(uint8_t *file, size_t size, int threads, const char *origin) {
    mpx_model *m = calloc(1, sizeof *m);
    if (!m) {
        free(file);
        snprintf(create_error, sizeof create_error, "%s: out of memory", origin);
        return NULL;
    }
    m->file = file;
    m->file_size = size;
    m->config = -1;
    if (mpx_load(m, origin) || mpx_plan_memory(m)) goto fail;
    for (int t = 0; t < m->n_tensors; t++)
        if (m->tensors[t].kind == MPX_TENSOR_ACTIVATION && m->tensors[t].count > m->max_count)
            m->max_count = m->tensors[t].count;
    if (threads > MPX_MAX_THREADS) {
        mpx_fail(m, "%s: %d threads requested, the runtime allows at most %d", origin, threads, MPX_MAX_THREADS);
        goto fail;
    }
    m->next_knobs = malloc(sizeof(uint16_t) * MPX_PART_COUNT * ((size_t)m->n_ops + 1));
    m->next_quant = calloc((size_t)m->n_ops + 1, sizeof *m->next_quant);
    m->next_plans = calloc((size_t)m->n_ops + 1, sizeof(void *));
    if (!m->next_knobs || !m->next_quant || !m->next_plans) {
        mpx_fail(m, "%s: out of memory", origin);
        goto fail;
    }
    m->pool = mpx_pool_create(threads);
    if (!m->pool) {
        mpx_fail(m, "%s: cannot start a pool of %d threads", origin, threads);
        goto fail;
    }
    m->threads = mpx_pool_threads(m->pool);
    static const char exact_only[] = "0.0\n";
    if (mpx_load_configs(m, exact_only, sizeof exact_only - 1)) goto fail;
    m->error[0] = 0;
    return m;
fail:
    snprintf(create_error, sizeof create_error, "%s", m->error);
    mpx_destroy(m);
    return NULL;
}

mpx_model *mpx_create_from_buffer(const void *data, size_t size, int threads) {
    create_error[0] = 0;
    if (!data) {
        snprintf(create_error, sizeof create_error, "model buffer is NULL");
        return NULL;
    }
    uint8_t *copy = aligned_bytes(size);
    if (!copy) {
        snprintf(create_error, sizeof create_error, "model buffer: out of memory copying %zu bytes", size);
        return NULL;
    }
    memcpy(copy, data, size);
    return create(copy, size, threads, "model buffer");
}

mpx_model *mpx_create_from_file(const char *path, int threads) {
    create_error[0] = 0;
    if (!path) {
        snprintf(create_error, sizeof create_error, "model path is NULL");
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        snprintf(create_error, sizeof create_error, "%s: cannot open: %s", path, strerror(errno));
        if (f) fclose(f);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || (unsigned long long)st.st_size > UINT32_MAX) {
        snprintf(create_error, sizeof create_error, "%s: not a regular file of at most 4 GiB", path);
        fclose(f);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    uint8_t *file = aligned_bytes(size);
    size_t got = file ? fread(file, 1, size, f) : 0;
    fclose(f);
    if (!file || got != size) {
        snprintf(create_error, sizeof create_error, "%s: %s", path, file ? "read error" : "out of memory");
        free(file);
        return NULL;
    }
    return create(file, size, threads, path);
}

int mpx_config_count(const mpx_model *m) { return m->n_configs; }

int mpx_load_configs(mpx_model *m, const char *text, size_t length) {
    mpx_config *list;
    int n;
    if (mpx_parse_configs(m, text, length, &list, &n)) return -1;
    mpx_config *old = m->configs;
    int old_n = m->n_configs, old_index = m->config;
    m->configs = list;
    m->n_configs = n;
    m->config = -1; /* force the knobs of index 0 to be applied */
    if (mpx_set_config(m, 0)) {
        char message[MPX_ERROR_SIZE];
        memcpy(message, m->error, sizeof message);
        m->configs = old;
        m->n_configs = old_n;
        m->config = -1;
        mpx_set_config(m, old_index);
        memcpy(m->error, message, sizeof message);
        mpx_configs_free(list, n);
        return -1;
    }
    mpx_configs_free(old, old_n);
    return 0;
}

int mpx_load_configs_file(mpx_model *m, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return mpx_fail(m, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    while (text) {
        len += fread(text + len, 1, cap - len, f);
        if (len < cap) break;
        char *bigger = realloc(text, cap * 2);
        if (!bigger) {
            free(text);
            text = NULL;
            break;
        }
        text = bigger;
        cap *= 2;
    }
    int failed = ferror(f);
    fclose(f);
    if (!text) return mpx_fail(m, "%s: out of memory reading the configurations", path);
    if (failed) {
        free(text);
        return mpx_fail(m, "%s: read error", path);
    }
    int rc = mpx_load_configs(m, text, len);
    free(text);
    if (rc) mpx_prefix_error(m, path);
    return rc;
}

const char *mpx_config_name(const mpx_model *m, int index) {
    return index >= 0 && index < m->n_configs ? m->configs[index].name : NULL;
}

int mpx_get_config(const mpx_model *m) { return m->config; }

/* Plans are built at the first use of a knob combination and kept: switching back costs nothing. */
int mpx_set_config(mpx_model *m, int index) {
    if (index < 0 || index >= m->n_configs)
        return mpx_fail(m, "configuration index %d is outside 0..%d", index, m->n_configs - 1);
    if (index == m->config) return 0;
    uint16_t *knobs = m->next_knobs;
    for (int i = 0; i < m->n_ops * MPX_PART_COUNT; i++) knobs[i] = MPX_KNOB_FP32;
    memset(m->next_quant, 0, sizeof *m->next_quant * (size_t)m->n_ops);
    const mpx_config *conf = &m->configs[index];
    for (int l = 0, s = 0; l < m->n_layers; l++)
        for (int k = 0; k < m->layers[l].n_slots; k++, s++) {
            const mpx_slot *slot = &m->layers[l].slots[k];
            knobs[slot->op * MPX_PART_COUNT + slot->part] = conf->knobs[s];
            if (slot->part == MPX_PART_OP) m->next_quant[slot->op] = conf->quant[s];
        }
    for (int i = 0; i < m->n_ops; i++) {
        mpx_op *op = &m->ops[i];
        const mpx_op_kind *kind = mpx_op_kind_of(op->type);
        m->next_plans[i] = NULL;
        if (kind->plan && !(m->next_plans[i] = kind->plan(m, op, knobs + i * MPX_PART_COUNT, m->next_quant[i])))
            return -1;
    }
    if (m->capacity && grow_workspace(m, workspace_for(m, m->next_plans, m->capacity))) return -1;
    for (int i = 0; i < m->n_ops; i++) {
        memcpy(m->ops[i].knob, knobs + i * MPX_PART_COUNT, sizeof m->ops[i].knob);
        m->ops[i].plan = m->next_plans[i];
    }
    m->config = index;
    return 0;
}

size_t mpx_input_size(const mpx_model *m) { return m->tensors[m->input].count; }

int mpx_output_count(const mpx_model *m) { return m->n_outputs; }

size_t mpx_output_size(const mpx_model *m, int index) {
    return index >= 0 && index < m->n_outputs ? m->tensors[m->outputs[index]].count : 0;
}

static int tensor_dims(const mpx_tensor *t, size_t *dims, int max_rank) {
    for (int i = 0; i < t->rank && i < max_rank; i++) dims[i] = (size_t)t->dims[i];
    return t->rank;
}

int mpx_input_dims(const mpx_model *m, size_t *dims, int max_rank) {
    return tensor_dims(&m->tensors[m->input], dims, max_rank);
}

int mpx_output_dims(const mpx_model *m, int index, size_t *dims, int max_rank) {
    return index >= 0 && index < m->n_outputs ? tensor_dims(&m->tensors[m->outputs[index]], dims, max_rank) : -1;
}

const char *mpx_input_name(const mpx_model *m) { return m->tensors[m->input].name; }

const char *mpx_output_name(const mpx_model *m, int index) {
    return index >= 0 && index < m->n_outputs ? m->tensors[m->outputs[index]].name : NULL;
}

int mpx_layer_count(const mpx_model *m) { return m->n_layers; }

int mpx_layer_slot_count(const mpx_model *m, int layer) {
    return layer >= 0 && layer < m->n_layers ? m->layers[layer].n_slots : 0;
}

static const mpx_slot *slot_at(const mpx_model *m, int layer, int slot) {
    if (layer < 0 || layer >= m->n_layers || slot < 0 || slot >= m->layers[layer].n_slots) return NULL;
    return &m->layers[layer].slots[slot];
}

const char *mpx_layer_slot_name(const mpx_model *m, int layer, int slot) {
    const mpx_slot *s = slot_at(m, layer, slot);
    return s ? mpx_slot_kind_name(s->kind) : NULL;
}

int mpx_layer_slot_op(const mpx_model *m, int layer, int slot) {
    const mpx_slot *s = slot_at(m, layer, slot);
    return s ? (int)s->op : -1;
}

static int reserve_batch(mpx_model *m, int batch) {
    if ((unsigned long long)batch * m->max_count > INT_MAX)
        return mpx_fail(m, "batch %d is too large: an activation of %zu elements per sample would exceed 2^31 "
                           "elements", batch, m->max_count);
    size_t floats = m->buffer_start[m->n_buffers];
    if (floats && (size_t)batch > SIZE_MAX / sizeof(float) / floats)
        return mpx_fail(m, "batch %d is too large for the address space", batch);
    for (int i = 0; i < m->n_ops; i++) m->next_plans[i] = m->ops[i].plan;
    if (grow_workspace(m, workspace_for(m, m->next_plans, batch))) return -1;
    float *arena = aligned_bytes((size_t)batch * floats * sizeof(float));
    if (!arena)
        return mpx_fail(m, "out of memory: batch %d needs %zu MiB of activations", batch,
                        (size_t)batch * floats * sizeof(float) >> 20);
    free(m->arena);
    m->arena = arena;
    m->capacity = batch;
    return 0;
}

/* The graph over `batch` samples, ops first_op.. (the checks are the caller's). */
static int run_ops(mpx_model *m, const float *input, int batch, int first_op) {
    if (batch > m->capacity && reserve_batch(m, batch)) return -1;
    m->input_data = input;
    const mpx_tensor *in = &m->tensors[m->input];
    if (m->copy_input) {
        m->input_data = NULL;
        memcpy(mpx_tensor_data(m, m->input), input, sizeof(float) * in->count * (size_t)batch);
    }
    for (int i = first_op; i < m->n_ops; i++) {
        const mpx_op *op = &m->ops[i];
        if (m->track_ranges) mpx_track_range(m, &m->ops[i], batch);
        if (m->timing) {
            double start = mpx_pool_cpu_seconds(m->pool);
            mpx_op_kind_of(op->type)->run(m, op, batch);
            m->ops[i].seconds += mpx_pool_cpu_seconds(m->pool) - start;
        } else {
            mpx_op_kind_of(op->type)->run(m, op, batch);
        }
    }
    m->input_data = NULL;
    return 0;
}

/* Room for `batch` samples of every output in `gathered`. */
static int reserve_gathered(mpx_model *m, int batch) {
    if (!m->gathered_start) {
        if (!(m->gathered_start = malloc(sizeof(size_t) * ((size_t)m->n_outputs + 1))))
            return mpx_fail(m, "out of memory for the outputs' offsets");
        m->gathered_start[0] = 0;
        for (int k = 0; k < m->n_outputs; k++)
            m->gathered_start[k + 1] = m->gathered_start[k] + m->tensors[m->outputs[k]].count;
    }
    if (batch <= m->gathered_capacity) return 0;
    float *g = malloc(sizeof(float) * m->gathered_start[m->n_outputs] * (size_t)batch);
    if (!g) return mpx_fail(m, "out of memory: batch %d of outputs", batch);
    free(m->gathered);
    m->gathered = g;
    m->gathered_capacity = batch;
    return 0;
}

#define CHUNK_BYTES (1 << 20)

/* Samples per chunk: as many as keep the activations' storage within CHUNK_BYTES (a core's cache: 1-2 MiB of L2
 * on servers, L2 and L3 on phones), at least one per thread, in whole rounds of the threads; and more than the
 * dense layers' vector path takes, so that a chunk's results are the whole batch's, bit for bit. */
static int chunk_samples(const mpx_model *m) {
    size_t per_sample = m->buffer_start[m->n_buffers] * sizeof(float);
    int chunk = m->chunk ? m->chunk : per_sample ? (int)(CHUNK_BYTES / per_sample) : INT_MAX / 2;
    chunk = chunk < m->threads ? m->threads : chunk;
    chunk = (chunk + m->threads - 1) / m->threads * m->threads;
    return chunk > MPX_DENSE_GEMV_MAX_ROWS ? chunk : MPX_DENSE_GEMV_MAX_ROWS + 1;
}

/* The batch a chunk at a time, so that a chunk's activations stay in the core's cache from one op to the next
 * (a batch of 32 CIFAR-10 images gives each resnet20 activation 2 MiB: at batch 32 the padded copy of a
 * convolution's input took three times as long as at batch 4); each chunk's outputs are gathered. */
static int run_chunks(mpx_model *m, const float *input, int batch, int chunk, float *output) {
    if (reserve_gathered(m, batch)) return -1;
    size_t in = m->tensors[m->input].count;
    for (int s = 0, b; s < batch; s += b) {
        /* a rest too short for the dense layers' GEMM goes with the chunk before it */
        b = batch - s < chunk + MPX_DENSE_GEMV_MAX_ROWS + 1 ? batch - s : chunk;
        if (run_ops(m, input + (size_t)s * in, b, 0)) return -1;
        for (int k = 0; k < m->n_outputs; k++) {
            size_t count = m->tensors[m->outputs[k]].count;
            memcpy(m->gathered + m->gathered_start[k] * (size_t)m->gathered_capacity + (size_t)s * count,
                   mpx_tensor_data(m, m->outputs[k]), sizeof(float) * count * (size_t)b);
        }
    }
    m->gathered_valid = 1;
    m->last_batch = batch;
    if (output) memcpy(output, m->gathered, sizeof(float) * m->tensors[m->outputs[0]].count * (size_t)batch);
    return 0;
}

int mpx_infer(mpx_model *m, const float *input, int batch, float *output) {
    return mpx_infer_from(m, input, batch, 0, output);
}

int mpx_infer_from(mpx_model *m, const float *input, int batch, int first_op, float *output) {
    if (!input) return mpx_fail(m, "mpx_infer: input is NULL");
    if (batch < 1) return mpx_fail(m, "mpx_infer: batch is %d, must be at least 1", batch);
    if (first_op < 0 || first_op > m->n_ops)
        return mpx_fail(m, "mpx_infer_from: first op %d is outside 0..%d", first_op, m->n_ops);
    if (first_op > 0 && !m->keep_activations)
        return mpx_fail(m, "mpx_infer_from: op %d needs kept activations (mpx_keep_activations)", first_op);
    if (first_op > 0 && batch != m->last_batch)
        return mpx_fail(m, "mpx_infer_from: batch %d differs from the previous inference's %d", batch,
                        m->last_batch);
    m->gathered_valid = 0;
    int chunk = chunk_samples(m);
    if (first_op == 0 && !m->keep_activations && batch > chunk) return run_chunks(m, input, batch, chunk, output);
    if (run_ops(m, input, batch, first_op)) return -1;
    m->last_batch = batch;
    if (output)
        memcpy(output, mpx_output(m, 0), sizeof(float) * m->tensors[m->outputs[0]].count * (size_t)batch);
    return 0;
}

int mpx_keep_activations(mpx_model *m, int enabled) {
    if ((enabled != 0) == m->keep_activations) return 0;
    m->keep_activations = enabled != 0;
    free(m->arena);
    m->arena = NULL;
    m->capacity = 0;
    m->last_batch = 0;
    if (mpx_plan_memory(m) == 0) return 0;
    m->keep_activations = !m->keep_activations; /* fall back to the plan that worked */
    char why[MPX_ERROR_SIZE];
    memcpy(why, m->error, sizeof why);
    mpx_plan_memory(m);
    memcpy(m->error, why, sizeof why);
    return -1;
}

int mpx_config_first_op(const mpx_model *m, int index) {
    if (index < 0 || index >= m->n_configs) return -1;
    int first = m->n_ops;
    const uint16_t *conf = m->configs[index].knobs;
    for (int l = 0, s = 0; l < m->n_layers; l++)
        for (int k = 0; k < m->layers[l].n_slots; k++, s++)
            if (conf[s] != MPX_KNOB_FP32 && (int)m->layers[l].slots[k].op < first) first = (int)m->layers[l].slots[k].op;
    return first;
}

const float *mpx_output(const mpx_model *m, int index) {
    if (index < 0 || index >= m->n_outputs || !m->arena) return NULL;
    if (m->gathered_valid) return m->gathered + m->gathered_start[index] * (size_t)m->gathered_capacity;
    return mpx_tensor_data(m, m->outputs[index]);
}

void mpx_set_op_timing(mpx_model *m, int enabled) { m->timing = enabled != 0; }

int mpx_op_count(const mpx_model *m) { return m->n_ops; }

const char *mpx_op_name(const mpx_model *m, int op) {
    return op >= 0 && op < m->n_ops ? m->ops[op].name : NULL;
}

double mpx_op_seconds(const mpx_model *m, int op) {
    return op >= 0 && op < m->n_ops ? m->ops[op].seconds : 0.0;
}

void mpx_reset_op_timing(mpx_model *m) {
    for (int i = 0; i < m->n_ops; i++) m->ops[i].seconds = 0.0;
}
