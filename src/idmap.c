/* Id map (see idmap.h). Deletion shifts later entries back, so lookups never need tombstones. */
#include "idmap.h"

#include <stdlib.h>

static size_t slot_of(unsigned long long key, size_t cap)
{
    /* Ids are sequential; a multiplicative hash spreads them so clusters stay short. */
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & (cap - 1);
}

static int grow(os_idmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64, i;
    os_idmap_slot *slots = calloc(cap, sizeof *slots);
    if (slots == NULL) return -1;
    for (i = 0; i < m->cap; i++) {
        if (m->slots[i].key != 0) {
            size_t j = slot_of(m->slots[i].key, cap);
            while (slots[j].key != 0) j = (j + 1) & (cap - 1);
            slots[j] = m->slots[i];
        }
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

int os_idmap_put(os_idmap *m, unsigned long long key, void *value)
{
    size_t i;
    if ((m->len + 1) * 2 > m->cap && grow(m) != 0) return -1;
    i = slot_of(key, m->cap);
    while (m->slots[i].key != 0) i = (i + 1) & (m->cap - 1);
    m->slots[i].key = key;
    m->slots[i].value = value;
    m->len++;
    return 0;
}

static size_t find(const os_idmap *m, unsigned long long key)
{
    size_t i;
    if (m->cap == 0) return (size_t)-1;
    for (i = slot_of(key, m->cap); m->slots[i].key != 0; i = (i + 1) & (m->cap - 1))
        if (m->slots[i].key == key) return i;
    return (size_t)-1;
}

void *os_idmap_get(const os_idmap *m, unsigned long long key)
{
    size_t i = find(m, key);
    return i == (size_t)-1 ? NULL : m->slots[i].value;
}

void os_idmap_remove(os_idmap *m, unsigned long long key)
{
    size_t mask = m->cap - 1, hole = find(m, key), j;
    if (hole == (size_t)-1) return;
    m->slots[hole].key = 0;
    m->len--;
    /* Pull back every later entry of the cluster whose home slot is not between the hole and itself. */
    for (j = (hole + 1) & mask; m->slots[j].key != 0; j = (j + 1) & mask) {
        size_t home = slot_of(m->slots[j].key, m->cap);
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            m->slots[hole] = m->slots[j];
            m->slots[j].key = 0;
            hole = j;
        }
    }
}

void os_idmap_free(os_idmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->len = 0;
}
