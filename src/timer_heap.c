/* Min-heap of timers (see timer_heap.h). */
#include "timer_heap.h"

#include <stdlib.h>

static int earlier(const os_timer *a, const os_timer *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

int os_timer_push(os_timer_heap *h, double due, void *item)
{
    size_t i;
    if (h->len == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        os_timer *v = realloc(h->v, cap * sizeof *v);
        if (v == NULL) return -1;
        h->v = v;
        h->cap = cap;
    }
    i = h->len++;
    h->v[i].due = due;
    h->v[i].seq = h->next_seq++;
    h->v[i].item = item;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        os_timer tmp;
        if (!earlier(&h->v[i], &h->v[parent])) break;
        tmp = h->v[i];
        h->v[i] = h->v[parent];
        h->v[parent] = tmp;
        i = parent;
    }
    return 0;
}

const os_timer *os_timer_peek(const os_timer_heap *h)
{
    return h->len ? &h->v[0] : NULL;
}

void *os_timer_pop(os_timer_heap *h)
{
    void *item;
    size_t i = 0;
    if (h->len == 0) return NULL;
    item = h->v[0].item;
    h->v[0] = h->v[--h->len];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        os_timer tmp;
        if (l < h->len && earlier(&h->v[l], &h->v[m])) m = l;
        if (r < h->len && earlier(&h->v[r], &h->v[m])) m = r;
        if (m == i) break;
        tmp = h->v[i];
        h->v[i] = h->v[m];
        h->v[m] = tmp;
        i = m;
    }
    return item;
}

void os_timer_heap_free(os_timer_heap *h)
{
    free(h->v);
    h->v = NULL;
    h->len = h->cap = 0;
}
