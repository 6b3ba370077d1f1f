/* A growable byte buffer (response bodies and header blocks, URLs). */
#ifndef ONESIGNAL_BUF_H
#define ONESIGNAL_BUF_H

#include <stddef.h>

#include "visibility.h"

OS_HIDDEN_BEGIN

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} os_buf;

/* Appends n bytes; returns 0, or -1 when memory ran out (the buffer is then unchanged). */
int os_buf_append(os_buf *b, const void *p, size_t n);

/* Makes room for at least n more bytes without changing len; 0 or -1 like os_buf_append. */
int os_buf_reserve(os_buf *b, size_t n);

/* Empties the buffer; memory beyond keep bytes is returned, so one huge response does not pin it. */
void os_buf_clear(os_buf *b, size_t keep);

void os_buf_free(os_buf *b);

OS_HIDDEN_END

#endif
