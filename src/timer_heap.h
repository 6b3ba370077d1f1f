/* A binary min-heap of (due time, item): the retry timers of a session. Equal times pop in push order. */
#ifndef ONESIGNAL_TIMER_HEAP_H
#define ONESIGNAL_TIMER_HEAP_H

#include <stddef.h>

#include "visibility.h"

OS_HIDDEN_BEGIN

typedef struct {
    double due;
    unsigned long long seq;
    void *item;
} os_timer;

typedef struct {
    os_timer *v;
    size_t len;
    size_t cap;
    unsigned long long next_seq;
} os_timer_heap;

/* 0, or -1 when memory ran out (the heap is then unchanged). */
int os_timer_push(os_timer_heap *h, double due, void *item);

/* The earliest timer, or NULL when empty. */
const os_timer *os_timer_peek(const os_timer_heap *h);

/* Removes the earliest timer and returns its item (NULL when empty). */
void *os_timer_pop(os_timer_heap *h);

void os_timer_heap_free(os_timer_heap *h);

OS_HIDDEN_END

#endif
