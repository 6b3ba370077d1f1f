/* Percent-encoding (see escape.h). */
#include "escape.h"

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

size_t os_escape(const char *in, size_t len, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    /* "." and ".." would be removed or climb a level when a server normalises the path. */
    int dot_segment = (len == 1 && in[0] == '.') || (len == 2 && in[0] == '.' && in[1] == '.');
    size_t i, o = 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (is_unreserved(c) && !(dot_segment && c == '.')) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 0x0F];
        }
    }
    return o;
}
