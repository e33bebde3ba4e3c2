/* The im2col matrix of one convolution group, restricted to what an approximation computes: only the
 * kept filter elements (rows, filter sampling) and only the computed output positions (columns,
 * perforation), written straight into the GEMM's packed-B layout. */
#ifndef MPX_IM2COL_H
#define MPX_IM2COL_H

typedef struct {
    int c, i, j; /* input channel within the group, kernel row, kernel column */
} mpx_tap;

typedef struct {
    int H, W, Wo;
    int stride_h, stride_w, pad_top, pad_left, dil_h, dil_w;
    int n_taps;
    const mpx_tap *taps;   /* the GEMM's K rows, in order */
    int n_rows;
    const int *rows;       /* computed output rows, increasing */
    int n_cols;
    const int *cols;       /* computed output columns, increasing; NULL when all Wo are computed */
} mpx_im2col;

/* Column q of the matrix is output position (rows[q / n_cols], cols[q % n_cols]). Writes columns [q0, q1)
 * of the matrix for the group input x [C, H, W] as a packed B [n_taps × (q1 − q0)]. */
void mpx_im2col_packed(const mpx_im2col *d, const float *x, int q0, int q1, float *packed);

#endif
