/* Fork safety and teardown: a forked child stops using its parent's connections without disturbing
 * them, and every request still running or waiting ends (see os_session_check_fork in session.h). */
#define _DEFAULT_SOURCE
#include "session_private.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "clock.h"
#include "fork_guard.h"

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

void os_session_close_sockets(os_session *s)
{
    os_fdset_each(&s->sockets, close_fd, NULL); /* any libcurl did not close itself */
    os_fdset_free(&s->sockets);
}

#define FORKED_MESSAGE "the process forked while this request was pending; it belongs to the parent"

static void drop_easy_handles(os_transfer *t)
{
    for (; t != NULL; t = t->next) {
        if (t->easy != NULL) curl_easy_cleanup(t->easy);
        t->easy = NULL;
    }
}

int os_session_may_have_sent(const os_transfer *t)
{
    if (t->state == OS_T_DONE) return t->maybe_sent;
    /* on_prereq (transfer.c) counts each time libcurl is about to put this attempt's request on the wire. */
    return t->applied || (t->state == OS_T_RUNNING && t->sends > 0);
}

/* Detaches and ends every running or waiting request; returns them to the caller's handling. */
void os_session_stop_active(os_session *s, int forked)
{
    os_transfer *t;
    double now = os_monotonic();
    while ((t = s->active.head) != NULL) {
        /* A forked child must take every request as sent: the parent carries on with it. */
        t->maybe_sent = forked || os_session_may_have_sent(t);
        if (t->state == OS_T_RUNNING) {
            /* A name lookup thread of the parent does not exist here: every handle has CURLOPT_QUICK_EXIT
             * (transfer.c), so removing it does not wait for one. */
            curl_multi_remove_handle(s->multi, t->easy);
            s->in_flight--;
        }
        t->gave_up = OS_GAVE_UP_NONE;
        os_session_fail(s, t, OS_ERR_CLOSED, forked ? FORKED_MESSAGE : "the session was closed", now);
    }
    while (os_timer_pop(&s->timers) != NULL) {
    }
    s->waiting = 0;
}

void os_session_teardown_curl(os_session *s)
{
    drop_easy_handles(s->done.head);
    drop_easy_handles(s->pool);
    if (s->multi) curl_multi_cleanup(s->multi); /* closes cached connections through os_session_on_close_socket */
    if (s->share) curl_share_cleanup(s->share);
    s->multi = NULL;
    s->share = NULL;
    s->curl_due = -1;
    s->expiry_due = -1;
}

void os_session_check_fork(os_session *s)
{
    unsigned long generation = os_fork_generation();
    os_transfer *t;
    int devnull;
    if (generation == s->generation) return;
    s->generation = generation;
    devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    os_fdset_each(&s->sockets, cover_with, &devnull);
    if (devnull >= 0) close(devnull);
    /* The epoll set is shared with the parent: replace ours before libcurl unregisters anything. */
    os_poller_renew(s->poller);
    os_session_stop_active(s, 1);
    /* Results the parent had finished but not handed out are the parent's too: the child's copy of the
     * caller would act on them a second time. They end as closed like the rest. */
    for (t = s->done.head; t != NULL; t = t->next) {
        if (t->error == OS_ERR_CLOSED) continue; /* ended just above */
        os_transfer_clear_outcome(t);
        t->error = OS_ERR_CLOSED;
        snprintf(t->message, sizeof t->message, "%s", FORKED_MESSAGE);
        t->maybe_sent = 1;
        t->gave_up = OS_GAVE_UP_NONE;
    }
    os_session_teardown_curl(s);
    os_session_close_sockets(s);
    if (os_session_build_multi(s) != 0) {
        if (s->multi) curl_multi_cleanup(s->multi);
        if (s->share) curl_share_cleanup(s->share);
        s->multi = NULL; /* submit fails from now on */
        s->share = NULL;
    }
}
