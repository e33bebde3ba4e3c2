/* Energy of a run from the fuel gauge (current_now and voltage_now under /sys/class/power_supply), sampled
 * in a background thread and integrated over time. Absent or unreadable gauges give no measurement. */
#ifndef MPX_ENERGY_H
#define MPX_ENERGY_H

typedef struct energy_meter energy_meter;

/* Starts sampling; NULL when no readable gauge exists. $MOBIPROX_POWER_SUPPLY replaces the sysfs folder. */
energy_meter *energy_start(void);
/* Stops sampling and frees the meter; joules, or a negative value when fewer than two samples were read. */
double energy_stop(energy_meter *meter);

#endif
