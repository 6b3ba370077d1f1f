/* Time sources (see clock.h). */
#define _DEFAULT_SOURCE
#include "clock.h"

#include <errno.h>
#include <time.h>

double os_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double os_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void os_sleep(double seconds)
{
    struct timespec want, left;
    if (!(seconds > 0)) return;
    if (seconds > 1e9) seconds = 1e9; /* keeps tv_sec in range; about 31 years */
    want.tv_sec = (time_t)seconds;
    want.tv_nsec = (long)((seconds - (double)want.tv_sec) * 1e9);
    if (want.tv_nsec > 999999999L) want.tv_nsec = 999999999L;
    while (nanosleep(&want, &left) != 0 && errno == EINTR) want = left;
}
