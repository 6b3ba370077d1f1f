/* core.json_decode: JSON text to Lua values, for response bodies (json.decode in lua/onesignal/json.lua).
 *
 * It replaces lua-cjson followed by a Lua walk that turned integral floats back into integers: for a
 * typical 70-byte answer that pair cost about 9,000 instructions (callgrind), cjson and the walk about
 * half each. Here one pass builds the tables, at about a third of that cost, most of it Lua's own work
 * for the table and its strings; on Lua 5.4 a number is an integer from the start when its value is
 * integral (what math.tointeger would make of it), so ids and counts stay integers as the API means them.
 *
 * What it accepts is lua-cjson 2.1.0's decoding as the SDK used it, with a strict number grammar:
 *   - any JSON value at the top, whitespace (space, tab, CR, LF) around it, nothing else after it;
 *   - null is a NULL light userdata (cjson.null), objects and arrays plain tables (arrays from 1,
 *     duplicate keys: the last wins); an empty array gets the decoder's array metatable (json.array_mt,
 *     the closure's upvalue: see os_lua_json_decoder), so that the writer sends it back as [] and not
 *     {}. core.json_decode itself has none: its empty arrays are empty tables, as cjson's;
 *   - string bytes pass through as they are (control characters and invalid UTF-8 too, as lua-cjson
 *     lets them), the escapes of RFC 8259 are decoded, a \u surrogate pair is one 4-byte UTF-8 sequence
 *     and a lone surrogate is U+FFFD (lua-cjson refuses the whole text);
 *   - numbers follow the JSON grammar (no "+1", "01", ".5", "1.", hex, NaN or Infinity, all of which
 *     lua-cjson lets strtod read) and convert correctly rounded, whatever the C locale;
 *   - at most MAX_DEPTH nested arrays and objects (lua-cjson's default limit).
 * Bad text is never raised: the function returns nil and a message naming what is wrong and the byte
 * (1-based) where it is. Only memory errors raise, as anywhere in Lua. The text is read by length: a
 * NUL byte is data inside a string and an error anywhere else (lua-cjson stops reading at one). */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_decode.h"

#define MAX_DEPTH 1000
#define STRINGIFY(x) #x
#define TEXT_OF(x) STRINGIFY(x)

/* The functions with a buffer on the C stack must stay out of the recursive ones: inlined, every level
 * of nesting would carry their buffers. */
#if defined(__GNUC__) || defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* The position in the text is passed along and returned (NULL when the text is bad) rather than kept
 * here: it then stays in a register across the Lua API calls. */
typedef struct {
    lua_State *L;
    const char *text, *end; /* the whole text, one past its last byte */
    int depth;              /* arrays and objects open */
    int base;               /* the stack top at the call: the scratch goes just above it */
    char *scratch;          /* scratch_size bytes of a userdata at base + 1, or NULL */
    size_t scratch_size;
    const char *error;      /* what is wrong (on failure) */
    size_t error_at;        /* where: an offset into text */
    int error_byte;         /* the byte there, to show, or -1 */
} json_decoder;

/* ---- errors ---- */

/* Records what is wrong at at; returns NULL, which the callers return at once. */
static const char *fail(json_decoder *d, const char *what, const char *at)
{
    d->error = what;
    d->error_at = (size_t)(at - d->text);
    d->error_byte = -1;
    return NULL;
}

static const char *fail_on_byte(json_decoder *d, const char *what, const char *at)
{
    fail(d, what, at);
    d->error_byte = (unsigned char)*at;
    return NULL;
}

/* p holds a byte nothing expected there, or is the end of the text. */
static const char *unexpected(json_decoder *d, const char *p)
{
    if (p == d->end) return fail(d, "unexpected end of text", p);
    return fail_on_byte(d, "unexpected character", p);
}

/* "what 'x' at byte N": one byte of the text at most, shown as itself only when printable (a message
 * may end up in a log or a terminal). */
static void push_error(json_decoder *d)
{
    char message[128], byte[16] = "";
    int c = d->error_byte;
    if (c > ' ' && c < 0x7f && c != '\'')
        snprintf(byte, sizeof byte, " '%c'", c);
    else if (c >= 0)
        snprintf(byte, sizeof byte, " \\x%02X", (unsigned)c);
    snprintf(message, sizeof message, "%s%s at byte %zu", d->error, byte, d->error_at + 1);
    lua_pushstring(d->L, message);
}

/* ---- helpers ---- */

/* At least size bytes of scratch memory, for escaped strings and numbers too long for the C stack. A
 * Lua userdata, so that a memory error raised while it is in use leaks nothing: the collector owns it.
 * It is kept just above the arguments for the rest of the call (the tables being built sit above it and
 * are only ever reached relative to the top) and replaced by one twice as big when too small. */
static char *scratch(json_decoder *d, size_t size)
{
    if (size > d->scratch_size) {
        size_t want = d->scratch_size * 2 > size ? d->scratch_size * 2 : size;
        d->scratch = lua_newuserdata(d->L, want);
        if (d->scratch_size == 0)
            lua_insert(d->L, d->base + 1);
        else
            lua_replace(d->L, d->base + 1);
        d->scratch_size = want;
    }
    return d->scratch;
}

/* Compact text (what servers send) has no whitespace, so the first test is the only one it pays. */
static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (unsigned char)*p <= ' ' && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    return p;
}

static int is_digit(const char *p, const char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

/* ---- strings ---- */

/* The value of 4 hex digits at p (either case), or -1. */
static long hex4(const char *p)
{
    long value = 0;
    int i;
    for (i = 0; i < 4; i++) {
        int c = (unsigned char)p[i], lower = c | 0x20;
        if (c >= '0' && c <= '9')
            value = value << 4 | (c - '0');
        else if (lower >= 'a' && lower <= 'f')
            value = value << 4 | (lower - 'a' + 10);
        else
            return -1;
    }
    return value;
}

static char *put_utf8(char *o, long cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | cp >> 12);
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | cp >> 18);
        *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* The \u escape at p (inside a string that closes at close) as UTF-8 at *op, which moves past it;
 * returns the position after the escape. A high surrogate followed by a \u low surrogate is one code
 * point. A lone surrogate becomes U+FFFD, the replacement character, as Go's and the WHATWG decoders make
 * it: JavaScript's JSON.stringify writes one for a string cut inside an emoji, such text may come back in
 * a notification's contents, and one odd character must not fail a whole page of answers. */
#define REPLACEMENT_CHARACTER 0xFFFD
static const char *unicode_escape(json_decoder *d, const char *p, const char *close, char **op)
{
    long cp = close - p >= 6 ? hex4(p + 2) : -1, low;
    if (cp < 0) return fail(d, "invalid \\u escape", p);
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = REPLACEMENT_CHARACTER;
    } else if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (close - p < 12 || p[6] != '\\' || p[7] != 'u') {
            cp = REPLACEMENT_CHARACTER;
        } else if ((low = hex4(p + 8)) < 0) {
            return fail(d, "invalid \\u escape", p + 6);
        } else if (low < 0xDC00 || low > 0xDFFF) {
            cp = REPLACEMENT_CHARACTER; /* the escape after it is read on its own */
        } else {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            p += 6;
        }
    }
    *op = put_utf8(*op, cp);
    return p + 6;
}

/* The string's end is looked for 8 bytes at a time (ids and URLs are long): a word has a '"' or a '\\'
 * where v ^ that byte has a zero byte, by the classic test (x - 0x01..01) & ~x & 0x80..80, which is exact
 * about whether there is one and about the lowest: a false mark can only sit above a true one. So on a
 * little-endian machine the lowest mark is the first such byte; elsewhere the word is searched bytewise. */
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)
#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FIRST_MARKED_BYTE(marks) (__builtin_ctzll(marks) / 8)
#endif

static uint64_t quote_or_backslash_marks(uint64_t v)
{
    uint64_t quote = v ^ (ONES * '"'), backslash = v ^ (ONES * '\\');
    return (((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash)) & HIGHS;
}

/* The first '"' or '\\' from p on, or end. Inline: on a plain string it is most of the work. */
static inline const char *string_stop(const char *p, const char *end)
{
    for (; end - p >= 8; p += 8) {
        uint64_t v, marks;
        memcpy(&v, p, 8);
        marks = quote_or_backslash_marks(v);
        if (marks != 0) {
#ifdef FIRST_MARKED_BYTE
            return p + FIRST_MARKED_BYTE(marks);
#else
            break;
#endif
        }
    }
    while (p < end && *p != '"' && *p != '\\') p++;
    return p;
}

/* A string from start (after its opening quote) with a backslash at p. Every escape is at least as long
 * as what it stands for (\uXXXX: 6 bytes for at most 3, a pair 12 for 4), so the raw length bounds the
 * decoded one: short strings are built on the C stack, longer ones in the scratch. */
static NOINLINE const char *decode_escaped(json_decoder *d, const char *start, const char *p)
{
    char small[256], *out, *o;
    const char *close = p, *end = d->end;
    /* The closing quote; a backslash takes the byte after it along (\" does not close). */
    for (;;) {
        close = string_stop(close, end);
        if (close == end) return fail(d, "unexpected end of text", end);
        if (*close == '"') break;
        if (end - close < 2) return fail(d, "unexpected end of text", end);
        close += 2;
    }
    out = (size_t)(close - start) <= sizeof small ? small : scratch(d, (size_t)(close - start));
    o = out;
    p = start;
    for (;;) {
        /* the run of plain bytes up to the next escape, whole */
        const char *escape = memchr(p, '\\', (size_t)(close - p));
        size_t run = (size_t)((escape != NULL ? escape : close) - p);
        memcpy(o, p, run);
        o += run;
        p += run;
        if (p == close) break;
        switch (p[1]) {
        case '"': case '\\': case '/': *o++ = p[1]; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u':
            if ((p = unicode_escape(d, p, close, &o)) == NULL) return NULL;
            continue;
        default: return fail_on_byte(d, "invalid escape character", p + 1);
        }
        p += 2;
    }
    lua_pushlstring(d->L, out, (size_t)(o - out));
    return close + 1;
}

/* The string whose opening quote is at p. Most have no backslash: pushed straight from the text. */
static const char *decode_string(json_decoder *d, const char *p)
{
    const char *start = p + 1, *stop = string_stop(start, d->end);
    if (stop == d->end) return fail(d, "unexpected end of text", stop);
    if (*stop == '\\') return decode_escaped(d, start, stop);
    lua_pushlstring(d->L, start, (size_t)(stop - start));
    return stop + 1;
}

/* ---- numbers ---- */

/* A number with an integral value that fits lua_Integer is an integer on Lua 5.4 (math.tointeger's
 * rule: 2.0, 1e3 and -0.0 too); LuaJIT has only doubles. */
static void push_double(lua_State *L, double v)
{
#if LUA_VERSION_NUM >= 503
    lua_Integer i;
    if (lua_numbertointeger(v, &i) && (lua_Number)i == v) {
        lua_pushinteger(L, i);
        return;
    }
#endif
    lua_pushnumber(L, v);
}

/* An integer literal of at most 19 digits, magnitude u: pushed exactly when it can be, else 0 (strtod
 * then rounds it). */
static int push_integer_literal(lua_State *L, uint64_t u, int negative)
{
#if LUA_VERSION_NUM >= 503
    if (!negative && u <= (uint64_t)LUA_MAXINTEGER) {
        lua_pushinteger(L, (lua_Integer)u);
        return 1;
    }
    if (negative && u <= (uint64_t)LUA_MAXINTEGER + 1) {
        /* -u without overflowing on the way when u is 2^63 */
        lua_pushinteger(L, u == 0 ? 0 : -(lua_Integer)(u - 1) - 1);
        return 1;
    }
    return 0;
#else
    if (u >= UINT64_C(1) << 53) return 0; /* not exact as a double */
    lua_pushnumber(L, negative ? -(double)u : (double)u);
    return 1;
#endif
}

/* The number text from start to stop (valid JSON) through strtod, which rounds correctly but reads the
 * C locale's decimal point: the text is copied, NUL-terminated, with its '.' replaced by that point (as
 * Lua's own tonumber does), the whole point, which is not always one byte (ps_AF's U+066B is two). */
static NOINLINE const char *push_strtod(json_decoder *d, const char *start, const char *stop)
{
    char small[64], *text, *parsed_end;
    const char *dot, *point = ".";
    size_t len = (size_t)(stop - start), point_len = 1, n;
    double v;
    dot = memchr(start, '.', len);
    if (dot != NULL) {
        point = localeconv()->decimal_point;
        point_len = strlen(point);
        if (point_len == 0) { /* the locale names none: the '.' stays */
            point = ".";
            point_len = 1;
        }
    }
    /* the text with its one '.' (if any) as point_len bytes, and the NUL */
    text = len + point_len <= sizeof small ? small : scratch(d, len + point_len);
    if (dot == NULL) {
        memcpy(text, start, len);
        n = len;
    } else {
        size_t before = (size_t)(dot - start);
        memcpy(text, start, before);
        memcpy(text + before, point, point_len);
        memcpy(text + before + point_len, dot + 1, len - before - 1);
        n = len - 1 + point_len;
    }
    text[n] = '\0';
    v = strtod(text, &parsed_end);
    if (parsed_end != text + n) return fail(d, "invalid number", start);
    push_double(d->L, v);
    return stop;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at p; anything else is an "invalid number" at its first
 * byte. Integer literals are read here, digit by digit; the rest goes to strtod. */
static const char *decode_number(json_decoder *d, const char *p)
{
    const char *start = p, *end = d->end;
    uint64_t magnitude = 0;
    size_t digits = 0;
    int integral = 1, negative = *p == '-';
    p += negative;
    if (!is_digit(p, end)) return fail(d, "invalid number", start);
    if (*p == '0') {
        p++;
        digits = 1;
        if (is_digit(p, end)) return fail(d, "invalid number", start); /* a leading zero */
    } else {
        for (; is_digit(p, end); p++, digits++)
            if (digits < 19) magnitude = magnitude * 10 + (uint64_t)(*p - '0'); /* < 10^19 < 2^64 */
    }
    if (p < end && *p == '.') {
        integral = 0;
        if (!is_digit(++p, end)) return fail(d, "invalid number", start);
        while (is_digit(p, end)) p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        integral = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (!is_digit(p, end)) return fail(d, "invalid number", start);
        while (is_digit(p, end)) p++;
    }
    if (integral && digits <= 19 && push_integer_literal(d->L, magnitude, negative)) return p;
    return push_strtod(d, start, p);
}

/* ---- values ---- */

static const char *decode_value(json_decoder *d, const char *p);

/* true, false or null at p (word is len bytes); else the first byte that differs is unexpected. */
static const char *literal(json_decoder *d, const char *p, const char *word, size_t len)
{
    size_t i;
    if ((size_t)(d->end - p) >= len && memcmp(p, word, len) == 0) return p + len;
    for (i = 0; p + i < d->end && p[i] == word[i]; i++) continue;
    return unexpected(d, p + i);
}

/* Entering an array or object at p: within the depth limit, and with room on the Lua stack for what
 * this level holds (its table, a key) and what the innermost value may need (the scratch, a bigger one
 * on its way in, the value itself). */
static int descend(json_decoder *d, const char *p)
{
    if (++d->depth > MAX_DEPTH) {
        fail(d, "nested deeper than " TEXT_OF(MAX_DEPTH) " levels", p);
        return 0;
    }
    luaL_checkstack(d->L, 5, "onesignal.core: json_decode");
    return 1;
}

static const char *decode_array(json_decoder *d, const char *p)
{
    lua_State *L = d->L;
    const char *end = d->end;
    int n = 0;
    if (!descend(d, p)) return NULL;
    lua_createtable(L, 0, 0);
    p = skip_space(p + 1, end);
    if (p < end && *p == ']') {
        /* Looked up here, not once per call: an answer without an empty array pays nothing for it.
         * core.json_decode's upvalue is the core's state (a userdata), which marks nothing. */
        if (lua_istable(L, lua_upvalueindex(1))) {
            lua_pushvalue(L, lua_upvalueindex(1));
            lua_setmetatable(L, -2);
        }
        d->depth--;
        return p + 1;
    }
    for (;;) {
        if ((p = decode_value(d, p)) == NULL) return NULL;
        lua_rawseti(L, -2, ++n);
        p = skip_space(p, end);
        if (p < end && *p == ']') break;
        if (p == end || *p != ',') return unexpected(d, p);
        p = skip_space(p + 1, end);
    }
    d->depth--;
    return p + 1;
}

/* Objects get room for 4 keys from the start: most answers are small objects, and growing a table from
 * nothing rehashes it at 1, 2 and 4 keys. */
static const char *decode_object(json_decoder *d, const char *p)
{
    lua_State *L = d->L;
    const char *end = d->end;
    if (!descend(d, p)) return NULL;
    lua_createtable(L, 0, 4);
    p = skip_space(p + 1, end);
    if (p < end && *p == '}') {
        d->depth--;
        return p + 1;
    }
    for (;;) {
        if (p == end || *p != '"') return unexpected(d, p);
        if ((p = decode_string(d, p)) == NULL) return NULL;
        p = skip_space(p, end);
        if (p == end || *p != ':') return unexpected(d, p);
        p = skip_space(p + 1, end);
        if ((p = decode_value(d, p)) == NULL) return NULL;
        lua_rawset(L, -3);
        p = skip_space(p, end);
        if (p < end && *p == '}') break;
        if (p == end || *p != ',') return unexpected(d, p);
        p = skip_space(p + 1, end);
    }
    d->depth--;
    return p + 1;
}

/* The value at p (no whitespace before it). */
static const char *decode_value(json_decoder *d, const char *p)
{
    if (p == d->end) return unexpected(d, p);
    switch (*p) {
    case '{': return decode_object(d, p);
    case '[': return decode_array(d, p);
    case '"': return decode_string(d, p);
    case '-': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
        return decode_number(d, p);
    case 't':
        if ((p = literal(d, p, "true", 4)) != NULL) lua_pushboolean(d->L, 1);
        return p;
    case 'f':
        if ((p = literal(d, p, "false", 5)) != NULL) lua_pushboolean(d->L, 0);
        return p;
    case 'n':
        if ((p = literal(d, p, "null", 4)) != NULL) lua_pushlightuserdata(d->L, NULL);
        return p;
    default: return unexpected(d, p);
    }
}

int os_lua_json_decode(lua_State *L)
{
    json_decoder d;
    size_t len;
    const char *p;
    d.text = luaL_checklstring(L, 1, &len); /* stays on the stack, so d.text stays valid */
    d.L = L;
    d.end = d.text + len;
    d.depth = 0;
    d.base = lua_gettop(L);
    d.scratch = NULL;
    d.scratch_size = 0;
    p = decode_value(&d, skip_space(d.text, d.end));
    if (p != NULL) {
        p = skip_space(p, d.end);
        if (p == d.end) return 1;
        fail(&d, "text after the JSON value", p);
    }
    lua_settop(L, d.base);
    lua_pushnil(L);
    push_error(&d);
    return 2;
}

int os_lua_json_decoder(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_pushcclosure(L, os_lua_json_decode, 1);
    return 1;
}
