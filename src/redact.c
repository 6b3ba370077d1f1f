/* Secret removal (see redact.h). Pure. */
#include "redact.h"

#include <string.h>

static size_t longest_match(const char *at, size_t left, const os_span *secrets, size_t count)
{
    size_t best = 0, i;
    for (i = 0; i < count; i++) {
        size_t n = secrets[i].len;
        if (n == 0 || n > left || n <= best || secrets[i].ptr[0] != at[0]) continue;
        if (memcmp(at, secrets[i].ptr, n) == 0) best = n;
    }
    return best;
}

size_t os_redact(const char *text, size_t len, const os_span *secrets, size_t count, char *out, size_t out_cap)
{
    static const char mark[] = OS_REDACTED;
    const size_t mark_len = sizeof mark - 1;
    size_t i = 0, o = 0;
    while (i < len) {
        size_t n = longest_match(text + i, len - i, secrets, count);
        if (n > 0) {
            size_t k;
            for (k = 0; k < mark_len; k++, o++)
                if (out != NULL && o < out_cap) out[o] = mark[k];
            i += n;
        } else {
            if (out != NULL && o < out_cap) out[o] = text[i];
            o++;
            i++;
        }
    }
    return o;
}
