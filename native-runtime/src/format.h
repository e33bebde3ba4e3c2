/* The loader of .mpxm files (format.c; the format: FORMAT.md). */
#ifndef MPX_FORMAT_H
#define MPX_FORMAT_H

#include "model.h"

/* Parses and validates `file` (owned by m on success or failure); fills tensors, ops and layers. */
int mpx_load(mpx_model *m, const char *origin);
uint32_t mpx_crc32(const uint8_t *data, size_t size);

#endif
