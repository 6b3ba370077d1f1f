/* The engine's libcurl multi handle: the callbacks through which libcurl asks for sockets, timers and
 * new connections, and the loop that drives it (see session.h). */
#define _DEFAULT_SOURCE
#include "session_private.h"

#include <errno.h>
#include <math.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

/* Keep-alive connections the multi handle may cache when max_connections does not say: enough that a
 * burst of a thousand requests finds its connections again. */
#define DEFAULT_CONNECTION_CACHE 1024

/* ---- libcurl callbacks ---- */

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    os_session *s = userp;
    int events;
    (void)easy;
    (void)socketp;
    if (what == CURL_POLL_REMOVE) {
        /* Our own sockets announce their closing (os_session_on_close_socket), so they may stay registered. */
        os_poller_unwatch(s->poller, fd, os_fdset_has(&s->sockets, fd));
        return 0;
    }
    events = ((what & CURL_POLL_IN) ? OS_POLL_IN : 0) | ((what & CURL_POLL_OUT) ? OS_POLL_OUT : 0);
    return os_poller_watch(s->poller, fd, events) == 0 ? 0 : -1;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    os_session *s = userp;
    (void)multi;
    if (timeout_ms < 0)
        s->curl_due = -1;
    else if (timeout_ms == 0)
        s->curl_due = 0; /* "now" compares earlier than any clock reading, so no 1 ms wait is spent */
    else
        s->curl_due = os_monotonic() + (double)timeout_ms / 1000.0;
    return 0;
}

curl_socket_t os_session_on_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
    os_transfer *t = clientp;
    os_session *s = t->session;
    int type = address->socktype;
    curl_socket_t fd;
    (void)purpose;
    t->dequeued = 1; /* a socket of its own: no longer queued for a free connection */
#ifdef SOCK_CLOEXEC
    type |= SOCK_CLOEXEC; /* a program we exec must not inherit our connections */
#endif
    fd = socket(address->family, type, address->protocol);
    if (fd == CURL_SOCKET_BAD) {
        t->socket_errno = errno; /* libcurl keeps no errno of its own for this: set_message tells it */
        return CURL_SOCKET_BAD;
    }
    if (os_fdset_add(&s->sockets, fd) != 0) {
        close(fd);
        return CURL_SOCKET_BAD;
    }
    return fd;
}

int os_session_on_close_socket(void *clientp, curl_socket_t fd)
{
    os_session *s = clientp;
    os_poller_forget(s->poller, fd);
    os_fdset_remove(&s->sockets, fd);
    return close(fd);
}

int os_session_build_multi(os_session *s)
{
    long cache = s->cfg.max_connections > 0 ? s->cfg.max_connections : DEFAULT_CONNECTION_CACHE;
    int failed = 0;
    s->share = curl_share_init();
    s->multi = curl_multi_init();
    if (s->share == NULL || s->multi == NULL) return -1;
    failed |= curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK;
    failed |= curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK;
    failed |= curl_multi_setopt(s->multi, CURLMOPT_SOCKETFUNCTION, on_socket) != CURLM_OK;
    failed |= curl_multi_setopt(s->multi, CURLMOPT_SOCKETDATA, (void *)s) != CURLM_OK;
    failed |= curl_multi_setopt(s->multi, CURLMOPT_TIMERFUNCTION, on_timer) != CURLM_OK;
    failed |= curl_multi_setopt(s->multi, CURLMOPT_TIMERDATA, (void *)s) != CURLM_OK;
    failed |= curl_multi_setopt(s->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX) != CURLM_OK;
    failed |= curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, cache) != CURLM_OK;
    if (s->cfg.max_connections > 0)
        failed |= curl_multi_setopt(s->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, s->cfg.max_connections) != CURLM_OK;
    s->curl_due = -1;
    return failed ? -1 : 0;
}

/* ---- driving ---- */

static void read_messages(os_session *s)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
        char *private_data = NULL;
        CURLcode code;
        if (msg->msg != CURLMSG_DONE) continue;
        code = msg->data.result; /* msg dies with the handle's removal */
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &private_data);
        os_session_finish_attempt(s, (os_transfer *)(void *)private_data, code);
    }
}

static void on_ready(void *ud, int fd, int events)
{
    os_session *s = ud;
    int mask = ((events & OS_POLL_IN) ? CURL_CSELECT_IN : 0) | ((events & OS_POLL_OUT) ? CURL_CSELECT_OUT : 0) |
               ((events & OS_POLL_ERR) ? CURL_CSELECT_ERR : 0);
    curl_multi_socket_action(s->multi, fd, mask, &s->running);
}

static void fire_due(os_session *s, double now)
{
    const os_timer *top;
    int rounds;
    while ((top = os_timer_peek(&s->timers)) != NULL && top->due <= now) {
        os_transfer *t = os_timer_pop(&s->timers);
        s->waiting--;
        if (t->has_deadline && t->attempt > 0 && now - t->submitted_at >= t->deadline) {
            /* The program came back after the deadline (it polled late): no attempt may start past it.
             * The call ends with its last attempt's outcome, which was one to retry, so never a 2xx. (A
             * first attempt put off by os_session_start_attempt has none: it starts, and times out.) */
            t->maybe_sent = t->applied;
            t->gave_up = OS_GAVE_UP_DEADLINE;
            os_session_finish(s, t, now);
            continue;
        }
        os_session_start_attempt(s, t, now);
    }
    /* Adding handles asks for an immediate timeout; serve such requests now rather than after a poll. */
    for (rounds = 0; rounds < 4 && s->curl_due >= 0 && s->curl_due <= now; rounds++) {
        s->curl_due = -1;
        curl_multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &s->running);
    }
    read_messages(s);
    os_session_expire_overdue(s, now);
}

double os_session_earliest(const os_session *s, double deadline)
{
    const os_timer *top = os_timer_peek(&s->timers);
    double next = deadline;
    if (s->curl_due >= 0 && (next < 0 || s->curl_due < next)) next = s->curl_due;
    if (top != NULL && (next < 0 || top->due < next)) next = top->due;
    if (s->expiry_due >= 0 && (next < 0 || s->expiry_due < next)) next = s->expiry_due;
    return next;
}

static int wait_ms(double seconds)
{
    double ms = ceil(seconds * 1000.0);
    if (!(ms > 0)) return 0;
    return ms > 2147483647.0 ? 2147483647 : (int)ms;
}

void os_session_run(os_session *s, double timeout, const os_transfer *target)
{
    double deadline = timeout < 0 ? -1 : os_monotonic() + timeout;
    int waited = 0;
    os_session_check_fork(s);
    if (s->multi == NULL) return;
    for (;;) {
        double now = os_monotonic(), next;
        fire_due(s, now);
        if (target != NULL ? target->state == OS_T_DONE : s->done.head != NULL) return;
        if (s->in_flight == 0 && s->waiting == 0) {
            /* Idle: collect the registrations of cached connections the peer has closed since (kept
             * lazily, see os_poller_unwatch). Only a wait clears them, and while one stays the
             * descriptor an outside loop watches stays readable: it would wake that loop for ever. */
            (void)os_poller_wait(s->poller, 0, on_ready, s);
            return;
        }
        if (waited && deadline >= 0 && now >= deadline) return;
        next = os_session_earliest(s, deadline);
        if (os_poller_wait(s->poller, next < 0 ? -1 : wait_ms(next - now), on_ready, s) < 0) {
            /* The poller itself failed (out of memory in the kernel): let libcurl's timeouts progress. */
            curl_multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &s->running);
        }
        read_messages(s);
        waited = 1;
    }
}
