/* Loader and validator of the .mpxm format (FORMAT.md). Every read goes through a bounds-checked cursor;
 * every count is checked against the bytes that remain before anything is allocated for it. The format's codes,
 * limits and the fields of each record's fixed part come from format_table.h (generated from format.tsv, which
 * the TypeScript writer is generated from too). */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "format.h"
#include "model.h"

/* Smallest encodings, used to bound counts by the file size before allocating: a layer has at least one slot. */
#define MIN_TENSOR_RECORD MPX_TENSOR_RECORD_SIZE
#define MIN_OP_RECORD MPX_OP_RECORD_SIZE
#define MIN_LAYER_RECORD (MPX_LAYER_RECORD_SIZE + MPX_SLOT_RECORD_SIZE)

typedef struct {
    uint32_t version, file_size, n_tensors, n_ops, n_layers, n_inputs, n_outputs, strings_size, reserved;
    uint64_t weights_size;
} header;

typedef struct {
    const uint8_t *data;
    size_t pos, end;
    mpx_model *m;
} cursor;

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int take(cursor *c, size_t n, const char *what, const uint8_t **out) {
    if (n > c->end - c->pos)
        return mpx_fail(c->m, "file ends inside %s (needs %zu bytes at offset %zu, %zu left before the weights)",
                        what, n, c->pos, c->end - c->pos);
    *out = c->data + c->pos;
    c->pos += n;
    return 0;
}

static uint32_t le16(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static int read_u32(cursor *c, const char *what, uint32_t *v) {
    const uint8_t *p = NULL;
    if (take(c, 4, what, &p)) return -1;
    *v = le32(p);
    return 0;
}

static int read_u64(cursor *c, const char *what, uint64_t *v) {
    const uint8_t *p = NULL;
    if (take(c, 8, what, &p)) return -1;
    *v = (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
    return 0;
}

static uint32_t crc_table[256];

static void make_crc_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

uint32_t mpx_crc32(const uint8_t *data, size_t size) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, make_crc_table);
    const uint32_t *table = crc_table;
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; i++) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

typedef struct {
    const uint8_t *strings;
    size_t size;
    size_t terminated; /* offsets below this have a NUL at or after them */
} string_table;

static int string_at(mpx_model *m, const string_table *st, const char *what, uint32_t off, const char **name) {
    if (off >= st->terminated)
        return mpx_fail(m, "%s is string offset %" PRIu32 ", %s", what, off,
                        off >= st->size ? "outside the string table" : "not NUL-terminated in the string table");
    *name = (const char *)st->strings + off;
    return 0;
}

/* Offset of the first byte of s[0..n) that breaks UTF-8 (overlong forms and surrogates included), or n. */
static size_t utf8_invalid_at(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t len = c < 0x80                ? 1
                     : c >= 0xC2 && c <= 0xDF ? 2
                     : c >= 0xE0 && c <= 0xEF ? 3
                     : c >= 0xF0 && c <= 0xF4 ? 4
                                              : 0;
        if (!len || len > n - i) return i;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80) return i;
        if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F) || (c == 0xF0 && s[i + 1] < 0x90) ||
            (c == 0xF4 && s[i + 1] > 0x8F))
            return i;
        i += len;
    }
    return n;
}

static int parse_header(mpx_model *m, header *h) {
    const uint8_t *f = m->file;
    if (m->file_size < MPX_HEADER_RECORD_SIZE + 4)
        return mpx_fail(m, "file is %zu bytes, shorter than the %d-byte header and the checksum", m->file_size,
                        MPX_HEADER_RECORD_SIZE);
    if (memcmp(f + MPX_HEADER_AT_MAGIC, MPX_FORMAT_MAGIC, 4) != 0)
        return mpx_fail(m, "magic is not " MPX_FORMAT_MAGIC " (not a Mobiprox model)");
    *h = (header){
        .version = le32(f + MPX_HEADER_AT_VERSION),
        .file_size = le32(f + MPX_HEADER_AT_FILE_SIZE),
        .n_tensors = le32(f + MPX_HEADER_AT_N_TENSORS),
        .n_ops = le32(f + MPX_HEADER_AT_N_OPS),
        .n_layers = le32(f + MPX_HEADER_AT_N_LAYERS),
        .n_inputs = le32(f + MPX_HEADER_AT_N_INPUTS),
        .n_outputs = le32(f + MPX_HEADER_AT_N_OUTPUTS),
        .strings_size = le32(f + MPX_HEADER_AT_STRINGS_SIZE),
        .reserved = le32(f + MPX_HEADER_AT_RESERVED),
        .weights_size =
            (uint64_t)le32(f + MPX_HEADER_AT_WEIGHTS_SIZE) | (uint64_t)le32(f + MPX_HEADER_AT_WEIGHTS_SIZE + 4) << 32,
    };
    if (h->version != MPX_FORMAT_VERSION)
        return mpx_fail(m, "version is %" PRIu32 ", this runtime reads version %u", h->version, MPX_FORMAT_VERSION);
    if (h->file_size != m->file_size)
        return mpx_fail(m, "file_size field is %" PRIu32 " but the file has %zu bytes (truncated or extended?)",
                        h->file_size, m->file_size);
    uint32_t stored = le32(f + m->file_size - 4), actual = mpx_crc32(f, m->file_size - 4);
    if (stored != actual)
        return mpx_fail(m, "checksum is 0x%08" PRIx32 " but the content gives 0x%08" PRIx32 " (corrupted file)", stored,
                        actual);
    if (h->n_tensors < 1 || h->n_tensors > MPX_FORMAT_MAX_TENSORS)
        return mpx_fail(m, "n_tensors is %" PRIu32 ", outside 1..%u", h->n_tensors, MPX_FORMAT_MAX_TENSORS);
    if (h->n_ops > MPX_FORMAT_MAX_OPS)
        return mpx_fail(m, "n_ops is %" PRIu32 ", more than %u", h->n_ops, MPX_FORMAT_MAX_OPS);
    if (h->n_layers > 2ull * h->n_ops)
        return mpx_fail(m, "n_layers is %" PRIu32 ", more than twice n_ops (%" PRIu32 ")", h->n_layers, h->n_ops);
    if (h->n_inputs != 1) return mpx_fail(m, "n_inputs is %" PRIu32 ", version 1 has exactly 1 input", h->n_inputs);
    if (h->n_outputs < 1) return mpx_fail(m, "n_outputs is 0, a model needs at least 1 output");
    if (h->reserved != 0) return mpx_fail(m, "reserved header field is %" PRIu32 ", must be 0", h->reserved);
    size_t body = m->file_size - MPX_HEADER_RECORD_SIZE - 4;
    if (h->strings_size > body)
        return mpx_fail(m, "strings_size is %" PRIu32 " but only %zu bytes follow the header", h->strings_size, body);
    if (h->weights_size > body - h->strings_size)
        return mpx_fail(m, "weights_size is %" PRIu64 " but only %zu bytes follow the strings", h->weights_size,
                        body - h->strings_size);
    return 0;
}

static int parse_tensor(cursor *c, const string_table *st, uint64_t weights_size, int index, mpx_tensor *t) {
    mpx_model *m = c->m;
    char what[64], name[64];
    const uint8_t *p = NULL;
    snprintf(what, sizeof what, "tensor %d record", index);
    snprintf(name, sizeof name, "tensor %d name", index);
    if (take(c, MPX_TENSOR_RECORD_SIZE, what, &p) || string_at(m, st, name, le32(p + MPX_TENSOR_AT_NAME), &t->name))
        return -1;
    uint32_t kind = p[MPX_TENSOR_AT_KIND], dtype = p[MPX_TENSOR_AT_DTYPE], rank = p[MPX_TENSOR_AT_RANK],
             reserved = p[MPX_TENSOR_AT_RESERVED];
    if (kind >= MPX_TENSOR_KIND_COUNT)
        return mpx_fail(m, "tensor %d (%s) kind is %" PRIu32 ", must be 0 to %d", index, t->name, kind,
                        MPX_TENSOR_KIND_COUNT - 1);
    if (dtype != MPX_DTYPE_FLOAT32)
        return mpx_fail(m, "tensor %d (%s) dtype is %" PRIu32 ", version 1 has float32 (%d) only", index, t->name,
                        dtype, MPX_DTYPE_FLOAT32);
    if (rank > MPX_FORMAT_MAX_RANK)
        return mpx_fail(m, "tensor %d (%s) rank is %" PRIu32 ", more than %u", index, t->name, rank,
                        MPX_FORMAT_MAX_RANK);
    if (reserved)
        return mpx_fail(m, "tensor %d (%s) reserved byte is %" PRIu32 ", must be 0", index, t->name, reserved);
    t->kind = (int)kind;
    t->rank = (int)rank;
    /* Per-sample activations are capped by the memory limit, constants by the weights. */
    uint64_t limit = kind == MPX_TENSOR_CONSTANT ? weights_size / 4 : MPX_MAX_SAMPLE_BYTES / sizeof(float);
    uint64_t count = 1;
    for (uint32_t d = 0; d < rank; d++) {
        uint32_t v;
        if (read_u32(c, what, &v)) return -1;
        if (v == 0)
            return mpx_fail(m, "tensor %d (%s) dimension %" PRIu32 " is 0, must be at least 1", index, t->name, d);
        t->dims[d] = v;
        count *= v;
        if (count > limit)
            return kind == MPX_TENSOR_CONSTANT
                       ? mpx_fail(m, "tensor %d (%s) has more elements than the %" PRIu64 "-byte weights hold",
                                  index, t->name, weights_size)
                       : mpx_fail(m, "tensor %d (%s) needs more than %zu MiB per sample, the runtime's limit", index,
                                  t->name, MPX_MAX_SAMPLE_BYTES >> 20);
    }
    t->count = (size_t)count;
    t->producer = -1;
    t->last_use = -1;
    t->root = index;
    t->buffer = -1;
    if (kind == MPX_TENSOR_CONSTANT) {
        uint64_t offset;
        if (read_u64(c, what, &offset)) return -1;
        t->data = (const float *)(uintptr_t)offset; /* resolved against the weights once their place is known */
    }
    return 0;
}

static int resolve_constants(mpx_model *m, size_t weights_start, uint64_t weights_size) {
    for (int i = 0; i < m->n_tensors; i++) {
        mpx_tensor *t = &m->tensors[i];
        if (t->kind != MPX_TENSOR_CONSTANT) continue;
        uint64_t offset = (uint64_t)(uintptr_t)t->data, bytes = (uint64_t)t->count * 4;
        if (offset % 16)
            return mpx_fail(m, "tensor %d (%s) data offset %" PRIu64 " is not a multiple of 16", i, t->name, offset);
        if (offset > weights_size || bytes > weights_size - offset)
            return mpx_fail(m, "tensor %d (%s) data [%" PRIu64 ", %" PRIu64 ") lies outside the %" PRIu64
                               "-byte weights part", i, t->name, offset, offset + bytes, weights_size);
        t->data = (const float *)(m->file + weights_start + offset);
    }
    return 0;
}

static int read_tensor_id(cursor *c, const char *what, int allow_absent, int64_t *id) {
    uint32_t v;
    if (read_u32(c, what, &v)) return -1;
    if (v == MPX_FORMAT_ABSENT && allow_absent) {
        *id = -1;
        return 0;
    }
    if (v >= (uint32_t)c->m->n_tensors)
        return mpx_fail(c->m, "%s is tensor %" PRIu32 " but the file has %d tensors", what, v, c->m->n_tensors);
    *id = v;
    return 0;
}

static int parse_op(cursor *c, const string_table *st, int index, mpx_op *op) {
    mpx_model *m = c->m;
    char what[200], label[160];
    const uint8_t *p = NULL;
    snprintf(what, sizeof what, "op %d record", index);
    if (take(c, MPX_OP_RECORD_SIZE, what, &p)) return -1;
    snprintf(what, sizeof what, "op %d name", index);
    if (string_at(m, st, what, le32(p + MPX_OP_AT_NAME), &op->name)) return -1;
    uint32_t type = le16(p + MPX_OP_AT_TYPE), reserved = le16(p + MPX_OP_AT_RESERVED), n_in = p[MPX_OP_AT_N_IN],
             n_out = p[MPX_OP_AT_N_OUT], n_iattr = p[MPX_OP_AT_N_IATTR], n_fattr = p[MPX_OP_AT_N_FATTR];
    op->type = (int)type;
    mpx_op_label(m, index, label, sizeof label);
    const mpx_op_format *format = mpx_op_format_of((int)type);
    if (!format || !mpx_op_kind_of((int)type)) return mpx_fail(m, "%s has unknown type %" PRIu32, label, type);
    if (reserved) return mpx_fail(m, "%s reserved field is %" PRIu32 ", must be 0", label, reserved);
    if ((int)n_in < format->min_in || (int)n_in > format->max_in)
        return format->min_in == format->max_in
                   ? mpx_fail(m, "%s has %" PRIu32 " inputs, %s takes %d", label, n_in, format->name, format->min_in)
                   : mpx_fail(m, "%s has %" PRIu32 " inputs, %s takes %d to %d", label, n_in, format->name,
                              format->min_in, format->max_in);
    if (n_out != 1) return mpx_fail(m, "%s has %" PRIu32 " outputs, %s has 1", label, n_out, format->name);
    int without_act = format->optional_act && n_iattr == 0 && n_fattr == 0;
    if (!without_act && format->n_iattr >= 0 && n_iattr != (uint32_t)format->n_iattr)
        return mpx_fail(m, "%s has %" PRIu32 " integer attributes, %s has %d", label, n_iattr, format->name,
                        format->n_iattr);
    if (!without_act && n_fattr != (uint32_t)format->n_fattr)
        return mpx_fail(m, "%s has %" PRIu32 " float attributes, %s has %d", label, n_fattr, format->name,
                        format->n_fattr);
    op->n_in = (int)n_in;
    op->n_out = (int)n_out;
    op->n_iattr = (int)n_iattr;
    op->n_fattr = (int)n_fattr;
    /* One block for the op's arrays; n_* are bytes, so it is small. */
    op->in = malloc(sizeof(int64_t) * (n_in + n_out) + sizeof(int32_t) * n_iattr + sizeof(float) * n_fattr + 1);
    if (!op->in) return mpx_fail(m, "out of memory reading %s", label);
    op->out = op->in + n_in;
    op->iattr = (int32_t *)(op->out + n_out);
    op->fattr = (float *)(op->iattr + n_iattr);
    for (uint32_t i = 0; i < n_in; i++) {
        snprintf(what, sizeof what, "%s input %" PRIu32, label, i);
        /* Only the bias of CONV and DENSE is optional. */
        int optional = i == 2 && (type == MPX_OP_CONV || type == MPX_OP_DENSE);
        if (read_tensor_id(c, what, optional, &op->in[i])) return -1;
    }
    snprintf(what, sizeof what, "%s output", label);
    if (read_tensor_id(c, what, 0, &op->out[0])) return -1;
    snprintf(what, sizeof what, "%s attributes", label);
    for (uint32_t i = 0; i < n_iattr; i++) {
        uint32_t v;
        if (read_u32(c, what, &v)) return -1;
        op->iattr[i] = (int32_t)v;
    }
    for (uint32_t i = 0; i < n_fattr; i++) {
        uint32_t v;
        if (read_u32(c, what, &v)) return -1;
        memcpy(&op->fattr[i], &v, 4);
    }
    return 0;
}

static int parse_layer(cursor *c, int index, mpx_layer *layer) {
    mpx_model *m = c->m;
    char what[64];
    const uint8_t *p = NULL;
    snprintf(what, sizeof what, "layer %d record", index + 1);
    if (take(c, MPX_LAYER_RECORD_SIZE, what, &p)) return -1;
    uint32_t n = p[MPX_LAYER_AT_N_SLOTS];
    if (n < 1 || n > MPX_FORMAT_MAX_SLOTS)
        return mpx_fail(m, "layer %d has %" PRIu32 " slots, must be 1 to %u", index + 1, n, MPX_FORMAT_MAX_SLOTS);
    if (p[MPX_LAYER_AT_RESERVED] | p[MPX_LAYER_AT_RESERVED2] | p[MPX_LAYER_AT_RESERVED3])
        return mpx_fail(m, "layer %d reserved bytes are not 0", index + 1);
    layer->n_slots = (int)n;
    for (uint32_t s = 0; s < n; s++) {
        snprintf(what, sizeof what, "layer %d slot %" PRIu32, index + 1, s + 1);
        if (take(c, MPX_SLOT_RECORD_SIZE, what, &p)) return -1;
        uint32_t kind = p[MPX_SLOT_AT_KIND], part = p[MPX_SLOT_AT_PART], reserved = le16(p + MPX_SLOT_AT_RESERVED),
                 op = le32(p + MPX_SLOT_AT_OP);
        if (kind < 1 || kind >= MPX_SLOT_KIND_COUNT)
            return mpx_fail(m, "layer %d slot %" PRIu32 " kind is %" PRIu32 ", must be 1 to %d", index + 1, s + 1,
                            kind, MPX_SLOT_KIND_COUNT - 1);
        if (part >= MPX_PART_COUNT)
            return mpx_fail(m, "layer %d slot %" PRIu32 " part is %" PRIu32 ", must be 0 to %d", index + 1, s + 1, part,
                            MPX_PART_COUNT - 1);
        if (reserved)
            return mpx_fail(m, "layer %d slot %" PRIu32 " reserved field is %" PRIu32 ", must be 0", index + 1, s + 1,
                            reserved);
        if (op >= (uint32_t)m->n_ops)
            return mpx_fail(m, "layer %d slot %" PRIu32 " refers to op %" PRIu32 " but the file has %d ops", index + 1,
                            s + 1, op, m->n_ops);
        layer->slots[s].kind = (uint8_t)kind;
        layer->slots[s].part = (uint8_t)part;
        layer->slots[s].op = op;
    }
    return 0;
}

/* Slot rules: a conv slot controls a CONV op itself, a CONV op itself is controlled only by a conv slot,
 * part 1 exists only on CONV and DENSE, part 2 also on an ADD/SUB/MUL/DIV with a fused activation, and no
 * step is controlled twice. */
static int has_fused_act(const mpx_op *op) {
    return op->type >= MPX_OP_ADD && op->type <= MPX_OP_DIV && op->n_iattr > 0 && op->iattr[0] != MPX_ACT_NONE;
}

static int check_slots(mpx_model *m) {
    uint8_t *seen = calloc((size_t)m->n_ops, 1);
    if (!seen && m->n_ops) return mpx_fail(m, "out of memory checking layers");
    int rc = 0;
    char label[160];
    for (int l = 0; l < m->n_layers && !rc; l++)
        for (int s = 0; s < m->layers[l].n_slots && !rc; s++) {
            const mpx_slot *slot = &m->layers[l].slots[s];
            const mpx_op *op = &m->ops[slot->op];
            int is_conv_slot = slot->kind == MPX_SLOT_CONV || slot->kind == MPX_SLOT_GROUP_CONV;
            mpx_op_label(m, (int)slot->op, label, sizeof label);
            if (is_conv_slot != (op->type == MPX_OP_CONV && slot->part == MPX_PART_OP))
                rc = mpx_fail(m, "layer %d slot %d is %s part %d of %s (%s): %s", l + 1, s + 1,
                              mpx_slot_kind_name(slot->kind), slot->part, label, mpx_op_format_of(op->type)->name,
                              is_conv_slot ? "a conv slot must control a CONV op itself (part 0)"
                                           : "a CONV op itself takes a conv or group_conv slot");
            else if (slot->part != MPX_PART_OP && op->type != MPX_OP_CONV && op->type != MPX_OP_DENSE &&
                     !(slot->part == MPX_PART_ACT && has_fused_act(op)))
                rc = mpx_fail(m, "layer %d slot %d controls part %d of %s (%s), which has no such fused step", l + 1,
                              s + 1, slot->part, label, mpx_op_format_of(op->type)->name);
            else if (seen[slot->op] & (1u << slot->part))
                rc = mpx_fail(m, "layer %d slot %d controls part %d of %s, which an earlier slot already controls",
                              l + 1, s + 1, slot->part, label);
            seen[slot->op] |= (uint8_t)(1u << slot->part);
        }
    free(seen);
    return rc;
}

/* Activation inputs come from the graph input or an earlier op; every activation has one writer. */
static int check_graph(mpx_model *m) {
    char label[160];
    mpx_tensor *in = &m->tensors[m->input];
    if (in->kind != MPX_TENSOR_ACTIVATION)
        return mpx_fail(m, "graph input is tensor %d (%s), a constant", m->input, in->name);
    for (int i = 0; i < m->n_ops; i++) {
        mpx_op *op = &m->ops[i];
        mpx_op_label(m, i, label, sizeof label);
        for (int k = 0; k < op->n_in; k++) {
            int64_t t = op->in[k];
            if (t < 0) continue;
            mpx_tensor *x = &m->tensors[t];
            if (x->kind == MPX_TENSOR_ACTIVATION && t != m->input && x->producer < 0)
                return mpx_fail(m, "%s input %d is tensor %lld (%s), which no earlier op produces", label, k,
                                (long long)t, x->name);
            if (x->kind == MPX_TENSOR_ACTIVATION) x->last_use = i;
        }
        int64_t t = op->out[0];
        mpx_tensor *y = &m->tensors[t];
        if (y->kind != MPX_TENSOR_ACTIVATION)
            return mpx_fail(m, "%s output is tensor %lld (%s), a constant", label, (long long)t, y->name);
        if (t == m->input)
            return mpx_fail(m, "%s output is tensor %lld (%s), the graph input", label, (long long)t, y->name);
        if (y->producer >= 0)
            return mpx_fail(m, "%s output is tensor %lld (%s), which op %d already writes", label, (long long)t,
                            y->name, y->producer);
        y->producer = i;
        if (mpx_op_kind_of(op->type)->check(m, op)) return -1;
    }
    for (int t = 0; t < m->n_tensors; t++) {
        const mpx_tensor *x = &m->tensors[t];
        if (x->kind == MPX_TENSOR_ACTIVATION && t != m->input && x->producer < 0)
            return mpx_fail(m, "tensor %d (%s) is an activation that no op writes", t, x->name);
    }
    for (int k = 0; k < m->n_outputs; k++) {
        const mpx_tensor *x = &m->tensors[m->outputs[k]];
        if (x->kind != MPX_TENSOR_ACTIVATION)
            return mpx_fail(m, "graph output %d is tensor %d (%s), a constant", k, m->outputs[k], x->name);
    }
    return 0;
}

static int load(mpx_model *m) {
    header h = {0};
    if (parse_header(m, &h)) return -1;
    uint64_t weights_size = h.weights_size;
    size_t weights_end = m->file_size - 4;
    string_table st = {m->file + MPX_HEADER_RECORD_SIZE, h.strings_size, 0};
    size_t bad = utf8_invalid_at(st.strings, st.size);
    if (bad < st.size) return mpx_fail(m, "string table byte %zu is not valid UTF-8", bad);
    for (size_t i = st.size; i > 0; i--)
        if (st.strings[i - 1] == 0) {
            st.terminated = i;
            break;
        }
    /* The tables end where the padding before the weights begins. */
    cursor c = {m->file, MPX_HEADER_RECORD_SIZE + st.size, (size_t)(weights_end - weights_size), m};
    size_t left = c.end - c.pos;
    if ((uint64_t)h.n_tensors * MIN_TENSOR_RECORD > left)
        return mpx_fail(m, "n_tensors is %" PRIu32 " but the tables have only %zu bytes", h.n_tensors, left);
    if ((uint64_t)h.n_ops * MIN_OP_RECORD + (uint64_t)h.n_layers * MIN_LAYER_RECORD + 4ull * h.n_outputs > left)
        return mpx_fail(m, "n_ops %" PRIu32 ", n_layers %" PRIu32 " and n_outputs %" PRIu32
                           " do not fit in the %zu bytes of the tables", h.n_ops, h.n_layers, h.n_outputs, left);
    m->n_tensors = (int)h.n_tensors;
    m->n_ops = (int)h.n_ops;
    m->n_layers = (int)h.n_layers;
    m->n_outputs = (int)h.n_outputs;
    m->tensors = calloc((size_t)m->n_tensors, sizeof *m->tensors);
    m->ops = calloc((size_t)m->n_ops + 1, sizeof *m->ops);
    m->layers = calloc((size_t)m->n_layers + 1, sizeof *m->layers);
    m->outputs = calloc((size_t)m->n_outputs, sizeof *m->outputs);
    if (!m->tensors || !m->ops || !m->layers || !m->outputs) return mpx_fail(m, "out of memory reading the tables");
    for (int i = 0; i < m->n_tensors; i++)
        if (parse_tensor(&c, &st, weights_size, i, &m->tensors[i])) return -1;
    int64_t id;
    if (read_tensor_id(&c, "graph input", 0, &id)) return -1;
    m->input = (int)id;
    for (int k = 0; k < m->n_outputs; k++) {
        char what[32];
        snprintf(what, sizeof what, "graph output %d", k);
        if (read_tensor_id(&c, what, 0, &id)) return -1;
        m->outputs[k] = (int)id;
    }
    for (int i = 0; i < m->n_ops; i++)
        if (parse_op(&c, &st, i, &m->ops[i])) return -1;
    for (int l = 0; l < m->n_layers; l++)
        if (parse_layer(&c, l, &m->layers[l])) return -1;
    size_t weights_start = (c.pos + 15) & ~(size_t)15;
    if (weights_start != c.end)
        return mpx_fail(m, "the tables end at byte %zu, so the weights should start at %zu, but weights_size %" PRIu64
                           " puts them at %zu", c.pos, weights_start, weights_size, c.end);
    for (size_t i = c.pos; i < weights_start; i++)
        if (m->file[i]) return mpx_fail(m, "padding byte at offset %zu before the weights is not 0", i);
    if (resolve_constants(m, weights_start, weights_size)) return -1;
    m->n_slots = 0;
    for (int l = 0; l < m->n_layers; l++) m->n_slots += m->layers[l].n_slots;
    if (check_graph(m) || check_slots(m)) return -1;
    return 0;
}

int mpx_load(mpx_model *m, const char *origin) {
    if (load(m) == 0) return 0;
    mpx_prefix_error(m, origin);
    return -1;
}
