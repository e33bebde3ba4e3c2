/* Mutation fuzzer of the loader and the configuration parser. Each mutant of a valid model must either be
 * rejected with a message or load and then run; configurations built from the model's own layers (some
 * valid, some corrupted) must either be rejected with a message or be settable and run. Meant for the
 * MPX_SANITIZE build, where any out-of-bounds access or undefined behaviour aborts the run.
 *     fuzz_loader SEED.mpxm [iterations=2000] [rng-seed=1] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mobiprox.h"

#define MAX_RUN_SIZE (1u << 20) /* skip inference of mutants whose input or output grew huge */

static uint64_t state;

static uint32_t rnd(void) { /* xorshift64* */
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (uint32_t)((state * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t below(uint32_t n) { return n ? rnd() % n : 0; }

static uint32_t crc32_ieee(const uint8_t *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = crc & 1 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    }
    return crc ^ 0xFFFFFFFFu;
}

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Where the interesting fields are: the header and the tables before the weights. */
static size_t tables_end(const uint8_t *seed, size_t size) {
    uint64_t weights = (uint64_t)seed[40] | (uint64_t)seed[41] << 8 | (uint64_t)seed[42] << 16 |
                       (uint64_t)seed[43] << 24;
    return weights + 4 < size ? size - 4 - (size_t)weights : size;
}

static size_t mutate(uint8_t *buf, size_t size, size_t cap, size_t tables) {
    static const uint32_t extremes[] = {0, 1, 2, 3, 7, 8, 9, 16, 255, 256, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF,
                                        0x80000000u, 0xFFFFFFFFu, 0xFFFFFFFEu, 1000000, 1000001};
    int kind = (int)below(6);
    size_t where = below(2) ? below((uint32_t)tables) : below((uint32_t)size);
    switch (kind) {
    case 0: /* bit flips */
        for (uint32_t n = 1 + below(4); n; n--) {
            size_t at = below(3) ? below((uint32_t)tables) : below((uint32_t)size);
            buf[at] ^= (uint8_t)(1u << below(8));
        }
        break;
    case 1: { /* byte overwrite with an extreme */
        static const uint8_t bytes[] = {0, 0xFF, 0x7F, 0x80, 1, 2, 8, 9};
        buf[where] = bytes[below(sizeof bytes)];
        break;
    }
    case 2: /* 32-bit field overwrite, aligned to the header's fields or anywhere in the tables */
        if (below(2)) where = 4 * below(12);
        if (where + 4 <= size) put32(buf + where, extremes[below(sizeof extremes / sizeof extremes[0])]);
        break;
    case 3: /* truncation */
        size = below((uint32_t)size);
        break;
    case 4: { /* extension */
        size_t extra = 1 + below(64);
        if (size + extra > cap) extra = cap - size;
        for (size_t i = 0; i < extra; i++) buf[size + i] = (uint8_t)rnd();
        size += extra;
        break;
    }
    default: /* small random run */
        for (uint32_t n = 1 + below(8); n && where < size; n--) buf[where++] = (uint8_t)rnd();
    }
    return size;
}

static const int conv_knobs[] = {11, 12, 121, 122, 123, 124, 127, 130, 134, 138, 151, 155, 160, 168,
                                 231, 232, 233, 235, 239, 261, 266, 269};
static const int invalid_knobs[] = {0, 13, 120, 139, 150, 169, 230, 240, 270, 999};

/* Mostly knobs the slot takes, sometimes one it does not. */
static int pick_knob(const char *slot) {
    if (below(16) == 0) return invalid_knobs[below(sizeof invalid_knobs / sizeof invalid_knobs[0])];
    if (!strcmp(slot, "conv") || !strcmp(slot, "group_conv"))
        return conv_knobs[below(sizeof conv_knobs / sizeof conv_knobs[0])];
    return below(2) ? 11 : 12;
}

static const char *knob_name(int id) {
    if (id == 11) return "fp32";
    if (id == 12) return "fp16";
    if (id >= 121 && id <= 138) return "perf";
    if (id >= 151 && id <= 168) return "perf_fp16";
    if (id >= 231 && id <= 239) return "samp";
    if (id >= 261 && id <= 269) return "samp_fp16";
    return "bogus";
}

/* One to three configurations over the model's own layers, sometimes with a corrupted byte. */
static size_t config_text(const mpx_model *m, char *text, size_t cap) {
    size_t len = (size_t)snprintf(text, cap, "0.0\n");
    int configs = 1 + (int)below(3);
    for (int c = 0; c < configs && len < cap; c++) {
        len += (size_t)snprintf(text + len, cap - len, "+++++\nconf%d 1.5 1 90 0.1\n", c + 1);
        for (int l = 0; l < mpx_layer_count(m) && len < cap; l++) {
            len += (size_t)snprintf(text + len, cap - len, "%d cpu", l + 1);
            for (int s = 0; s < mpx_layer_slot_count(m, l) && len < cap; s++) {
                const char *slot = mpx_layer_slot_name(m, l, s);
                int id = pick_knob(slot);
                len += (size_t)snprintf(text + len, cap - len, " %s %s %d", slot, knob_name(id), id);
            }
            if (len < cap) len += (size_t)snprintf(text + len, cap - len, "\n");
        }
        if (len < cap) len += (size_t)snprintf(text + len, cap - len, "-----\n");
    }
    if (len >= cap) len = cap - 1;
    if (below(8) == 0 && len) text[below((uint32_t)len)] = (char)rnd();
    if (below(16) == 0) len = below((uint32_t)len + 1);
    return len;
}

static int run(mpx_model *m, float *zeros, int batch) {
    return mpx_infer(m, zeros, batch, NULL);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: fuzz_loader SEED.mpxm [iterations] [rng-seed]\n");
        return 2;
    }
    long iterations = argc > 2 ? atol(argv[2]) : 2000;
    state = argc > 3 ? strtoull(argv[3], NULL, 10) * 0x9E3779B97F4A7C15ull + 1 : 1;
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        fprintf(stderr, "fuzz_loader: cannot open %s\n", argv[1]);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    size_t size = (size_t)ftell(f), cap = size + 4096;
    fseek(f, 0, SEEK_SET);
    uint8_t *seed = malloc(size), *buf = malloc(cap);
    if (!seed || !buf || fread(seed, 1, size, f) != size) return 2;
    fclose(f);
    size_t tables = tables_end(seed, size);
    mpx_model *valid = mpx_create_from_buffer(seed, size, 1);
    if (!valid) {
        fprintf(stderr, "fuzz_loader: the seed does not load: %s\n", mpx_last_error(NULL));
        return 2;
    }
    mpx_destroy(valid);
    long loaded = 0, rejected = 0, configs_ok = 0, configs_rejected = 0, failed = 0, passed = 0;
    char text[8192];
    for (long it = 0; it < iterations; it++) {
        memcpy(buf, seed, size);
        size_t n = size;
        for (uint32_t k = 1 + (below(3) == 0 ? below(4) : 0); k; k--) n = mutate(buf, n, cap, tables);
        if (n >= 52 && below(2)) { /* reach the checks behind the checksum */
            if (below(2)) put32(buf + 8, (uint32_t)n);
            put32(buf + n - 4, crc32_ieee(buf, n - 4));
        }
        int ok = 1;
        mpx_model *m = mpx_create_from_buffer(buf, n, 1 + (int)below(2));
        if (!m) {
            rejected++;
            if (!*mpx_last_error(NULL)) ok = 0, printf("iteration %ld: rejected without a message\n", it);
        } else {
            loaded++;
            size_t in = mpx_input_size(m), out = mpx_output_size(m, 0);
            float *zeros = in <= MAX_RUN_SIZE && out <= MAX_RUN_SIZE ? calloc(in * 3 + 1, sizeof(float)) : NULL;
            if (zeros && (run(m, zeros, 1) || run(m, zeros, 3)))
                ok = 0, printf("iteration %ld: inference failed: %s\n", it, mpx_last_error(m));
            for (int c = 0; c < 3 && ok; c++) {
                size_t len = config_text(m, text, sizeof text);
                if (mpx_load_configs(m, text, len)) {
                    configs_rejected++;
                    if (!*mpx_last_error(m)) ok = 0, printf("iteration %ld: config rejected without a message\n", it);
                    continue;
                }
                configs_ok++;
                for (int i = 0; i < mpx_config_count(m) && ok; i++)
                    if (mpx_set_config(m, i) || (zeros && run(m, zeros, 1 + (int)below(3))))
                        ok = 0, printf("iteration %ld: configuration %d failed: %s\n", it, i, mpx_last_error(m));
            }
            free(zeros);
            mpx_destroy(m);
        }
        if (ok) passed++;
        else failed++;
    }
    printf("%ld mutants: %ld loaded, %ld rejected; configurations: %ld loaded, %ld rejected\n", iterations, loaded,
           rejected, configs_ok, configs_rejected);
    printf("%ld passed, %ld failed\n", passed, failed);
    free(seed);
    free(buf);
    return failed ? 1 : 0;
}
