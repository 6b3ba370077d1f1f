/* Response header line parsing (see headers.h). Pure: reads only the bytes it is given. */
#include "headers.h"

#include <string.h>

/* RFC 9110 token characters, the only ones allowed in a field name. */
static int is_tchar(unsigned char c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

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
    for (colon = 0; colon < len && line[colon] != ':'; colon++)
        if (!is_tchar((unsigned char)line[colon])) return OS_HEADER_INVALID;
    if (colon == 0 || colon == len) return OS_HEADER_INVALID;
    out->name = line;
    out->name_len = colon;
    out->value = line + colon + 1;
    out->value_len = len - colon - 1;
    trim(&out->value, &out->value_len);
    return OS_HEADER_FIELD;
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int os_header_name_is(const char *name, size_t len, const char *lower_name)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (lower_name[i] == '\0' || lower(name[i]) != lower_name[i]) return 0;
    return lower_name[len] == '\0';
}

void os_ascii_lower(char *dst, const char *src, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) dst[i] = lower(src[i]);
}
