/* The JSON writer of request bodies (json.encode in lua/onesignal/json.lua).
 *
 * Written in C rather than left to lua-cjson because a body must come out as the API means it, which
 * cjson 2.1.0 cannot do by itself: an empty table is `[]` where the API declares an array, integers
 * keep every digit, a fraction keeps the shortest text that reads back as the same number. Doing that
 * around cjson took a walk of the body before it and a substitution after it, and the three passes cost
 * more than the send itself; one pass that writes the text is cheaper than cjson alone.
 *
 * Tables are read raw (no metamethods), as cjson reads them, and in its shapes: a table whose keys are
 * all positive integers is an array (holes are null; an array sparser than cjson allows is refused), any
 * other table is an object whose number keys become strings (refused when the table also has that string
 * as a key: a name given twice). Nothing here calls Lua code, so nothing can
 * change a table while it is being written. Text goes into a buffer on the C stack and, once that is
 * outgrown, into a malloc'd block owned by a box on the Lua stack: an error raised by Lua (out of memory)
 * leaks nothing, and no state is shared with another call (a finalizer run by the collector may encode
 * too).
 *
 * json_encode_body hands a text of OS_JSON_LARGE bytes or more out as that box itself (a "large text")
 * instead of copying it into a Lua string: LuaJIT gives every block of 128 KiB or more a memory mapping of
 * its own, so a fresh string of a few hundred KB costs a page fault per 4 KiB on every call, where the
 * malloc'd block is reused from glibc's heap (bench/README.md, fix 17). */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_encode.h"
#include "utf8.h"

/* cjson's limits for arrays with holes: more than twice as many slots as values, beyond the first 10. */
#define SPARSE_RATIO 2
#define SPARSE_SAFE 10

typedef struct {
    lua_State *L;
    char *data;
    size_t len, cap;
    os_json_text *box;                         /* the box owning data once `small` is outgrown (else NULL) */
    int anchor;                                /* stack slot of the box */
    int array_fields, map_of_arrays, array_mt; /* stack indices of the arguments */
    int metatable_key;                         /* stack index of the string "__metatable" */
    int max_depth;
    const char *problem; /* why writing stopped */
    char small[2048];
} json_writer;

/* A box (os_json_text, a full userdata) owns the malloc'd block a long text is written into. While the
 * text is written the box only sits on the Lua stack, where its __gc frees the block when a Lua error (out
 * of memory) unwinds past the writer; the writer frees it itself otherwise, unless it hands the box out
 * as a large text. The block lives outside Lua's heap, so growing it does not make the collector walk the
 * (possibly large) body being written. */
static void text_release(os_json_text *text)
{
    free(text->data);
    text->data = NULL;
    text->len = 0;
}

static int text_free(lua_State *L)
{
    text_release(luaL_checkudata(L, 1, OS_JSON_TEXT));
    return 0;
}

static const char *text_data(lua_State *L, int idx, size_t *len)
{
    os_json_text *text = luaL_checkudata(L, idx, OS_JSON_TEXT);
    if (text->data == NULL) luaL_error(L, "onesignal.json: the text was released");
    *len = text->len;
    return text->data;
}

static int text_len(lua_State *L)
{
    size_t len;
    text_data(L, 1, &len);
    lua_pushinteger(L, (lua_Integer)len);
    return 1;
}

static int text_tostring(lua_State *L)
{
    size_t len;
    const char *data = text_data(L, 1, &len);
    lua_pushlstring(L, data, len);
    return 1;
}

static const luaL_Reg TEXT_METAMETHODS[] = {
    {"__gc", text_free}, {"__close", text_free}, {"__len", text_len}, {"__tostring", text_tostring}, {NULL, NULL}};

void os_lua_json_register(lua_State *L)
{
    if (luaL_newmetatable(L, OS_JSON_TEXT)) {
        luaL_setfuncs(L, TEXT_METAMETHODS, 0);
        lua_pushliteral(L, "onesignal.json_text"); /* getmetatable gives this, not the metatable */
        lua_setfield(L, -2, "__metatable");
    }
    lua_pop(L, 1);
}

const char *os_json_text_get(lua_State *L, int idx, size_t *len)
{
    if (luaL_testudata(L, idx, OS_JSON_TEXT) == NULL) return NULL;
    return text_data(L, idx, len);
}

int os_lua_json_text(lua_State *L)
{
    size_t len;
    const char *data;
    if (lua_type(L, 1) == LUA_TSTRING) {
        lua_settop(L, 1);
        return 1;
    }
    data = os_json_text_get(L, 1, &len);
    if (data == NULL) return 0;
    lua_pushlstring(L, data, len);
    return 1;
}

int os_lua_json_release(lua_State *L)
{
    os_json_text *text;
    if (lua_type(L, 1) != LUA_TUSERDATA) return 0; /* a string (or nothing): the collector's */
    text = luaL_testudata(L, 1, OS_JSON_TEXT);
    if (text != NULL) text_release(text);
    return 0;
}

/* Makes room for n more bytes at data + len when there is not (reserve, below, is the check). Raises
 * only when memory runs out. */
static void grow(json_writer *w, size_t n)
{
    lua_State *L = w->L;
    size_t cap = w->cap * 2;
    char *bigger;
    if (cap - w->len < n) cap = w->len + n;
    if (w->box == NULL) {
        w->box = lua_newuserdata(L, sizeof *w->box);
        w->box->data = NULL;
        w->box->len = 0;
        luaL_setmetatable(L, OS_JSON_TEXT);
        lua_replace(L, w->anchor);
    }
    bigger = realloc(w->box->data, cap);
    if (bigger == NULL) luaL_error(L, "onesignal.json: out of memory");
    if (w->box->data == NULL) memcpy(bigger, w->data, w->len); /* leaving `small` */
    w->box->data = bigger;
    w->data = bigger;
    w->cap = cap;
}

static inline void reserve(json_writer *w, size_t n)
{
    if (w->cap - w->len < n) grow(w, n);
}

static void put(json_writer *w, const char *s, size_t n)
{
    reserve(w, n);
    memcpy(w->data + w->len, s, n);
    w->len += n;
}

static inline void put_char(json_writer *w, char c)
{
    reserve(w, 1);
    w->data[w->len++] = c;
}

static int fail(json_writer *w, const char *problem)
{
    w->problem = problem;
    return 0;
}

/* The bytes a JSON string needs beyond its own: 1 for '"', '\\' and the five control characters JSON
 * names (\b \f \n \r \t), 5 for the other control characters (\u00XX), 0 for the rest. Bytes at or above
 * 0x80 pass through unchanged once the string is known to be well-formed UTF-8. */
static const unsigned char escape_extra[256] = {
    5, 5, 5, 5, 5, 5, 5, 5, 1, 1, 1, 5, 1, 1, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    ['"'] = 1, ['\\'] = 1};

/* What a string holds that the plain copy cannot take, found eight bytes at a time: most strings are
 * plain ASCII, and a byte-by-byte look at a 20,000-id audience was most of the time spent writing it.
 * A word has a byte to escape when one of its bytes is below 0x20, or equal to '"' or '\\' (the classic
 * "has a zero byte" test on v ^ that byte; each test is exact about whether any byte matches, which is
 * all that is asked here); a byte at or above 0x80 means the string must be checked as UTF-8. */
#define NEEDS_ESCAPE 1
#define NON_ASCII 2
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)
static inline uint64_t escape_bits(uint64_t v)
{
    uint64_t quote = v ^ (ONES * '"'), backslash = v ^ (ONES * '\\');
    return ((v - ONES * 0x20) & ~v) | ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash);
}

static int scan(const unsigned char *p, size_t len)
{
    uint64_t escape = 0, high = 0, v;
    size_t i;
    int found = 0;
    if (len < 8) {
        for (i = 0; i < len; i++) {
            if (escape_extra[p[i]]) found |= NEEDS_ESCAPE;
            if (p[i] >= 0x80) found |= NON_ASCII;
        }
        return found;
    }
    for (i = 0; i + 8 <= len; i += 8) {
        memcpy(&v, p + i, 8);
        escape |= escape_bits(v);
        high |= v;
    }
    if (i < len) { /* the tail, as the last eight bytes */
        memcpy(&v, p + len - 8, 8);
        escape |= escape_bits(v);
        high |= v;
    }
    if (escape & HIGHS) found |= NEEDS_ESCAPE;
    if (high & HIGHS) found |= NON_ASCII;
    return found;
}

static void put_escaped(json_writer *w, const unsigned char *p, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *end = p + len;
    size_t size = len + 2;
    char *out;
    for (; p < end; p++) size += escape_extra[*p];
    p = end - len;
    reserve(w, size);
    out = w->data + w->len;
    *out++ = '"';
    for (; p < end; p++) {
        unsigned char c = *p;
        switch (escape_extra[c]) {
        case 0:
            *out++ = (char)c;
            break;
        case 1:
            *out++ = '\\';
            *out++ = c == '\b' ? 'b' : c == '\f' ? 'f' : c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : (char)c;
            break;
        default:
            memcpy(out, "\\u00", 4);
            out[4] = hex[c >> 4];
            out[5] = hex[c & 15];
            out += 6;
        }
    }
    *out++ = '"';
    w->len = (size_t)(out - w->data);
}

/* The string at idx, quoted and escaped; refused (0) when it is not well-formed UTF-8, which JSON text
 * must be (RFC 8259 section 8.1): the API would refuse the body or store the bytes mangled. */
static int put_string(json_writer *w, int idx)
{
    size_t len;
    const char *s = lua_tolstring(w->L, idx, &len);
    const unsigned char *u = (const unsigned char *)s;
    char *out;
    int found = scan(u, len);
    if ((found & NON_ASCII) && os_utf8_check(u, len) != len) return fail(w, "a string is not valid UTF-8");
    if (found & NEEDS_ESCAPE) {
        put_escaped(w, u, len);
        return 1;
    }
    reserve(w, len + 2);
    out = w->data + w->len;
    out[0] = '"';
    if (len >= 8 && len <= 16) { /* most keys and ids: two fixed-size moves the compiler inlines */
        memcpy(out + 1, s, 8);
        memcpy(out + 1 + len - 8, s + len - 8, 8);
    } else {
        memcpy(out + 1, s, len);
    }
    out[len + 1] = '"';
    w->len += len + 2;
    return 1;
}

static void put_integer(json_writer *w, long long n)
{
    char digits[24], *p = digits + sizeof digits;
    unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (n < 0) *--p = '-';
    put(w, p, (size_t)(digits + sizeof digits - p));
}

/* The shortest of 14 to 17 significant digits that reads back as d, with '.' whatever the locale says
 * (printf and strtod both use the locale's decimal point, so the round trip is checked in its form).
 * A normal double that some text of fewer than 14 digits reads back as prints as that text at 14 (%g
 * drops the trailing zeros); a subnormal has fewer bits, so its search starts at one digit (5e-324, not
 * 4.9406564584125e-324). */
static void put_fraction(json_writer *w, double d)
{
    char text[40];
    const char *point = localeconv()->decimal_point;
    size_t point_len = strlen(point), n, i, out = 0;
    int digits;
    for (digits = fabs(d) < DBL_MIN ? 1 : 14; digits < 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, d);
        if (strtod(text, NULL) == d) break;
    }
    if (digits == 17) snprintf(text, sizeof text, "%.17g", d);
    n = strlen(text);
    for (i = 0; i < n; i++) {
        if (point_len > 0 && strncmp(text + i, point, point_len) == 0) {
            text[out++] = '.';
            i += point_len - 1;
        } else {
            text[out++] = text[i];
        }
    }
    put(w, text, out);
}

/* Integers as integers with every digit; floats that hold a whole number below 2^53 (every number is a
 * float on LuaJIT) the same way; other floats as the shortest exact text. -0.0 is such a whole number and
 * is written 0, not -0 as lua-cjson writes it: an integer has no sign of zero, LuaJIT makes -0.0 of plain
 * integer arithmetic (0 * -1) where Lua 5.4 makes 0, and some readers take "-0" for a float that an
 * integer field refuses (serde_json). json.decode reads -0 as 0 on Lua 5.4 alike. */
static int put_number(json_writer *w, int idx)
{
    double d;
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(w->L, idx)) {
        put_integer(w, (long long)lua_tointeger(w->L, idx));
        return 1;
    }
#endif
    d = lua_tonumber(w->L, idx);
    if (d != d || d == HUGE_VAL || d == -HUGE_VAL) return fail(w, "a number is NaN or infinite");
    if (d == floor(d) && fabs(d) < 9007199254740992.0)
        put_integer(w, (long long)d);
    else
        put_fraction(w, d);
    return 1;
}

/* Whether the key at stack index key (0: none) is a string naming a field of the set at stack index set. */
static int key_in(json_writer *w, int key, int set)
{
    lua_State *L = w->L;
    int found;
    if (key == 0 || lua_type(L, key) != LUA_TSTRING) return 0;
    lua_pushvalue(L, key);
    lua_rawget(L, set);
    found = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return found;
}

/* The registry's table of OpenResty cjson's marks (os_lua_json_cjson_marks): [1] empty_array, [2] array_mt,
 * [3] empty_array_mt, each absent when that cjson has not got it. */
#define CJSON_MARKS "onesignal.json_cjson_marks"

int os_lua_json_cjson_marks(lua_State *L)
{
    int i;
    if (!lua_isnoneornil(L, 1)) luaL_checktype(L, 1, LUA_TLIGHTUSERDATA);
    if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
    if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TTABLE);
    lua_createtable(L, 3, 0);
    for (i = 1; i <= 3; i++) {
        lua_pushvalue(L, i);
        lua_rawseti(L, -2, i);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, CJSON_MARKS);
    return 0;
}

/* Whether the value at the top of the stack is one of the cjson marks first..last of the registry's table
 * (never when there is none), looked up once for them all. Leaves the stack as it was. */
static int is_cjson_mark(lua_State *L, int first, int last)
{
    int marked = 0, n;
    lua_getfield(L, LUA_REGISTRYINDEX, CJSON_MARKS);
    if (lua_istable(L, -1)) {
        for (n = first; n <= last && !marked; n++) {
            lua_rawgeti(L, -1, n);
            marked = !lua_isnil(L, -1) && lua_rawequal(L, -1, -3);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return marked;
}

/* The table at t is marked with array_mt (as getmetatable sees it, so a __metatable field counts), or with
 * OpenResty cjson's array_mt or empty_array_mt. */
static int has_array_mark(json_writer *w, int t)
{
    lua_State *L = w->L;
    int marked;
    if (!lua_getmetatable(L, t)) return 0;
    lua_pushvalue(L, w->metatable_key);
    lua_rawget(L, -2);
    if (lua_isnil(L, -1))
        lua_pop(L, 1);
    else
        lua_remove(L, -2);
    marked = lua_rawequal(L, -1, w->array_mt) || is_cjson_mark(L, 2, 3);
    lua_pop(L, 1);
    return marked;
}

/* Whether the key at idx is the integer n (a float on LuaJIT). */
static int key_is_index(lua_State *L, int idx, lua_Integer n)
{
#if LUA_VERSION_NUM >= 503
    return lua_isinteger(L, idx) && lua_tointeger(L, idx) == n; /* 5.4 stores 2.0 as the key 2 */
#else
    return lua_type(L, idx) == LUA_TNUMBER && lua_tonumber(L, idx) == (lua_Number)n;
#endif
}

static int put_value(json_writer *w, int key, int in_alias_map, int depth);

/* cjson's shape of the table at t, by its keys. A table whose keys are all positive integers is an array
 * whose length is its largest index: TOO_SPARSE when that is above SPARSE_SAFE and above SPARSE_RATIO
 * times its number of values. However large the index: a key of 2^53 or more (ids used as keys) made an
 * object of the table, so the same map of ids was refused or sent as an object by the size of one key.
 * An infinite key makes an object, which the writer then refuses for its key. Any other table is an
 * OBJECT. The writer and core.json_sparse (with which json.lua names the field) both ask this one rule. */
enum { ARRAY, OBJECT, TOO_SPARSE };
typedef struct {
    lua_Number max;        /* the largest index, as a double (for the rule) */
    lua_Integer max_index; /* Lua 5.3+: the largest index that is an integer, exact beyond 2^53 (for messages) */
    int float_index;       /* Lua 5.3+: an index is a float, so 2^63 or more (a table keeps smaller ones as
                            * integers) and above max_index */
    lua_Integer items;
} table_keys;

static int table_shape(lua_State *L, int t, table_keys *keys)
{
    keys->max = 0;
    keys->max_index = 0;
    keys->float_index = 0;
    keys->items = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        lua_Number k;
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TNUMBER || (k = lua_tonumber(L, -1)) < 1 || k != floor(k) || k == HUGE_VAL) {
            lua_pop(L, 1);
            return OBJECT;
        }
#if LUA_VERSION_NUM >= 503
        if (!lua_isinteger(L, -1))
            keys->float_index = 1;
        else if (lua_tointeger(L, -1) > keys->max_index)
            keys->max_index = lua_tointeger(L, -1);
#endif
        if (k > keys->max) keys->max = k;
        keys->items++;
    }
    if (keys->max > (lua_Number)keys->items * SPARSE_RATIO && keys->max > SPARSE_SAFE) return TOO_SPARSE;
    return ARRAY;
}

int os_lua_json_sparse(lua_State *L)
{
    table_keys keys;
    luaL_checktype(L, 1, LUA_TTABLE);
    if (table_shape(L, 1, &keys) != TOO_SPARSE) return 0;
#if LUA_VERSION_NUM >= 503
    if (!keys.float_index) /* the largest index is an integer: that one, exactly */
        lua_pushinteger(L, keys.max_index);
    else
#endif
        lua_pushnumber(L, keys.max);
    lua_pushinteger(L, keys.items);
    return 2;
}

/* cjson's decision for the table at t: its length as an array, or -1 when it is an object. */
static int array_length(json_writer *w, int t, lua_Integer *length)
{
    table_keys keys;
    switch (table_shape(w->L, t, &keys)) {
    case OBJECT:
        *length = -1;
        return 1;
    case TOO_SPARSE:
        return fail(w, "a table is an array with too many holes");
    default:
        *length = (lua_Integer)keys.max; /* at most twice the values or SPARSE_SAFE: it fits */
        return 1;
    }
}

/* Whether the table at t also has the string key that the number key just written (from data + at on)
 * reads as: {[1] = "a", ["1"] = "b"} would be the object {"1":"a","1":"b"}, whose reader keeps either
 * value or refuses the text (RFC 8259 section 4). Asked only for number keys, which objects rarely have. */
static int number_key_taken(json_writer *w, int t, size_t at)
{
    lua_State *L = w->L;
    int taken;
    lua_pushlstring(L, w->data + at, w->len - at);
    lua_rawget(L, t);
    taken = !lua_isnil(L, -1);
    lua_pop(L, 1);
    return taken;
}

/* The value under each key of the table at t, from the pair now on the stack (key at -2, value at -1)
 * to the last; keys are strings, or numbers written as strings (refused when the table has that string
 * as a key too). */
static int put_members(json_writer *w, int t, int alias_map, int depth, int first)
{
    lua_State *L = w->L;
    do {
        int key_type = lua_type(L, -2);
        if (!first) put_char(w, ',');
        first = 0;
        if (key_type == LUA_TSTRING) {
            if (!put_string(w, -2)) return 0;
        } else if (key_type == LUA_TNUMBER) {
            size_t at;
            put_char(w, '"');
            at = w->len;
            if (!put_number(w, -2)) return 0;
            if (number_key_taken(w, t, at)) return fail(w, "a table has a number key and a string key written alike");
            put_char(w, '"');
        } else {
            return fail(w, "a table has a key that is neither a string nor a number");
        }
        put_char(w, ':');
        if (!put_value(w, os_absindex(L, -2), alias_map, depth)) return 0;
        lua_pop(L, 1);
    } while (lua_next(L, t) != 0);
    return 1;
}

/* A table cjson would call an array or an object, written from scratch (the quick guess in put_table
 * was wrong). */
static int put_decided(json_writer *w, int t, int alias_map, int depth)
{
    lua_State *L = w->L;
    lua_Integer n, i;
    if (!array_length(w, t, &n)) return 0;
    if (n < 0) {
        put_char(w, '{');
        lua_pushnil(L);
        if (lua_next(L, t) != 0 && !put_members(w, t, alias_map, depth, 1)) return 0;
        put_char(w, '}');
        return 1;
    }
    put_char(w, '[');
    for (i = 1; i <= n; i++) {
        if (i > 1) put_char(w, ',');
        lua_rawgeti(L, t, (int)i);
        if (!put_value(w, 0, alias_map, depth)) return 0;
        lua_pop(L, 1);
    }
    put_char(w, ']');
    return 1;
}

/* The table at t, found under the key at stack index key (0: none) of a table that is an alias map or not.
 * Keys 1, 2, 3, … in traversal order (the array part comes first) are written as an array at once; a
 * first key that is a string makes an object at once; anything else is decided the long way. */
static int put_table(json_writer *w, int t, int key, int in_alias_map, int depth)
{
    lua_State *L = w->L;
    size_t start = w->len;
    int alias_map;
    lua_Integer next_index = 1;
    if (depth > w->max_depth) return fail(w, "a table is nested too deeply (or contains itself)");
    luaL_checkstack(L, 8, "onesignal.json: nested too deeply");
    lua_pushnil(L);
    if (lua_next(L, t) == 0) {
        if (in_alias_map || key_in(w, key, w->array_fields) || has_array_mark(w, t))
            put(w, "[]", 2);
        else
            put(w, "{}", 2);
        return 1;
    }
    alias_map = key_in(w, key, w->map_of_arrays);
    if (lua_type(L, -2) == LUA_TSTRING) {
        put_char(w, '{');
        if (!put_members(w, t, alias_map, depth, 1)) return 0;
        put_char(w, '}');
        return 1;
    }
    put_char(w, '[');
    while (key_is_index(L, -2, next_index)) {
        if (next_index > 1) put_char(w, ',');
        if (lua_type(L, -1) == LUA_TSTRING) { /* the common element, a string, without a second dispatch */
            if (!put_string(w, -1)) return 0;
        } else if (!put_value(w, 0, alias_map, depth)) {
            return 0;
        }
        lua_pop(L, 1);
        next_index++;
        if (lua_next(L, t) == 0) {
            put_char(w, ']');
            return 1;
        }
    }
    lua_pop(L, 2);
    w->len = start;
    return put_decided(w, t, alias_map, depth);
}

/* The value at the top of the stack, under the key at stack index key (0: none). */
static int put_value(json_writer *w, int key, int in_alias_map, int depth)
{
    lua_State *L = w->L;
    switch (lua_type(L, -1)) {
    case LUA_TSTRING:
        return put_string(w, -1);
    case LUA_TNUMBER:
        return put_number(w, -1);
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, -1))
            put(w, "true", 4);
        else
            put(w, "false", 5);
        return 1;
    case LUA_TNIL: /* a hole in an array */
        put(w, "null", 4);
        return 1;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, -1) == NULL) {
            put(w, "null", 4); /* json.null, which is cjson.null */
            return 1;
        }
        if (!is_cjson_mark(L, 1, 1)) return fail(w, "a value is a light userdata");
        put(w, "[]", 2); /* OpenResty's cjson.empty_array */
        return 1;
    case LUA_TTABLE:
        return put_table(w, lua_gettop(L), key, in_alias_map, depth + 1);
    default:
        return fail(w, "a value is a function, userdata or thread");
    }
}

/* A table given with members to add in front of its own (the string pairs at stack indices from..to,
 * a pair without a value skipped): always an object, as the table with those fields set in it would be.
 * The caller's table is never changed, so it can be sent again (with another idempotency key). */
static int put_with_members(json_writer *w, int from, int to)
{
    lua_State *L = w->L;
    int i, first = 1;
    put_char(w, '{');
    for (i = from; i + 1 <= to; i += 2) {
        if (lua_isnil(L, i + 1)) continue;
        if (!first) put_char(w, ',');
        first = 0;
        if (!put_string(w, i)) return 0;
        put_char(w, ':');
        if (!put_string(w, i + 1)) return 0;
    }
    lua_pushnil(L);
    if (lua_next(L, 1) != 0 && !put_members(w, 1, 0, 0, first)) return 0;
    put_char(w, '}');
    return 1;
}

/* core.json_encode(value, array_fields, map_of_arrays, array_mt, max_depth [, name, value]...), and
 * json_encode_body with the same arguments (large: a text at least that long is handed out as a large
 * text; 0: never) */
static int encode(lua_State *L, size_t large)
{
    json_writer w;
    int ok, i, top = lua_gettop(L);
    luaL_checkany(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TTABLE);
    w.max_depth = (int)luaL_checkinteger(L, 5);
    for (i = 6; i <= top; i += 2) {
        luaL_checktype(L, i, LUA_TSTRING);
        if (!lua_isnoneornil(L, i + 1)) luaL_checktype(L, i + 1, LUA_TSTRING);
    }
    if (top > 5) luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkstack(L, 5, "onesignal.json"); /* two slots here, a key and value, a number key's text */
    lua_pushliteral(L, "__metatable");
    lua_pushnil(L);
    w.L = L;
    w.data = w.small;
    w.len = 0;
    w.cap = sizeof w.small;
    w.array_fields = 2;
    w.map_of_arrays = 3;
    w.array_mt = 4;
    w.metatable_key = top + 1;
    w.anchor = top + 2;
    w.problem = NULL;
    w.box = NULL;
    if (top > 5) {
        ok = put_with_members(&w, 6, top);
    } else {
        lua_pushvalue(L, 1);
        ok = put_value(&w, 0, 0, -1);
    }
    if (ok && large != 0 && w.box != NULL && w.len >= large) {
        /* The box becomes the large text: the block is its own from now on. It is not trimmed to the
         * text: glibc serves a block from its heap only when one at least as large was freed before
         * (its mmap threshold follows the largest freed mapping), and the writer grows its block by
         * doubling, so a block freed trimmed would leave every later call's last doubling to mmap. */
        w.box->len = w.len;
        lua_pushvalue(L, w.anchor);
        return 1;
    }
    if (ok) {
        lua_pushlstring(L, w.data, w.len);
    } else {
        lua_pushnil(L);
        lua_pushstring(L, w.problem);
    }
    if (w.box != NULL) text_release(w.box); /* now rather than when the collector gets to the box */
    return ok ? 1 : 2;
}

int os_lua_json_encode(lua_State *L)
{
    return encode(L, 0);
}

int os_lua_json_encode_body(lua_State *L)
{
    return encode(L, OS_JSON_LARGE);
}
