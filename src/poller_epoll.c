/* epoll backend of the poller (see poller.h). */
#include "poller.h"

#ifdef OS_POLLER_EPOLL

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define BATCH 256

/* What the kernel has registered for a descriptor, so repeated requests for the same events cost nothing. */
enum { REGISTERED = 1, WANTED = 2 };

typedef struct {
    unsigned char flags;
    unsigned char events; /* OS_POLL_* bits registered */
} slot;

struct os_poller {
    int epfd;
    slot *slots; /* indexed by descriptor */
    size_t cap;
    struct epoll_event ready[BATCH];
};

os_poller *os_poller_new(void)
{
    os_poller *p = calloc(1, sizeof *p);
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
    free(p->slots);
    free(p);
}

int os_poller_fd(const os_poller *p)
{
    return p->epfd;
}

static slot *slot_of(os_poller *p, int fd)
{
    if (fd < 0) return NULL;
    if ((size_t)fd >= p->cap) {
        size_t cap = p->cap ? p->cap : 256;
        slot *s;
        while (cap <= (size_t)fd) cap *= 2;
        s = realloc(p->slots, cap * sizeof *s);
        if (s == NULL) return NULL;
        memset(s + p->cap, 0, (cap - p->cap) * sizeof *s);
        p->slots = s;
        p->cap = cap;
    }
    return &p->slots[fd];
}

static int ctl(os_poller *p, int op, int fd, int events)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = ((events & OS_POLL_IN) ? EPOLLIN : 0) | ((events & OS_POLL_OUT) ? EPOLLOUT : 0);
    ev.data.fd = fd;
    return epoll_ctl(p->epfd, op, fd, &ev);
}

int os_poller_watch(os_poller *p, int fd, int events)
{
    slot *s = slot_of(p, fd);
    if (s == NULL) return -1;
    if ((s->flags & REGISTERED) && s->events == events) {
        s->flags |= WANTED;
        return 0;
    }
    if (ctl(p, (s->flags & REGISTERED) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, events) != 0) {
        /* The kernel disagrees with our record (it dropped a closed descriptor): the other operation. */
        if (ctl(p, (s->flags & REGISTERED) ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, events) != 0) return -1;
    }
    s->flags = REGISTERED | WANTED;
    s->events = (unsigned char)events;
    return 0;
}

static void drop(os_poller *p, int fd)
{
    slot *s = &p->slots[fd];
    if (s->flags & REGISTERED) (void)ctl(p, EPOLL_CTL_DEL, fd, 0); /* ENOENT/EBADF: already gone */
    s->flags = 0;
    s->events = 0;
}

void os_poller_unwatch(os_poller *p, int fd, int lazy)
{
    if (fd < 0 || (size_t)fd >= p->cap) return;
    if (lazy)
        p->slots[fd].flags &= (unsigned char)~WANTED;
    else
        drop(p, fd);
}

void os_poller_forget(os_poller *p, int fd)
{
    if (fd >= 0 && (size_t)fd < p->cap) drop(p, fd);
}

int os_poller_wait(os_poller *p, int timeout_ms, os_poller_fn fn, void *ud)
{
    int n = epoll_wait(p->epfd, p->ready, BATCH, timeout_ms), i, delivered = 0;
    if (n < 0) return errno == EINTR ? 0 : -1;
    for (i = 0; i < n; i++) {
        int fd = p->ready[i].data.fd;
        unsigned e = p->ready[i].events;
        int bits;
        if (fd < 0 || (size_t)fd >= p->cap || !(p->slots[fd].flags & WANTED)) {
            /* A lazily kept registration fired (an idle connection closed): now it goes. */
            if (fd >= 0 && (size_t)fd < p->cap) drop(p, fd);
            continue;
        }
        bits = ((e & (EPOLLIN | EPOLLHUP)) ? OS_POLL_IN : 0) | ((e & EPOLLOUT) ? OS_POLL_OUT : 0) |
               ((e & EPOLLERR) ? OS_POLL_ERR : 0);
        fn(ud, fd, bits);
        delivered++;
    }
    return delivered;
}

int os_poller_renew(os_poller *p)
{
    close(p->epfd);
    if (p->slots) memset(p->slots, 0, p->cap * sizeof *p->slots);
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    return p->epfd < 0 ? -1 : 0;
}

#else
typedef int os_poller_epoll_not_built; /* ISO C wants at least one declaration per file */
#endif
