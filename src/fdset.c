/* Descriptor set (see fdset.h). Descriptors are small integers, so a byte per possible descriptor is both
 * the simplest and the fastest representation. */
#include "fdset.h"

#include <stdlib.h>
#include <string.h>

int os_fdset_add(os_fdset *s, int fd)
{
    if (fd < 0) return -1;
    if ((size_t)fd >= s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        unsigned char *m;
        while (cap <= (size_t)fd) cap *= 2;
        m = realloc(s->member, cap);
        if (m == NULL) return -1;
        memset(m + s->cap, 0, cap - s->cap);
        s->member = m;
        s->cap = cap;
    }
    if (!s->member[fd]) {
        s->member[fd] = 1;
        s->count++;
    }
    return 0;
}

void os_fdset_remove(os_fdset *s, int fd)
{
    if (fd >= 0 && (size_t)fd < s->cap && s->member[fd]) {
        s->member[fd] = 0;
        s->count--;
    }
}

int os_fdset_has(const os_fdset *s, int fd)
{
    return fd >= 0 && (size_t)fd < s->cap && s->member[fd];
}

void os_fdset_each(const os_fdset *s, void (*fn)(int fd, void *ud), void *ud)
{
    size_t i;
    for (i = 0; i < s->cap; i++)
        if (s->member[i]) fn((int)i, ud);
}

void os_fdset_free(os_fdset *s)
{
    free(s->member);
    s->member = NULL;
    s->cap = s->count = 0;
}
