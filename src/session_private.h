/* What the files of the engine share and nobody else sees: the session itself and the steps one file
 * takes for another. session.c: life cycle and requests; session_multi.c: libcurl's multi handle and
 * the loop that drives it; session_attempt.c: starting and finishing attempts; session_fork.c: fork
 * safety and teardown. */
#ifndef ONESIGNAL_SESSION_PRIVATE_H
#define ONESIGNAL_SESSION_PRIVATE_H

#include <curl/curl.h>

#include "fdset.h"
#include "idmap.h"
#include "poller.h"
#include "random.h"
#include "redact.h"
#include "session.h"
#include "timer_heap.h"
#include "visibility.h"

OS_HIDDEN_BEGIN

typedef struct {
    os_transfer *head, *tail;
} transfer_list;

/* Where a proxy URL can come from: the proxy option and the six variables of proxy_in_environment. */
#define OS_PROXY_SOURCES 7

struct os_session {
    os_config cfg;
    CURLM *multi;
    CURLSH *share;
    os_poller *poller;
    struct curl_slist *lists[OS_CRED_COUNT][2];
    unsigned long generation; /* os_fork_generation() when the multi handle was built */
    double curl_due; /* when libcurl wants its timeout handled; < 0: no timer, 0: at once */
    /* When an attempt libcurl has not ended may be past its time limit (os_session_expire_overdue); < 0:
     * none running with a limit. Never later than the true earliest; may be earlier (a stale one). */
    double expiry_due;
    int running;
    os_timer_heap timers;
    os_idmap ids;
    transfer_list active; /* running or waiting for a retry */
    transfer_list done;   /* finished, result not handed out; oldest first */
    os_transfer *pool;    /* idle, linked through next */
    unsigned long long next_id;
    long in_flight, waiting, pending;
    long long connects;
    os_fdset sockets; /* every socket our connections opened, for fork safety */
    os_prng prng;
    /* Until when (os_monotonic) the 429 answers to requests with note_429 asked for a wait: the latest end
     * of those waits; 0: none yet (see os_session_hold_429). */
    double hold_429_until;
    os_attempt_fn on_attempt;
    void *on_attempt_ud;
    /* The keys, then the credentials of each proxy URL (user:password and password; see add_proxy_secrets) */
    os_span secrets[2 + 2 * OS_PROXY_SOURCES];
    size_t n_secrets;
    char *proxy_credentials[OS_PROXY_SOURCES]; /* owned copies the proxy spans point into */
    size_t n_proxy_credentials;
};

/* ---- transfer lists (intrusive, doubly linked) ---- */

static inline void os_list_push(transfer_list *l, os_transfer *t)
{
    t->next = NULL;
    t->prev = l->tail;
    if (l->tail)
        l->tail->next = t;
    else
        l->head = t;
    l->tail = t;
}

static inline void os_list_push_front(transfer_list *l, os_transfer *t)
{
    t->prev = NULL;
    t->next = l->head;
    if (l->head)
        l->head->prev = t;
    else
        l->tail = t;
    l->head = t;
}

static inline void os_list_remove(transfer_list *l, os_transfer *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        l->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        l->tail = t->prev;
    t->prev = t->next = NULL;
}

/* session_multi.c */
int os_session_build_multi(os_session *s);
curl_socket_t os_session_on_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address);
int os_session_on_close_socket(void *clientp, curl_socket_t fd);
double os_session_earliest(const os_session *s, double deadline);

/* session_attempt.c */
void os_session_start_attempt(os_session *s, os_transfer *t, double now);
void os_session_finish_attempt(os_session *s, os_transfer *t, CURLcode code);
void os_session_expire_overdue(os_session *s, double now);
void os_session_finish(os_session *s, os_transfer *t, double now);
void os_session_fail(os_session *s, os_transfer *t, os_error_class error, const char *message, double now);

/* session_fork.c */
void os_session_stop_active(os_session *s, int forked);
void os_session_teardown_curl(os_session *s);
void os_session_close_sockets(os_session *s); /* closes what libcurl left open, empties the set */

OS_HIDDEN_END

#endif
