/* Response header parsing and the header block of an attempt (see headers.h). Reads only the bytes it
 * is given; allocates only through os_buf. */
#include "headers.h"

#include <string.h>

/* RFC 9110 token characters, one entry per byte (bytes from 128 up are none): the name of every response
 * header line is scanned with it, a table read per byte instead of a call and a chain of tests. */
static const unsigned char TCHAR[256] = {
    /* 0x00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /*  !"#$%&'()*+,-./ */ 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0,
    /* 0-9 :;<=>? */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    /* @A-O */ 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* P-Z [\]^_ */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,
    /* `a-o */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* p-z {|}~ DEL */ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0,
};

int os_is_tchar(unsigned char c)
{
    return TCHAR[c];
}

/* ASCII lower case without a branch: only 'A'..'Z' are 26 or less above 'A' as unsigned. */
#define LOWER(c) ((char)((c) + ((unsigned)((unsigned char)(c) - 'A') < 26u ? 'a' - 'A' : 0)))

static void trim(const char **p, size_t *len)
{
    while (*len > 0 && ((*p)[0] == ' ' || (*p)[0] == '\t')) {
        (*p)++;
        (*len)--;
    }
    while (*len > 0 && ((*p)[*len - 1] == ' ' || (*p)[*len - 1] == '\t')) (*len)--;
}

static os_header_kind status_line(const char *line, size_t len, os_header_line *out)
{
    size_t i = 5; /* after "HTTP/" */
    while (i < len && line[i] != ' ') i++;
    if (i + 4 > len) return OS_HEADER_INVALID;
    i++;
    if (line[i] < '1' || line[i] > '9' || line[i + 1] < '0' || line[i + 1] > '9' || line[i + 2] < '0' ||
        line[i + 2] > '9')
        return OS_HEADER_INVALID;
    if (i + 3 < len && line[i + 3] != ' ') return OS_HEADER_INVALID;
    out->status = (line[i] - '0') * 100 + (line[i + 1] - '0') * 10 + (line[i + 2] - '0');
    return OS_HEADER_STATUS;
}

os_header_kind os_header_parse(const char *line, size_t len, os_header_line *out)
{
    size_t colon;
    memset(out, 0, sizeof *out);
    if (len > 0 && line[len - 1] == '\n') len--;
    if (len > 0 && line[len - 1] == '\r') len--;
    if (len == 0) return OS_HEADER_END;
    if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) return status_line(line, len, out);
    if (line[0] == ' ' || line[0] == '\t') {
        out->value = line;
        out->value_len = len;
        trim(&out->value, &out->value_len);
        return OS_HEADER_CONTINUATION;
    }
    /* The name runs up to the first byte that is no token character, which must be the colon. */
    for (colon = 0; colon < len && TCHAR[(unsigned char)line[colon]]; colon++) continue;
    if (colon == 0 || colon == len || line[colon] != ':') return OS_HEADER_INVALID;
    out->name = line;
    out->name_len = colon;
    out->value = line + colon + 1;
    out->value_len = len - colon - 1;
    trim(&out->value, &out->value_len);
    return OS_HEADER_FIELD;
}

int os_header_name_is(const char *name, size_t len, const char *lower_name)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (lower_name[i] == '\0' || LOWER(name[i]) != lower_name[i]) return 0;
    return lower_name[len] == '\0';
}

int os_header_line_names(const char *line, const char *lower)
{
    return os_header_name_is(line, strcspn(line, ":"), lower);
}

void os_ascii_lower(char *dst, const char *src, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) dst[i] = LOWER(src[i]);
}

/* ---- the header block of a response ---- */

static void put_size(os_buf *b, size_t v)
{
    memcpy(b->data + b->len, &v, sizeof v);
    b->len += sizeof v;
}

static size_t get_size(const char *p)
{
    size_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

void os_header_block_clear(os_header_block *b, size_t keep)
{
    os_buf_clear(&b->buf, keep);
    b->count = 0;
    b->last_entry = OS_NO_ENTRY;
    b->retry_after_entry = OS_NO_ENTRY;
    b->replayed = 0;
    b->transfer_coded = 0;
    b->status = 0;
    b->complete = 0;
}

/* The newest entry is an Idempotent-Replayed field: the replay mark is what its whole value says, folded
 * lines included. */
static void note_replayed(os_header_block *b)
{
    const char *name, *value;
    size_t name_len, value_len;
    if (os_header_block_at(b, b->last_entry, &name, &name_len, &value, &value_len) != OS_NO_ENTRY &&
        name_len == sizeof "idempotent-replayed" - 1 && memcmp(name, "idempotent-replayed", name_len) == 0)
        b->replayed = os_header_name_is(value, value_len, "true");
}

static int add_field(os_header_block *b, const os_header_line *h)
{
    size_t at = b->buf.len;
    /* One reservation for the whole entry, so the writes below cannot fail half-way. */
    if (os_buf_reserve(&b->buf, 2 * sizeof(size_t) + h->name_len + h->value_len) != 0) return -1;
    put_size(&b->buf, h->name_len);
    put_size(&b->buf, h->value_len);
    os_ascii_lower(b->buf.data + b->buf.len, h->name, h->name_len);
    b->buf.len += h->name_len;
    memcpy(b->buf.data + b->buf.len, h->value, h->value_len);
    b->buf.len += h->value_len;
    b->last_entry = at;
    b->count++;
    /* Three names matter to the engine; their lengths rule out every other header at once. */
    if (h->name_len == sizeof "retry-after" - 1 && os_header_name_is(h->name, h->name_len, "retry-after"))
        b->retry_after_entry = at;
    if (h->name_len == sizeof "idempotent-replayed" - 1) note_replayed(b);
    if (h->name_len == sizeof "transfer-encoding" - 1 &&
        os_header_name_is(h->name, h->name_len, "transfer-encoding"))
        b->transfer_coded = 1;
    return 0;
}

/* A folded line continues the newest entry, which is the last thing in the buffer. The fold stands for one
 * space between the parts; a value that was empty so far gets none, since a field value has no leading
 * whitespace (RFC 9112 section 5.2, RFC 9110 section 5.5). */
static int continue_field(os_header_block *b, const os_header_line *h)
{
    size_t value_len, space;
    char *len_at;
    if (b->last_entry == OS_NO_ENTRY || h->value_len == 0) return 0;
    value_len = get_size(b->buf.data + b->last_entry + sizeof(size_t));
    space = value_len > 0;
    if (os_buf_reserve(&b->buf, space + h->value_len) != 0) return -1;
    if (space) b->buf.data[b->buf.len++] = ' ';
    memcpy(b->buf.data + b->buf.len, h->value, h->value_len);
    b->buf.len += h->value_len;
    len_at = b->buf.data + b->last_entry + sizeof(size_t);
    value_len += space + h->value_len;
    memcpy(len_at, &value_len, sizeof value_len);
    note_replayed(b);
    return 0;
}

int os_header_block_feed(os_header_block *b, const char *line, size_t len)
{
    os_header_line h;
    switch (os_header_parse(line, len, &h)) {
    case OS_HEADER_STATUS: /* only the final block survives */
        os_header_block_clear(b, (size_t)-1);
        b->status = h.status;
        return 0;
    case OS_HEADER_END:
        if (os_status_is_final(b->status)) b->complete = 1;
        return 0;
    case OS_HEADER_FIELD: return b->complete ? 0 : add_field(b, &h);
    case OS_HEADER_CONTINUATION: return b->complete ? 0 : continue_field(b, &h);
    default:
        /* A line left out takes its folded continuation lines along: they are not the field before it. */
        b->last_entry = OS_NO_ENTRY;
        return 0;
    }
}

int os_header_unasked_coding(const char *value, size_t len, const char **coding, size_t *coding_len)
{
    size_t at = 0;
    while (at < len) {
        const char *element = value + at;
        size_t end = at, element_len;
        while (end < len && value[end] != ',') end++;
        element_len = end - at;
        trim(&element, &element_len);
        /* An empty element is allowed and means nothing (RFC 9110 section 5.6.1). */
        if (element_len > 0 && !os_header_name_is(element, element_len, "chunked") &&
            !os_header_name_is(element, element_len, "identity")) {
            *coding = element;
            *coding_len = element_len;
            return 1;
        }
        at = end + 1;
    }
    return 0;
}

size_t os_header_block_at(const os_header_block *b, size_t offset, const char **name, size_t *name_len,
                          const char **value, size_t *value_len)
{
    const char *p;
    size_t left;
    if (offset == OS_NO_ENTRY || offset >= b->buf.len) return OS_NO_ENTRY;
    /* Every entry is checked against the block's length: a block read back from Lua (lua_results.c) is
     * a string Lua code can reach and replace, so its lengths are not trusted. */
    left = b->buf.len - offset;
    if (left < 2 * sizeof(size_t)) return OS_NO_ENTRY;
    p = b->buf.data + offset;
    *name_len = get_size(p);
    *value_len = get_size(p + sizeof(size_t));
    left -= 2 * sizeof(size_t);
    if (*name_len > left || *value_len > left - *name_len) return OS_NO_ENTRY;
    *name = p + 2 * sizeof(size_t);
    *value = *name + *name_len;
    return offset + 2 * sizeof(size_t) + *name_len + *value_len;
}

void os_header_block_free(os_header_block *b)
{
    os_buf_free(&b->buf);
}
