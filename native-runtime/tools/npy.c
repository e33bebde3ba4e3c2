/* .npy format 1.0–3.0: magic, version, header length, a Python dict literal with descr, fortran_order and
 * shape, then the raw data. Only what mpxrun needs is accepted; anything else gets a clear refusal. */
#define _POSIX_C_SOURCE 200809L
#include "npy.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t size, const char *path, const char *what) {
    snprintf(err, size, "%s: %s", path, what);
    return -1;
}

/* The value text after 'key': in the header dict, or NULL. */
static const char *dict_value(const char *header, const char *key) {
    char quoted[32];
    snprintf(quoted, sizeof quoted, "'%s'", key);
    const char *p = strstr(header, quoted);
    if (!p) {
        snprintf(quoted, sizeof quoted, "\"%s\"", key);
        p = strstr(header, quoted);
    }
    if (!p) return NULL;
    p += strlen(quoted);
    while (*p == ' ') p++;
    if (*p++ != ':') return NULL;
    while (*p == ' ') p++;
    return p;
}

static int parse_header(const char *h, npy_array *a, size_t *item, char *err, size_t err_size, const char *path) {
    char msg[256];
    const char *descr = dict_value(h, "descr");
    if (!descr || (*descr != '\'' && *descr != '"')) return fail(err, err_size, path, "header has no descr");
    char type[16] = {0};
    size_t n = 0;
    for (const char *p = descr + 1; *p && *p != *descr && n + 1 < sizeof type; p++) type[n++] = *p;
    if (!strcmp(type, "<f4") || !strcmp(type, "=f4")) a->dtype = NPY_F32, *item = 4;
    else if (!strcmp(type, "<i4") || !strcmp(type, "=i4")) a->dtype = NPY_I32, *item = 4;
    else if (!strcmp(type, "<i8") || !strcmp(type, "=i8")) a->dtype = NPY_I64, *item = 8;
    else {
        snprintf(msg, sizeof msg, "dtype %s is not supported (float32 '<f4', int32 '<i4' or int64 '<i8')", type);
        return fail(err, err_size, path, msg);
    }
    const char *fortran = dict_value(h, "fortran_order");
    if (!fortran) return fail(err, err_size, path, "header has no fortran_order");
    if (!strncmp(fortran, "True", 4))
        return fail(err, err_size, path, "is in Fortran order; save it with numpy.ascontiguousarray first");
    const char *shape = dict_value(h, "shape");
    if (!shape || *shape != '(') return fail(err, err_size, path, "header has no shape");
    a->rank = 0;
    a->count = 1;
    for (const char *p = shape + 1;;) {
        while (*p == ' ' || *p == ',') p++;
        if (*p == ')') break;
        char *end;
        errno = 0;
        unsigned long long d = strtoull(p, &end, 10);
        if (end == p || errno || *p < '0' || *p > '9')
            return fail(err, err_size, path, "shape is not a tuple of integers");
        if (a->rank == 8) return fail(err, err_size, path, "has more than 8 dimensions");
        if (d && a->count > SIZE_MAX / 8 / d) return fail(err, err_size, path, "shape is too large");
        a->dims[a->rank++] = (size_t)d;
        a->count *= (size_t)d;
        p = end;
    }
    return 0;
}

int npy_read(const char *path, npy_array *a, char *err, size_t err_size) {
    memset(a, 0, sizeof *a);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_size, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    unsigned char pre[12];
    int rc = -1;
    char *header = NULL;
    if (fstat(fileno(f), &st) || fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6)) {
        fail(err, err_size, path, "is not a .npy file (bad magic)");
        goto done;
    }
    size_t header_len, prefix = 10;
    if (pre[6] == 1) {
        header_len = pre[8] | (size_t)pre[9] << 8;
    } else if (pre[6] == 2 || pre[6] == 3) {
        if (fread(pre + 10, 1, 2, f) != 2) {
            fail(err, err_size, path, "is truncated in its header");
            goto done;
        }
        header_len = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
        prefix = 12;
    } else {
        fail(err, err_size, path, "has an unknown .npy format version");
        goto done;
    }
    if (header_len > 1 << 20 || prefix + header_len > (size_t)st.st_size) {
        fail(err, err_size, path, "is truncated in its header");
        goto done;
    }
    header = malloc(header_len + 1);
    if (!header || fread(header, 1, header_len, f) != header_len) {
        fail(err, err_size, path, "cannot read its header");
        goto done;
    }
    header[header_len] = 0;
    size_t item;
    if (parse_header(header, a, &item, err, err_size, path)) goto done;
    size_t bytes = a->count * item, have = (size_t)st.st_size - prefix - header_len;
    if (bytes != have) {
        char msg[160];
        snprintf(msg, sizeof msg, "has %zu bytes of data but its shape needs %zu (truncated?)", have, bytes);
        fail(err, err_size, path, msg);
        goto done;
    }
    a->data = malloc(bytes ? bytes : 1);
    if (!a->data || fread(a->data, 1, bytes, f) != bytes) {
        fail(err, err_size, path, a->data ? "read error" : "out of memory");
        goto done;
    }
    rc = 0;
done:
    free(header);
    fclose(f);
    if (rc) npy_free(a);
    return rc;
}

void npy_free(npy_array *a) {
    free(a->data);
    a->data = NULL;
}

int npy_write_f32(const char *path, const float *data, const size_t *dims, int rank, char *err, size_t err_size) {
    char header[512];
    int len = snprintf(header, sizeof header, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    size_t count = 1;
    for (int i = 0; i < rank; i++) {
        len += snprintf(header + len, sizeof header - (size_t)len, "%zu,%s", dims[i], i + 1 < rank ? " " : "");
        count *= dims[i];
    }
    len += snprintf(header + len, sizeof header - (size_t)len, "), }");
    int total = (10 + len + 1 + 63) / 64 * 64; /* numpy pads the header so the data is 64-byte aligned */
    while (10 + len + 1 < total) header[len++] = ' ';
    header[len++] = '\n';
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        snprintf(err, err_size, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(len & 0xFF),
                             (unsigned char)(len >> 8)};
    int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(header, 1, (size_t)len, f) == (size_t)len &&
             fwrite(data, sizeof(float), count, f) == count;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, err_size, "%s: cannot write: %s", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}
