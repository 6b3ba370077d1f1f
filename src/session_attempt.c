/* Attempts: starting one (its timeout cut to the deadline), and finishing one: reading its outcome,
 * asking the retry policy, telling the hook, then scheduling the retry or queueing the result. */
#include "session_private.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"

/* The request is over: it moves from the active list to the queue of results, oldest first. */
void os_session_finish(os_session *s, os_transfer *t, double now)
{
    t->elapsed = now - t->submitted_at;
    t->state = OS_T_DONE;
    os_list_remove(&s->active, t);
    os_list_push(&s->done, t);
}

/* A failure of our own (libcurl refused the handle, no memory for a timer): the request ends here. */
void os_session_fail(os_session *s, os_transfer *t, os_error_class error, const char *message, double now)
{
    t->error = error;
    t->status = 0;
    snprintf(t->message, sizeof t->message, "%s", message);
    os_session_finish(s, t, now);
}

static long attempt_timeout_ms(const os_transfer *t, double now)
{
    double limit = t->timeout > 0 ? t->timeout : HUGE_VAL;
    if (t->has_deadline) {
        double left = t->deadline - (now - t->submitted_at);
        if (left < limit) limit = left;
    }
    if (limit == HUGE_VAL || limit * 1000.0 >= 2147483647.0) return 0; /* no limit */
    if (limit < 0.001) return 1; /* 0 would mean "none"; the smallest real limit instead */
    return (long)ceil(limit * 1000.0);
}

/* libcurl 7.88 checks a transfer's time limit only once it has a connection: one queued for a free
 * connection (max_connections, all busy) waits past its timeout and the call's deadline for as long as
 * the others hold them. An attempt still running this long after its limit is ended here instead. The
 * margin lets libcurl end the ones it does watch itself, with its own message. */
#define EXPIRY_MARGIN 0.01

/* When the attempt is next due to be checked here (see os_session_expire_overdue), or -1: never. An idle
 * limit, which libcurl's low-speed check applies only once connected, bounds the wait in the queue too:
 * no byte comes there either, and with no overall limit nothing else would end it. */
static double expiry_of(const os_transfer *t)
{
    double due = t->attempt_ends > 0 ? t->attempt_ends + EXPIRY_MARGIN : -1;
    if (t->queue_ends > 0 && !t->dequeued && t->sends == 0 && (due < 0 || t->queue_ends < due))
        due = t->queue_ends;
    return due;
}

void os_session_start_attempt(os_session *s, os_transfer *t, double now)
{
    long timeout_ms = attempt_timeout_ms(t, now);
    CURLMcode added = CURLM_INTERNAL_ERROR;
    t->attempt_ends = timeout_ms > 0 ? now + (double)timeout_ms / 1000.0 : 0;
    t->queue_ends = t->idle_timeout > 0 ? now + t->idle_timeout : 0;
    if (os_transfer_begin_attempt(t, timeout_ms, now) == 0) { /* clears the last attempt's `dequeued` */
        double due = expiry_of(t);
        if (due >= 0 && (s->expiry_due < 0 || due < s->expiry_due)) s->expiry_due = due;
        added = curl_multi_add_handle(s->multi, t->easy);
    }
    if (added == CURLM_OK) {
        t->attempt++;
        t->state = OS_T_RUNNING;
        s->in_flight++;
        return;
    }
    /* Refused only for being asked inside one of libcurl's callbacks (a request started by an on_body
     * function, download_export's progress function, from the write callback), the attempt waits as a
     * retry due now does, and starts at the engine's next turn (fire_due), once that callback has returned.
     * (CURLM_RECURSIVE_API_CALL is 7.59.0; the core needs 7.80.0 for CURLOPT_PREREQFUNCTION.) */
    if (added == CURLM_RECURSIVE_API_CALL && os_timer_push(&s->timers, now, t) == 0) {
        t->state = OS_T_WAITING;
        s->waiting++;
        return;
    }
    /* A retry that cannot start ends the call as it stands: an earlier attempt may have been applied. */
    t->maybe_sent = t->applied;
    os_session_fail(s, t, OS_ERR_OTHER, "libcurl could not start the request", now);
}

static void redact_message(os_session *s, os_transfer *t)
{
    char out[OS_MESSAGE_SIZE];
    size_t n;
    if (s->n_secrets == 0 || t->message[0] == '\0') return;
    n = os_redact(t->message, strlen(t->message), s->secrets, s->n_secrets, out, sizeof out - 1);
    if (n > sizeof out - 1) n = sizeof out - 1;
    out[n] = '\0';
    memcpy(t->message, out, n + 1);
}

/* libcurl resends a request by itself when a reused keep-alive connection dies before answering (only
 * for requests safe to repeat: on_seek and on_prereq in transfer.c refuse the others), or over HTTP/2 when
 * the server refused its stream unprocessed (any request). The server may have seen each copy, so each one
 * counts as an attempt and is shown to the hook as a reset that was retried at once; after a lost
 * connection the call may have been applied whatever later attempts answer (a 429 to the resend included),
 * which the policy carries on from `applied`. */
static void count_resends(os_session *s, os_transfer *t, double now)
{
    os_attempt_report report;
    if (t->resent_after_loss) t->applied = 1;
    for (; t->sends > 1; t->sends--) {
        if (s->on_attempt != NULL) {
            report.t = t;
            report.attempt = t->attempt;
            report.status = 0;
            report.error = OS_ERR_RESET;
            report.message = "the connection or HTTP/2 stream was lost before an answer; libcurl sent the request "
                             "again";
            report.retry = 1;
            report.wait = 0;
            report.elapsed = now - t->submitted_at;
            report.attempt_elapsed = now - t->attempt_started_at;
            s->on_attempt(s->on_attempt_ud, &report);
        }
        t->attempt++;
    }
}

/* A 429 to a request marked note_429 (every create_notification) holds client:send_many's new items for as
 * long as the policy says the answer asked (d.hold); several overlap: the latest end wins, not the sum.
 * One number per session, read by send_many before it starts an item, is all it takes: no call into Lua
 * and no table per attempt, so the fast path only tests the status it already has. */
static void note_hold(os_session *s, double hold, double now)
{
    if (hold > 0 && now + hold > s->hold_429_until) s->hold_429_until = now + hold;
}

void os_session_finish_attempt(os_session *s, os_transfer *t, CURLcode code)
{
    double now = os_monotonic();
    long connects = 0;
    os_policy_input in;
    os_policy_decision d;
    os_attempt_report report;

    curl_easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &connects);
    s->connects += connects;
    os_transfer_conclude_attempt(t, code);
    curl_multi_remove_handle(s->multi, t->easy);
    s->in_flight--;
    redact_message(s, t);
    count_resends(s, t, now);

    memset(&in, 0, sizeof in);
    in.status = (int)t->status;
    in.error = t->error;
    in.sent = t->sent;
    in.safe = t->safe;
    in.attempt = t->attempt;
    in.max_retries = t->max_retries;
    in.has_retry_after = t->has_retry_after;
    in.retry_after = t->retry_after;
    in.base_delay = t->retry_base_delay;
    in.max_delay = t->retry_max_delay;
    in.elapsed = now - t->submitted_at;
    in.has_deadline = t->has_deadline;
    in.deadline = t->deadline;
    in.applied_before = t->applied;
    /* Drawing costs a getpid(); successful answers never need it. */
    if (t->error != OS_ERR_NONE || t->status == 429 || t->status >= 500) in.random01 = os_prng_next01(&s->prng);
    in.body_refused = t->body_refused;
    os_policy_decide(&in, &d);

    t->applied = d.applied;
    t->elapsed = in.elapsed;
    if (t->note_429) note_hold(s, d.hold, now);
    if (s->on_attempt != NULL) {
        report.t = t;
        report.attempt = t->attempt;
        report.status = t->status;
        report.error = t->error;
        report.message = t->message;
        report.retry = d.retry;
        report.wait = d.wait;
        report.elapsed = in.elapsed;
        report.attempt_elapsed = now - t->attempt_started_at;
        s->on_attempt(s->on_attempt_ud, &report);
    }
    if (d.retry) {
        if (os_timer_push(&s->timers, now + d.wait, t) == 0) {
            t->state = OS_T_WAITING;
            s->waiting++;
            return;
        }
        /* No memory for the timer: report the attempt as it is, without retrying. A retry is never decided
         * after a 2xx, so what may have been applied is unknown. */
        d.maybe_sent = d.applied;
        d.gave_up = OS_GAVE_UP_NONE;
    }
    t->maybe_sent = d.maybe_sent;
    t->gave_up = d.gave_up;
    os_session_finish(s, t, now);
}

/* Ends, as timed out, the attempts past their limit that libcurl has not ended (see EXPIRY_MARGIN), and
 * finds when the next one is due. Runs only when one may be due, so a scan of the active list is rare. */
void os_session_expire_overdue(os_session *s, double now)
{
    os_transfer *t = s->active.head, *next;
    double due = -1;
    if (s->expiry_due < 0 || now < s->expiry_due) return;
    /* Attempts started meanwhile (by the on_attempt hook of one ended here) record theirs afresh. */
    s->expiry_due = -1;
    for (; t != NULL; t = next) {
        double t_due;
        next = t->next; /* finishing moves t to the done queue */
        if (t->state != OS_T_RUNNING || (t_due = expiry_of(t)) < 0) continue;
        if (now >= t_due) {
            snprintf(t->errbuf, sizeof t->errbuf,
                     "timed out after %.0f ms waiting for a free connection (max_connections)",
                     (now - t->attempt_started_at) * 1000.0);
            os_session_finish_attempt(s, t, CURLE_OPERATION_TIMEDOUT);
        } else if (due < 0 || t_due < due) {
            due = t_due;
        }
    }
    if (due >= 0 && (s->expiry_due < 0 || due < s->expiry_due)) s->expiry_due = due;
}
