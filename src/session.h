/* The engine: one libcurl multi handle driven with curl_multi_socket_action, the sockets it asks for
 * watched by a poller, a min-heap of retry timers, a pool of reusable transfers and a queue of finished
 * ones. It knows nothing about Lua; the session_lua*.c files bind it. Not thread-safe: one thread per
 * session. */
#ifndef ONESIGNAL_SESSION_H
#define ONESIGNAL_SESSION_H

#include <stddef.h>

#include "config.h"
#include "transfer.h"
#include "visibility.h"

OS_HIDDEN_BEGIN

typedef struct os_session os_session;

/* What the attempt hook learns after each attempt. */
typedef struct {
    const os_transfer *t; /* the request: its method, url and Lua references */
    int attempt;
    long status; /* 0: none */
    os_error_class error;
    const char *message; /* for error */
    int retry;
    double wait; /* when retrying */
    double elapsed;
    double attempt_elapsed;
} os_attempt_report;

typedef void (*os_attempt_fn)(void *ud, const os_attempt_report *report);

/* Copies cfg. Returns NULL with a reason in err when libcurl or memory failed. */
os_session *os_session_new(const os_config *cfg, char *err, size_t errlen);

/* Aborts every request and frees everything. */
void os_session_free(os_session *s);

void os_session_set_attempt_fn(os_session *s, os_attempt_fn fn, void *ud);

const os_config *os_session_config(const os_session *s);

int os_session_has_key(const os_session *s, os_credential c);

/* text with the session's keys replaced by "[REDACTED]" (see os_redact for the calling convention). */
size_t os_session_redact(const os_session *s, const char *text, size_t len, char *out, size_t out_cap);

/* The prebuilt header list for a credential and body presence (NULL when empty). */
struct curl_slist *os_session_headers(const os_session *s, os_credential c, int has_body);

/* A transfer ready to be filled in (request fields set to the session's defaults), or NULL when out of
 * memory. It must then be submitted or discarded. */
os_transfer *os_session_acquire(os_session *s);

void os_session_discard(os_session *s, os_transfer *t);

/* Gives t an id and starts its first attempt. Returns 0, or -1 (t is then still the caller's to discard).
 * A request that fails to start still counts as submitted: it finishes with an error. */
int os_session_submit(os_session *s, os_transfer *t);

/* A submitted request whose result has not been released, or NULL. */
os_transfer *os_session_find(const os_session *s, unsigned long long id);

/* Drives sockets and timers. With target: until target is finished. Without: until some request is
 * finished. Either way no longer than timeout seconds (< 0: no limit), and not at all once nothing is left
 * that could finish. */
void os_session_run(os_session *s, double timeout, const os_transfer *target);

/* The oldest finished request whose result has not been released, or NULL. */
os_transfer *os_session_first_done(const os_session *s);

/* Calls fn(ud, t) for every submitted request whose result has not been released (running, waiting
 * for a retry, or finished), in no particular order. fn must not change the session. */
void os_session_each_pending(const os_session *s, void (*fn)(void *ud, const os_transfer *t), void *ud);

/* Whether a request abandoned now (by close) may have reached the server and been applied: an earlier
 * attempt may have been (its `applied`), or the running attempt got as far as libcurl sending it. One
 * waiting for a connection (behind max_connections) or for a retry after a refusal sent nothing that
 * counts. A finished one says what its outcome said. */
int os_session_may_have_sent(const os_transfer *t);

/* Takes a finished request off the books (it is no longer pending or found by id) before its result is
 * handed out; the transfer then goes back with os_session_discard. */
void os_session_take(os_session *s, os_transfer *t);

/* Undoes os_session_take when handing the result out failed: the request is pending again, its result
 * the first to be handed out. 0, or -1 when memory ran out (the transfer is then still taken). */
int os_session_untake(os_session *s, os_transfer *t);

/* Seconds until the session next needs driving: 0 when a result waits or work is due; -1 when nothing
 * is pending at all. */
double os_session_next_timeout(const os_session *s);

/* Seconds left of the wait the 429 answers to requests marked note_429 asked for (the latest end of
 * them; see note_hold in session_attempt.c), or 0 when none is left. client:send_many starts no new item
 * meanwhile. */
double os_session_hold_429(const os_session *s);

/* Whether its transfers take a proxy from the environment: no option 'proxy', and a proxy variable was set
 * when the session was made (else every transfer is told "no proxy", and libcurl reads no variable). */
int os_session_env_proxy(const os_session *s);

/* Descriptor readable when socket work is waiting, or -1 (poll(2) builds). */
int os_session_fd(const os_session *s);

typedef struct {
    long long connects; /* new connections opened, over the session's life */
    long in_flight;     /* attempts on the wire */
    long waiting;       /* requests sleeping before a retry */
    long pending;       /* submitted, result not yet handed out */
} os_session_stats;

void os_session_get_stats(const os_session *s, os_session_stats *st);

/* In a child process created by fork() after this session was: stop using the parent's connections
 * without disturbing them, finish every inherited request with error "closed", and start afresh.
 * Called by acquire and run; cheap when nothing happened. */
void os_session_check_fork(os_session *s);

OS_HIDDEN_END

#endif
