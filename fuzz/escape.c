/* os_escape (percent-encoding of one path segment or query value) on any bytes a caller could pass.
 * Invariants: the output fits OS_ESCAPE_MAX (the buffer here is exactly that size, so ASan catches a
 * byte too many); it holds only unreserved characters and %XX with upper-case hex; it decodes back to
 * the input; it is never "." or ".." and never contains "/", "?", "#", "&", "=", so it stays one
 * segment or one value whatever the input was. */
#include "../src/escape.h"
#include "check.h"

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1; /* lower-case hex is not what os_escape writes */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exactly the promised size, so a byte too many is an ASan report (1 for empty input: malloc(0) may
     * give NULL). */
    char *out = malloc(size > 0 ? OS_ESCAPE_MAX(size) : 1);
    size_t n, i, o = 0;
    CHECK(out != NULL);
    n = os_escape((const char *)data, size, out);
    CHECK(n >= size && n <= OS_ESCAPE_MAX(size));
    CHECK(!(n == 1 && out[0] == '.') && !(n == 2 && out[0] == '.' && out[1] == '.'));
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        CHECK(c != '/' && c != '?' && c != '#' && c != '&' && c != '=' && c != '+');
        if (c == '%') {
            int hi, lo;
            CHECK(i + 2 < n); /* a whole %XX */
            hi = hex_value(out[i + 1]);
            lo = hex_value(out[i + 2]);
            CHECK(hi >= 0 && lo >= 0);
            CHECK(o < size && (unsigned char)data[o] == (unsigned char)(hi * 16 + lo));
            i += 2;
        } else {
            CHECK(is_unreserved(c));
            CHECK(o < size && data[o] == c);
        }
        o++;
    }
    CHECK(o == size);
    free(out);
    return 0;
}
