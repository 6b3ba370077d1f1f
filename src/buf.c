/* Growable byte buffer (see buf.h). */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

int os_buf_reserve(os_buf *b, size_t n)
{
    size_t cap;
    char *p;
    if (n <= b->cap - b->len) return 0;
    if (n > (size_t)-1 / 2 - b->len) return -1;
    cap = b->cap ? b->cap : 256;
    while (cap - b->len < n) cap *= 2;
    p = realloc(b->data, cap);
    if (p == NULL) return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int os_buf_append(os_buf *b, const void *p, size_t n)
{
    if (n == 0) return 0;
    if (os_buf_reserve(b, n) != 0) return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void os_buf_clear(os_buf *b, size_t keep)
{
    b->len = 0;
    if (b->cap > keep) os_buf_free(b);
}

void os_buf_free(os_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}
