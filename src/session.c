/* The engine (see session.h). */
#define _DEFAULT_SOURCE
#include "session.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "fdset.h"
#include "fork_guard.h"
#include "headers.h"
#include "idmap.h"
#include "poller.h"
#include "random.h"
#include "redact.h"
#include "timer_heap.h"

/* Keep-alive connections the multi handle may cache when max_connections does not say: enough that a
 * burst of a thousand requests finds its connections again. */
#define DEFAULT_CONNECTION_CACHE 1024

typedef struct {
    os_transfer *head, *tail;
} transfer_list;

struct os_session {
    os_config cfg;
    CURLM *multi;
    CURLSH *share;
    os_poller *poller;
    struct curl_slist *lists[OS_CRED_COUNT][2];
    unsigned long generation; /* os_fork_generation() when the multi handle was built */
    double curl_due; /* when libcurl wants its timeout handled; < 0: no timer, 0: at once */
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
    os_attempt_fn on_attempt;
    void *on_attempt_ud;
    os_span secrets[2];
    size_t n_secrets;
};

/* ---- lists ---- */

static void list_push(transfer_list *l, os_transfer *t)
{
    t->next = NULL;
    t->prev = l->tail;
    if (l->tail)
        l->tail->next = t;
    else
        l->head = t;
    l->tail = t;
}

static void list_remove(transfer_list *l, os_transfer *t)
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

/* ---- libcurl callbacks ---- */

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    os_session *s = userp;
    int events;
    (void)easy;
    (void)socketp;
    if (what == CURL_POLL_REMOVE) {
        /* Our own sockets announce their closing (on_close_socket), so they may stay registered. */
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

static curl_socket_t on_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
    os_session *s = clientp;
    int type = address->socktype;
    curl_socket_t fd;
    (void)purpose;
#ifdef SOCK_CLOEXEC
    type |= SOCK_CLOEXEC; /* a program we exec must not inherit our connections */
#endif
    fd = socket(address->family, type, address->protocol);
    if (fd == CURL_SOCKET_BAD) return CURL_SOCKET_BAD;
    if (os_fdset_add(&s->sockets, fd) != 0) {
        close(fd);
        return CURL_SOCKET_BAD;
    }
    return fd;
}

static int on_close_socket(void *clientp, curl_socket_t fd)
{
    os_session *s = clientp;
    os_poller_forget(s->poller, fd);
    os_fdset_remove(&s->sockets, fd);
    return close(fd);
}

/* ---- setup ---- */

static int build_multi(os_session *s)
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

static void free_list(struct curl_slist *l)
{
    struct curl_slist *n;
    for (n = l; n != NULL; n = n->next)
        if (strncmp(n->data, "Authorization:", 14) == 0) os_wipe(n->data, strlen(n->data));
    curl_slist_free_all(l);
}

static int append(struct curl_slist **l, const char *line)
{
    struct curl_slist *n = curl_slist_append(*l, line);
    if (n == NULL) return -1;
    *l = n;
    return 0;
}

static int names_header(const struct curl_slist *l, const char *lower_name)
{
    size_t n = strlen(lower_name);
    for (; l != NULL; l = l->next)
        if (os_header_name_is(l->data, strcspn(l->data, ":"), lower_name) && l->data[n] == ':') return 1;
    return 0;
}

static int build_list(const os_config *cfg, const char *key, int has_body, struct curl_slist **out)
{
    struct curl_slist *l = NULL;
    size_t i;
    int failed = 0;
    for (i = 0; i < cfg->n_headers && !failed; i++) failed = append(&l, cfg->headers[i]);
    if (has_body) {
        for (i = 0; i < cfg->n_body_headers && !failed; i++) failed = append(&l, cfg->body_headers[i]);
        /* No "Expect: 100-continue" round trip before a body. */
        if (!failed) failed = append(&l, "Expect:");
    }
    /* libcurl would call any POST form-encoded; only the Lua layer's own lines name a content type. */
    if (!failed && !names_header(l, "content-type")) failed = append(&l, "Content-Type:");
    if (key != NULL && !failed) {
        size_t n = strlen("Authorization: Key ") + strlen(key) + 1;
        char *line = malloc(n);
        if (line == NULL) {
            failed = 1;
        } else {
            snprintf(line, n, "Authorization: Key %s", key);
            failed = append(&l, line);
            os_wipe(line, n);
            free(line);
        }
    }
    *out = l;
    return failed ? -1 : 0;
}

static int build_lists(os_session *s)
{
    const char *keys[OS_CRED_COUNT];
    int c, b;
    keys[OS_CRED_NONE] = NULL;
    keys[OS_CRED_REST] = s->cfg.rest_key;
    keys[OS_CRED_ORG] = s->cfg.org_key;
    for (c = 0; c < OS_CRED_COUNT; c++) {
        if (c != OS_CRED_NONE && keys[c] == NULL) continue;
        for (b = 0; b < 2; b++)
            if (build_list(&s->cfg, keys[c], b, &s->lists[c][b]) != 0) return -1;
    }
    return 0;
}

static void add_secret(os_session *s, const char *key)
{
    if (key == NULL || key[0] == '\0') return;
    s->secrets[s->n_secrets].ptr = key;
    s->secrets[s->n_secrets].len = strlen(key);
    s->n_secrets++;
}

os_session *os_session_new(const os_config *cfg, char *err, size_t errlen)
{
    os_session *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (os_config_copy(&s->cfg, cfg) != 0) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->generation = os_fork_generation();
    s->curl_due = -1;
    add_secret(s, s->cfg.rest_key);
    add_secret(s, s->cfg.org_key);
    s->poller = os_poller_new();
    if (s->poller == NULL || build_lists(s) != 0 || build_multi(s) != 0) {
        snprintf(err, errlen, "could not set up libcurl (out of memory or descriptors)");
        os_session_free(s);
        return NULL;
    }
    return s;
}

void os_session_set_attempt_fn(os_session *s, os_attempt_fn fn, void *ud)
{
    s->on_attempt = fn;
    s->on_attempt_ud = ud;
}

const os_config *os_session_config(const os_session *s)
{
    return &s->cfg;
}

int os_session_has_key(const os_session *s, os_credential c)
{
    return c == OS_CRED_NONE || (c == OS_CRED_REST && s->cfg.rest_key) || (c == OS_CRED_ORG && s->cfg.org_key);
}

size_t os_session_redact(const os_session *s, const char *text, size_t len, char *out, size_t out_cap)
{
    return os_redact(text, len, s->secrets, s->n_secrets, out, out_cap);
}

struct curl_slist *os_session_headers(const os_session *s, os_credential c, int has_body)
{
    return s->lists[c][has_body ? 1 : 0];
}

/* ---- requests ---- */

os_transfer *os_session_acquire(os_session *s)
{
    os_transfer *t;
    os_session_check_fork(s);
    t = s->pool;
    if (t != NULL) {
        s->pool = t->next;
    } else {
        t = calloc(1, sizeof *t);
        if (t == NULL) return NULL;
        t->last_entry = t->retry_after_entry = OS_NO_ENTRY;
    }
    t->next = t->prev = NULL;
    if (t->easy == NULL) {
        int failed = os_transfer_init_easy(t, &s->cfg, s->share) != 0;
        failed = failed || curl_easy_setopt(t->easy, CURLOPT_OPENSOCKETFUNCTION, on_open_socket) != CURLE_OK;
        failed = failed || curl_easy_setopt(t->easy, CURLOPT_OPENSOCKETDATA, (void *)s) != CURLE_OK;
        failed = failed || curl_easy_setopt(t->easy, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket) != CURLE_OK;
        failed = failed || curl_easy_setopt(t->easy, CURLOPT_CLOSESOCKETDATA, (void *)s) != CURLE_OK;
        if (failed) {
            os_transfer_free(t);
            return NULL;
        }
    }
    t->state = OS_T_IDLE;
    t->credential = OS_CRED_NONE;
    t->safe = 0;
    t->timeout = s->cfg.timeout;
    t->has_deadline = 0;
    t->deadline = 0;
    t->max_retries = s->cfg.max_retries;
    t->retry_base_delay = s->cfg.retry_base_delay;
    t->retry_max_delay = s->cfg.retry_max_delay;
    t->maybe_sent = 0;
    t->gave_up = OS_GAVE_UP_NONE;
    t->elapsed = 0;
    return t;
}

void os_session_discard(os_session *s, os_transfer *t)
{
    os_transfer_reset(t);
    t->next = s->pool;
    s->pool = t;
}

static void finish(os_session *s, os_transfer *t, double now)
{
    t->elapsed = now - t->submitted_at;
    t->state = OS_T_DONE;
    list_remove(&s->active, t);
    list_push(&s->done, t);
}

/* A failure of our own (libcurl refused the handle, no memory for a timer): the request ends here. */
static void fail_locally(os_session *s, os_transfer *t, os_error_class error, const char *message, double now)
{
    t->error = error;
    t->status = 0;
    snprintf(t->message, sizeof t->message, "%s", message);
    finish(s, t, now);
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

static void start_attempt(os_session *s, os_transfer *t, double now)
{
    if (os_transfer_begin_attempt(t, attempt_timeout_ms(t, now), now) != 0 ||
        curl_multi_add_handle(s->multi, t->easy) != CURLM_OK) {
        fail_locally(s, t, OS_ERR_OTHER, "libcurl could not start the request", now);
        return;
    }
    t->attempt++;
    t->state = OS_T_RUNNING;
    s->in_flight++;
}

int os_session_submit(os_session *s, os_transfer *t)
{
    double now;
    if (s->multi == NULL) return -1;
    t->id = ++s->next_id;
    if (os_idmap_put(&s->ids, t->id, t) != 0) return -1;
    if (os_transfer_apply_request(t, os_session_headers(s, t->credential, t->has_body)) != 0) {
        os_idmap_remove(&s->ids, t->id);
        return -1;
    }
    now = os_monotonic();
    t->submitted_at = now;
    t->attempt = 0;
    list_push(&s->active, t);
    s->pending++;
    start_attempt(s, t, now);
    return 0;
}

os_transfer *os_session_find(const os_session *s, unsigned long long id)
{
    return os_idmap_get(&s->ids, id);
}

os_transfer *os_session_first_done(const os_session *s)
{
    return s->done.head;
}

void os_session_release(os_session *s, os_transfer *t)
{
    list_remove(&s->done, t);
    os_idmap_remove(&s->ids, t->id);
    s->pending--;
    os_session_discard(s, t);
}

/* ---- finishing attempts ---- */

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
 * for requests safe to repeat: on_seek refuses the others). The server may have seen each copy, so each
 * one counts as an attempt and is shown to the hook as a reset that was retried at once. */
static void count_resends(os_session *s, os_transfer *t, double now)
{
    os_attempt_report report;
    for (; t->sends > 1; t->sends--) {
        if (s->on_attempt != NULL) {
            report.t = t;
            report.attempt = t->attempt;
            report.status = 0;
            report.error = OS_ERR_RESET;
            report.message = "the reused connection closed before an answer; libcurl sent the request again";
            report.retry = 1;
            report.wait = 0;
            report.elapsed = now - t->submitted_at;
            report.attempt_elapsed = now - t->attempt_started_at;
            s->on_attempt(s->on_attempt_ud, &report);
        }
        t->attempt++;
    }
}

static void finish_attempt(os_session *s, os_transfer *t, CURLcode code)
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
    /* Drawing costs a getpid(); successful answers never need it. */
    if (t->error != OS_ERR_NONE || t->status == 429 || t->status >= 500) in.random01 = os_prng_next01(&s->prng);
    os_policy_decide(&in, &d);

    t->elapsed = in.elapsed;
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
        /* No memory for the timer: report the attempt as it is, without retrying. */
        d.maybe_sent = 0;
        d.gave_up = OS_GAVE_UP_NONE;
    }
    t->maybe_sent = d.maybe_sent;
    t->gave_up = d.gave_up;
    finish(s, t, now);
}

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
        finish_attempt(s, (os_transfer *)(void *)private_data, code);
    }
}

/* ---- driving ---- */

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
        start_attempt(s, t, now);
    }
    /* Adding handles asks for an immediate timeout; serve such requests now rather than after a poll. */
    for (rounds = 0; rounds < 4 && s->curl_due >= 0 && s->curl_due <= now; rounds++) {
        s->curl_due = -1;
        curl_multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &s->running);
    }
    read_messages(s);
}

static double earliest(const os_session *s, double deadline)
{
    const os_timer *top = os_timer_peek(&s->timers);
    double next = deadline;
    if (s->curl_due >= 0 && (next < 0 || s->curl_due < next)) next = s->curl_due;
    if (top != NULL && (next < 0 || top->due < next)) next = top->due;
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
        if (s->in_flight == 0 && s->waiting == 0) return;
        if (waited && deadline >= 0 && now >= deadline) return;
        next = earliest(s, deadline);
        if (os_poller_wait(s->poller, next < 0 ? -1 : wait_ms(next - now), on_ready, s) < 0) {
            /* The poller itself failed (out of memory in the kernel): let libcurl's timeouts progress. */
            curl_multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &s->running);
        }
        read_messages(s);
        waited = 1;
    }
}

double os_session_next_timeout(const os_session *s)
{
    double next, now;
    if (s->done.head != NULL) return 0;
    if (s->in_flight == 0 && s->waiting == 0) return -1;
    next = earliest(s, -1);
    /* Work in flight without any timer only waits for sockets; an outer loop should still look again. */
    if (next < 0) return 1;
    now = os_monotonic();
    return next > now ? next - now : 0;
}

int os_session_fd(const os_session *s)
{
    return os_poller_fd(s->poller);
}

void os_session_get_stats(const os_session *s, os_session_stats *st)
{
    st->connects = s->connects;
    st->in_flight = s->in_flight;
    st->waiting = s->waiting;
    st->pending = s->pending;
}

/* ---- fork safety and teardown ---- */

static void cover_with(int fd, void *ud)
{
    int devnull = *(int *)ud;
    /* The child's descriptor now writes nowhere; the parent's socket, and its peer, never notice. */
    if (devnull >= 0)
        dup2(devnull, fd);
    else
        close(fd);
}

static void close_fd(int fd, void *ud)
{
    (void)ud;
    close(fd);
}

static void drop_easy_handles(os_transfer *t)
{
    for (; t != NULL; t = t->next) {
        if (t->easy != NULL) curl_easy_cleanup(t->easy);
        t->easy = NULL;
    }
}

/* Detaches and ends every running or waiting request; returns them to the caller's handling. */
static void stop_active(os_session *s, int forked)
{
    os_transfer *t;
    double now = os_monotonic();
    while ((t = s->active.head) != NULL) {
        if (t->state == OS_T_RUNNING) {
#if LIBCURL_VERSION_NUM >= 0x075700
            /* A name lookup thread of the parent does not exist here: do not wait for it. */
            if (forked) curl_easy_setopt(t->easy, CURLOPT_QUICK_EXIT, 1L);
#endif
            curl_multi_remove_handle(s->multi, t->easy);
            s->in_flight--;
        }
        t->maybe_sent = 1;
        t->gave_up = OS_GAVE_UP_NONE;
        fail_locally(s, t, OS_ERR_CLOSED,
                     forked ? "the process forked while this request was pending; it belongs to the parent"
                            : "the session was closed",
                     now);
    }
    while (os_timer_pop(&s->timers) != NULL) {
    }
    s->waiting = 0;
}

static void teardown_curl(os_session *s)
{
    drop_easy_handles(s->done.head);
    drop_easy_handles(s->pool);
    if (s->multi) curl_multi_cleanup(s->multi); /* closes cached connections through on_close_socket */
    if (s->share) curl_share_cleanup(s->share);
    s->multi = NULL;
    s->share = NULL;
    s->curl_due = -1;
}

void os_session_check_fork(os_session *s)
{
    unsigned long generation = os_fork_generation();
    int devnull;
    if (generation == s->generation) return;
    s->generation = generation;
    devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    os_fdset_each(&s->sockets, cover_with, &devnull);
    if (devnull >= 0) close(devnull);
    /* The epoll set is shared with the parent: replace ours before libcurl unregisters anything. */
    os_poller_renew(s->poller);
    stop_active(s, 1);
    teardown_curl(s);
    os_fdset_each(&s->sockets, close_fd, NULL); /* any libcurl did not close itself */
    os_fdset_free(&s->sockets);
    if (build_multi(s) != 0) {
        if (s->multi) curl_multi_cleanup(s->multi);
        if (s->share) curl_share_cleanup(s->share);
        s->multi = NULL; /* submit fails from now on */
        s->share = NULL;
    }
}

static void free_transfers(os_transfer *t)
{
    while (t != NULL) {
        os_transfer *next = t->next;
        os_transfer_free(t);
        t = next;
    }
}

void os_session_free(os_session *s)
{
    int c, b;
    if (s == NULL) return;
    /* Closing in a forked child must not send anything (TLS close, HTTP/2 GOAWAY) on the parent's behalf. */
    os_session_check_fork(s);
    if (s->multi) stop_active(s, 0);
    teardown_curl(s);
    free_transfers(s->done.head);
    free_transfers(s->pool);
    os_timer_heap_free(&s->timers);
    os_idmap_free(&s->ids);
    for (c = 0; c < OS_CRED_COUNT; c++)
        for (b = 0; b < 2; b++) free_list(s->lists[c][b]);
    os_poller_free(s->poller);
    os_fdset_each(&s->sockets, close_fd, NULL);
    os_fdset_free(&s->sockets);
    os_config_free(&s->cfg);
    os_wipe(s->secrets, sizeof s->secrets);
    free(s);
}
