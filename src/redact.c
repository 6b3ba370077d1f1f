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
 * hex digits, or the short forms "\/", "\"" and "\\" that encoders write for '/', '"' and a backslash),
 * or 0. A server that echoes a key inside a JSON string may escape any of its bytes; the decoded body would
 * then hold the key whole, so the raw text must lose it before decoding. */
static size_t json_escape_of(const char *at, size_t left, unsigned char c)
{
    int hi, lo;
    if (left < 2 || at[0] != '\\') return 0;
    if ((c == '/' || c == '"' || c == '\\') && at[1] == (char)c) return 2;
    if (left < 6 || at[1] != 'u' || at[2] != '0' || at[3] != '0') return 0;
    hi = hex_digit(at[4]);
    lo = hex_digit(at[5]);
    return hi >= 0 && lo >= 0 && (hi << 4 | lo) == c ? 6 : 0;
}

/* Whether "\xHH" at `at` stands for byte c, a byte above 0x7F: how error messages quote a name that is not
 * UTF-8 (onesignal.quote), in which a key given by mistake would be so escaped. */
static int quoted_byte_is(const char *at, size_t left, unsigned char c)
{
    int hi, lo;
    if (c <= 0x7F || left < 4 || at[0] != '\\' || at[1] != 'x') return 0;
    hi = hex_digit(at[2]);
    lo = hex_digit(at[3]);
    return hi >= 0 && lo >= 0 && (hi << 4 | lo) == c;
}

/* The ways a whole secret is spelled. A '%' or backslash of the secret is the one byte whose escape
 * starts with itself, so each is taken one way throughout an occurrence: as itself (AS_TEXT), a '%' as
 * "%25" (AS_URL: the key percent-encoded, as a path or query value carries it) or a backslash as "\\" or
 * "\u005C" (AS_JSON: the key inside a JSON string, as a body or a server's echo carries it). Were either
 * spelling allowed at each byte, matching would have to try both at every one. */
enum { AS_TEXT, AS_URL, AS_JSON };

/* How many bytes at `at` spell the secret the way `mode` says, each of its other bytes as itself,
 * percent-encoded, JSON-escaped or (above 0x7F) as "\xHH"; 0 when they do not. */
static size_t spelled(const char *at, size_t left, const os_span *secret, int mode)
{
    size_t i, o = 0, n;
    for (i = 0; i < secret->len; i++) {
        char c = secret->ptr[i];
        if (c == '%' && mode == AS_URL) {
            if (encoded_byte(at + o, left - o) != '%') return 0;
            o += 3;
        } else if (c == '\\' && mode == AS_JSON) {
            if ((n = json_escape_of(at + o, left - o, '\\')) == 0) return 0;
            o += n;
        } else if (o < left && at[o] == c) {
            o++;
        } else if (c != '%' && encoded_byte(at + o, left - o) == (unsigned char)c) {
            o += 3;
        } else if (c != '\\' && (n = json_escape_of(at + o, left - o, (unsigned char)c)) > 0) {
            o += n;
        } else if (quoted_byte_is(at + o, left - o, (unsigned char)c)) {
            o += 4;
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
        const os_span *secret = &secrets[i];
        size_t n;
        if (secret->len == 0 || (secret->ptr[0] != at[0] && at[0] != '%' && at[0] != '\\')) continue;
        n = spelled(at, left, secret, AS_TEXT);
        if (n > best) best = n;
        if (memchr(secret->ptr, '%', secret->len) != NULL && (n = spelled(at, left, secret, AS_URL)) > best)
            best = n;
        if (memchr(secret->ptr, '\\', secret->len) != NULL && (n = spelled(at, left, secret, AS_JSON)) > best)
            best = n;
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
