/* os_header_parse on any line a server could send (libcurl hands the header callback one line at a time,
 * CRLF included, but any bytes may be in it). Invariants: every pointer stays inside the line; a field
 * name is a non-empty token; a value has no surrounding spaces or tabs and no line ending; a status is
 * three digits; os_header_name_is and os_ascii_lower agree with a plain case-insensitive comparison. */
#include "../src/headers.h"
#include "check.h"

static int is_tchar(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int inside(const char *p, size_t n, const char *line, size_t len)
{
    return p >= line && n <= len && p - line <= (ptrdiff_t)(len - n);
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *line = (const char *)data;
    size_t len = size, i;
    os_header_line h;
    os_header_kind kind = os_header_parse(line, size, &h);

    if (len > 0 && line[len - 1] == '\n') len--;
    if (len > 0 && line[len - 1] == '\r') len--;
    switch (kind) {
    case OS_HEADER_END: CHECK(len == 0); break;
    case OS_HEADER_STATUS:
        CHECK(len >= 5 && memcmp(line, "HTTP/", 5) == 0);
        CHECK(h.status >= 100 && h.status <= 999);
        break;
    case OS_HEADER_FIELD:
        CHECK(h.name == line && h.name_len > 0 && h.name_len < len && line[h.name_len] == ':');
        for (i = 0; i < h.name_len; i++) CHECK(is_tchar((unsigned char)h.name[i]));
        /* fall through: a value has the same shape in both kinds */
    case OS_HEADER_CONTINUATION:
        CHECK(kind == OS_HEADER_FIELD || line[0] == ' ' || line[0] == '\t');
        CHECK(inside(h.value, h.value_len, line, len));
        if (h.value_len > 0) {
            CHECK(h.value[0] != ' ' && h.value[0] != '\t');
            CHECK(h.value[h.value_len - 1] != ' ' && h.value[h.value_len - 1] != '\t');
        }
        break;
    case OS_HEADER_INVALID: break;
    default: CHECK(!"unknown kind");
    }

    /* Name comparison: the input's first up-to-16 bytes against a lower-case version of themselves. */
    {
        char lowered[17];
        size_t n = size < 16 ? size : 16;
        int has_nul = memchr(line, '\0', n) != NULL, has_upper = 0;
        os_ascii_lower(lowered, line, n);
        lowered[n] = '\0';
        for (i = 0; i < n; i++) {
            CHECK(lowered[i] == lower(line[i]));
            if (lowered[i] != line[i]) has_upper = 1;
        }
        /* A NUL in the name ends the expected text early, so only NUL-free names must match themselves. */
        if (!has_nul) CHECK(os_header_name_is(line, n, lowered));
        if (!has_nul && has_upper) CHECK(!os_header_name_is(lowered, n, line) || n == 0);
        if (n > 0 && !has_nul) CHECK(!os_header_name_is(line, n - 1, lowered));
    }
    return 0;
}
