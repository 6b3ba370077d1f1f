/* The Lua face of the pure functions, through a real Lua 5.4 state: core.escape, core.redact,
 * core.parse_retry_after, core.policy, core.session's checks of its options and the JSON text
 * core.json_encode writes for lists of strings, called with strings (and numbers) from the input,
 * the way a Lua program could call them, and core.utf8_error. The binding sizes buffers
 * (escape's stack buffer, redact's userdata) and validates options before the engine sees them; ASan
 * and UBSan watch that, and the results are checked against the C functions called directly.
 *
 * Input: one selector byte, then NUL-separated strings. */
#include "../src/escape.h"
#include "../src/redact.h"
#include "../src/retry_after.h"
#include "check.h"
#include "lua_state.h"

static unsigned long runs;

/* The i-th NUL-separated part of the input after the selector (empty when there are fewer). */
static const char *part(const uint8_t *data, size_t size, int i, size_t *len)
{
    size_t start = 1, k;
    for (k = 0; start <= size; k++) {
        const uint8_t *nul = start < size ? memchr(data + start, 0, size - start) : NULL;
        size_t end = nul ? (size_t)(nul - data) : size;
        if ((int)k == i) {
            *len = end - start;
            return (const char *)data + (start < size ? start : size);
        }
        if (!nul) break;
        start = end + 1;
    }
    *len = 0;
    return "";
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    CHECK(0);
    return 0;
}

/* The byte a one-letter JSON escape stands for, or -1. */
static int named_escape(unsigned char c)
{
    switch (c) {
    case '"':
    case '\\':
        return c;
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return -1;
    }
}

/* text must be the JSON array of the n strings want[i % 3], escaped only where JSON requires. */
static void check_string_list(const char *text, size_t len, const char *const *want, const size_t *want_len,
                              size_t n)
{
    size_t pos = 0, i, k;
    CHECK(len >= 2 && text[pos++] == '[');
    for (i = 0; i < n; i++) {
        const char *w = want[i % 3];
        CHECK(pos < len && text[pos++] == '"');
        for (k = 0;; k++) {
            unsigned char c;
            CHECK(pos < len);
            c = (unsigned char)text[pos++];
            if (c == '"') break;
            if (c == '\\') {
                CHECK(pos < len);
                c = (unsigned char)text[pos++];
                if (c == 'u') {
                    CHECK(pos + 4 <= len && text[pos] == '0' && text[pos + 1] == '0');
                    c = (unsigned char)(hex_digit(text[pos + 2]) * 16 + hex_digit(text[pos + 3]));
                    CHECK(c < 0x20);
                    pos += 4;
                } else {
                    int byte = named_escape(c);
                    CHECK(byte >= 0);
                    c = (unsigned char)byte;
                }
            } else {
                CHECK(c >= 0x20);
            }
            CHECK(k < want_len[i % 3] && (unsigned char)w[k] == c);
        }
        CHECK(k == want_len[i % 3]);
        CHECK(pos < len && text[pos++] == (i + 1 < n ? ',' : ']'));
    }
    CHECK(pos == len);
}

/* The offset of the first ill-formed UTF-8 sequence in s, or len: a model of src/utf8.c that decodes each
 * code point and then judges it (the C code judges each byte against RFC 3629's ranges instead). */
static size_t utf8_model(const unsigned char *s, size_t len)
{
    size_t i = 0, n, k;
    unsigned long cp, min;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07, min = 0x10000;
        else return i;
        if (len - i < n) return i;
        for (k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return i;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += n;
    }
    return len;
}

static void call_core(lua_State *L, const char *fn, int nargs)
{
    lua_getglobal(L, "core");
    lua_getfield(L, -1, fn);
    lua_remove(L, -2);
    lua_insert(L, -1 - nargs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lua_State *L = fuzz_lua_state(NULL);
    int selector = size > 0 ? data[0] % 6 : 0;
    size_t a_len, b_len, c_len;
    const char *a = part(data, size, 0, &a_len), *b = part(data, size, 1, &b_len), *c = part(data, size, 2, &c_len);

    lua_settop(L, 0);
    if (selector == 0) {
        char *direct = malloc(a_len > 0 ? OS_ESCAPE_MAX(a_len) : 1);
        size_t n, got_len;
        const char *got;
        CHECK(direct != NULL);
        n = os_escape(a, a_len, direct);
        call_core(L, "escape", 0);
        lua_pushlstring(L, a, a_len);
        CHECK(lua_pcall(L, 1, 1, 0) == LUA_OK);
        got = lua_tolstring(L, -1, &got_len);
        CHECK(got_len == n && memcmp(got, direct, n) == 0);
        free(direct);
    } else if (selector == 1) {
        os_span secrets[2];
        size_t n, got_len;
        char *direct;
        const char *got;
        secrets[0].ptr = b;
        secrets[0].len = b_len;
        secrets[1].ptr = c;
        secrets[1].len = c_len;
        n = os_redact(a, a_len, secrets, 2, NULL, 0);
        direct = malloc(n + 1);
        CHECK(direct != NULL);
        os_redact(a, a_len, secrets, 2, direct, n);
        call_core(L, "redact", 0);
        lua_pushlstring(L, a, a_len);
        lua_pushlstring(L, b, b_len);
        if (c_len > 0) lua_pushlstring(L, c, c_len); else lua_pushnil(L);
        CHECK(lua_pcall(L, 3, 1, 0) == LUA_OK);
        got = lua_tolstring(L, -1, &got_len);
        CHECK(got_len == n && memcmp(got, direct, n) == 0);
        free(direct);
    } else if (selector == 2) {
        double direct = -1;
        int ok = os_parse_retry_after(a, a_len, 784111777.0, &direct);
        call_core(L, "parse_retry_after", 0);
        lua_pushlstring(L, a, a_len);
        lua_pushnumber(L, 784111777.0);
        CHECK(lua_pcall(L, 2, 1, 0) == LUA_OK);
        if (ok) CHECK(lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) == direct);
        else CHECK(lua_isnil(L, -1));
    } else if (selector == 3) {
        /* A policy table with numbers read as text by Lua's own conversion: anything, NaN included. */
        call_core(L, "policy", 0);
        lua_newtable(L);
        lua_pushlstring(L, a, a_len); /* "nan", "inf", "1e999", "0x10": Lua's own conversion decides */
        lua_pushnumber(L, lua_isnumber(L, -1) ? lua_tonumber(L, -1) : (double)a_len);
        lua_remove(L, -2);
        lua_setfield(L, -2, "retry_after");
        lua_pushinteger(L, (lua_Integer)b_len);
        lua_setfield(L, -2, "status");
        lua_pushnumber(L, (double)c_len / 7.0);
        lua_setfield(L, -2, "base_delay");
        lua_pushinteger(L, (lua_Integer)(a_len % 5));
        lua_setfield(L, -2, "attempt");
        if (lua_pcall(L, 1, 4, 0) == LUA_OK) {
            CHECK(lua_isboolean(L, -4));
            CHECK(lua_tonumber(L, -3) >= 0);
        }
    } else if (selector == 4) {
        /* { list = { a, b, c, a, … } }, from one string to a list longer than the writer's first buffer.
         * Written when every string in it is well-formed UTF-8 (then so is the whole text), else refused. */
        const char *want[3];
        size_t want_len[3], n = 1 + a_len % 300, i, text_len, at;
        const char *text;
        int valid = 1;
        static const char prefix[] = "{\"list\":";
        want[0] = a, want[1] = b, want[2] = c;
        want_len[0] = a_len, want_len[1] = b_len, want_len[2] = c_len;
        call_core(L, "json_encode", 0);
        lua_createtable(L, 0, 1);
        lua_createtable(L, (int)n, 0);
        for (i = 0; i < n; i++) {
            lua_pushlstring(L, want[i % 3], want_len[i % 3]);
            lua_rawseti(L, -2, (int)i + 1);
        }
        lua_setfield(L, -2, "list");
        lua_newtable(L);
        lua_newtable(L);
        lua_newtable(L);
        lua_pushinteger(L, 64);
        CHECK(lua_pcall(L, 5, 2, 0) == LUA_OK);
        for (i = 0; i < 3 && i < n; i++) {
            at = utf8_model((const unsigned char *)want[i], want_len[i]);
            if (at < want_len[i]) valid = 0;
            call_core(L, "utf8_error", 0);
            lua_pushlstring(L, want[i], want_len[i]);
            CHECK(lua_pcall(L, 1, 1, 0) == LUA_OK);
            if (at < want_len[i]) CHECK(lua_isinteger(L, -1) && lua_tointeger(L, -1) == (lua_Integer)at + 1);
            else CHECK(lua_isnil(L, -1));
            lua_pop(L, 1);
        }
        if (!valid) {
            CHECK(lua_isnil(L, -2) && lua_type(L, -1) == LUA_TSTRING);
            CHECK(strcmp(lua_tostring(L, -1), "a string is not valid UTF-8") == 0);
        } else {
            text = lua_tolstring(L, -2, &text_len);
            CHECK(text != NULL && utf8_model((const unsigned char *)text, text_len) == text_len);
            CHECK(text_len > sizeof prefix && memcmp(text, prefix, sizeof prefix - 1) == 0);
            CHECK(text[text_len - 1] == '}');
            check_string_list(text + sizeof prefix - 1, text_len - sizeof prefix, want, want_len, n);
        }
    } else {
        /* Options of core.session: refused with an error, or accepted and closed again. No request is
         * made, so nothing leaves the process. */
        int ok;
        call_core(L, "session", 0);
        lua_newtable(L);
        lua_pushlstring(L, a, a_len);
        lua_setfield(L, -2, "base_url");
        lua_pushlstring(L, b, b_len);
        lua_setfield(L, -2, (b_len % 2) ? "user_agent" : "rest_key");
        lua_createtable(L, 1, 0);
        lua_pushlstring(L, c, c_len);
        lua_rawseti(L, -2, 1);
        lua_setfield(L, -2, "headers");
        ok = lua_pcall(L, 1, 1, 0) == LUA_OK;
        if (ok) {
            lua_getfield(L, -1, "close");
            lua_insert(L, -2);
            CHECK(lua_pcall(L, 1, 0, 0) == LUA_OK);
        } else {
            CHECK(lua_type(L, -1) == LUA_TSTRING);
        }
    }
    lua_settop(L, 0);
    if (++runs % 4096 == 0) lua_gc(L, LUA_GCCOLLECT, 0);
    return 0;
}
