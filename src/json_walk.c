/* The quick walk of json.encode (lua/onesignal/json.lua).
 *
 * A request body is walked before lua-cjson encodes it, to find what cjson cannot write as the API means
 * it: empty tables that are JSON arrays, and numbers that do not survive cjson's 14 significant digits.
 * Each is returned as a swap: (table, key, value, replacement JSON text, or false for a number whose exact
 * text json.lua writes). Done in C because a Lua loop over every value cost as much as cjson's own
 * encoding. Access is raw, as cjson's own.
 *
 * Long lists of strings (an audience of 20,000 external ids) are also written here, as a swap with their
 * JSON text: lua-cjson appends such a list a character at a time, and that alone was most of the time
 * spent sending a large audience; here runs of plain bytes are copied whole. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "json_walk.h"

/* Lists shorter than this are left to cjson: a swap costs a placeholder and a substitution. */
#define LONG_LIST 256

typedef struct {
    lua_State *L;
    int array_fields, map_of_arrays, array_mt; /* stack indices of the arguments */
    int swaps;                                 /* stack index of the list of swaps (nil until the first) */
    int max_depth;
} json_walk;

/* Appends (table t, key, value, replacement) to the swaps. The key is at -3 and the value at -2; the
 * replacement at -1 (a string, or false for a number) is popped. */
static void add_swap(json_walk *w, int t)
{
    lua_State *L = w->L;
    int n;
    if (lua_isnil(L, w->swaps)) {
        lua_newtable(L);
        lua_replace(L, w->swaps);
    }
    n = (int)lua_rawlen(L, w->swaps);
    lua_pushvalue(L, t);
    lua_rawseti(L, w->swaps, n + 1);
    lua_pushvalue(L, -3);
    lua_rawseti(L, w->swaps, n + 2);
    lua_pushvalue(L, -2);
    lua_rawseti(L, w->swaps, n + 3);
    lua_rawseti(L, w->swaps, n + 4);
}

/* What cjson writes with "%.14g" reads back as the same number (json.lua's fits_14_digits). */
static int fits_14_digits(lua_State *L, int idx)
{
    char text[64];
    double d;
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, idx)) {
        lua_Integer i = lua_tointeger(L, idx);
        return i < 100000000000000LL && i > -100000000000000LL;
    }
#endif
    d = lua_tonumber(L, idx);
    snprintf(text, sizeof text, "%.14g", d);
    return strtod(text, NULL) == d;
}

/* The table at -1 is an empty JSON array: marked with array_mt (as getmetatable sees it). */
static int has_array_mark(json_walk *w)
{
    lua_State *L = w->L;
    int marked;
    if (!lua_getmetatable(L, -1)) return 0;
    lua_pushliteral(L, "__metatable");
    lua_rawget(L, -2);
    if (lua_isnil(L, -1))
        lua_pop(L, 1);
    else
        lua_remove(L, -2);
    marked = lua_rawequal(L, -1, w->array_mt);
    lua_pop(L, 1);
    return marked;
}

/* Whether the string key at -2 names a field of set (a table at stack index set). */
static int key_in(json_walk *w, int set)
{
    lua_State *L = w->L;
    int found;
    if (lua_type(L, -2) != LUA_TSTRING) return 0;
    lua_pushvalue(L, -2);
    lua_rawget(L, set);
    found = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return found;
}

/* The bytes a JSON string needs beyond its own: 1 for '"' and '\\' (a backslash before them), 5 for the
 * control characters (\u00XX), 0 for the rest. Bytes at or above 0x80 pass through, as cjson passes them. */
static const unsigned char escape_extra[256] = {
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    ['"'] = 1, ['\\'] = 1};

/* Whether any of len bytes needs escaping, eight at a time: most strings need none, and a byte-by-byte
 * look at a 20,000-id audience was most of the walk's time. A word has such a byte when one of its bytes
 * is below 0x20, or equal to '"' or '\\' (the classic "has a zero byte" test on v ^ that byte); each
 * test is exact about whether any byte matches, which is all that is asked here. */
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)
static int needs_escape(const unsigned char *p, size_t len)
{
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t v, quote, backslash;
        memcpy(&v, p, 8);
        quote = v ^ (ONES * '"');
        backslash = v ^ (ONES * '\\');
        if (((v - ONES * 0x20) & ~v & HIGHS) | ((quote - ONES) & ~quote & HIGHS) |
            ((backslash - ONES) & ~backslash & HIGHS))
            return 1;
    }
    for (; len > 0; p++, len--)
        if (escape_extra[*p]) return 1;
    return 0;
}

static size_t json_string_size(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    size_t size = len + 2;
    if (!needs_escape(p, len)) return size;
    for (; p < end; p++) size += escape_extra[*p];
    return size;
}

static char *write_json_string(char *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    *out++ = '"';
    for (; p < end; p++) {
        unsigned char c = *p;
        if (!escape_extra[c]) {
            *out++ = (char)c;
        } else if (escape_extra[c] == 1) {
            *out++ = '\\';
            *out++ = (char)c;
        } else {
            memcpy(out, "\\u00", 4);
            out[4] = hex[c >> 4];
            out[5] = hex[c & 15];
            out += 6;
        }
    }
    *out++ = '"';
    return out;
}

typedef struct {
    const char *s;
    size_t len;
    int plain; /* nothing to escape: copied whole */
} list_item;

/* The table at -1 holds n strings under the keys 1..n and nothing else: pushes its JSON text. Returns 0
 * (pushing nothing) for anything else, which the ordinary walk then visits. One pass over the list reads
 * and measures every string (the list keeps them alive), a second writes the text once, exactly sized,
 * into memory Lua owns. */
static int push_string_list(lua_State *L, size_t n)
{
    int list = lua_gettop(L);
    size_t i, size = n + 1; /* the brackets and the commas */
    list_item *items = lua_newuserdata(L, n * sizeof *items);
    char *text, *out;
    for (i = 0; i < n; i++) {
        size_t item_size;
        lua_rawgeti(L, list, (int)(i + 1));
        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 2);
            return 0;
        }
        items[i].s = lua_tolstring(L, -1, &items[i].len);
        lua_pop(L, 1);
        item_size = json_string_size(items[i].s, items[i].len);
        items[i].plain = item_size == items[i].len + 2;
        size += item_size;
    }
    lua_pushinteger(L, (lua_Integer)n);
    if (lua_next(L, list) != 0) { /* a key besides 1..n: cjson decides what that table is */
        lua_pop(L, 3);
        return 0;
    }
    out = text = lua_newuserdata(L, size);
    *out++ = '[';
    for (i = 0; i < n; i++) {
        if (items[i].plain) {
            *out++ = '"';
            memcpy(out, items[i].s, items[i].len);
            out += items[i].len;
            *out++ = '"';
        } else {
            out = write_json_string(out, items[i].s, items[i].len);
        }
        *out++ = i + 1 < n ? ',' : ']';
    }
    lua_pushlstring(L, text, size);
    lua_replace(L, -3);
    lua_pop(L, 1);
    return 1;
}

static int walk_table(json_walk *w, int t, int alias_map, int depth);

/* The value at -1, under the key at -2, of the table at t (json.lua's visit). 0: NaN or infinity, or too
 * deep (also what a cycle looks like). */
static int walk_value(json_walk *w, int t, int alias_map, int depth)
{
    lua_State *L = w->L;
    int type = lua_type(L, -1);
    if (type == LUA_TTABLE) {
        size_t n;
        lua_pushnil(L);
        if (lua_next(L, -2) == 0) {
            if (alias_map || key_in(w, w->array_fields) || has_array_mark(w)) {
                lua_pushliteral(L, "[]");
                add_swap(w, t);
            }
            return 1;
        }
        lua_pop(L, 2);
        n = lua_rawlen(L, -1);
        if (n >= LONG_LIST && push_string_list(L, n)) {
            add_swap(w, t);
            return 1;
        }
        return walk_table(w, lua_gettop(L), key_in(w, w->map_of_arrays), depth + 1);
    }
    if (type == LUA_TNUMBER) {
        double d = lua_tonumber(L, -1);
        if (d != d || d == HUGE_VAL || d == -HUGE_VAL) return 0;
        if (!fits_14_digits(L, -1)) {
            lua_pushboolean(L, 0);
            add_swap(w, t);
        }
    }
    return 1;
}

static int walk_table(json_walk *w, int t, int alias_map, int depth)
{
    lua_State *L = w->L;
    size_t n, i;
    if (depth > w->max_depth) return 0;
    luaL_checkstack(L, 8, "onesignal.json: nested too deeply");
    /* The array part by index (a long list of ids is the common big body), then whatever keys follow. */
    n = lua_rawlen(L, t);
    for (i = 1; i <= n; i++) {
        lua_rawgeti(L, t, (int)i);
        if (lua_type(L, -1) != LUA_TSTRING) {
            int ok;
            lua_pushinteger(L, (lua_Integer)i);
            lua_insert(L, -2);
            ok = walk_value(w, t, alias_map, depth);
            lua_pop(L, 2);
            if (!ok) return 0;
        } else {
            lua_pop(L, 1);
        }
    }
    if (n > 0)
        lua_pushinteger(L, (lua_Integer)n);
    else
        lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        if (lua_type(L, -1) != LUA_TSTRING && !walk_value(w, t, alias_map, depth)) {
            lua_pop(L, 2);
            return 0;
        }
        lua_pop(L, 1);
    }
    return 1;
}

/* core.json_quick_walk(value, array_fields, map_of_arrays, array_mt, max_depth) -> ok, swaps or nil */
int os_lua_json_quick_walk(lua_State *L)
{
    json_walk w;
    int ok;
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TTABLE);
    w.L = L;
    w.array_fields = 2;
    w.map_of_arrays = 3;
    w.array_mt = 4;
    w.max_depth = (int)luaL_checkinteger(L, 5);
    lua_settop(L, 5);
    lua_pushnil(L);
    w.swaps = 6;
    ok = walk_table(&w, 1, 0, 0);
    lua_settop(L, 6);
    lua_pushboolean(L, ok);
    lua_insert(L, 6);
    return 2;
}

