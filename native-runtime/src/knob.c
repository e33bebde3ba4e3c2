/* Knob ids, HPVM's (src/core/DESIGN.md §2) and the int8 family beyond them (FORMAT.md, "Knob ids"), and the rule
 * saying where each applies (FORMAT.md, layer records). */
#include "kernels.h"

/* Perforation ids 121-138 in order: (cols|rows, stride, offset). */
static void decode_perforation(int index, mpx_knob *knob)
{
    static const signed char table[18][3] = {
        {MPX_KNOB_PERF_COLS, 2, 0}, {MPX_KNOB_PERF_COLS, 2, 1}, {MPX_KNOB_PERF_ROWS, 2, 0},
        {MPX_KNOB_PERF_ROWS, 2, 1}, {MPX_KNOB_PERF_COLS, 3, 0}, {MPX_KNOB_PERF_COLS, 3, 1},
        {MPX_KNOB_PERF_COLS, 3, 2}, {MPX_KNOB_PERF_ROWS, 3, 0}, {MPX_KNOB_PERF_ROWS, 3, 1},
        {MPX_KNOB_PERF_ROWS, 3, 2}, {MPX_KNOB_PERF_COLS, 4, 0}, {MPX_KNOB_PERF_COLS, 4, 1},
        {MPX_KNOB_PERF_COLS, 4, 2}, {MPX_KNOB_PERF_COLS, 4, 3}, {MPX_KNOB_PERF_ROWS, 4, 0},
        {MPX_KNOB_PERF_ROWS, 4, 1}, {MPX_KNOB_PERF_ROWS, 4, 2}, {MPX_KNOB_PERF_ROWS, 4, 3},
    };
    knob->kind = table[index][0];
    knob->stride = table[index][1];
    knob->offset = table[index][2];
}

/* Sampling ids 231-239 in order: (stride, offset). */
static void decode_sampling(int index, mpx_knob *knob)
{
    static const signed char table[9][2] = {{2, 0}, {2, 1}, {3, 0}, {3, 1}, {3, 2},
                                            {4, 0}, {4, 1}, {4, 2}, {4, 3}};
    knob->kind = MPX_KNOB_SAMPLING;
    knob->stride = table[index][0];
    knob->offset = table[index][1];
}

int mpx_knob_decode(int id, mpx_knob *knob)
{
    mpx_knob k = {.kind = MPX_KNOB_EXACT};
    if (id == 11 || id == 12)
        k.half = id == 12;
    else if (id >= 121 && id <= 138)
        decode_perforation(id - 121, &k);
    else if (id >= 151 && id <= 168) {
        decode_perforation(id - 151, &k);
        k.half = 1;
    } else if (id >= 231 && id <= 239)
        decode_sampling(id - 231, &k);
    else if (id >= 261 && id <= 269) {
        decode_sampling(id - 261, &k);
        k.half = 1;
    } else if (id == 311)
        k.int8 = 1;
    else if (id >= 321 && id <= 338) {
        decode_perforation(id - 321, &k);
        k.int8 = 1;
    } else if (id >= 341 && id <= 349) {
        decode_sampling(id - 341, &k);
        k.int8 = 1;
    } else
        return -1;
    *knob = k;
    return 0;
}

int mpx_conv_knob_applies(const mpx_conv_shape *shape, const mpx_knob *knob)
{
    /* int8 sums of up to 2^16 products of 255 · 127 stay within int32 */
    if (knob->int8 && (shape->group < 1 || (long)(shape->C / shape->group) * shape->kh * shape->kw > 65536))
        return 0;
    if (knob->kind == MPX_KNOB_EXACT)
        return 1;
    if (knob->stride < 2 || knob->offset < 0 || knob->offset >= knob->stride)
        return 0;
    switch (knob->kind) {
    case MPX_KNOB_PERF_ROWS:
        return shape->Ho >= 2;
    case MPX_KNOB_PERF_COLS:
        return shape->Wo >= 2;
    case MPX_KNOB_SAMPLING:
        return shape->group > 0 && (long)(shape->C / shape->group) * shape->kh * shape->kw >= knob->stride;
    default:
        return 0;
    }
}

int mpx_sampling_drops(const mpx_knob *knob, int area, int c, int f)
{
    if (knob->kind != MPX_KNOB_SAMPLING)
        return 0;
    int x = knob->stride;
    if (area % x == 0) {
        int oc = (knob->offset + c) % x;
        return f >= oc && (f - oc) % x == 0;
    }
    int i = c * area + f;
    return i >= knob->offset && (i - knob->offset) % x == 0;
}
