/* The Lua face of the engine: core.session(config), the session's methods table and the methods that
 * only ask or set. The other methods live in the files session_lua_private.h lists; session.h is the
 * engine itself. The options are all checked before the engine is made. */
#include "session_lua.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "curl_info.h"
#include "session_lua_private.h"

/* ---- argument checking ---- */

static int check_secret(lua_State *L, const char *s, size_t len, const char *name)
{
    /* The message names the option, never its value. */
    if (os_has_control(s, len)) return luaL_error(L, PREFIX "'%s' contains a control character", name);
    return 0;
}

static long http_version(lua_State *L, const char *v)
{
    if (v == NULL) return CURL_HTTP_VERSION_NONE;
    if (strcmp(v, "1.1") == 0) return CURL_HTTP_VERSION_1_1;
    if (strcmp(v, "2") == 0) return CURL_HTTP_VERSION_2TLS;
    if (strcmp(v, "2-prior-knowledge") == 0) return CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
    return luaL_error(L, PREFIX "'http_version' must be \"1.1\", \"2\" or \"2-prior-knowledge\"");
}

/* ---- core.session(config) ---- */

static pthread_once_t insecure_warning = PTHREAD_ONCE_INIT;

/* Once per process, however many clients a program makes: a warning repeated per client would be
 * drowned out, or silenced with everything else. */
static void warn_insecure(void)
{
    fputs("onesignal: WARNING: TLS certificate verification is off (insecure = true); anyone between this "
          "program and the server can read the API key and change answers. Use it for testing only.\n",
          stderr);
    fflush(stderr);
}

/* A retry count, as a session option or per request: more than this is a mistake rather than a policy
 * (lua/onesignal/config.lua refuses it first, naming the caller's option). */
int os_lsession_max_retries(lua_State *L, const os_field_values *f, int which, int dflt)
{
    long long v = os_get_integer(f, which, dflt, 0);
    if (v > 1000000) luaL_error(L, PREFIX "'max_retries' is unreasonably large");
    return (int)v;
}

/* The options core.session reads, in the order of their stack slots. */
enum {
    S_BASE_URL, S_REST_KEY, S_ORG_KEY, S_USER_AGENT, S_CA_FILE, S_PROXY, S_VERIFY, S_HTTP_VERSION, S_TIMEOUT,
    S_CONNECT_TIMEOUT, S_MAX_BODY, S_MAX_RETRIES, S_BASE_DELAY, S_MAX_DELAY, S_MAX_CONNECTIONS, S_HEADERS,
    S_BODY_HEADERS, S_COUNT
};
static const char *const SESSION_FIELDS[S_COUNT] = {
    "base_url", "rest_key", "organization_key", "user_agent", "ca_file", "proxy", "verify", "http_version",
    "timeout", "connect_timeout", "max_body", "max_retries", "retry_base_delay", "retry_max_delay",
    "max_connections", "headers", "body_headers"};

static int l_session_new(lua_State *L)
{
    os_config cfg;
    os_field_values f;
    lsession *ls;
    size_t len, n_headers, n_body, *unused_lens;
    const char **headers, **body_headers, *s;
    char err[128];
    os_session *engine;

    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    } else {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 1);
    }
    os_config_defaults(&cfg);
    os_read_fields(L, 1, SESSION_FIELDS, S_COUNT, &f);

    cfg.base_url = (char *)os_get_string(&f, S_BASE_URL, &len);
    if (cfg.base_url != NULL && !os_valid_base_url(cfg.base_url, len))
        luaL_error(L, PREFIX "'base_url' must look like http(s)://host[:port][/prefix], without a trailing slash");
    cfg.rest_key = (char *)os_get_string(&f, S_REST_KEY, &len);
    if (cfg.rest_key != NULL) check_secret(L, cfg.rest_key, len, "rest_key");
    if (cfg.rest_key != NULL && len == 0) cfg.rest_key = NULL;
    cfg.org_key = (char *)os_get_string(&f, S_ORG_KEY, &len);
    if (cfg.org_key != NULL) check_secret(L, cfg.org_key, len, "organization_key");
    if (cfg.org_key != NULL && len == 0) cfg.org_key = NULL;
    s = os_get_string(&f, S_USER_AGENT, &len);
    if (s != NULL && os_has_control(s, len)) luaL_error(L, PREFIX "'user_agent' contains a control character");
    cfg.user_agent = (char *)s;
    s = os_get_string(&f, S_CA_FILE, &len);
    if (s != NULL && strlen(s) != len) luaL_error(L, PREFIX "'ca_file' contains a NUL byte");
    cfg.ca_file = (char *)s;
    s = os_get_string(&f, S_PROXY, &len);
    if (s != NULL && os_has_control(s, len)) luaL_error(L, PREFIX "'proxy' contains a control character");
    cfg.proxy = (char *)s;
    if (os_has(&f, S_VERIFY, LUA_TBOOLEAN)) cfg.verify = lua_toboolean(L, os_slot(&f, S_VERIFY));
    if (!cfg.verify) pthread_once(&insecure_warning, warn_insecure);
    cfg.http_version = http_version(L, os_get_string(&f, S_HTTP_VERSION, &len));
    /* A session that would fail every request after a connection's first, retries included (curl_info.h);
     * lua/onesignal/transport/curl.lua refuses it first, at the caller's line. */
    if (cfg.http_version == CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE && cfg.base_url != NULL &&
        strncmp(cfg.base_url, "http:", 5) == 0 && os_curl_info_get()->http2 && !os_curl_info_get()->h2c)
        luaL_error(L, PREFIX "'http_version' \"2-prior-knowledge\" over plain http fails every request after a "
                   "connection's first with this libcurl (7.88; fixed in 8.0.0): use https, or \"1.1\"");
    cfg.timeout = os_get_positive(&f, S_TIMEOUT, cfg.timeout);
    cfg.connect_timeout = os_get_positive(&f, S_CONNECT_TIMEOUT, cfg.connect_timeout);
    cfg.max_body = (size_t)os_get_integer(&f, S_MAX_BODY, (long long)cfg.max_body, 0);
    cfg.max_retries = os_lsession_max_retries(L, &f, S_MAX_RETRIES, cfg.max_retries);
    cfg.retry_base_delay = os_get_delay(&f, S_BASE_DELAY, cfg.retry_base_delay);
    cfg.retry_max_delay = os_get_delay(&f, S_MAX_DELAY, cfg.retry_max_delay);
    cfg.max_connections = (long)os_get_integer(&f, S_MAX_CONNECTIONS, 0, 0);
    n_headers = os_get_lines(&f, S_HEADERS, &headers, &unused_lens);
    n_body = os_get_lines(&f, S_BODY_HEADERS, &body_headers, &unused_lens);
    cfg.headers = (char **)headers;
    cfg.n_headers = n_headers;
    cfg.body_headers = (char **)body_headers;
    cfg.n_body_headers = n_body;

    /* The userdata exists before the engine, so a memory error cannot orphan the engine. The options'
     * slots and the header lists fill the stack a C function is promised (LUA_MINSTACK); the userdata,
     * its metatable and its uservalue need room beyond it. */
    luaL_checkstack(L, 3, PREFIX "no room on the Lua stack");
    ls = os_newuserdata(L, sizeof *ls);
    memset(ls, 0, sizeof *ls);
    luaL_setmetatable(L, SESSION_MT);
    lua_newtable(L);
    os_setuservalue(L, -2);
    engine = os_session_new(&cfg, err, sizeof err);
    if (engine == NULL) return luaL_error(L, PREFIX "%s", err);
    ls->s = engine;
    os_session_set_attempt_fn(engine, os_lsession_attempt_hook, ls);
    return 1;
}

/* ---- the refusal ---- */

/* Refuses the session's method `name` (the session at 1), called while the engine is being driven. */
int os_lsession_refuse_method(lua_State *L, const lsession *ls, const char *name)
{
    lua_settop(L, 1);
    lua_pushstring(L, name);
    return os_lsession_refuse(L, ls, 2);
}

/* A blocking request, or poll, wait, finished or close, made while the engine runs (from the hook, an
 * on_body function or what they call) cannot drive it there. The session's owner knows which of its own
 * calls this was and who made it: its refusal function (set_refusal), given the request (or the method's
 * name), at `what`, and whether the hook is running, raises the error in its words. Without one, or should
 * it return, the core's own. Only this refused path costs anything: the ordinary call reads one flag. */
int os_lsession_refuse(lua_State *L, const lsession *ls, int what)
{
    os_getuservalue(L, 1);
    lua_getfield(L, -1, "refusal");
    if (lua_isfunction(L, -1)) {
        lua_pushvalue(L, what);
        lua_pushboolean(L, ls->in_hook);
        lua_call(L, 2, 0);
    }
    return luaL_error(L, PREFIX "poll, wait and close cannot be called from a hook");
}

/* ---- methods that only ask or set ---- */

/* session:driving(): whether the engine is being driven (poll, wait, request) right now, as it is while
 * the hook runs, and whether the hook is running. Code that must drive the engine later, after starting
 * requests (a bulk send), asks this first: poll would refuse only once those requests were out. */
static int l_driving(lua_State *L)
{
    lsession *ls = check_open(L);
    lua_pushboolean(L, ls->driving);
    lua_pushboolean(L, ls->in_hook);
    return 2;
}

/* Seconds left of the hold that 429 answers to requests marked note_429 asked for, or nil: none. */
static int l_hold_429(lua_State *L)
{
    lsession *ls = check_open(L);
    double left = os_session_hold_429(ls->s);
    if (left > 0)
        lua_pushnumber(L, left);
    else
        lua_pushnil(L);
    return 1;
}

/* Whether the session's transfers read the environment's proxy variables (os_session_env_proxy). */
static int l_env_proxy(lua_State *L)
{
    lsession *ls = check_open(L);
    lua_pushboolean(L, os_session_env_proxy(ls->s));
    return 1;
}

/* pending, fd, timeout and stats only ask, but in a forked child they must answer for the child (what is
 * in flight is the parent's, and has ended as closed here): each looks for a fork first, as poll does. */
static int l_pending(lua_State *L)
{
    lsession *ls = check_open(L);
    os_session_stats st;
    os_session_check_fork(ls->s);
    os_session_get_stats(ls->s, &st);
    lua_pushinteger(L, st.pending);
    return 1;
}

static int l_fd(lua_State *L)
{
    lsession *ls = check_open(L);
    int fd;
    os_session_check_fork(ls->s);
    fd = os_session_fd(ls->s);
    if (fd < 0)
        lua_pushnil(L);
    else
        lua_pushinteger(L, fd);
    return 1;
}

static int l_timeout(lua_State *L)
{
    lsession *ls = check_open(L);
    double next;
    os_session_check_fork(ls->s);
    next = os_session_next_timeout(ls->s);
    if (next < 0)
        lua_pushnil(L);
    else
        lua_pushnumber(L, next);
    return 1;
}

/* Keeps the function at 2 (nil: none) in the companion table as `name`. */
static void keep_function(lua_State *L, const char *name)
{
    if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    os_getuservalue(L, 1);
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, name);
}

static int l_set_hook(lua_State *L)
{
    lsession *ls = check_open(L);
    keep_function(L, "hook");
    ls->has_hook = !lua_isnil(L, 2);
    return 0;
}

/* session:set_refusal(fn): fn(req, in_hook) raises the error of a blocking request made while the engine
 * runs, fn(name, in_hook) that of poll, wait, finished or close (refuse). */
static int l_set_refusal(lua_State *L)
{
    check_open(L);
    keep_function(L, "refusal");
    return 0;
}

static int l_stats(lua_State *L)
{
    lsession *ls = check_open(L);
    os_session_stats st;
    os_session_check_fork(ls->s);
    os_session_get_stats(ls->s, &st);
    lua_createtable(L, 0, 3);
    os_set_integer(L, "connects", (lua_Integer)st.connects);
    os_set_integer(L, "in_flight", st.in_flight);
    os_set_integer(L, "waiting", st.waiting);
    return 1;
}

static int l_tostring(lua_State *L)
{
    lsession *ls = luaL_checkudata(L, 1, SESSION_MT);
    lua_pushfstring(L, "onesignal.core.session (%s)", ls->s ? "open" : "closed");
    return 1;
}

/* Every method but submit and request (os_lsession_set_request_methods adds those, with their fields). */
static const luaL_Reg METHODS[] = {
    {"poll", os_lsession_poll},   {"wait", os_lsession_wait},         {"pending", l_pending},
    {"fd", l_fd},                 {"timeout", l_timeout},             {"set_hook", l_set_hook},
    {"stats", l_stats},           {"close", os_lsession_close},       {"finished", os_lsession_finished},
    {"driving", l_driving},       {"set_refusal", l_set_refusal},     {"hold_429", l_hold_429},
    {"env_proxy", l_env_proxy},   {NULL, NULL}};

static const luaL_Reg METAMETHODS[] = {
    {"__gc", os_lsession_gc}, {"__close", os_lsession_close}, {"__tostring", l_tostring}, {NULL, NULL}};

void os_lua_session_register(lua_State *L)
{
    luaL_newmetatable(L, SESSION_MT);
    luaL_newlib(L, METHODS);
    os_lsession_set_request_methods(L);
    lua_setfield(L, -2, "__index");
    luaL_setfuncs(L, METAMETHODS, 0);
    lua_pushliteral(L, "onesignal.core.session");
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);
}

void os_lua_push_session_new(lua_State *L)
{
    os_push_field_reader(L, l_session_new, SESSION_FIELDS, S_COUNT);
}
