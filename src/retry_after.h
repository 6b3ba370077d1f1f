/* Parsing of the Retry-After response header (RFC 9110 section 10.2.3). */
#ifndef ONESIGNAL_RETRY_AFTER_H
#define ONESIGNAL_RETRY_AFTER_H

#include <stddef.h>

#include "visibility.h"

OS_HIDDEN_BEGIN

/* Larger delta-seconds are clamped here rather than overflowing (the value RFC 9110 suggests). */
#define OS_RETRY_AFTER_MAX 2147483648.0

/* Parses value (len bytes, surrounding spaces and tabs allowed) as delta-seconds or as an HTTP-date in
 * any of the three forms (IMF-fixdate, RFC 850, asctime). Delta-seconds may have a fraction ("1.5",
 * digits on both sides of the point), rounded up to whole seconds. now is the current time in Unix
 * seconds; a date gives date - now, clamped to 0 when already past. Returns 1 and sets *seconds (>= 0), or 0 for anything
 * else; no byte outside the grammar is tolerated. */
int os_parse_retry_after(const char *value, size_t len, double now, double *seconds);

/* Days from 1970-01-01 to the given proleptic Gregorian date (negative before it). month is 1-12. */
long long os_days_from_civil(long long year, int month, int day);

OS_HIDDEN_END

#endif
