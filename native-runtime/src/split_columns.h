/* A row of 32-bit values split into its even-indexed and its odd-indexed ones: the padded input layout of
 * column perforation with stride 2 (conv.c for float32, conv_int8.c for quantised words), where the
 * windows of one parity's computed columns become consecutive. */
#ifndef MPX_SPLIT_COLUMNS_H
#define MPX_SPLIT_COLUMNS_H

#include <string.h>

/* even[k] = row[2k], odd[k] = row[2k + 1] for the n values of row, four pairs at a time where the compiler
 * has vector shuffles (a scalar loop costs as much as the copy around it). Values are moved as bits. */
static inline void mpx_split_columns(const void *row, int n, void *even, void *odd)
{
    const char *r = row;
    char *ev = even, *od = odd;
    int w = 0;
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
    /* float lanes, whatever the values are: SSE2 has a two-register shuffle of floats (shufps), none of
     * integers, and moves keep every bit. Vectors of four: the files that include this are built for the
     * baseline ISA, where GCC splits a wider vector's shuffle into scalar moves. */
    typedef float v4 __attribute__((vector_size(16)));
    for (; w + 8 <= n; w += 8) {
        v4 a, b;
        memcpy(&a, r + 4 * w, sizeof a);
        memcpy(&b, r + 4 * (w + 4), sizeof b);
        v4 e = __builtin_shufflevector(a, b, 0, 2, 4, 6);
        v4 o = __builtin_shufflevector(a, b, 1, 3, 5, 7);
        memcpy(ev + 4 * (w / 2), &e, sizeof e);
        memcpy(od + 4 * (w / 2), &o, sizeof o);
    }
#endif
    for (; w < n; w++)
        memcpy((w % 2 ? od : ev) + 4 * (w / 2), r + 4 * w, 4);
}

#endif
