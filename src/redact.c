/* Secret removal (see redact.h). Pure. */
#include "redact.h"

#include <string.h>

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* The byte that "%XX" at `at` stands for (either case of hex digits), or -1. */
static int encoded_byte(const char *at, size_t left)
{
    if (left < 3 || at[0] != '%' || hex_digit(at[1]) < 0 || hex_digit(at[2]) < 0) return -1;
    return hex_digit(at[1]) << 4 | hex_digit(at[2]);
}

/* How many bytes the JSON escape at `at` takes when it stands for byte c (a "\u00XX" with either case of
 * hex digits, or the short forms "\/" and "\"" that encoders write for '/' and '"'), or 0.
 * A server that echoes a key inside a JSON string may escape any of its bytes; the decoded body would
 * then hold the key whole, so the raw text must lose it before decoding. */
static size_t json_escape_of(const char *at, size_t left, unsigned char c)
{
    int hi, lo;
    if (left < 2 || at[0] != '\\') return 0;
    if ((c == '/' || c == '"') && at[1] == (char)c) return 2;
    if (left < 6 || at[1] != 'u' || at[2] != '0' || at[3] != '0') return 0;
    hi = hex_digit(at[4]);
    lo = hex_digit(at[5]);
    return hi >= 0 && lo >= 0 && (hi << 4 | lo) == c ? 6 : 0;
}

/* How many bytes at `at` spell the secret, each of its bytes as itself, percent-encoded (as a path or
 * query value carries it) or JSON-escaped (as a JSON string may carry it); 0 when they do not. A '%' or
 * backslash of the secret is only itself: were "%25" or a doubled backslash allowed too, a secret holding
 * one could be spelled two ways, and matching would have to try both. */
static size_t spelled(const char *at, size_t left, const os_span *secret)
{
    size_t i, o = 0, n;
    for (i = 0; i < secret->len; i++) {
        char c = secret->ptr[i];
        if (o < left && at[o] == c) {
            o++;
        } else if (c != '%' && encoded_byte(at + o, left - o) == (unsigned char)c) {
            o += 3;
        } else if (c != '\\' && (n = json_escape_of(at + o, left - o, (unsigned char)c)) > 0) {
            o += n;
        } else {
            return 0;
        }
    }
    return o;
}

static size_t longest_match(const char *at, size_t left, const os_span *secrets, size_t count)
{
    size_t best = 0, i;
    for (i = 0; i < count; i++) {
        size_t n;
        if (secrets[i].len == 0 || (secrets[i].ptr[0] != at[0] && at[0] != '%' && at[0] != '\\')) continue;
        n = spelled(at, left, &secrets[i]);
        if (n > best) best = n;
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
