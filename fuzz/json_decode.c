/* core.json_decode on any bytes, through a real Lua 5.4 state (the way json.decode calls it).
 *
 * Invariants:
 *   - it never raises and never crashes: it returns a value, or nil and a message "... at byte N" with N
 *     within the text (or one past it) and at most one byte of the text in it;
 *   - what it decodes survives a round trip: written back as JSON by the small writer below, once plainly
 *     and once with every byte it can escape escaped (\uXXXX, surrogate pairs for 4-byte UTF-8, \/, the
 *     short forms), it decodes again to the same structure (same keys, same strings, numbers of the same
 *     kind and value);
 *   - it agrees with lua-cjson (Debian's 2.1.0, loaded with require) on text without NUL bytes (lua-cjson
 *     stops at a NUL): what it decodes, cjson decodes to the same values (numbers as cjson's double, which
 *     ours equals once converted to a double); so what cjson refuses, it refuses too, but for a lone \u
 *     surrogate, which cjson refuses and ours decodes to U+FFFD. cjson is more lenient about numbers
 *     ("01", "+1", "1.", hex, NaN, Infinity), so the other way is not checked. */
#include <math.h>

#include "check.h"
#include "lua_state.h"

#define MAX_DEPTH 1000

static unsigned long runs;

/* The decoder under test and lua-cjson's, as globals. */
static void add_decoders(lua_State *L)
{
    lua_getglobal(L, "core");
    lua_getfield(L, -1, "json_decode");
    lua_setglobal(L, "json_decode");
    lua_pop(L, 1);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "cjson");
    CHECK(lua_pcall(L, 1, 1, 0) == LUA_OK);
    lua_getfield(L, -1, "decode");
    lua_setglobal(L, "cjson_decode");
    lua_pop(L, 1);
}

/* ---- a small JSON writer ---- */

typedef struct {
    char *p;
    size_t len, cap;
} text_buf;

static void put(text_buf *t, const char *s, size_t n)
{
    if (t->len + n > t->cap) {
        t->cap = (t->len + n) * 2 + 64;
        t->p = realloc(t->p, t->cap);
        CHECK(t->p != NULL);
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
}

static void put_u(text_buf *t, unsigned unit, int upper)
{
    char u[8];
    snprintf(u, sizeof u, upper ? "\\u%04X" : "\\u%04x", unit);
    put(t, u, 6);
}

/* The code point of a shortest-form UTF-8 sequence at s (not a surrogate), its length in *n; -1 else. */
static long utf8_at(const unsigned char *s, size_t left, size_t *n)
{
    long cp;
    size_t len, i;
    if (s[0] < 0x80) return -1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) len = 2, cp = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) len = 3, cp = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) len = 4, cp = s[0] & 0x07;
    else return -1;
    if (left < len) return -1;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return -1;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return -1;
    if (cp >= 0xD800 && cp <= 0xDFFF) return -1;
    *n = len;
    return cp;
}

/* escaped: every byte that can be written as an escape is, in the forms the position picks. */
static void write_string(text_buf *t, const char *str, size_t len, int escaped)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, n;
    put(t, "\"", 1);
    while (i < len) {
        unsigned char c = s[i];
        long cp;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(t, e, 2);
        } else if (c < 0x20 || (escaped && c < 0x80)) {
            const char *shorts = "\b\f\n\r\t/", *at = c ? strchr(shorts, c) : NULL;
            if (escaped && at != NULL && i % 2 == 0) {
                char e[2] = {'\\', "bfnrt/"[at - shorts]};
                put(t, e, 2);
            } else {
                put_u(t, c, (int)(i % 3 == 0));
            }
        } else if (escaped && (cp = utf8_at(s + i, len - i, &n)) >= 0) {
            if (cp >= 0x10000) {
                put_u(t, (unsigned)(0xD800 + ((cp - 0x10000) >> 10)), (int)(i % 2));
                put_u(t, (unsigned)(0xDC00 + ((cp - 0x10000) & 0x3FF)), (int)(i % 2 == 0));
            } else {
                put_u(t, (unsigned)cp, (int)(i % 2));
            }
            i += n;
            continue;
        } else {
            put(t, (const char *)&s[i], 1);
        }
        i++;
    }
    put(t, "\"", 1);
}

static void write_value(lua_State *L, int idx, text_buf *t, int escaped, int depth);

/* A decoded table is an array (keys 1..n, n > 0) or an object (string keys); empty is written {}. */
static void write_table(lua_State *L, int idx, text_buf *t, int escaped, int depth)
{
    size_t n = lua_rawlen(L, idx), count = 0, i;
    int first = 1;
    CHECK(depth <= MAX_DEPTH);
    luaL_checkstack(L, 4, "fuzz: json writer");
    if (n > 0) {
        put(t, "[", 1);
        for (i = 1; i <= n; i++) {
            if (i > 1) put(t, ",", 1);
            lua_rawgeti(L, idx, (lua_Integer)i);
            write_value(L, lua_gettop(L), t, escaped, depth + 1);
            lua_pop(L, 1);
        }
        put(t, "]", 1);
        lua_pushnil(L);
        while (lua_next(L, idx) != 0) {
            CHECK(lua_isinteger(L, -2)); /* an array has nothing but its elements */
            count++;
            lua_pop(L, 1);
        }
        CHECK(count == n);
        return;
    }
    put(t, "{", 1);
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        size_t len;
        const char *key;
        CHECK(lua_type(L, -2) == LUA_TSTRING);
        key = lua_tolstring(L, -2, &len);
        if (!first) put(t, ",", 1);
        first = 0;
        write_string(t, key, len, escaped);
        put(t, ":", 1);
        write_value(L, lua_gettop(L), t, escaped, depth + 1);
        lua_pop(L, 1);
    }
    put(t, "}", 1);
}

static void write_value(lua_State *L, int idx, text_buf *t, int escaped, int depth)
{
    char number[64];
    size_t len;
    const char *s;
    switch (lua_type(L, idx)) {
    case LUA_TTABLE:
        write_table(L, idx, t, escaped, depth);
        break;
    case LUA_TSTRING:
        s = lua_tolstring(L, idx, &len);
        write_string(t, s, len, escaped);
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            snprintf(number, sizeof number, "%lld", (long long)lua_tointeger(L, idx));
        } else {
            double d = lua_tonumber(L, idx);
            CHECK(d == d);
            if (isinf(d))
                snprintf(number, sizeof number, "%s", d > 0 ? "1e999" : "-1e999");
            else
                snprintf(number, sizeof number, escaped ? "%.17E" : "%.17g", d);
        }
        put(t, number, strlen(number));
        break;
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, idx))
            put(t, "true", 4);
        else
            put(t, "false", 5);
        break;
    case LUA_TLIGHTUSERDATA:
        CHECK(lua_touserdata(L, idx) == NULL);
        put(t, "null", 4);
        break;
    default:
        CHECK(0);
    }
}

/* ---- comparisons ---- */

/* exact: numbers of the same kind and value (a round trip); otherwise b is lua-cjson's (every number a
 * double), which ours must equal once converted to a double. */
static int same(lua_State *L, int a, int b, int exact, int depth)
{
    int type = lua_type(L, a);
    size_t la, lb, count = 0;
    if (type != lua_type(L, b)) return 0;
    switch (type) {
    case LUA_TNUMBER:
        if (exact)
            return lua_isinteger(L, a) == lua_isinteger(L, b) && lua_compare(L, a, b, LUA_OPEQ);
        if (lua_isinteger(L, b)) return 0;
        return (lua_isinteger(L, a) ? (double)lua_tointeger(L, a) : lua_tonumber(L, a)) == lua_tonumber(L, b);
    case LUA_TSTRING: {
        const char *sa = lua_tolstring(L, a, &la), *sb = lua_tolstring(L, b, &lb);
        return la == lb && memcmp(sa, sb, la) == 0;
    }
    case LUA_TTABLE:
        CHECK(depth <= MAX_DEPTH);
        luaL_checkstack(L, 4, "fuzz: comparison");
        lua_pushnil(L);
        while (lua_next(L, a) != 0) {
            int equal;
            lua_pushvalue(L, -2);
            lua_rawget(L, b);
            equal = same(L, lua_gettop(L) - 1, lua_gettop(L), exact, depth + 1);
            lua_pop(L, 2);
            if (!equal) {
                lua_pop(L, 1);
                return 0;
            }
            count++;
        }
        lua_pushnil(L);
        while (lua_next(L, b) != 0) {
            count--;
            lua_pop(L, 1);
        }
        return count == 0;
    default:
        return lua_rawequal(L, a, b);
    }
}

/* ---- calls ---- */

/* fn(text) under pcall, 2 results pushed; the pcall must succeed (bad text is never raised). */
static void decode_with(lua_State *L, const char *fn, const char *s, size_t len)
{
    lua_getglobal(L, fn);
    lua_pushlstring(L, s, len);
    CHECK(lua_pcall(L, 1, 2, 0) == LUA_OK);
}

/* The message of a refusal: "... at byte N", N in 1..len+1, and at most one byte of the text. */
static void check_message(lua_State *L, int idx, size_t len)
{
    size_t mlen;
    const char *m = lua_tolstring(L, idx, &mlen), *at;
    unsigned long long n;
    char tail[32];
    CHECK(m != NULL && mlen < 100 && strlen(m) == mlen);
    at = strstr(m, " at byte ");
    CHECK(at != NULL);
    n = strtoull(at + 9, NULL, 10);
    CHECK(n >= 1 && n <= len + 1);
    snprintf(tail, sizeof tail, " at byte %llu", n);
    CHECK(strcmp(at, tail) == 0);
}

static void round_trip(lua_State *L, int value, int escaped)
{
    text_buf t = {NULL, 0, 0};
    write_value(L, value, &t, escaped, 0);
    decode_with(L, "json_decode", t.p, t.len);
    if (!lua_isnil(L, -1)) fprintf(stderr, "re-decoding failed: %s\n%.*s\n", lua_tostring(L, -1), (int)t.len, t.p);
    CHECK(lua_isnil(L, -1));
    CHECK(same(L, value, lua_gettop(L) - 1, 1, 0));
    lua_pop(L, 2);
    free(t.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lua_State *L = fuzz_lua_state(add_decoders);
    const char *s = (const char *)data;
    int ours_ok, has_nul = memchr(data, 0, size) != NULL;

    lua_settop(L, 0);
    decode_with(L, "json_decode", s, size); /* 1: value or nil, 2: nil or message */
    ours_ok = lua_isnil(L, 2);
    if (ours_ok) {
        CHECK(!lua_isnil(L, 1));
        round_trip(L, 1, 0);
        round_trip(L, 1, 1);
    } else {
        CHECK(lua_isnil(L, 1) && lua_type(L, 2) == LUA_TSTRING);
        check_message(L, 2, size);
    }
    if (!has_nul) {
        int cjson_ok;
        lua_getglobal(L, "cjson_decode");
        lua_pushlstring(L, s, size);
        cjson_ok = lua_pcall(L, 1, 1, 0) == LUA_OK; /* 3: cjson's value or its error */
        /* A lone surrogate, which ours makes U+FFFD, is the one escape cjson refuses and ours takes. */
        int lone_surrogate = !cjson_ok && strstr(lua_tostring(L, 3), "invalid unicode escape code") != NULL;
        if (ours_ok && !lone_surrogate) {
            if (!cjson_ok) fprintf(stderr, "lua-cjson refused: %s\n", lua_tostring(L, 3));
            CHECK(cjson_ok);
            CHECK(same(L, 1, 3, 0, 0));
        }
    }
    lua_settop(L, 0);
    if (++runs % 4096 == 0) lua_gc(L, LUA_GCCOLLECT, 0);
    return 0;
}
