/* Knob ids, HPVM's (src/core/DESIGN.md §2) and the int8 family beyond them (FORMAT.md, "Knob ids"), read from the
 * generated knob_table.h (native-runtime/knobs.tsv), and the rule saying where each applies (FORMAT.md, layer records). */
#include "kernels.h"
#include "knob_table.h"

/* The table's row of `id`, or -1. */
static int knob_row(int id)
{
    for (int i = 0; i < (int)(sizeof mpx_knob_table / sizeof mpx_knob_table[0]); i++)
        if (mpx_knob_table[i].id == id)
            return i;
    return -1;
}

int mpx_knob_decode(int id, mpx_knob *knob)
{
    int i = knob_row(id);
    if (i < 0)
        return -1;
    *knob = (mpx_knob){.kind = mpx_knob_table[i].kind, .stride = mpx_knob_table[i].stride,
                       .offset = mpx_knob_table[i].offset, .half = mpx_knob_table[i].half,
                       .int8 = mpx_knob_table[i].int8};
    return 0;
}

const char *mpx_knob_name(int id)
{
    int i = knob_row(id);
    return i < 0 ? NULL : mpx_knob_table[i].name;
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
