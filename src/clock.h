/* Time sources: a monotonic clock for durations and timers, the wall clock for HTTP dates. */
#ifndef ONESIGNAL_CLOCK_H
#define ONESIGNAL_CLOCK_H

#include "visibility.h"

OS_HIDDEN_BEGIN

/* Seconds on a clock that never jumps (CLOCK_MONOTONIC); only differences mean anything. */
double os_monotonic(void);

/* Seconds since the Unix epoch, with sub-second precision. */
double os_wall(void);

/* Blocks the calling thread for seconds (fractions allowed), resuming after signals. */
void os_sleep(double seconds);

OS_HIDDEN_END

#endif
