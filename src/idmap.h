/* Request id -> transfer lookup for wait(id): open addressing with linear probing. Id 0 is never used. */
#ifndef ONESIGNAL_IDMAP_H
#define ONESIGNAL_IDMAP_H

#include <stddef.h>

#include "visibility.h"

OS_HIDDEN_BEGIN

typedef struct {
    unsigned long long key; /* 0 = empty slot */
    void *value;
} os_idmap_slot;

typedef struct {
    os_idmap_slot *slots;
    size_t cap; /* power of two, or 0 */
    size_t len;
} os_idmap;

/* 0, or -1 when memory ran out (the map is then unchanged). key must be non-zero and not present. */
int os_idmap_put(os_idmap *m, unsigned long long key, void *value);

void *os_idmap_get(const os_idmap *m, unsigned long long key);

/* Removes key if present. */
void os_idmap_remove(os_idmap *m, unsigned long long key);

void os_idmap_free(os_idmap *m);

OS_HIDDEN_END

#endif
