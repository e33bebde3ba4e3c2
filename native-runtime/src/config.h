/* Approximation configurations (config.c): ApproxTuner/HPVM text parsed and checked against the model's layer
 * slots. mpx_load_configs (runtime.c) installs what mpx_parse_configs reads. */
#ifndef MPX_CONFIG_H
#define MPX_CONFIG_H

#include "model.h"

/* Parses `length` bytes of `text` into *configs (*count of them, index 0 the exact configuration: the text's
 * first when it is exact, else "conf0"). On failure frees what it read and returns -1 with the error set. */
int mpx_parse_configs(mpx_model *m, const char *text, size_t length, mpx_config **configs, int *count);
void mpx_configs_free(mpx_config *configs, int n);

#endif
