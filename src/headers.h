/* Response headers as libcurl's header callback delivers them: parsing one line, and keeping the block
 * of the final response of an attempt. */
#ifndef ONESIGNAL_HEADERS_H
#define ONESIGNAL_HEADERS_H

#include <stddef.h>

#include "buf.h"
#include "visibility.h"

OS_HIDDEN_BEGIN

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

/* 1 for the characters RFC 9110 allows in a field name (token characters). */
int os_is_tchar(unsigned char c);

/* Classifies line (len bytes, with or without its CRLF) and fills out with pointers into it. */
os_header_kind os_header_parse(const char *line, size_t len, os_header_line *out);

/* 1 when name (len bytes, any case) equals lower, which must be lower-case. */
int os_header_name_is(const char *name, size_t len, const char *lower);

/* 1 when the "Name: value" line (NUL-terminated) has the name lower, which must be lower-case. */
int os_header_line_names(const char *line, const char *lower);

/* ASCII lower-casing of len bytes from src into dst (which may be src). */
void os_ascii_lower(char *dst, const char *src, size_t len);

#define OS_NO_ENTRY ((size_t)-1)

/* The header fields of the response being received. Entries: name length, value length (two size_t),
 * then the lower-cased name and the value, back to back. A status line starts the block afresh, so an
 * interim 1xx answer or a proxy's CONNECT answer leaves nothing behind. Zero-initialised and then
 * cleared with os_header_block_clear before first use. */
typedef struct {
    os_buf buf;
    size_t count;
    size_t last_entry;        /* offset of the newest entry, for folded continuation lines */
    size_t retry_after_entry; /* offset of the last Retry-After entry, or OS_NO_ENTRY */
    int replayed;             /* the last Idempotent-Replayed field says "true" */
    int transfer_coded;       /* a Transfer-Encoding field came (os_header_unasked_coding tells more) */
    int status;               /* of the status line that began this block */
    int complete;             /* the final response's header block ended with its empty line: later fields
                               * are trailers (see os_status_is_final) */
} os_header_block;

/* Whether a status line begins the final answer rather than an interim one: >= 200, or an unasked-for 101,
 * which libcurl takes as final (its body runs to the end of the connection). */
static inline int os_status_is_final(long status)
{
    return status >= 200 || status == 101;
}

/* Empties the block, keeping at most keep bytes of memory. */
void os_header_block_clear(os_header_block *b, size_t keep);

/* Takes one line as the header callback delivers it. Returns 0, or -1 when memory ran out. Fields after
 * the final response's header block (chunked trailers, which libcurl delivers the same way) are left
 * out: a trailer must not pass for a header such as Retry-After. */
int os_header_block_feed(os_header_block *b, const char *line, size_t len);

/* The first element of value (a Transfer-Encoding field's, len bytes) other than chunked and identity
 * (any case), as *coding and *coding_len, without the spaces around it (and with any parameters: chunked
 * has none); 0 when there is none. A client that sends no TE header has asked for no other coding (RFC
 * 9110 section 10.1.4). */
int os_header_unasked_coding(const char *value, size_t len, const char **coding, size_t *coding_len);

/* Iterates entries: returns the offset of the entry after the one at offset (start with 0), or
 * OS_NO_ENTRY at the end, and points name/value into the block. */
size_t os_header_block_at(const os_header_block *b, size_t offset, const char **name, size_t *name_len,
                          const char **value, size_t *value_len);

void os_header_block_free(os_header_block *b);

OS_HIDDEN_END

#endif
