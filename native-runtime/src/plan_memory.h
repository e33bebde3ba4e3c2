/* Activation memory planning (plan_memory.c); ops read the planned storage with mpx_tensor_data (model.h). */
#ifndef MPX_PLAN_MEMORY_H
#define MPX_PLAN_MEMORY_H

#include "model.h"

int mpx_plan_memory(mpx_model *m);

#endif
