/* poll(2) backend of the poller (see poller.h), for systems without epoll. */
#include "poller.h"

#ifndef OS_POLLER_EPOLL

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int fd;
    int events;
} ready_event;

struct os_poller {
    struct pollfd *fds;
    size_t len, cap;
    int *slot_of; /* descriptor -> index in fds, -1 when not watched */
    size_t slot_cap;
    ready_event *ready; /* copied out first: handlers may reshape fds */
};

os_poller *os_poller_new(void)
{
    return calloc(1, sizeof(os_poller));
}

void os_poller_free(os_poller *p)
{
    if (p == NULL) return;
    free(p->fds);
    free(p->slot_of);
    free(p->ready);
    free(p);
}

int os_poller_fd(const os_poller *p)
{
    (void)p;
    return -1;
}

static int ensure_slot(os_poller *p, int fd)
{
    if ((size_t)fd >= p->slot_cap) {
        size_t cap = p->slot_cap ? p->slot_cap : 256, i;
        int *s;
        while (cap <= (size_t)fd) cap *= 2;
        s = realloc(p->slot_of, cap * sizeof *s);
        if (s == NULL) return -1;
        for (i = p->slot_cap; i < cap; i++) s[i] = -1;
        p->slot_of = s;
        p->slot_cap = cap;
    }
    return 0;
}

int os_poller_watch(os_poller *p, int fd, int events)
{
    short ev = (short)(((events & OS_POLL_IN) ? POLLIN : 0) | ((events & OS_POLL_OUT) ? POLLOUT : 0));
    if (fd < 0 || ensure_slot(p, fd) != 0) return -1;
    if (p->slot_of[fd] < 0) {
        if (p->len == p->cap) {
            size_t cap = p->cap ? p->cap * 2 : 16;
            struct pollfd *f = realloc(p->fds, cap * sizeof *f);
            ready_event *r;
            if (f == NULL) return -1;
            p->fds = f;
            r = realloc(p->ready, cap * sizeof *r);
            if (r == NULL) return -1;
            p->ready = r;
            p->cap = cap;
        }
        p->slot_of[fd] = (int)p->len;
        p->fds[p->len].fd = fd;
        p->fds[p->len].revents = 0;
        p->len++;
    }
    p->fds[p->slot_of[fd]].events = ev;
    return 0;
}

/* Nothing to save here: removal costs no system call. */
void os_poller_unwatch(os_poller *p, int fd, int lazy)
{
    int i;
    (void)lazy;
    if (fd < 0 || (size_t)fd >= p->slot_cap || (i = p->slot_of[fd]) < 0) return;
    p->fds[i] = p->fds[--p->len];
    if ((size_t)i < p->len) p->slot_of[p->fds[i].fd] = i;
    p->slot_of[fd] = -1;
}

void os_poller_forget(os_poller *p, int fd)
{
    os_poller_unwatch(p, fd, 0);
}

int os_poller_wait(os_poller *p, int timeout_ms, os_poller_fn fn, void *ud)
{
    int n, count = 0, i;
    n = poll(p->fds, (nfds_t)p->len, timeout_ms);
    if (n < 0) return errno == EINTR ? 0 : -1;
    for (i = 0; i < (int)p->len && count < n; i++) {
        short r = p->fds[i].revents;
        if (r == 0) continue;
        p->ready[count].fd = p->fds[i].fd;
        p->ready[count].events = ((r & (POLLIN | POLLHUP)) ? OS_POLL_IN : 0) | ((r & POLLOUT) ? OS_POLL_OUT : 0) |
                                 ((r & (POLLERR | POLLNVAL)) ? OS_POLL_ERR : 0);
        count++;
    }
    for (i = 0; i < count; i++) fn(ud, p->ready[i].fd, p->ready[i].events);
    return count;
}

int os_poller_renew(os_poller *p)
{
    size_t i;
    for (i = 0; i < p->len; i++) p->slot_of[p->fds[i].fd] = -1;
    p->len = 0;
    return 0;
}

#else
typedef int os_poller_poll_not_built; /* ISO C wants at least one declaration per file */
#endif
