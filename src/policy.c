/* The retry policy (see policy.h and "The retry policy" in docs/design.md). */
#include "policy.h"

#include <string.h>

static const char *const ERROR_NAMES[OS_ERR_COUNT] = {
    NULL, "connect", "resolve", "timeout", "tls", "reset", "partial", "too_large", "proxy", "closed", "other"};

const char *os_error_class_name(os_error_class e)
{
    return (e > OS_ERR_NONE && e < OS_ERR_COUNT) ? ERROR_NAMES[e] : NULL;
}

os_error_class os_error_class_from_name(const char *name)
{
    int i;
    for (i = 1; i < OS_ERR_COUNT; i++)
        if (strcmp(name, ERROR_NAMES[i]) == 0) return (os_error_class)i;
    return OS_ERR_COUNT;
}

const char *os_gave_up_name(os_gave_up g)
{
    switch (g) {
    case OS_GAVE_UP_MAX_RETRIES: return "max_retries";
    case OS_GAVE_UP_DEADLINE: return "deadline";
    case OS_GAVE_UP_RETRY_AFTER: return "retry_after_too_long";
    default: return NULL;
    }
}

/* d = min(max_delay, base_delay * 2^(attempt-1)): the ceiling of the backoff of retry `attempt`. */
static double backoff_ceiling(int attempt, double base_delay, double max_delay)
{
    double d = base_delay > 0 ? base_delay : 0; /* also catches NaN */
    int i;
    if (!(max_delay >= 0)) max_delay = 0;
    /* Doubling stops at the cap, so a huge attempt number costs nothing and cannot overflow. */
    for (i = 1; i < attempt && d > 0 && d < max_delay; i++) d *= 2;
    return d > max_delay ? max_delay : d;
}

static double clamp01(double random01)
{
    if (!(random01 >= 0)) return 0;
    return random01 >= 1 ? 0.999999999 : random01;
}

double os_backoff(int attempt, double base_delay, double max_delay, double random01)
{
    double d = backoff_ceiling(attempt, base_delay, max_delay);
    /* One product rather than d/2 + r*d/2, which is NaN for an infinite d with r = 0 and can round above
     * d for tiny ones (both found by fuzzing). */
    double wait = d * (0.5 + 0.5 * clamp01(random01));
    return wait < d ? wait : d;
}

double os_retry_after_wait(double retry_after, int attempt, double base_delay, double max_delay, double random01)
{
    double asked = retry_after > 0 ? retry_after : 0; /* also catches NaN */
    /* Clients told the same time must not all come back at the same instant, and a server refusing again
     * and again gets more room each time: the part of the backoff that is random, added on top. */
    double wait = asked + backoff_ceiling(attempt, base_delay, max_delay) * 0.5 * clamp01(random01);
    if (wait > max_delay) wait = max_delay;
    return wait > asked ? wait : asked;
}

typedef enum {
    OUTCOME_FINAL,      /* a definite answer: never repeat */
    OUTCOME_RETRY_ANY,  /* repeating is harmless whatever the method */
    OUTCOME_RETRY_SAFE, /* the request may have been applied: repeat only what is safe to repeat */
} outcome;

static outcome of_status(int status)
{
    if (status == 429 || status == 503) return OUTCOME_RETRY_ANY;
    if (status == 500 || status == 502 || status == 504) return OUTCOME_RETRY_SAFE;
    return OUTCOME_FINAL;
}

static outcome classify(const os_policy_input *in)
{
    /* A failure after the status line (the body cut short, stalled or reset) loses only the answer's text:
     * its status is the server's decision all the same. A refusal (429, 503) applied nothing and a definite
     * answer (another 4xx, 3xx, 501, ...) neither; a 2xx did apply it, and that answer is what was lost. */
    if (in->status >= 300 && (in->error == OS_ERR_TIMEOUT || in->error == OS_ERR_RESET ||
                              in->error == OS_ERR_PARTIAL || in->error == OS_ERR_OTHER))
        return of_status(in->status);
    switch (in->error) {
    case OS_ERR_NONE: return of_status(in->status);
    case OS_ERR_CONNECT:
    case OS_ERR_RESOLVE: return OUTCOME_RETRY_ANY;
    case OS_ERR_TIMEOUT:
    case OS_ERR_RESET: return in->sent ? OUTCOME_RETRY_SAFE : OUTCOME_RETRY_ANY;
    case OS_ERR_PARTIAL: return OUTCOME_RETRY_SAFE;
    case OS_ERR_OTHER:
        /* Unclassified failures before sending are usually local (bad URL, out of memory): repeating
         * would fail the same way. After sending, the outcome is unknown like any other failure. */
        return in->sent ? OUTCOME_RETRY_SAFE : OUTCOME_FINAL;
    default: /* tls, too_large, proxy, closed: configuration or local limits, repeating cannot help */
        return OUTCOME_FINAL;
    }
}

static void decide(const os_policy_input *in, os_policy_decision *out)
{
    outcome o = classify(in);
    double wait;
    out->retry = 0;
    out->wait = 0;
    out->gave_up = OS_GAVE_UP_NONE;
    /* An attempt that may have been applied stays so: when a later one ends on a refusal (429, 503), a
     * connect failure or an error status, the call's outcome is still unknown. Only a 2xx answer is known. */
    out->applied = in->applied_before || o == OUTCOME_RETRY_SAFE;
    out->maybe_sent = out->applied && !(in->error == OS_ERR_NONE && in->status >= 200 && in->status < 300);
    if (in->body_refused) {
        /* The receiver of a 2xx body wanted no more of it: the answer was no failure, so nothing is retried
         * and nothing is in doubt, although the transfer ends in an error. */
        out->maybe_sent = 0;
        return;
    }
    if (o == OUTCOME_FINAL) return;
    if (out->applied && !in->safe) return;
    if (in->attempt > in->max_retries) {
        out->gave_up = OS_GAVE_UP_MAX_RETRIES;
        return;
    }
    if (in->has_retry_after) {
        /* The server asked for this long; waiting less would only earn another refusal. */
        if (in->retry_after > in->max_delay) {
            out->gave_up = OS_GAVE_UP_RETRY_AFTER;
            return;
        }
        wait = os_retry_after_wait(in->retry_after, in->attempt, in->base_delay, in->max_delay, in->random01);
        /* The spread never costs the retry itself: near the deadline, only what the server asked. */
        if (in->has_deadline && in->elapsed + wait >= in->deadline) wait = in->retry_after > 0 ? in->retry_after : 0;
    } else {
        wait = os_backoff(in->attempt, in->base_delay, in->max_delay, in->random01);
    }
    if (in->has_deadline && in->elapsed + wait >= in->deadline) {
        out->gave_up = OS_GAVE_UP_DEADLINE;
        return;
    }
    out->retry = 1;
    out->wait = wait;
    out->maybe_sent = 0;
}

/* A 429 says the rate limit is spent, for every request under it and not only this one: what was asked of
 * this request is how long the others should hold back too. Retried, that is the wait before its own retry
 * (Retry-After honoured already); not retried, its Retry-After within max_delay (a longer one gave up: the
 * caller is not held longer than it lets one call wait); without either, nothing to go by. */
static double hold_of(const os_policy_input *in, const os_policy_decision *d)
{
    double cap = in->max_delay > 0 ? in->max_delay : 0; /* also catches NaN */
    if (in->status != 429) return 0;
    if (d->retry) return d->wait;
    if (!in->has_retry_after || !(in->retry_after > 0)) return 0;
    return in->retry_after < cap ? in->retry_after : cap;
}

void os_policy_decide(const os_policy_input *in, os_policy_decision *out)
{
    decide(in, out);
    out->hold = hold_of(in, out);
}
