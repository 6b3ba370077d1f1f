/* The retry policy (os_policy_decide, os_backoff) on any inputs, including the NaN, infinite and
 * negative numbers a caller of onesignal.core.policy could pass. Invariants, always: no undefined
 * behaviour (UBSan), a wait that is never negative and never NaN, nothing but a retry has a wait,
 * giving up or retrying excludes "maybe sent" accordingly, and an earlier attempt that may have been
 * applied is carried over, reported and never repeated unless repeating is safe. For sane settings (finite, non-negative
 * delays): the wait is at most max_delay; a Retry-After is never undercut; no retry beyond
 * max_retries; a non-repeatable request that may have been applied is never retried; a retry never
 * crosses the deadline. A failure after a definite status line (3xx, 4xx but 429) is never retried. */
#include <math.h>

#include "../src/policy.h"
#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_reader r = {data, size};
    os_policy_input in;
    os_policy_decision d;
    int sane;
    double b;

    memset(&in, 0, sizeof in);
    in.status = (int)(int16_t)fuzz_bits(&r, 2);
    in.error = (os_error_class)(fuzz_bits(&r, 1) % OS_ERR_COUNT);
    in.sent = (int)(fuzz_bits(&r, 1) & 1);
    in.safe = (int)(fuzz_bits(&r, 1) & 1);
    in.attempt = (int)(int32_t)fuzz_bits(&r, 4);
    in.max_retries = (int)(int32_t)fuzz_bits(&r, 4);
    in.has_retry_after = (int)(fuzz_bits(&r, 1) & 1);
    in.retry_after = fuzz_double(&r);
    in.base_delay = fuzz_double(&r);
    in.max_delay = fuzz_double(&r);
    in.elapsed = fuzz_double(&r);
    in.has_deadline = (int)(fuzz_bits(&r, 1) & 1);
    in.deadline = fuzz_double(&r);
    in.random01 = fuzz_double(&r);
    in.applied_before = (int)(fuzz_bits(&r, 1) & 1);
    in.body_refused = (int)(fuzz_bits(&r, 1) & 1);

    os_policy_decide(&in, &d);
    CHECK(d.retry == 0 || d.retry == 1);
    /* What may have been applied stays so, is reported when the call stops without a 2xx, and is never
     * repeated unless repeating is safe. */
    if (in.applied_before) CHECK(d.applied);
    if (d.maybe_sent) CHECK(d.applied);
    if (!d.retry && d.applied && !(in.error == OS_ERR_NONE && in.status >= 200 && in.status < 300) &&
        !in.body_refused)
        CHECK(d.maybe_sent);
    /* A 2xx body its receiver stopped ends the call: no repeat, nothing in doubt. */
    if (in.body_refused) CHECK(!d.retry && !d.maybe_sent && d.gave_up == OS_GAVE_UP_NONE);
    if (d.retry && d.applied) CHECK(in.safe);
    CHECK(d.wait >= 0); /* false for NaN */
    if (!d.retry) CHECK(d.wait == 0);
    if (d.retry) CHECK(!d.maybe_sent && d.gave_up == OS_GAVE_UP_NONE);
    /* Only a 429 holds the other requests back, never for less than its own retry waits. */
    CHECK(d.hold >= 0); /* false for NaN */
    if (in.status != 429) CHECK(d.hold == 0);
    if (in.status == 429 && d.retry) CHECK(d.hold == d.wait);

    b = os_backoff(in.attempt, in.base_delay, in.max_delay, in.random01);
    CHECK(b >= 0);

    sane = isfinite(in.base_delay) && in.base_delay >= 0 && isfinite(in.max_delay) && in.max_delay >= 0 &&
           isfinite(in.retry_after) && isfinite(in.elapsed) && isfinite(in.deadline);
    if (!sane) return 0;
    CHECK(b <= in.max_delay);
    CHECK(d.hold <= in.max_delay);
    if (d.retry) {
        CHECK(in.attempt <= in.max_retries);
        CHECK(!in.has_deadline || in.elapsed + d.wait < in.deadline);
        if (in.has_retry_after)
            CHECK(d.wait >= (in.retry_after > 0 ? in.retry_after : 0) && in.retry_after <= in.max_delay &&
                  d.wait <= in.max_delay);
        else
            CHECK(d.wait <= in.max_delay);
        /* Only what cannot have been applied, or what is safe to repeat, is repeated. */
        CHECK(in.safe || in.status == 429 || in.status == 503 || in.error == OS_ERR_CONNECT ||
              in.error == OS_ERR_RESOLVE || (!in.sent && (in.error == OS_ERR_TIMEOUT || in.error == OS_ERR_RESET)));
    }
    if (in.error == OS_ERR_TLS || in.error == OS_ERR_TOO_LARGE || in.error == OS_ERR_CLOSED ||
        in.error == OS_ERR_PROXY)
        CHECK(!d.retry);
    if (in.error == OS_ERR_NONE && in.status >= 200 && in.status < 500 && in.status != 429) CHECK(!d.retry);
    /* A failure after a status line is judged by the status: a definite one is never repeated, and this
     * attempt applied nothing. */
    if ((in.error == OS_ERR_TIMEOUT || in.error == OS_ERR_RESET || in.error == OS_ERR_PARTIAL ||
         in.error == OS_ERR_OTHER) &&
        in.status >= 300 && in.status < 500 && in.status != 429) {
        CHECK(!d.retry);
        CHECK(d.applied == in.applied_before);
    }
    return 0;
}
