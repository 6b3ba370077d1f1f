/* The set of socket descriptors a session's connections use, so a forked child can neutralise them. */
#ifndef ONESIGNAL_FDSET_H
#define ONESIGNAL_FDSET_H

#include <stddef.h>

#include "visibility.h"

OS_HIDDEN_BEGIN

typedef struct {
    unsigned char *member; /* indexed by descriptor */
    size_t cap;
    size_t count;
} os_fdset;

/* 0, or -1 when memory ran out or fd is negative. */
int os_fdset_add(os_fdset *s, int fd);

void os_fdset_remove(os_fdset *s, int fd);

int os_fdset_has(const os_fdset *s, int fd);

/* Calls fn for every member, in ascending order. fn must not change the set. */
void os_fdset_each(const os_fdset *s, void (*fn)(int fd, void *ud), void *ud);

void os_fdset_free(os_fdset *s);

OS_HIDDEN_END

#endif
