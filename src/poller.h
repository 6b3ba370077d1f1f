/* Readiness of the sockets libcurl asks a session to watch: epoll on Linux, poll(2) elsewhere (or when
 * built with -DONESIGNAL_NO_EPOLL). Both behave the same; only epoll offers one descriptor to an outer
 * event loop. */
#ifndef ONESIGNAL_POLLER_H
#define ONESIGNAL_POLLER_H

#include "visibility.h"

OS_HIDDEN_BEGIN

#if defined(__linux__) && !defined(ONESIGNAL_NO_EPOLL)
#define OS_POLLER_EPOLL 1
#endif

#define OS_POLL_IN 1
#define OS_POLL_OUT 2
#define OS_POLL_ERR 4

typedef struct os_poller os_poller;

/* NULL when out of memory or descriptors. */
os_poller *os_poller_new(void);

void os_poller_free(os_poller *p);

/* A descriptor that is readable while any watched socket is ready, or -1 when the backend has none. */
int os_poller_fd(const os_poller *p);

/* Watches fd for events (OS_POLL_IN | OS_POLL_OUT), replacing what was watched before. Returns 0 or -1. */
int os_poller_watch(os_poller *p, int fd, int events);

/* Stops reporting fd. With lazy, a backend may keep the kernel registration until fd fires or is watched
 * again, which saves two system calls per request on a reused keep-alive connection; only pass lazy for
 * descriptors whose closing is announced through os_poller_forget. */
void os_poller_unwatch(os_poller *p, int fd, int lazy);

/* fd is about to be closed: drop every trace of it now. */
void os_poller_forget(os_poller *p, int fd);

typedef void (*os_poller_fn)(void *ud, int fd, int events);

/* Waits up to timeout_ms (-1: no limit) and calls fn for each ready socket with OS_POLL_* bits. fn may
 * watch and unwatch. Returns the number of ready sockets, 0 on timeout or signal, -1 on error. */
int os_poller_wait(os_poller *p, int timeout_ms, os_poller_fn fn, void *ud);

/* In a forked child: forget every registration without touching the kernel object shared with the parent
 * (an epoll set is shared across fork; changing it would blind the parent). Returns 0 or -1. */
int os_poller_renew(os_poller *p);

OS_HIDDEN_END

#endif
