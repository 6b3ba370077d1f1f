/* The SDK's single retry policy: given how one attempt ended, retry (and after how long) or stop (and why).
 * Used by the C engine directly and, through onesignal.core.policy, by the cosocket transport. Pure. */
#ifndef ONESIGNAL_POLICY_H
#define ONESIGNAL_POLICY_H

#include "visibility.h"

OS_HIDDEN_BEGIN

/* Transport failure classes, as named in results ("connect", "resolve", ...). */
typedef enum {
    OS_ERR_NONE = 0,
    OS_ERR_CONNECT,
    OS_ERR_RESOLVE,
    OS_ERR_TIMEOUT,
    OS_ERR_TLS,
    OS_ERR_RESET,
    OS_ERR_PARTIAL,
    OS_ERR_TOO_LARGE,
    OS_ERR_PROXY,
    OS_ERR_CLOSED,
    OS_ERR_OTHER,
    OS_ERR_COUNT
} os_error_class;

typedef enum { OS_GAVE_UP_NONE = 0, OS_GAVE_UP_MAX_RETRIES, OS_GAVE_UP_DEADLINE, OS_GAVE_UP_RETRY_AFTER } os_gave_up;

typedef struct {
    int status;           /* HTTP status of the attempt, 0 if none arrived */
    os_error_class error; /* OS_ERR_NONE when the attempt got a complete response */
    int sent;             /* any byte of the request was written */
    int safe;             /* repeating cannot apply the request twice (GET, PUT, DELETE, idempotency key) */
    int attempt;          /* attempts made so far, 1 after the first */
    int max_retries;
    int has_retry_after;
    double retry_after; /* seconds, already parsed */
    double base_delay;
    double max_delay;
    double elapsed; /* seconds since the call began */
    int has_deadline;
    double deadline; /* overall seconds allowed for the call */
    double random01; /* jitter source in [0, 1) */
    int applied_before; /* an earlier attempt of this call may have been applied (its `applied`) */
    int body_refused;   /* the request's on_body stopped a 2xx answer (docs/design.md) */
} os_policy_input;

typedef struct {
    int retry;
    double wait;    /* seconds before the next attempt; 0 when not retrying */
    int maybe_sent; /* not retried and not answered 2xx, and this attempt or an earlier one may have been
                     * applied */
    int applied;    /* this attempt or an earlier one may have been applied: the next attempt's applied_before */
    os_gave_up gave_up;
    double hold; /* after a 429, seconds the caller's other new requests to the same limit should wait (the
                  * retry's wait, else Retry-After up to max_delay); 0 otherwise (client:send_many's hold) */
} os_policy_decision;

void os_policy_decide(const os_policy_input *in, os_policy_decision *out);

/* min(max_delay, base_delay * 2^(attempt-1)) = d, then d/2 + random01 * d/2. */
double os_backoff(int attempt, double base_delay, double max_delay, double random01);

/* The wait before retry `attempt` when the server sent Retry-After (at most max_delay, which the caller has
 * checked it does not exceed): retry_after + random01 * d/2, never less than retry_after. */
double os_retry_after_wait(double retry_after, int attempt, double base_delay, double max_delay, double random01);

/* Result-facing names: "connect", ... (NULL for OS_ERR_NONE); and back (OS_ERR_COUNT when unknown). */
const char *os_error_class_name(os_error_class e);
os_error_class os_error_class_from_name(const char *name);
const char *os_gave_up_name(os_gave_up g);

OS_HIDDEN_END

#endif
