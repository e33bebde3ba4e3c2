/* Names of what produced a measurement: the CPU model and the kernels chosen for it. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "conv_int8.h"
#include "gemm.h"
#include "mobiprox.h"

static char cpu_name[128] = "unknown";
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

/* x86 names its model; ARM kernels give the implementer and part numbers (Android's Java side knows the
 * marketing name, the runtime does not), unless an older kernel still prints "Hardware". */
static void read_cpu_name(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[256], implementer[32] = "", part[32] = "";
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        char *value = colon + 1 + strspn(colon + 1, " \t");
        value[strcspn(value, "\n")] = '\0';
        if (!strncmp(line, "model name", 10) || !strncmp(line, "Hardware", 8)) {
            snprintf(cpu_name, sizeof cpu_name, "%s", value);
            fclose(f);
            return;
        }
        if (!strncmp(line, "CPU implementer", 15) && !*implementer)
            snprintf(implementer, sizeof implementer, "%s", value);
        if (!strncmp(line, "CPU part", 8) && !*part)
            snprintf(part, sizeof part, "%s", value);
    }
    fclose(f);
    if (*implementer)
        snprintf(cpu_name, sizeof cpu_name, "ARM implementer %s part %s", implementer, part);
}

const char *mpx_cpu_name(void)
{
    pthread_once(&cpu_once, read_cpu_name);
    return cpu_name;
}

const char *mpx_kernels_name(void) { return mpx_gemm_arch_get()->name; }

const char *mpx_int8_kernels_name(void) { return mpx_int8_arch_get()->name; }
