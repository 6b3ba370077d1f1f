/* luaopen_onesignal_core: the module table, and the pure functions exposed to Lua (each only marshals
 * arguments to the C function that does the work). */
#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "compat.h"
#include "escape.h"
#include "policy.h"
#include "poller.h"
#include "random.h"
#include "redact.h"
#include "retry_after.h"
#include "session_lua.h"
#include "uuid.h"

#define VERSION "0.1.0"
#define PREFIX "onesignal.core: "

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_OK;

/* What libcurl says about itself, read once. curl_version() and curl_version_info() fill static buffers
 * of libcurl on every call, so two Lua states loading this module at the same moment would race on them
 * (ThreadSanitizer saw it in spec/hardening/threads_spec.lua). */
static char curl_version_text[256];
static int curl_has_http2, curl_has_brotli;

/* curl_global_init is not thread-safe and must run once per process, whichever Lua state loads us first. */
static void init_curl(void)
{
    const curl_version_info_data *info;
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
    snprintf(curl_version_text, sizeof curl_version_text, "%s", curl_version());
    info = curl_version_info(CURLVERSION_NOW);
    curl_has_http2 = (info->features & CURL_VERSION_HTTP2) != 0;
    curl_has_brotli = (info->features & CURL_VERSION_BROTLI) != 0;
}

/* What the module's functions keep per Lua state (upvalue 1): never shared between threads. */
typedef struct {
    os_prng prng;         /* behind jitter when the caller gives none */
    os_random_pool pool;  /* behind identifiers */
} core_state;

static core_state *state_of(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

static os_prng *state_prng(lua_State *L)
{
    return &state_of(L)->prng;
}

static int l_uuid4(lua_State *L)
{
    char out[OS_UUID_LEN + 1];
    if (os_uuid4(&state_of(L)->pool, out) != 0)
        return luaL_error(L, PREFIX "no randomness available from the kernel");
    lua_pushlstring(L, out, OS_UUID_LEN);
    return 1;
}

static int l_monotonic(lua_State *L)
{
    lua_pushnumber(L, os_monotonic());
    return 1;
}

static int l_sleep(lua_State *L)
{
    double seconds = luaL_checknumber(L, 1);
    luaL_argcheck(L, seconds >= 0, 1, "seconds must not be negative");
    os_sleep(seconds);
    return 0;
}

static int l_escape(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    char small[768];
    char *out = len <= sizeof small / 3 ? small : lua_newuserdata(L, OS_ESCAPE_MAX(len));
    size_t n = os_escape(s, len, out);
    lua_pushlstring(L, out, n);
    return 1;
}

static int l_parse_retry_after(lua_State *L)
{
    size_t len;
    const char *s;
    double now, seconds;
    if (lua_type(L, 1) != LUA_TSTRING) {
        luaL_argcheck(L, lua_isnoneornil(L, 1), 1, "string expected");
        lua_pushnil(L);
        return 1;
    }
    s = lua_tolstring(L, 1, &len);
    now = lua_isnoneornil(L, 2) ? os_wall() : luaL_checknumber(L, 2);
    if (os_parse_retry_after(s, len, now, &seconds))
        lua_pushnumber(L, seconds);
    else
        lua_pushnil(L);
    return 1;
}

static double num_field(lua_State *L, const char *name, double dflt)
{
    double v = dflt;
    lua_getfield(L, 1, name);
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TNUMBER) luaL_error(L, PREFIX "policy field '%s' must be a number", name);
        v = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

static int bool_field(lua_State *L, const char *name)
{
    int v;
    lua_getfield(L, 1, name);
    v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

static int clamp_int(double v)
{
    if (!(v > -2147483647.0)) return -2147483647;
    if (v > 2147483647.0) return 2147483647;
    return (int)v;
}

static int l_policy(lua_State *L)
{
    os_policy_input in;
    os_policy_decision d;
    luaL_checktype(L, 1, LUA_TTABLE);
    memset(&in, 0, sizeof in);
    in.status = clamp_int(num_field(L, "status", 0));
    lua_getfield(L, 1, "error");
    if (!lua_isnil(L, -1)) {
        const char *name = lua_tostring(L, -1);
        in.error = name ? os_error_class_from_name(name) : OS_ERR_COUNT;
        if (in.error == OS_ERR_COUNT) return luaL_error(L, PREFIX "policy field 'error' is not a transport class");
    }
    lua_pop(L, 1);
    in.sent = bool_field(L, "sent");
    in.safe = bool_field(L, "safe");
    in.attempt = clamp_int(num_field(L, "attempt", 1));
    in.max_retries = clamp_int(num_field(L, "max_retries", 3));
    lua_getfield(L, 1, "retry_after");
    in.has_retry_after = !lua_isnil(L, -1);
    lua_pop(L, 1);
    in.retry_after = num_field(L, "retry_after", 0);
    in.base_delay = num_field(L, "base_delay", 0.5);
    in.max_delay = num_field(L, "max_delay", 30);
    in.elapsed = num_field(L, "elapsed", 0);
    lua_getfield(L, 1, "deadline");
    in.has_deadline = !lua_isnil(L, -1);
    lua_pop(L, 1);
    in.deadline = num_field(L, "deadline", 0);
    lua_getfield(L, 1, "random");
    in.random01 = lua_isnil(L, -1) ? os_prng_next01(state_prng(L)) : num_field(L, "random", 0);
    lua_pop(L, 1);
    os_policy_decide(&in, &d);
    lua_pushboolean(L, d.retry);
    lua_pushnumber(L, d.wait);
    lua_pushboolean(L, d.maybe_sent);
    if (d.gave_up != OS_GAVE_UP_NONE)
        lua_pushstring(L, os_gave_up_name(d.gave_up));
    else
        lua_pushnil(L);
    return 4;
}

static int l_backoff(lua_State *L)
{
    int attempt = clamp_int(luaL_checknumber(L, 1));
    double base = luaL_checknumber(L, 2), max = luaL_checknumber(L, 3);
    double r = lua_isnoneornil(L, 4) ? os_prng_next01(state_prng(L)) : luaL_checknumber(L, 4);
    lua_pushnumber(L, os_backoff(attempt, base, max, r));
    return 1;
}

static int l_redact(lua_State *L)
{
    size_t len, n, count = 0, i, top = (size_t)lua_gettop(L);
    const char *text = luaL_checklstring(L, 1, &len);
    os_span *secrets = lua_newuserdata(L, (top > 1 ? top - 1 : 1) * sizeof *secrets);
    char *out;
    for (i = 2; i <= top; i++) {
        if (lua_isnil(L, (int)i)) continue; /* an absent key: nothing to hide */
        if (lua_type(L, (int)i) != LUA_TSTRING) return luaL_argerror(L, (int)i, "string or nil expected");
        secrets[count].ptr = lua_tolstring(L, (int)i, &secrets[count].len);
        count++;
    }
    n = os_redact(text, len, secrets, count, NULL, 0);
    out = lua_newuserdata(L, n + 1);
    os_redact(text, len, secrets, count, out, n);
    lua_pushlstring(L, out, n);
    return 1;
}

/* ---- the quick walk of json.encode (lua/onesignal/json.lua) ----
 * A request body is walked before lua-cjson encodes it, to find what cjson cannot write as the API means
 * it: empty tables that are JSON arrays, and numbers that do not survive cjson's 14 significant digits.
 * Done here because a Lua loop over every value cost as much as cjson's own encoding (a 20,000-id
 * audience, or a small notification on every call). Access is raw, as cjson's own. */

typedef struct {
    lua_State *L;
    int array_fields, map_of_arrays, array_mt; /* stack indices of the arguments */
    int swaps;                                 /* stack index of the list of swaps (nil until the first) */
    int max_depth;
} json_walk;

/* Appends (table, key, value, replacement) to the swaps; the key is at -2 and the value at -1. A false
 * replacement asks json.lua for the exact text of a number. */
static void add_swap(json_walk *w, int t, const char *replacement)
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
    lua_pushvalue(L, -2);
    lua_rawseti(L, w->swaps, n + 2);
    lua_pushvalue(L, -1);
    lua_rawseti(L, w->swaps, n + 3);
    if (replacement != NULL)
        lua_pushstring(L, replacement);
    else
        lua_pushboolean(L, 0);
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

static int walk_table(json_walk *w, int t, int alias_map, int depth);

/* The value at -1, under the key at -2, of the table at t (json.lua's visit). 0: NaN or infinity, or too
 * deep (also what a cycle looks like). */
static int walk_value(json_walk *w, int t, int alias_map, int depth)
{
    lua_State *L = w->L;
    int type = lua_type(L, -1);
    if (type == LUA_TTABLE) {
        lua_pushnil(L);
        if (lua_next(L, -2) == 0) {
            if (alias_map || key_in(w, w->array_fields) || has_array_mark(w)) add_swap(w, t, "[]");
            return 1;
        }
        lua_pop(L, 2);
        return walk_table(w, lua_gettop(L), key_in(w, w->map_of_arrays), depth + 1);
    }
    if (type == LUA_TNUMBER) {
        double d = lua_tonumber(L, -1);
        if (d != d || d == HUGE_VAL || d == -HUGE_VAL) return 0;
        if (!fits_14_digits(L, -1)) add_swap(w, t, NULL);
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
static int l_json_quick_walk(lua_State *L)
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

static void push_features(lua_State *L)
{
    lua_createtable(L, 0, 3);
    lua_pushboolean(L, curl_has_http2);
    lua_setfield(L, -2, "http2");
    lua_pushboolean(L, curl_has_brotli);
    lua_setfield(L, -2, "brotli");
#ifdef OS_POLLER_EPOLL
    lua_pushboolean(L, 1);
#else
    lua_pushboolean(L, 0);
#endif
    lua_setfield(L, -2, "epoll");
}

static const luaL_Reg FUNCTIONS[] = {{"uuid4", l_uuid4},
                                     {"escape", l_escape},
                                     {"parse_retry_after", l_parse_retry_after},
                                     {"policy", l_policy},
                                     {"backoff", l_backoff},
                                     {"redact", l_redact},
                                     {"monotonic", l_monotonic},
                                     {"sleep", l_sleep},
                                     {"json_quick_walk", l_json_quick_walk},
                                     {NULL, NULL}};

int luaopen_onesignal_core(lua_State *L);

#if defined(__GNUC__) || defined(__clang__)
__attribute__((visibility("default")))
#endif
int luaopen_onesignal_core(lua_State *L)
{
    core_state *state;
    pthread_once(&curl_once, init_curl);
    if (curl_init_result != CURLE_OK) return luaL_error(L, PREFIX "curl_global_init failed");
    os_lua_session_register(L);

    lua_createtable(L, 0, 12);
    state = lua_newuserdata(L, sizeof *state);
    memset(state, 0, sizeof *state);
    luaL_setfuncs(L, FUNCTIONS, 1);
    lua_pushcfunction(L, os_lua_session_new);
    lua_setfield(L, -2, "session");
    lua_pushliteral(L, VERSION);
    lua_setfield(L, -2, "_VERSION");
    lua_pushstring(L, curl_version_text);
    lua_setfield(L, -2, "curl_version");
    push_features(L);
    lua_setfield(L, -2, "features");
    return 1;
}
