/* The checks of caller strings in config.c (base URL, header lines, paths, URLs, idempotency keys), on any
 * bytes. Invariants: whatever is accepted has none of the bytes that could end a header line or
 * change what a URL addresses; an accepted header line, sent as "line\r\n", reads back through the
 * response parser as exactly one field with the same name, so no accepted text can smuggle in a second
 * header. */
#include "../src/config.h"
#include "../src/headers.h"
#include "check.h"

static int has_byte(const char *s, size_t len, int lo, int hi)
{
    size_t i;
    for (i = 0; i < len; i++)
        if ((unsigned char)s[i] >= lo && (unsigned char)s[i] <= hi) return 1;
    return 0;
}

static int has_char(const char *s, size_t len, char c)
{
    return memchr(s, c, len) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int control = has_byte(s, size, 0, 0x1f) || has_char(s, size, 0x7f);

    CHECK(os_has_control(s, size) == control);

    if (os_valid_base_url(s, size)) {
        CHECK(!control && !has_char(s, size, ' ') && !has_char(s, size, '?') && !has_char(s, size, '#'));
        CHECK(size > 7 && s[size - 1] != '/');
        CHECK(memcmp(s, "http://", 7) == 0 || memcmp(s, "https://", 8) == 0);
    }
    if (os_valid_path(s, size)) CHECK(s[0] == '/' && !control && !has_char(s, size, ' '));
    if (os_valid_url(s, size)) {
        CHECK(!control && !has_char(s, size, ' '));
        CHECK(memcmp(s, "http://", 7) == 0 || memcmp(s, "https://", 8) == 0);
    }
    if (os_valid_idempotency_key(s, size)) CHECK(size > 0 && !control);

    if (os_valid_header_line(s, size)) {
        char *wire = malloc(size + 2);
        os_header_line h;
        size_t colon = (size_t)((const char *)memchr(s, ':', size) - s);
        CHECK(wire != NULL);
        CHECK(!control);
        memcpy(wire, s, size);
        memcpy(wire + size, "\r\n", 2);
        CHECK(os_header_parse(wire, size + 2, &h) == OS_HEADER_FIELD);
        CHECK(h.name_len == colon && memcmp(h.name, s, colon) == 0);
        CHECK(h.value >= wire + colon + 1 && h.value + h.value_len <= wire + size);
        free(wire);
    }
    return 0;
}
