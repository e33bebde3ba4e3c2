/* Minimal .npy reader and writer for mpxrun: little-endian float32, int32 and int64 in C order. */
#ifndef MPX_NPY_H
#define MPX_NPY_H

#include <stddef.h>

enum { NPY_F32, NPY_I32, NPY_I64 };

typedef struct {
    int dtype;          /* NPY_* */
    int rank;
    size_t dims[8];
    size_t count;       /* product of dims */
    void *data;
} npy_array;

/* Reads path into a; on failure returns -1 with a message naming the file in err. */
int npy_read(const char *path, npy_array *a, char *err, size_t err_size);
void npy_free(npy_array *a);
/* Writes float32 data of the given shape to path through a temporary file and a rename. */
int npy_write_f32(const char *path, const float *data, const size_t *dims, int rank, char *err, size_t err_size);

#endif
