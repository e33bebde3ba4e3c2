/* Activation memory planning by liveness: tensors whose lifetimes do not overlap share a buffer. Buffers
 * are sized per sample; the arena holds capacity × (sum of buffer sizes) floats, buffer after buffer. */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "plan_memory.h"

#define ALIGN_FLOATS 16 /* 64 bytes, for every batch size */

typedef struct {
    size_t size;     /* floats per sample */
    int busy;
} buffer;

static size_t aligned(size_t floats) { return (floats + ALIGN_FLOATS - 1) & ~(size_t)(ALIGN_FLOATS - 1); }

/* RESHAPE outputs share their input's storage; everything else owns its own. */
static void find_roots(mpx_model *m) {
    for (int i = 0; i < m->n_ops; i++) {
        const mpx_op *op = &m->ops[i];
        if (op->type == MPX_OP_RESHAPE) m->tensors[op->out[0]].root = m->tensors[op->in[0]].root;
    }
}

/* Last op that reads a root's storage through any alias; graph outputs live past the last op. */
static void extend_lifetimes(mpx_model *m, int *end) {
    for (int t = 0; t < m->n_tensors; t++) end[t] = m->tensors[t].producer;
    for (int t = 0; t < m->n_tensors; t++) {
        const mpx_tensor *x = &m->tensors[t];
        if (x->kind == MPX_TENSOR_ACTIVATION && x->last_use > end[x->root]) end[x->root] = x->last_use;
    }
    for (int k = 0; k < m->n_outputs; k++) end[m->tensors[m->outputs[k]].root] = m->n_ops;
    /* Kept activations: nothing dies, so a re-run from any op finds every earlier result intact. */
    if (m->keep_activations)
        for (int t = 0; t < m->n_tensors; t++)
            if (m->tensors[t].kind == MPX_TENSOR_ACTIVATION && t != m->input) end[t] = m->n_ops;
}

static int pick_buffer(buffer *bufs, int *n, size_t need) {
    int best = -1, largest = -1;
    for (int b = 0; b < *n; b++) {
        if (bufs[b].busy) continue;
        if (bufs[b].size >= need && (best < 0 || bufs[b].size < bufs[best].size)) best = b;
        if (largest < 0 || bufs[b].size > bufs[largest].size) largest = b;
    }
    if (best < 0 && largest >= 0) { /* grow the largest free buffer rather than adding one */
        best = largest;
        bufs[best].size = need;
    }
    if (best < 0) {
        best = (*n)++;
        bufs[best].size = need;
    }
    bufs[best].busy = 1;
    return best;
}

int mpx_plan_memory(mpx_model *m) {
    find_roots(m);
    free(m->buffer_start);
    m->buffer_start = NULL;
    int *end = malloc(sizeof(int) * (size_t)m->n_tensors);
    buffer *bufs = calloc((size_t)m->n_tensors + 1, sizeof *bufs);
    if (!end || !bufs) {
        free(end);
        free(bufs);
        return mpx_fail(m, "out of memory planning activations");
    }
    extend_lifetimes(m, end);
    int n = 0;
    /* A graph output sharing the input's storage would point into the caller's array: copy the input. */
    m->copy_input = end[m->input] == m->n_ops;
    if (m->copy_input)
        m->tensors[m->input].buffer = pick_buffer(bufs, &n, aligned(m->tensors[m->input].count));
    for (int i = 0; i < m->n_ops; i++) {
        mpx_tensor *y = &m->tensors[m->ops[i].out[0]];
        if (y->root == m->ops[i].out[0]) {
            y->buffer = pick_buffer(bufs, &n, aligned(y->count));
        }
        /* Release after the outputs are placed, so that no op writes over its own inputs. */
        const mpx_op *op = &m->ops[i];
        for (int k = -1; k < op->n_in; k++) {
            int64_t t = k < 0 ? op->out[0] : op->in[k];
            if (t < 0) continue;
            const mpx_tensor *x = &m->tensors[t];
            if (x->kind != MPX_TENSOR_ACTIVATION) continue;
            int root = x->root;
            const mpx_tensor *r = &m->tensors[root];
            if (end[root] == i && r->buffer >= 0) bufs[r->buffer].busy = 0;
        }
    }
    for (int t = 0; t < m->n_tensors; t++)
        if (m->tensors[t].kind == MPX_TENSOR_ACTIVATION) m->tensors[t].buffer = m->tensors[m->tensors[t].root].buffer;
    free(end);
    m->buffer_start = malloc(sizeof(size_t) * ((size_t)n + 1));
    if (!m->buffer_start) {
        free(bufs);
        return mpx_fail(m, "out of memory planning activations");
    }
    m->n_buffers = n;
    m->buffer_start[0] = 0;
    uint64_t total = 0;
    for (int b = 0; b < n; b++) {
        total += bufs[b].size;
        m->buffer_start[b + 1] = (size_t)total;
        if (total > MPX_MAX_SAMPLE_BYTES / sizeof(float)) break;
    }
    free(bufs);
    if (total > MPX_MAX_SAMPLE_BYTES / sizeof(float))
        return mpx_fail(m, "activations need more than %zu MiB per sample, the runtime's limit",
                        MPX_MAX_SAMPLE_BYTES >> 20);
    return 0;
}

float *mpx_tensor_data(const mpx_model *m, int t) {
    const mpx_tensor *x = &m->tensors[t];
    if (x->kind == MPX_TENSOR_CONSTANT) return (float *)x->data;
    if (x->buffer < 0) return (float *)m->input_data; /* read-only: ops never write their inputs */
    return m->arena + (size_t)m->capacity * m->buffer_start[x->buffer];
}
