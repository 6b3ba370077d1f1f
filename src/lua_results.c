/* The Lua tables the engine hands out: results (the `result` contract of docs/design.md) and the reports
 * the attempt hook receives (see lua_results.h). */
#include "lua_results.h"

#include <string.h>

#include "lua_fields.h"
#include "redact.h"

static size_t count_entries(const os_header_block *b)
{
    size_t at = 0, n = 0, name_len, value_len;
    const char *name, *value;
    while ((at = os_header_block_at(b, at, &name, &name_len, &value, &value_len)) != OS_NO_ENTRY) n++;
    return n;
}

/* Joins the values a repeated name collected (an array at the top of the stack) into one string with
 * ", ", replacing the array. */
static void join_values(lua_State *L)
{
    luaL_Buffer b;
    lua_Integer i, n = (lua_Integer)lua_rawlen(L, -1);
    int list = lua_gettop(L);
    luaL_buffinit(L, &b);
    for (i = 1; i <= n; i++) {
        if (i > 1) luaL_addlstring(&b, ", ", 2);
        lua_rawgeti(L, list, i);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    lua_replace(L, list);
}

/* Names are lower-cased already; repeated names are joined with ", " as HTTP allows. A repeat is found
 * in the table being built (a scan of the block for each entry would be quadratic in a hostile server's
 * thousands of headers), and its values are gathered in a list joined once at the end: joining as they
 * come would copy the growing value again for every repeat. */
static void push_headers(lua_State *L, const os_header_block *b)
{
    size_t at = 0, next, name_len, value_len;
    const char *name, *value;
    int table, repeats = 0;
    lua_createtable(L, 0, (int)count_entries(b));
    table = lua_gettop(L);
    while ((next = os_header_block_at(b, at, &name, &name_len, &value, &value_len)) != OS_NO_ENTRY) {
        lua_pushlstring(L, name, name_len);
        lua_pushvalue(L, -1);
        lua_rawget(L, table); /* the value so far, or nil */
        switch (lua_type(L, -1)) {
        case LUA_TNIL: /* the first: the value itself */
            lua_pop(L, 1);
            lua_pushlstring(L, value, value_len);
            lua_rawset(L, table);
            break;
        case LUA_TSTRING: /* the second: a list of both */
            lua_createtable(L, 4, 0);
            lua_insert(L, -2);
            lua_rawseti(L, -2, 1);
            lua_pushlstring(L, value, value_len);
            lua_rawseti(L, -2, 2);
            lua_rawset(L, table);
            repeats = 1;
            break;
        default: /* a later one: onto the list */
            lua_pushlstring(L, value, value_len);
            lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
            lua_pop(L, 2);
            break;
        }
        at = next;
    }
    if (!repeats) return;
    lua_pushnil(L);
    while (lua_next(L, table)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            join_values(L);
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, table); /* an existing key: allowed during the traversal */
        } else {
            lua_pop(L, 1);
        }
    }
}

/* A result's `headers` is made when first read: a call's answer carries a dozen or more headers that
 * most callers never look at, and a Lua string per name and value plus their table cost more than the
 * rest of the result (bench/README.md). Until then the result has one metatable shared by every result of
 * the Lua state, and a side table with weak keys maps the result to its header block (a copy of the
 * engine's, which is reused by the next request). Both live in the registry under the two keys below
 * (light userdata to their addresses), made on first use. A metatable per result, holding its block,
 * cost a table and three stores per request; the shared one costs one store in the side table (about
 * 1.2k instructions less per sequential request on Lua 5.4).
 * The block is looked up by the result's identity, so a table that is no result of ours (one given the
 * shared metatable by Lua code, say) has none. The side table's weak keys let an unread result go; its
 * value is a string, which refers to nothing, so it cannot keep its key alive (LuaJIT's weak tables are
 * not ephemerons). Lua code can reach both tables (debug.getregistry, getmetatable) and put anything
 * there: what C takes from them is checked for its type, and os_header_block_at checks every length it
 * reads against the block string's own. */
static const char metatable_key = 0;
static const char blocks_key = 0;

static int result_index(lua_State *L);
static int result_pairs(lua_State *L);

/* Pushes the registry's table under key; when it is missing (or Lua code put something else there) makes
 * it first: the shared metatable, or the side table. */
static void push_shared(lua_State *L, const char *key)
{
#if LUA_VERSION_NUM >= 502
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, key) == LUA_TTABLE) return;
#else
    lua_pushlightuserdata(L, (void *)key);
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (lua_type(L, -1) == LUA_TTABLE) return;
#endif
    lua_pop(L, 1);
    lua_createtable(L, 0, 2);
    if (key == &metatable_key) {
        lua_pushcfunction(L, result_index);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, result_pairs);
        lua_setfield(L, -2, "__pairs");
    } else {
        lua_createtable(L, 0, 1);
        lua_pushliteral(L, "k");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
    }
    lua_pushlightuserdata(L, (void *)key);
    lua_pushvalue(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
}

static void materialize_headers(lua_State *L, int result)
{
    os_header_block view;
    push_shared(L, &blocks_key);
    lua_pushvalue(L, result);
    lua_rawget(L, -2);
    if (lua_type(L, -1) == LUA_TSTRING) {
        memset(&view, 0, sizeof view);
        view.buf.data = (char *)lua_tolstring(L, -1, &view.buf.len); /* only read, by os_header_block_at */
        lua_pushliteral(L, "headers");
        push_headers(L, &view);
        lua_rawset(L, result);
        /* Read once: the entry goes, and so does the shared metatable (not one Lua code set since), so
         * the result is a plain table again. */
        lua_pushvalue(L, result);
        lua_pushnil(L);
        lua_rawset(L, -4);
        if (lua_getmetatable(L, result)) {
            push_shared(L, &metatable_key);
            if (lua_rawequal(L, -1, -2)) {
                lua_pushnil(L);
                lua_setmetatable(L, result);
            }
            lua_pop(L, 2);
        }
    }
    lua_pop(L, 2);
}

static int result_index(lua_State *L)
{
    size_t len;
    const char *key;
    if (lua_type(L, 2) != LUA_TSTRING) return 0;
    key = lua_tolstring(L, 2, &len);
    if (len != 7 || memcmp(key, "headers", 7) != 0) return 0;
    /* Lua code can call it on anything, or give the metatable to a value of another type */
    if (lua_type(L, 1) != LUA_TTABLE) return 0;
    materialize_headers(L, 1);
    lua_pushliteral(L, "headers");
    lua_rawget(L, 1); /* raw: a table that is no result of ours must not come back here */
    return 1;
}

static int result_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    if (lua_next(L, 1)) return 2;
    lua_pushnil(L);
    return 1;
}

/* pairs(result) on Lua 5.2+ shows `headers` too (LuaJIT ignores __pairs: read it first there). */
static int result_pairs(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    materialize_headers(L, 1);
    lua_pushcfunction(L, result_next);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static void set_lazy_headers(lua_State *L, const os_header_block *b)
{
    push_shared(L, &metatable_key);
    lua_setmetatable(L, -2);
    push_shared(L, &blocks_key);
    lua_pushvalue(L, -2);
    lua_pushlstring(L, b->buf.data, b->buf.len);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

void os_push_result(lua_State *L, const os_transfer *t)
{
    /* A result without error becomes the call's response table (lua/onesignal/response.lua): its seven
     * fields plus the idempotency_key added there fit eight slots, so that addition never resizes it. */
    lua_createtable(L, 0, t->error == OS_ERR_NONE ? 8 : 13);
    /* Only a result whose id its caller knows carries it: one more key costs ~300 instructions, and a
     * blocking request's caller could do nothing with it. */
    if (t->id_given) os_set_integer(L, "id", (lua_Integer)t->id);
    os_set_integer(L, "status", (lua_Integer)t->status);
    lua_pushlstring(L, t->response.len ? t->response.data : "", t->response.len);
    lua_setfield(L, -2, "body");
    os_set_integer(L, "attempts", t->attempt);
    os_set_boolean(L, "replayed", t->headers.replayed);
    if (t->has_retry_after) os_set_number(L, "retry_after", t->retry_after);
    os_set_string(L, "error", os_error_class_name(t->error));
    if (t->error != OS_ERR_NONE) os_set_string(L, "message", t->message);
    if (t->maybe_sent) os_set_boolean(L, "maybe_sent", 1);
    os_set_string(L, "gave_up", os_gave_up_name(t->gave_up));
    os_set_number(L, "elapsed", t->elapsed);
    /* What the last attempt handed to on_body (its earlier attempts' bytes are void). */
    if (t->on_body != NULL) os_set_integer(L, "streamed", (lua_Integer)t->streamed);
    if (t->headers.count > 0) set_lazy_headers(L, &t->headers);
}

void os_push_redacted(lua_State *L, const os_session *s, const char *text, size_t len)
{
    size_t n = os_session_redact(s, text, len, NULL, 0);
    char *out = lua_newuserdata(L, n + 1);
    os_session_redact(s, text, len, out, n);
    lua_pushlstring(L, out, n);
    lua_remove(L, -2);
}

void os_push_attempt(lua_State *L, const os_session *s, const os_attempt_report *r)
{
    const os_transfer *t = r->t;
    lua_createtable(L, 0, 11);
    if (t->has_operation) {
        lua_pushlstring(L, t->operation.data, t->operation.len);
        lua_setfield(L, -2, "operation");
    }
    os_set_string(L, "method", os_method_name(t->method));
    os_push_redacted(L, s, t->url.data, t->url_shown); /* a key passed as data in the path stays hidden */
    if (t->url_shown < t->url.len) {
        lua_pushliteral(L, "?" OS_REDACTED);
        lua_concat(L, 2);
    }
    lua_setfield(L, -2, "url");
    os_set_integer(L, "attempt", r->attempt);
    if (r->status > 0) os_set_integer(L, "status", (lua_Integer)r->status);
    os_set_string(L, "error", os_error_class_name(r->error));
    if (r->error != OS_ERR_NONE) os_set_string(L, "message", r->message);
    os_set_boolean(L, "retry", r->retry);
    if (r->retry) os_set_number(L, "wait", r->wait);
    os_set_number(L, "elapsed", r->elapsed);
    os_set_number(L, "attempt_elapsed", r->attempt_elapsed);
}
