/* ApproxTuner/HPVM configuration text (src/core/DESIGN.md §4, FORMAT.md "Configurations"): parsed and checked
 * against the model's layer slots, so that a configuration that loads can always be set. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "model.h"

typedef struct {
    const char *p, *end;   /* rest of the text */
    const char *line, *line_end;
    int number;            /* 1-based number of `line` */
} reader;

/* Advances to the next line; 0 at the end of the text. Skips blank lines when skip_blank. */
static int next_line(reader *r, int skip_blank) {
    for (;;) {
        if (r->p >= r->end) return 0;
        const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
        r->line = r->p;
        r->line_end = nl ? nl : r->end;
        r->p = nl ? nl + 1 : r->end;
        r->number++;
        while (r->line_end > r->line && (r->line_end[-1] == '\r' || r->line_end[-1] == ' ' || r->line_end[-1] == '\t'))
            r->line_end--;
        while (r->line < r->line_end && (*r->line == ' ' || *r->line == '\t')) r->line++;
        if (!skip_blank || r->line < r->line_end) return 1;
    }
}

/* Next whitespace-separated token of the current line into buf (truncated to size-1); 0 at line end. */
static int next_token(const char **p, const char *end, char *buf, size_t size) {
    while (*p < end && (**p == ' ' || **p == '\t')) (*p)++;
    if (*p >= end) return 0;
    size_t n = 0;
    while (*p < end && **p != ' ' && **p != '\t') {
        if (n + 1 < size) buf[n++] = **p;
        (*p)++;
    }
    buf[n] = 0;
    return 1;
}

static int parse_number(const char *s, double *v) {
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return *s && !*end && errno == 0 ? 0 : -1;
}

static int parse_int(const char *s, long *v) {
    char *end;
    errno = 0;
    *v = strtol(s, &end, 10);
    return *s && !*end && errno == 0 ? 0 : -1;
}

static int is_line(const reader *r, const char *text) {
    size_t n = strlen(text);
    return (size_t)(r->line_end - r->line) == n && memcmp(r->line, text, n) == 0;
}

static int check_knob(mpx_model *m, const mpx_slot *slot, const char *conf, int line, int layer, const char *name,
                      long id) {
    const char *family = id > 0 && id <= 32767 ? mpx_knob_name((int)id) : NULL; /* the table's ids are shorts */
    if (!family)
        return mpx_fail(m, "configuration %s line %d: layer %d %s has unknown knob id %ld", conf, line, layer,
                        mpx_slot_kind_name(slot->kind), id);
    if (strcmp(family, name) != 0)
        return mpx_fail(m, "configuration %s line %d: layer %d %s knob %ld is %s, not %s", conf, line, layer,
                        mpx_slot_kind_name(slot->kind), id, family, name);
    if (slot->kind == 1 || slot->kind == 2) {
        mpx_knob knob;
        const mpx_op *op = &m->ops[slot->op];
        if (mpx_knob_decode((int)id, &knob) < 0 || !mpx_conv_knob_applies(&op->u.conv.shape, &knob))
            return mpx_fail(m, "configuration %s line %d: knob %ld does not apply to layer %d %s (op %s, output %dx%d, "
                               "%d weights per filter)", conf, line, id, layer, mpx_slot_kind_name(slot->kind),
                            op->name, op->u.conv.shape.Ho, op->u.conv.shape.Wo,
                            op->u.conv.shape.C / op->u.conv.shape.group * op->u.conv.shape.kh * op->u.conv.shape.kw);
        return 0;
    }
    if (id != MPX_KNOB_FP32 && id != MPX_KNOB_FP16)
        return mpx_fail(m, "configuration %s line %d: layer %d %s takes fp32 11 or fp16 12, not %s %ld", conf, line,
                        layer, mpx_slot_kind_name(slot->kind), name, id);
    return 0;
}

/* "q=<scale>,<zero>" after an int8 knob: the quantisation of the convolution's input. */
static int parse_quant(mpx_model *m, const char *tok, const char *conf, int line, int layer, long id, mpx_quant *q) {
    char *end = (char *)tok;
    errno = 0;
    float scale = strncmp(tok, "q=", 2) == 0 ? strtof(tok + 2, &end) : 0.0f;
    long zero = scale > 0.0f && *end == ',' ? strtol(end + 1, &end, 10) : -1;
    if (!(scale > 0.0f && scale < 3.0e38f) || errno || *end || (zero != 0 && zero != 128))
        return mpx_fail(m, "configuration %s line %d: layer %d int8 knob %ld needs its input quantisation "
                           "q=<scale>,<zero> (scale > 0, zero 0 or 128), found \"%.40s\"", conf, line, layer, id, tok);
    *q = (mpx_quant){scale, (int)zero};
    return 0;
}

/* One layer line: "k device (op knobname knobid [q=scale,zero])+", exactly the slots of layer k. */
static int parse_layer_line(mpx_model *m, const reader *r, const char *conf, int layer, uint16_t *knobs,
                            mpx_quant *quant) {
    const mpx_layer *l = &m->layers[layer - 1];
    const char *p = r->line;
    char tok[64], name[64];
    long v;
    if (!next_token(&p, r->line_end, tok, sizeof tok) || parse_int(tok, &v) || v != layer)
        return mpx_fail(m, "configuration %s line %d: expected the line of layer %d, found \"%.40s\"", conf,
                        r->number, layer, r->line_end > r->line ? tok : "");
    if (!next_token(&p, r->line_end, tok, sizeof tok))
        return mpx_fail(m, "configuration %s line %d: layer %d has no device", conf, r->number, layer);
    for (int s = 0; s < l->n_slots; s++) {
        const mpx_slot *slot = &l->slots[s];
        const char *want = mpx_slot_kind_name(slot->kind);
        if (!next_token(&p, r->line_end, tok, sizeof tok))
            return mpx_fail(m, "configuration %s line %d: layer %d lists %d ops, the model's layer %d has %d (%s next)",
                            conf, r->number, layer, s, layer, l->n_slots, want);
        if (strcmp(tok, want) != 0)
            return mpx_fail(m, "configuration %s line %d: layer %d op %d is \"%s\" but the model's is \"%s\"", conf,
                            r->number, layer, s + 1, tok, want);
        if (!next_token(&p, r->line_end, name, sizeof name) || !next_token(&p, r->line_end, tok, sizeof tok) ||
            parse_int(tok, &v))
            return mpx_fail(m, "configuration %s line %d: layer %d %s needs a knob name and a numeric knob id", conf,
                            r->number, layer, want);
        if (check_knob(m, slot, conf, r->number, layer, name, v)) return -1;
        knobs[s] = (uint16_t)v;
        if (strstr(name, "int8")) {
            if (!next_token(&p, r->line_end, tok, sizeof tok)) tok[0] = 0;
            if (parse_quant(m, tok, conf, r->number, layer, v, &quant[s])) return -1;
        }
    }
    if (next_token(&p, r->line_end, tok, sizeof tok))
        return mpx_fail(m, "configuration %s line %d: layer %d has more ops than the model's %d (\"%s\")", conf,
                        r->number, layer, l->n_slots, tok);
    return 0;
}

/* Header "name speedup energy accuracy qos_loss [avg correct wrong]..." then one line per layer. */
static int parse_config(mpx_model *m, reader *r, mpx_config *c) {
    const char *p = r->line;
    char name[128], tok[64];
    double v;
    next_token(&p, r->line_end, name, sizeof name);
    int fields = 0;
    while (next_token(&p, r->line_end, tok, sizeof tok)) {
        if (parse_number(tok, &v))
            return mpx_fail(m, "configuration %s line %d: \"%s\" is not a number", name, r->number, tok);
        fields++;
    }
    if (fields < 4 || (fields - 4) % 3)
        return mpx_fail(m, "configuration %s line %d: header has %d numbers, expected speedup energy accuracy "
                           "qos_loss and then confidence triples", name, r->number, fields);
    c->name = strdup(name);
    c->knobs = calloc((size_t)m->n_slots + 1, sizeof *c->knobs);
    c->quant = calloc((size_t)m->n_slots + 1, sizeof *c->quant);
    if (!c->name || !c->knobs || !c->quant) return mpx_fail(m, "out of memory reading configuration %s", name);
    uint16_t *knobs = c->knobs;
    mpx_quant *quant = c->quant;
    for (int layer = 1; layer <= m->n_layers; layer++) {
        if (!next_line(r, 1) || is_line(r, "-----"))
            return mpx_fail(m, "configuration %s line %d: missing the line of layer %d (the model has %d layers)", name,
                            r->number, layer, m->n_layers);
        if (parse_layer_line(m, r, name, layer, knobs, quant)) return -1;
        knobs += m->layers[layer - 1].n_slots;
        quant += m->layers[layer - 1].n_slots;
    }
    if (!next_line(r, 1) || !is_line(r, "-----"))
        return mpx_fail(m, "configuration %s line %d: expected \"-----\" after the %d layers", name, r->number,
                        m->n_layers);
    return 0;
}

static int is_exact(const mpx_model *m, const mpx_config *c) {
    for (int s = 0; s < m->n_slots; s++)
        if (c->knobs[s] != MPX_KNOB_FP32) return 0;
    return 1;
}

void mpx_configs_free(mpx_config *configs, int n) {
    for (int i = 0; i < n; i++) {
        free(configs[i].name);
        free(configs[i].knobs);
        free(configs[i].quant);
    }
    free(configs);
}

static int append(mpx_model *m, mpx_config **list, int *n, int *cap) {
    if (*n == *cap) {
        int grown = *cap ? *cap * 2 : 8;
        mpx_config *bigger = realloc(*list, sizeof **list * (size_t)grown);
        if (!bigger) return mpx_fail(m, "out of memory reading configurations");
        *list = bigger;
        *cap = grown;
    }
    memset(&(*list)[*n], 0, sizeof **list);
    (*n)++;
    return 0;
}

/* How much of the current line an error message quotes: the line, not the text after it, 40 characters at most. */
static int shown(const reader *r) {
    return r->line_end - r->line < 40 ? (int)(r->line_end - r->line) : 40;
}

static int parse_all(mpx_model *m, const char *text, size_t length, mpx_config **list, int *n) {
    reader r = {text, text + length, NULL, NULL, 0};
    int cap = 0;
    double baseline;
    char tok[64];
    /* Room for the exact configuration, inserted first when the file does not start with one. */
    if (append(m, list, n, &cap)) return -1;
    if (!next_line(&r, 1)) return mpx_fail(m, "configurations: the text is empty, expected the baseline time");
    const char *p = r.line;
    next_token(&p, r.line_end, tok, sizeof tok);
    if (parse_number(tok, &baseline) || next_token(&p, r.line_end, tok, sizeof tok))
        return mpx_fail(m, "configurations line %d: expected the baseline time (a number), found \"%.*s\"", r.number,
                        shown(&r), r.line);
    while (next_line(&r, 1)) {
        if (!is_line(&r, "+++++"))
            return mpx_fail(m, "configurations line %d: expected \"+++++\" before a configuration, found \"%.*s\"",
                            r.number, shown(&r), r.line);
        if (!next_line(&r, 1)) return mpx_fail(m, "configurations line %d: \"+++++\" ends the text", r.number);
        if (append(m, list, n, &cap) || parse_config(m, &r, &(*list)[*n - 1])) return -1;
    }
    return 0;
}

int mpx_parse_configs(mpx_model *m, const char *text, size_t length, mpx_config **configs, int *count) {
    mpx_config *list = NULL;
    int n = 0;
    if (!text && length) return mpx_fail(m, "configurations: NULL text");
    if (parse_all(m, text ? text : "", length, &list, &n)) {
        mpx_configs_free(list, n);
        return -1;
    }
    if (n > 1 && is_exact(m, &list[1])) { /* the file's own exact configuration becomes index 0 */
        memmove(list, list + 1, sizeof *list * (size_t)(n - 1));
        n--;
    } else {
        list[0].name = strdup("conf0");
        list[0].knobs = malloc(sizeof(uint16_t) * ((size_t)m->n_slots + 1));
        list[0].quant = calloc((size_t)m->n_slots + 1, sizeof *list[0].quant);
        if (!list[0].name || !list[0].knobs || !list[0].quant) {
            mpx_configs_free(list, n);
            return mpx_fail(m, "out of memory reading configurations");
        }
        for (int s = 0; s < m->n_slots; s++) list[0].knobs[s] = MPX_KNOB_FP32;
    }
    *configs = list;
    *count = n;
    return 0;
}
