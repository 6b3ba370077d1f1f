/* luaopen_onesignal_core: the module table, and the pure functions exposed to Lua (each only marshals
 * arguments to the C function that does the work). */
#define _GNU_SOURCE /* dladdr */
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "clock.h"
#include "compat.h"
#include "curl_info.h"
#include "escape.h"
#include "json_decode.h"
#include "json_encode.h"
#include "policy.h"
#include "poller.h"
#include "random.h"
#include "redact.h"
#include "retry_after.h"
#include "session_lua.h"
#include "utf8.h"
#include "uuid.h"

#define VERSION "0.1.0"
#define PREFIX "onesignal.core: "

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_OK;

/* curl_global_init is not thread-safe and must run once per process, whichever Lua state loads us first.
 * The module then stays loaded until the process ends (RTLD_NODELETE), and with it libcurl: lua_close
 * unloads every C module, and a name lookup thread let go by CURLOPT_QUICK_EXIT (transfer.c) goes on in
 * libcurl's code until getaddrinfo returns; a host that closes a Lua state and runs on would crash there.
 * (Not pinned when the address names no loadable file, as when the core is linked into a program.) */
static void init_curl(void)
{
    Dl_info self;
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (dladdr(&curl_once, &self) != 0 && self.dli_fname != NULL)
        (void)dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE); /* kept: never closed */
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
    in.applied_before = bool_field(L, "applied_before");
    in.body_refused = bool_field(L, "body_refused");
    os_policy_decide(&in, &d);
    lua_pushboolean(L, d.retry);
    lua_pushnumber(L, d.wait);
    lua_pushboolean(L, d.maybe_sent);
    if (d.gave_up != OS_GAVE_UP_NONE)
        lua_pushstring(L, os_gave_up_name(d.gave_up));
    else
        lua_pushnil(L);
    lua_pushboolean(L, d.applied);
    lua_pushnumber(L, d.hold);
    return 6;
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

static void push_features(lua_State *L)
{
    const os_curl_info *curl = os_curl_info_get();
    lua_createtable(L, 0, 5);
    lua_pushboolean(L, curl->http2);
    lua_setfield(L, -2, "http2");
    lua_pushboolean(L, curl->brotli);
    lua_setfield(L, -2, "brotli");
    lua_pushboolean(L, curl->h2c);
    lua_setfield(L, -2, "h2c");
    lua_pushstring(L, curl->accept_encoding); /* what the session's Accept-Encoding line offers */
    lua_setfield(L, -2, "accept_encoding");
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
                                     {"json_encode", os_lua_json_encode},
                                     {"json_encode_body", os_lua_json_encode_body},
                                     {"json_text", os_lua_json_text},
                                     {"json_release", os_lua_json_release},
                                     {"json_sparse", os_lua_json_sparse},
                                     {"json_cjson_marks", os_lua_json_cjson_marks},
                                     {"json_decode", os_lua_json_decode},
                                     {"json_decoder", os_lua_json_decoder},
                                     {"utf8_error", os_lua_utf8_error},
                                     {NULL, NULL}};

/* The one symbol the module exports (visibility.h). */
OS_EXPORT int luaopen_onesignal_core(lua_State *L);

OS_EXPORT int luaopen_onesignal_core(lua_State *L)
{
    core_state *state;
    pthread_once(&curl_once, init_curl);
    if (curl_init_result != CURLE_OK) return luaL_error(L, PREFIX "curl_global_init failed");
    os_lua_session_register(L);
    os_lua_json_register(L);

    lua_createtable(L, 0, 20);
    state = lua_newuserdata(L, sizeof *state);
    memset(state, 0, sizeof *state);
    luaL_setfuncs(L, FUNCTIONS, 1);
    os_lua_push_session_new(L);
    lua_setfield(L, -2, "session");
    lua_pushliteral(L, VERSION);
    lua_setfield(L, -2, "_VERSION");
    lua_pushstring(L, os_curl_info_get()->version);
    lua_setfield(L, -2, "curl_version");
    lua_pushinteger(L, (lua_Integer)OS_JSON_LARGE);
    lua_setfield(L, -2, "json_large");
    push_features(L);
    lua_setfield(L, -2, "features");
    return 1;
}
