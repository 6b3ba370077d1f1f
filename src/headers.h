/* Parsing of one response header line as libcurl's header callback delivers it. */
#ifndef ONESIGNAL_HEADERS_H
#define ONESIGNAL_HEADERS_H

#include <stddef.h>

typedef enum {
    OS_HEADER_STATUS,       /* "HTTP/1.1 200 OK": a new response (or an interim 1xx) begins */
    OS_HEADER_FIELD,        /* "Name: value" */
    OS_HEADER_CONTINUATION, /* obsolete line folding: more of the previous field's value */
    OS_HEADER_END,          /* the empty line that ends a header block */
    OS_HEADER_INVALID       /* anything else; ignored by callers */
} os_header_kind;

typedef struct {
    const char *name; /* points into the line; not lower-cased */
    size_t name_len;
    const char *value; /* without surrounding spaces, tabs and the line ending */
    size_t value_len;
    int status; /* for OS_HEADER_STATUS: the three-digit code */
} os_header_line;

/* Classifies line (len bytes, with or without its CRLF) and fills out with pointers into it. */
os_header_kind os_header_parse(const char *line, size_t len, os_header_line *out);

/* 1 when name (len bytes, any case) equals lower, which must be lower-case. */
int os_header_name_is(const char *name, size_t len, const char *lower);

/* ASCII lower-casing of len bytes from src into dst (which may be src). */
void os_ascii_lower(char *dst, const char *src, size_t len);

#endif
