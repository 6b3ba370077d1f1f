/* os_redact (removing API keys from text that reaches errors, logs and hooks) on any text and keys.
 * The input is up to four keys and the text, separated by 0xFF bytes (the last part is the text).
 * Checked against a plain model of the contract: at each position the longest occurrence of a key
 * starting there (each key byte as itself; each but '%' also as "%XX" and each but a backslash also as
 * "\u00XX", hex digits of either case; '/' and '"' also as "\/" and "\""; each above 0x7F also as
 * "\xHH"; or the same with every '%' of the key as "%25", or with every backslash as "\\" or "\u005C")
 * is replaced by "[REDACTED]".
 * Also: the size query and the copy agree; a short output buffer (exactly its size, so ASan sees any byte
 * beyond) receives exactly the front of the result; and when no key shares a byte with the marker, no key
 * survives anywhere in the output. */
#include "../src/redact.h"
#include "check.h"

#include <ctype.h>

#define MAX_SECRETS 4

static const char MARK[] = OS_REDACTED;

/* Whether the two hex digits at `at` spell byte `want`, read with sscanf. */
static int hex_is(const char *at, unsigned char want)
{
    char escape[3] = {0, 0, 0};
    unsigned int value;
    if (!isxdigit((unsigned char)at[0]) || !isxdigit((unsigned char)at[1])) return 0;
    memcpy(escape, at, 2);
    return sscanf(escape, "%2x", &value) == 1 && value == want;
}

/* The length of the occurrence of `secret` at text[i..len), or 0: byte by byte, itself, its percent
 * escape or its JSON escape, each written out the obvious way. `url`: every '%' of the key as "%25";
 * `json`: every backslash as "\\" or "\u005C". */
static size_t occurrence(const char *text, size_t i, size_t len, const os_span *secret, int url, int json)
{
    size_t k, start = i;
    if (secret->len == 0) return 0;
    for (k = 0; k < secret->len; k++) {
        unsigned char want = (unsigned char)secret->ptr[k];
        if (url && want == '%') {
            if (!(len - i >= 3 && memcmp(text + i, "%25", 3) == 0)) return 0;
            i += 3;
        } else if (json && want == '\\') {
            if (len - i >= 2 && memcmp(text + i, "\\\\", 2) == 0) {
                i += 2;
            } else if (len - i >= 6 && (memcmp(text + i, "\\u005C", 6) == 0 || memcmp(text + i, "\\u005c", 6) == 0)) {
                i += 6;
            } else {
                return 0;
            }
        } else if (i < len && (unsigned char)text[i] == want) {
            i++;
        } else if (want != '%' && len - i >= 3 && text[i] == '%' && hex_is(text + i + 1, want)) {
            i += 3;
        } else if ((want == '/' || want == '"') && len - i >= 2 && text[i] == '\\' &&
                   (unsigned char)text[i + 1] == want) {
            i += 2;
        } else if (want != '\\' && len - i >= 6 && memcmp(text + i, "\\u00", 4) == 0 &&
                   hex_is(text + i + 4, want)) {
            i += 6;
        } else if (want > 0x7F && len - i >= 4 && memcmp(text + i, "\\x", 2) == 0 && hex_is(text + i + 2, want)) {
            i += 4;
        } else {
            return 0;
        }
    }
    return i - start;
}

/* The contract, written the slow and obvious way. */
static size_t model(const char *text, size_t len, const os_span *secrets, size_t count, char *out)
{
    size_t i = 0, o = 0, k;
    while (i < len) {
        size_t best = 0;
        for (k = 0; k < count; k++) {
            size_t n = occurrence(text, i, len, &secrets[k], 0, 0);
            if (n > best) best = n;
            n = occurrence(text, i, len, &secrets[k], 1, 0);
            if (n > best) best = n;
            n = occurrence(text, i, len, &secrets[k], 0, 1);
            if (n > best) best = n;
        }
        if (best > 0) {
            memcpy(out + o, MARK, sizeof MARK - 1);
            o += sizeof MARK - 1;
            i += best;
        } else {
            out[o++] = text[i++];
        }
    }
    return o;
}

static int occurs(const char *hay, size_t hay_len, const char *needle, size_t n)
{
    size_t i;
    if (n == 0 || n > hay_len) return 0;
    for (i = 0; i + n <= hay_len; i++)
        if (memcmp(hay + i, needle, n) == 0) return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    os_span secrets[MAX_SECRETS];
    size_t count = 0, start = 0, len, n, expected_n, cap, k;
    const char *text;
    char *out, *expected, *partial;
    int marker_free = 1;

    for (;;) {
        const uint8_t *sep = count < MAX_SECRETS ? memchr(data + start, 0xFF, size - start) : NULL;
        if (sep == NULL) break;
        secrets[count].ptr = (const char *)data + start;
        secrets[count].len = (size_t)(sep - (data + start));
        count++;
        start = (size_t)(sep - data) + 1;
    }
    text = (const char *)data + start;
    len = size - start;
    for (k = 0; k < count; k++) {
        size_t i;
        for (i = 0; i < secrets[k].len; i++)
            if (memchr(MARK, secrets[k].ptr[i], sizeof MARK - 1) != NULL) marker_free = 0;
    }

    n = os_redact(text, len, secrets, count, NULL, 0);
    out = malloc(n > 0 ? n : 1); /* exact size: a byte too many is an ASan report */
    expected = malloc(len * (sizeof MARK - 1) + 1);
    CHECK(out != NULL && expected != NULL);
    CHECK(os_redact(text, len, secrets, count, out, n) == n);
    expected_n = model(text, len, secrets, count, expected);
    CHECK(n == expected_n && memcmp(out, expected, n) == 0);
    if (marker_free)
        for (k = 0; k < count; k++) CHECK(!occurs(out, n, secrets[k].ptr, secrets[k].len));

    cap = n / 2;
    partial = malloc(cap > 0 ? cap : 1);
    CHECK(partial != NULL);
    CHECK(os_redact(text, len, secrets, count, partial, cap) == n);
    CHECK(memcmp(partial, expected, cap) == 0);

    free(partial);
    free(expected);
    free(out);
    return 0;
}
