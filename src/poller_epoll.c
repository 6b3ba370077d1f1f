/* epoll backend of the poller (see poller.h). */
#include "poller.h"

#ifdef OS_POLLER_EPOLL

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#define BATCH 256

struct os_poller {
    int epfd;
    struct epoll_event ready[BATCH];
};

os_poller *os_poller_new(void)
{
    os_poller *p = malloc(sizeof *p);
    if (p == NULL) return NULL;
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (p->epfd < 0) {
        free(p);
        return NULL;
    }
    return p;
}

void os_poller_free(os_poller *p)
{
    if (p == NULL) return;
    if (p->epfd >= 0) close(p->epfd);
    free(p);
}

int os_poller_fd(const os_poller *p)
{
    return p->epfd;
}

int os_poller_watch(os_poller *p, int fd, int events, int known)
{
    struct epoll_event ev;
    ev.events = ((events & OS_POLL_IN) ? EPOLLIN : 0) | ((events & OS_POLL_OUT) ? EPOLLOUT : 0);
    ev.data.fd = fd;
    if (epoll_ctl(p->epfd, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) == 0) return 0;
    /* The other operation repairs a stale belief (a reused descriptor number, a renewed set). */
    if (epoll_ctl(p->epfd, known ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev) == 0) return 0;
    return -1;
}

void os_poller_unwatch(os_poller *p, int fd)
{
    struct epoll_event ev = {0, {0}};
    (void)epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, &ev); /* ENOENT/EBADF: already gone, nothing to do */
}

int os_poller_wait(os_poller *p, int timeout_ms, os_poller_fn fn, void *ud)
{
    int n = epoll_wait(p->epfd, p->ready, BATCH, timeout_ms), i;
    if (n < 0) return errno == EINTR ? 0 : -1;
    for (i = 0; i < n; i++) {
        unsigned e = p->ready[i].events;
        int bits = ((e & (EPOLLIN | EPOLLHUP)) ? OS_POLL_IN : 0) | ((e & EPOLLOUT) ? OS_POLL_OUT : 0) |
                   ((e & EPOLLERR) ? OS_POLL_ERR : 0);
        fn(ud, p->ready[i].data.fd, bits);
    }
    return n;
}

int os_poller_renew(os_poller *p)
{
    close(p->epfd);
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    return p->epfd < 0 ? -1 : 0;
}

#else
typedef int os_poller_epoll_not_built; /* ISO C wants at least one declaration per file */
#endif
