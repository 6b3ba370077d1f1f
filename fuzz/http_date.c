/* The HTTP-date half of os_parse_retry_after, checked against glibc's timegm: a date is built from the
 * input in one of the three forms RFC 9110 allows (IMF-fixdate, RFC 850, asctime), with fields that are
 * sometimes out of range, and the parser must give exactly date - now (0 when past) for every valid date
 * and refuse every invalid one. Differential: the parser never calls libc's time functions. */
#define _DEFAULT_SOURCE
#include <time.h>

#include "../src/retry_after.h"
#include "check.h"

static const char *const MONTHS[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const SHORT_DAYS[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const LONG_DAYS[7] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                         "Friday", "Saturday", "Sunday"};

/* Unix seconds of a civil UTC time (seconds 0) per timegm, and whether the fields named a real date. */
static int reference(long long year, int month, int day, int hour, int minute, double *out)
{
    struct tm tm;
    time_t t;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = (int)(year - 1900);
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    t = timegm(&tm);
    *out = (double)t;
    /* timegm normalises 31 Feb into March: a date is valid only when it survives unchanged. */
    return tm.tm_mday == day && tm.tm_mon == month - 1 && tm.tm_year == (int)(year - 1900) && hour <= 23 &&
           minute <= 59;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = {data, size};
    int form = (int)(fuzz_bits(&r, 1) % 3);
    int weekday = (int)(fuzz_bits(&r, 1) % 7);
    int month = (int)(fuzz_bits(&r, 1) % 12) + 1;
    int day = (int)(fuzz_bits(&r, 1) % 32);            /* 0 and 29-31 probe month lengths */
    int hour = (int)(fuzz_bits(&r, 1) % 26);           /* 24, 25: invalid */
    int minute = (int)(fuzz_bits(&r, 1) % 61);         /* 60: invalid */
    int second = (int)(fuzz_bits(&r, 1) % 62);         /* 60: leap second, 61: invalid */
    long long year = (long long)(fuzz_bits(&r, 2) % 10000);
    /* A clock between 1970 and 9948, whole seconds, so date - now is exact in a double. */
    double now = (double)(fuzz_bits(&r, 5) % 251000000000ULL);
    char text[64];
    double expected = 0, got = -1;
    int valid, ok;

    if (form == 1) {
        /* Two-digit year: the century that puts it at most 50 years after now's year (RFC 9110 5.6.7). */
        time_t now_t = (time_t)now;
        struct tm now_tm;
        long long now_year, yy = year % 100, full;
        gmtime_r(&now_t, &now_tm);
        now_year = (long long)now_tm.tm_year + 1900;
        full = now_year + 50 - (((now_year + 50 - yy) % 100) + 100) % 100;
        snprintf(text, sizeof text, "%s, %02d-%s-%02lld %02d:%02d:%02d GMT", LONG_DAYS[weekday], day,
                 MONTHS[month - 1], yy, hour, minute, second);
        year = full;
    } else if (form == 0) {
        snprintf(text, sizeof text, "%s, %02d %s %04lld %02d:%02d:%02d GMT", SHORT_DAYS[weekday], day,
                 MONTHS[month - 1], year, hour, minute, second);
    } else {
        snprintf(text, sizeof text, "%s %s %2d %02d:%02d:%02d %04lld", SHORT_DAYS[weekday], MONTHS[month - 1], day,
                 hour, minute, second, year);
    }
    /* A leap second (60) is accepted and counted like any other second, rolling into the next minute. */
    valid = day >= 1 && second <= 60 && reference(year, month, day, hour, minute, &expected);
    expected += second;
    ok = os_parse_retry_after(text, strlen(text), now, &got);
    if (!valid) {
        CHECK(!ok);
        return 0;
    }
    CHECK(ok);
    expected -= now;
    CHECK(got == (expected > 0 ? expected : 0));
    /* Days from the civil date agree with timegm for every valid date. */
    CHECK((double)os_days_from_civil(year, month, day) * 86400.0 + hour * 3600.0 + minute * 60.0 + second ==
          expected + now);
    return 0;
}
