/* Retry-After parsing (see retry_after.h). Pure: no allocation, no libc time functions (timegm() is not
 * portable and mktime() depends on the local time zone). */
#include "retry_after.h"

#include <math.h>
#include <string.h>

static const char *const MONTHS[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const SHORT_DAYS[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const LONG_DAYS[7] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                         "Friday", "Saturday", "Sunday"};

static int is_leap(long long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(long long y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return days[m - 1] + (m == 2 && is_leap(y));
}

/* Leap years in [1, y]; floor division so that years before 1 still count consistently. */
static long long leaps_through(long long y)
{
    long long q4 = y >= 0 ? y / 4 : -((-y + 3) / 4);
    long long q100 = y >= 0 ? y / 100 : -((-y + 99) / 100);
    long long q400 = y >= 0 ? y / 400 : -((-y + 399) / 400);
    return q4 - q100 + q400;
}

long long os_days_from_civil(long long year, int month, int day)
{
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    long long days = (year - 1970) * 365 + (leaps_through(year - 1) - leaps_through(1969));
    days += before[month - 1] + (month > 2 && is_leap(year));
    return days + (day - 1);
}

/* The cursor over the value being parsed. */
typedef struct {
    const char *p;
    const char *end;
} cursor;

static int eat(cursor *c, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0) return 0;
    c->p += n;
    return 1;
}

/* Exactly n digits. */
static int digits(cursor *c, int n, int *out)
{
    int v = 0, i;
    if (c->end - c->p < n) return 0;
    for (i = 0; i < n; i++) {
        char ch = c->p[i];
        if (ch < '0' || ch > '9') return 0;
        v = v * 10 + (ch - '0');
    }
    c->p += n;
    *out = v;
    return 1;
}

static int one_of(cursor *c, const char *const *names, int count)
{
    int i;
    for (i = 0; i < count; i++)
        if (eat(c, names[i])) return i;
    return -1;
}

static int month(cursor *c, int *m)
{
    int i = one_of(c, MONTHS, 12);
    if (i < 0) return 0;
    *m = i + 1;
    return 1;
}

/* time-of-day = hour ":" minute ":" second, with a leap second allowed. */
static int time_of_day(cursor *c, int *h, int *mi, int *s)
{
    return digits(c, 2, h) && eat(c, ":") && digits(c, 2, mi) && eat(c, ":") && digits(c, 2, s) && *h <= 23 &&
           *mi <= 59 && *s <= 60;
}

typedef struct {
    long long year;
    int month, day, hour, minute, second;
} civil_time;

/* "Sun, 06 Nov 1994 08:49:37 GMT" */
static int imf_fixdate(cursor *c, civil_time *t)
{
    int year;
    if (one_of(c, SHORT_DAYS, 7) < 0 || !eat(c, ", ")) return 0;
    if (!digits(c, 2, &t->day) || !eat(c, " ") || !month(c, &t->month) || !eat(c, " ")) return 0;
    if (!digits(c, 4, &year) || !eat(c, " ")) return 0;
    t->year = year;
    return time_of_day(c, &t->hour, &t->minute, &t->second) && eat(c, " GMT");
}

/* "Sunday, 06-Nov-94 08:49:37 GMT"; the year is the latest one with those two digits that is at most 50
 * years after now's year (RFC 9110 section 5.6.7): in 2080, "10" is 2110, in 2020 it is 2010. */
static int rfc850_date(cursor *c, civil_time *t, long long now_year)
{
    int yy;
    long long year;
    if (one_of(c, LONG_DAYS, 7) < 0 || !eat(c, ", ")) return 0;
    if (!digits(c, 2, &t->day) || !eat(c, "-") || !month(c, &t->month) || !eat(c, "-")) return 0;
    if (!digits(c, 2, &yy) || !eat(c, " ")) return 0;
    {
        long long limit = now_year + 50, back = (limit - yy) % 100;
        year = limit - (back < 0 ? back + 100 : back);
    }
    t->year = year;
    return time_of_day(c, &t->hour, &t->minute, &t->second) && eat(c, " GMT");
}

/* "Sun Nov  6 08:49:37 1994" (day padded with a space) or "Sun Nov 16 08:49:37 1994" */
static int asctime_date(cursor *c, civil_time *t)
{
    int year;
    if (one_of(c, SHORT_DAYS, 7) < 0 || !eat(c, " ") || !month(c, &t->month) || !eat(c, " ")) return 0;
    if (eat(c, " ")) {
        if (!digits(c, 1, &t->day)) return 0;
    } else if (!digits(c, 2, &t->day)) {
        return 0;
    }
    if (!eat(c, " ") || !time_of_day(c, &t->hour, &t->minute, &t->second) || !eat(c, " ")) return 0;
    if (!digits(c, 4, &year)) return 0;
    t->year = year;
    return 1;
}

static long long year_of(double unix_seconds)
{
    long long days = (long long)floor(unix_seconds / 86400.0);
    long long y = 1970 + (long long)floor((double)days / 365.2425);
    while (os_days_from_civil(y, 1, 1) > days) y--;
    while (os_days_from_civil(y + 1, 1, 1) <= days) y++;
    return y;
}

static int http_date(cursor whole, double now, double *seconds)
{
    civil_time t;
    cursor c = whole;
    int ok = imf_fixdate(&c, &t);
    if (!ok) {
        c = whole;
        ok = rfc850_date(&c, &t, year_of(now));
    }
    if (!ok) {
        c = whole;
        ok = asctime_date(&c, &t);
    }
    if (!ok || c.p != c.end) return 0;
    if (t.day < 1 || t.day > days_in_month(t.year, t.month)) return 0;
    {
        double at = (double)os_days_from_civil(t.year, t.month, t.day) * 86400.0 + t.hour * 3600.0 +
                    t.minute * 60.0 + t.second;
        double delta = at - now;
        *seconds = delta > 0 ? delta : 0;
    }
    return 1;
}

/* delta-seconds, and also "1.5": RFC 9110 allows only digits, but a server (or proxy) that writes a
 * fraction means a wait all the same, and ignoring it would retry after the default backoff, sooner than
 * asked. A fraction rounds the wait up to whole seconds, so it is never undercut. */
static int delta_seconds(cursor c, double *seconds)
{
    double v = 0;
    int fraction = 0;
    if (c.p == c.end) return 0;
    for (; c.p < c.end && *c.p != '.'; c.p++) {
        if (*c.p < '0' || *c.p > '9') return 0;
        /* Once clamped, the remaining digits are only checked, so no length can overflow. */
        if (v < OS_RETRY_AFTER_MAX) v = v * 10 + (*c.p - '0');
    }
    if (c.p < c.end) { /* at the '.': at least one digit after it, digits only */
        if (++c.p == c.end) return 0;
        for (; c.p < c.end; c.p++) {
            if (*c.p < '0' || *c.p > '9') return 0;
            if (*c.p != '0') fraction = 1;
        }
        v += fraction;
    }
    *seconds = v < OS_RETRY_AFTER_MAX ? v : OS_RETRY_AFTER_MAX;
    return 1;
}

int os_parse_retry_after(const char *value, size_t len, double now, double *seconds)
{
    cursor c;
    if (value == NULL) return 0;
    c.p = value;
    c.end = value + len;
    while (c.p < c.end && (*c.p == ' ' || *c.p == '\t')) c.p++;
    while (c.end > c.p && (c.end[-1] == ' ' || c.end[-1] == '\t')) c.end--;
    if (c.p == c.end) return 0;
    if (*c.p >= '0' && *c.p <= '9') return delta_seconds(c, seconds);
    /* A clock this far off (or not a number) cannot date anything; it also keeps year_of() in range. */
    if (!(now > -1e13 && now < 1e13)) return 0;
    return http_date(c, now, seconds);
}
