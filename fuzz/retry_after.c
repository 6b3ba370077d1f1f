/* os_parse_retry_after on any bytes a server could send, against clocks from year 1 to 9999 and broken
 * ones. Invariants: a parsed wait is never negative, never NaN and never above OS_RETRY_AFTER_MAX; a
 * delta-seconds value does not depend on the clock and equals its decimal value, a fraction rounded up
 * (when small enough to compare exactly), and is refused whenever that model refuses it; trimming spaces
 * and tabs around a value changes nothing. */
#include <math.h>

#include "../src/retry_after.h"
#include "check.h"

static const double CLOCKS[] = {
    0.0,              /* 1970-01-01 */
    784111777.0,      /* Sun, 06 Nov 1994 08:49:37 GMT, the RFC's example */
    1700000000.5,     /* a recent clock, with a fraction */
    -62135596800.0,   /* 0001-01-01 */
    253402300799.0,   /* 9999-12-31 23:59:59 */
    -9.99e12, 9.99e12, /* inside the range the parser accepts for a clock */
    1e13, -1e13, NAN, INFINITY, -INFINITY,
};

/* The model of delta-seconds: digits, then optionally a point and digits (at least one on each side).
 * Returns -1 for any other text, -2 for one too long to compute exactly (over 15 whole digits), else its
 * value with a fraction rounded up (any digit but 0 after the point adds one). */
static double small_decimal(const char *s, size_t len)
{
    double v = 0;
    size_t i, point = len;
    int fraction = 0;
    for (i = 0; i < len; i++)
        if (s[i] == '.') {
            point = i;
            break;
        }
    if (point == 0 || point + 1 == len) return -1;
    for (i = 0; i < len; i++) {
        if (i == point) continue;
        if (s[i] < '0' || s[i] > '9') return -1;
        if (i < point) v = v * 10 + (s[i] - '0');
        else if (s[i] != '0') fraction = 1;
    }
    return point > 15 ? -2 : v + fraction;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    size_t start = 0, end = size, i;
    double first = -1, exact;
    int first_ok = -1;

    while (start < end && (text[start] == ' ' || text[start] == '\t')) start++;
    while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\t')) end--;
    exact = small_decimal(text + start, end - start);

    for (i = 0; i < sizeof CLOCKS / sizeof CLOCKS[0]; i++) {
        double seconds = -1, trimmed = -1;
        int ok = os_parse_retry_after(text, size, CLOCKS[i], &seconds);
        int ok_trimmed = os_parse_retry_after(text + start, end - start, CLOCKS[i], &trimmed);
        CHECK(ok == 0 || ok == 1);
        CHECK(ok == ok_trimmed);
        /* a value that starts with a digit is delta-seconds, read exactly when well-formed */
        if (start < end && text[start] >= '0' && text[start] <= '9') CHECK(ok == (exact != -1));
        if (!ok) continue;
        CHECK(seconds == trimmed);
        CHECK(seconds >= 0); /* also false for NaN */
        CHECK(seconds <= OS_RETRY_AFTER_MAX || (text[start] < '0' || text[start] > '9'));
        CHECK(!isinf(seconds));
        if (text[start] >= '0' && text[start] <= '9') {
            /* delta-seconds: the clock plays no part */
            if (first_ok < 0) {
                first_ok = ok;
                first = seconds;
            }
            CHECK(seconds == first);
            if (exact >= 0) CHECK(seconds == (exact < OS_RETRY_AFTER_MAX ? exact : OS_RETRY_AFTER_MAX));
        } else {
            /* a date needs a usable clock */
            CHECK(CLOCKS[i] > -1e13 && CLOCKS[i] < 1e13);
        }
    }
    return 0;
}
