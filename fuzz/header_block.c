/* The header block of an attempt (os_header_block), fed a response's header lines as libcurl delivers
 * them, compared with a model kept here: the fields since the last status line, names lower-cased,
 * folded lines appended to the newest field with one space (none when its value is empty so far), and
 * dropped when the line before them was left out, Retry-After the last such field, Idempotent-Replayed
 * true when the last such field said "true" (any case, folded lines included), transfer_coded when a
 * Transfer-Encoding field was kept; fields after the empty line that ends a final (>= 200, or 101)
 * response's block are trailers, left out. Every field value is also read as a Transfer-Encoding list
 * (os_header_unasked_coding), checked against the list's elements. The input is split into lines after
 * each LF; a line "\x01" empties the block as a new attempt does. */
#include "../src/headers.h"
#include "check.h"

#define MAX_FIELDS 256
#define MAX_TEXT 8192

typedef struct {
    char name[MAX_TEXT], value[MAX_TEXT];
    size_t name_len, value_len;
} model_field;

static model_field fields[MAX_FIELDS];

static int equal_ci(const char *a, size_t n, const char *lower_b)
{
    size_t i;
    if (strlen(lower_b) != n) return 0;
    for (i = 0; i < n; i++) {
        char c = (a[i] >= 'A' && a[i] <= 'Z') ? (char)(a[i] - 'A' + 'a') : a[i];
        if (c != lower_b[i]) return 0;
    }
    return 1;
}

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

/* What os_header_unasked_coding answers for value: a coding it names is one whole element (no comma, no
 * spaces around it), neither empty nor chunked nor identity; none named means every element is one of
 * those. */
static void check_codings(const char *value, size_t len)
{
    const char *coding = NULL;
    size_t coding_len = 0, at = 0;
    if (os_header_unasked_coding(value, len, &coding, &coding_len)) {
        size_t off = (size_t)(coding - value), i;
        CHECK(coding_len > 0 && off <= len && coding_len <= len - off);
        CHECK(!blank(coding[0]) && !blank(coding[coding_len - 1]));
        CHECK(off + coding_len == len || value[off + coding_len] == ',' || blank(value[off + coding_len]));
        CHECK(off == 0 || value[off - 1] == ',' || blank(value[off - 1]));
        for (i = 0; i < coding_len; i++) CHECK(coding[i] != ',');
        CHECK(!equal_ci(coding, coding_len, "chunked") && !equal_ci(coding, coding_len, "identity"));
        return;
    }
    while (at <= len) {
        size_t end = at, first, last;
        while (end < len && value[end] != ',') end++;
        for (first = at; first < end && blank(value[first]); first++) continue;
        for (last = end; last > first && blank(value[last - 1]); last--) continue;
        CHECK(last == first || equal_ci(value + first, last - first, "chunked") ||
              equal_ci(value + first, last - first, "identity"));
        at = end + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int transfer_coded = 0;
    os_header_block b;
    size_t count = 0, at = 0, i, start = 0;
    long retry_after = -1;
    int replayed = 0;
    int overflow = 0;
    int status = 0, complete = 0;
    int foldable = 0; /* the last line was a field kept (or a continuation of one) */

    memset(&b, 0, sizeof b);
    os_header_block_clear(&b, 0);
    while (start < size && !overflow) {
        const char *line = (const char *)data + start;
        const uint8_t *lf = memchr(data + start, '\n', size - start);
        size_t len = lf ? (size_t)(lf - (data + start)) + 1 : size - start;
        os_header_line h;
        start += len;
        if (line[0] == '\x01' && (len == 1 || (len == 2 && line[1] == '\n'))) {
            os_header_block_clear(&b, 64);
            count = 0;
            retry_after = -1;
            replayed = 0;
            status = complete = 0;
            transfer_coded = 0;
            foldable = 0;
            continue;
        }
        CHECK(os_header_block_feed(&b, line, len) == 0);
        switch (os_header_parse(line, len, &h)) {
        case OS_HEADER_STATUS:
            count = 0;
            retry_after = -1;
            replayed = 0;
            status = h.status;
            complete = 0;
            transfer_coded = 0;
            foldable = 0;
            break;
        case OS_HEADER_END:
            if (status >= 200 || status == 101) complete = 1;
            break;
        case OS_HEADER_FIELD:
            check_codings(h.value, h.value_len);
            if (complete) break;
            if (count == MAX_FIELDS || h.value_len >= MAX_TEXT) {
                overflow = 1; /* beyond what the model holds: stop comparing */
                break;
            }
            for (i = 0; i < h.name_len; i++) {
                char c = h.name[i];
                fields[count].name[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
            }
            fields[count].name_len = h.name_len;
            memcpy(fields[count].value, h.value, h.value_len);
            fields[count].value_len = h.value_len;
            if (equal_ci(h.name, h.name_len, "retry-after")) retry_after = (long)count;
            if (equal_ci(h.name, h.name_len, "idempotent-replayed")) replayed = equal_ci(h.value, h.value_len, "true");
            if (equal_ci(h.name, h.name_len, "transfer-encoding")) transfer_coded = 1;
            count++;
            foldable = 1;
            break;
        case OS_HEADER_CONTINUATION:
            if (!complete && foldable && h.value_len > 0) {
                model_field *f = &fields[count - 1];
                if (f->value_len + 1 + h.value_len >= MAX_TEXT) {
                    overflow = 1;
                    break;
                }
                if (f->value_len > 0) f->value[f->value_len++] = ' ';
                memcpy(f->value + f->value_len, h.value, h.value_len);
                f->value_len += h.value_len;
                if (equal_ci(f->name, f->name_len, "idempotent-replayed"))
                    replayed = equal_ci(f->value, f->value_len, "true");
            }
            break;
        default:
            foldable = 0;
            break;
        }
    }
    if (!overflow) {
        const char *name, *value;
        size_t name_len, value_len, next, seen = 0;
        CHECK(b.count == count);
        CHECK(b.replayed == replayed);
        CHECK(b.transfer_coded == transfer_coded);
        while ((next = os_header_block_at(&b, at, &name, &name_len, &value, &value_len)) != OS_NO_ENTRY) {
            CHECK(seen < count);
            CHECK(name_len == fields[seen].name_len && memcmp(name, fields[seen].name, name_len) == 0);
            CHECK(value_len == fields[seen].value_len && memcmp(value, fields[seen].value, value_len) == 0);
            if (retry_after == (long)seen) CHECK(b.retry_after_entry == at);
            CHECK(next > at && next <= b.buf.len);
            at = next;
            seen++;
        }
        CHECK(seen == count);
        CHECK(at == b.buf.len);
        if (retry_after < 0) CHECK(b.retry_after_entry == OS_NO_ENTRY);
    }
    os_header_block_free(&b);
    return 0;
}
