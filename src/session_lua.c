/* The Lua face of the engine: core.session(config) and the session methods (see session.h for the
 * engine itself). Validates everything before touching the engine, so a Lua error never leaves a
 * half-submitted request behind. */
#include "session_lua.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "curl_info.h"
#include "headers.h"
#include "json_encode.h"
#include "lua_fields.h"
#include "lua_results.h"
#include "session.h"

#define SESSION_MT "onesignal.core.session"
#define PREFIX "onesignal.core: "

typedef struct {
    os_session *s; /* NULL once closed */
    lua_State *L;  /* the thread driving the engine right now (the hook runs on it) */
    int uv_index;  /* where that thread's frame holds our companion table */
    int driving;
    int in_hook;
    int has_hook;
    /* Results being handed out now. A finalizer run by an allocation while one is being made can close
     * the session: the engine is then freed by hand_out once no transfer of its is out (orphan). */
    int handing;
    os_session *orphan;
} lsession;

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

static void attempt_hook(void *ud, const os_attempt_report *r);

/* A retry count, as a session option or per request: more than this is a mistake rather than a policy
 * (lua/onesignal/config.lua refuses it first, naming the caller's option). */
static int get_max_retries(lua_State *L, const os_field_values *f, int which, int dflt)
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
    cfg.max_retries = get_max_retries(L, &f, S_MAX_RETRIES, cfg.max_retries);
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
    os_session_set_attempt_fn(engine, attempt_hook, ls);
    return 1;
}

/* ---- helpers of the methods ---- */

static lsession *check_open(lua_State *L)
{
    lsession *ls = luaL_checkudata(L, 1, SESSION_MT);
    if (ls->s == NULL) luaL_error(L, PREFIX "session is closed");
    return ls;
}

static int refuse(lua_State *L, const lsession *ls, int what);

/* Refuses the session's method `name` (the session at 1), called while the engine is being driven. */
static int refuse_method(lua_State *L, const lsession *ls, const char *name)
{
    lua_settop(L, 1);
    lua_pushstring(L, name);
    return refuse(L, ls, 2);
}

/* `name`: the method, for the refusal function (refuse) to name when the engine is being driven. */
static lsession *check_drivable(lua_State *L, const char *name)
{
    lsession *ls = check_open(L);
    if (ls->driving) refuse_method(L, ls, name);
    return ls;
}

/* Runs the engine with the hook able to reach Lua through L. The uservalue table is pushed first. */
static void drive(lua_State *L, lsession *ls, double timeout, const os_transfer *target)
{
    os_getuservalue(L, 1);
    ls->L = L;
    ls->uv_index = lua_gettop(L);
    ls->driving = 1;
    os_session_run(ls->s, timeout, target);
    ls->driving = 0;
    ls->L = NULL;
    lua_pop(L, 1);
}

/* Runs protected (hand_out): builds the result of the transfer at 1 (a light userdata) and either stores
 * it and the context at 5 in the lists at 2 and 3 at [4], or, without lists, returns it. */
static int store_result(lua_State *L)
{
    os_push_result(L, lua_touserdata(L, 1));
    if (lua_isnil(L, 2)) return 1;
    /* The context first and the result last: a memory error between the two stores then leaves no result
     * in the list (its request is handed out again later), only a context past the list's end, which
     * nobody reads. The other way round, the list would carry a result without its context. */
    lua_pushvalue(L, 5);
    lua_rawseti(L, 3, (int)lua_tointeger(L, 4));
    lua_rawseti(L, 2, (int)lua_tointeger(L, 4));
    return 0;
}

/* Hands the result out: builds the table and either stores it and the request's context (false when it
 * has none) at [i] of the lists at `lists` and lists + 1, or, when lists is 0, leaves it on the stack;
 * then lets go of the Lua values the request kept alive and of the request itself. `builder` is the
 * index of store_result, pushed by the caller before it took anything: pushing a C function allocates
 * on LuaJIT.
 * Any allocation here may run a finalizer, and a finalizer may call this session's poll, wait or close.
 * So the request is off the engine's books before the first allocation (a nested poll cannot hand it out
 * twice), its context is on the stack before it (a nested close empties the companion table), and a
 * nested close leaves the engine for this function to free (close_session).
 * The allocations run protected: on an error (out of memory) the request goes back to the head of the
 * finished ones, to be handed out by the next poll, rather than being lost with its transfer. Returns 0,
 * or the error's status with the error on the stack. */
static int hand_out(lua_State *L, lsession *ls, os_transfer *t, int lists, int i, int builder)
{
    os_session *s = ls->s;
    int uv, status;
    os_session_take(s, t);
    ls->handing++;
    os_getuservalue(L, 1);
    uv = lua_gettop(L);
    lua_pushvalue(L, builder);
    lua_pushlightuserdata(L, t);
    if (lists != 0) {
        lua_pushvalue(L, lists);
        lua_pushvalue(L, lists + 1);
    } else {
        lua_pushnil(L);
        lua_pushnil(L);
    }
    lua_pushinteger(L, i);
    if (t->context_ref != LUA_NOREF)
        lua_rawgeti(L, uv, t->context_ref);
    else
        lua_pushboolean(L, 0);
    status = lua_pcall(L, 5, lists != 0 ? 0 : 1, 0);
    if (status != 0 || lists == 0) {
        lua_insert(L, uv); /* the result or the error, companion table */
        uv++;
    }
    if (status == 0) {
        luaL_unref(L, uv, t->body_ref);
        luaL_unref(L, uv, t->context_ref);
        luaL_unref(L, uv, t->on_body_ref);
    }
    lua_pop(L, 1);
    ls->handing--;
    /* Back unless a finalizer closed the session meanwhile: then nobody is left to hand it to. */
    if (status == 0 || ls->s != s || os_session_untake(s, t) != 0) os_session_discard(s, t);
    if (ls->orphan == s && ls->handing == 0) {
        ls->orphan = NULL;
        os_session_free(s);
    }
    return status;
}

/* ---- hook ---- */

/* An error raised by the hook is no error of the call: it is a warning (Lua 5.4, shown once warnings are
 * on), with the client's keys removed as from every message, for the hook may quote what it was given
 * or had at hand. */
static int call_hook(lua_State *L)
{
    const os_attempt_report *r = lua_touserdata(L, 1);
    const lsession *ls = lua_touserdata(L, 3);
    size_t len;
    const char *msg;
    lua_getfield(L, 2, "hook");
    if (!lua_isfunction(L, -1)) return 0;
    os_push_attempt(L, ls->s, r);
    if (lua_pcall(L, 1, 0, 0) == 0) return 0;
    msg = lua_tolstring(L, -1, &len);
    if (msg == NULL) {
        msg = "(not a string)";
        len = strlen(msg);
    }
    os_push_redacted(L, ls->s, msg, len);
    os_warn(L, "onesignal.core: error in hook (ignored): ", lua_tostring(L, -1));
    return 0;
}

static void attempt_hook(void *ud, const os_attempt_report *r)
{
    lsession *ls = ud;
    lua_State *L = ls->L;
    if (!ls->has_hook || L == NULL || ls->in_hook) return;
    lua_pushcfunction(L, call_hook);
    lua_pushlightuserdata(L, (void *)r);
    lua_pushvalue(L, ls->uv_index);
    lua_pushlightuserdata(L, ls);
    ls->in_hook = 1;
    /* Everything runs protected, table building included: a hook can never unwind through libcurl. What
     * fails here, outside the hook (memory), is no message of the hook's: it holds no key. */
    if (lua_pcall(L, 3, 0, 0) != 0) {
        const char *msg = lua_tostring(L, -1);
        os_warn(L, "onesignal.core: error in hook (ignored): ", msg ? msg : "(not a string)");
        lua_pop(L, 1);
    }
    ls->in_hook = 0;
}

/* ---- on_body: a request's Lua function that takes its 2xx body as it arrives ---- */

typedef struct {
    const char *data;
    size_t len, offset;
    long long total; /* -1: unknown */
    int go_on;
} body_call;

/* on_body(chunk, offset, total): total is the length the whole body will have, or nil when unknown.
 * Runs protected: the function and the chunk (the string is made here, where a memory error is caught). */
static int call_on_body(lua_State *L)
{
    body_call *c = lua_touserdata(L, 1);
    lua_pushvalue(L, 2);
    lua_pushlstring(L, c->data, c->len);
    lua_pushinteger(L, (lua_Integer)c->offset);
    if (c->total >= 0)
        lua_pushinteger(L, (lua_Integer)c->total);
    else
        lua_pushnil(L);
    lua_call(L, 3, 1);
    c->go_on = lua_toboolean(L, -1);
    return 0;
}

/* The engine's os_body_fn, called from inside libcurl's write callback while drive runs: nothing may
 * unwind through libcurl, so the call is protected, and an error stops the transfer as a refusal does.
 * The function is trusted to do its own reporting (lua/onesignal/exports.lua records why it refused). */
static int lua_on_body(void *ud, os_transfer *t, const char *data, size_t len, size_t offset)
{
    lsession *ls = ud;
    lua_State *L = ls->L;
    body_call c;
    if (L == NULL || !lua_checkstack(L, 7)) return -1;
    c.data = data;
    c.len = len;
    c.offset = offset;
    c.total = t->announced;
    c.go_on = 0;
    lua_pushcfunction(L, call_on_body);
    lua_pushlightuserdata(L, &c);
    lua_rawgeti(L, ls->uv_index, t->on_body_ref);
    if (lua_pcall(L, 2, 0, 0) != 0) {
        lua_pop(L, 1);
        return -1;
    }
    return c.go_on ? 0 : -1;
}

/* ---- methods ---- */

static int method_of(lua_State *L, const char *m, os_method *out)
{
    static const char *const names[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
    int i;
    for (i = 0; names[i] != NULL; i++)
        if (m != NULL && strcmp(m, names[i]) == 0) {
            *out = (os_method)i;
            return 0;
        }
    return luaL_error(L, PREFIX "'method' must be one of GET, POST, PUT, PATCH, DELETE");
}

/* A request's own lines go ahead of the session's list, which already names the client, the encodings
 * it decodes and the key: the same name twice would send both lines. */
static void check_own_lines(lua_State *L, const char *const *lines, size_t n)
{
    static const char *const session_names[] = {"user-agent", "accept-encoding", "authorization", NULL};
    size_t i;
    int k;
    for (i = 0; i < n; i++)
        for (k = 0; session_names[k] != NULL; k++)
            if (os_header_line_names(lines[i], session_names[k]))
                luaL_error(L, PREFIX "'headers' cannot set %s: the session sets it", session_names[k]);
}

/* Keeps the value at idx alive for the engine: a reference in the uservalue table (none for nil). */
static int ref_value(lua_State *L, int idx, int uv)
{
    if (lua_isnil(L, idx)) return LUA_NOREF;
    lua_pushvalue(L, idx);
    return luaL_ref(L, uv);
}

/* The fields of a request (docs/design.md), in the order of their stack slots. */
enum {
    R_METHOD, R_PATH, R_URL, R_CREDENTIAL, R_BODY, R_OPERATION, R_KEY, R_TIMEOUT, R_DEADLINE, R_IDLE_TIMEOUT,
    R_MAX_RETRIES, R_BASE_DELAY, R_MAX_DELAY, R_HEADERS, R_ON_BODY, R_NOTE_429, R_COUNT
};
static const char *const REQUEST_FIELDS[R_COUNT] = {
    "method", "path", "url", "credential", "body", "operation", "idempotency_key", "timeout", "deadline",
    "idle_timeout", "max_retries", "retry_base_delay", "retry_max_delay", "headers", "on_body", "note_429"};

/* Checks the request at 2 and hands it to the engine. With keep, the body and the context at 3 are kept
 * alive by references (the request outlives this call); without, the caller keeps the body on its stack
 * until the engine is done with it and there is no context. */
static os_transfer *submit(lua_State *L, lsession *ls, int keep, int *body_slot)
{
    os_method method = OS_GET;
    os_credential credential = OS_CRED_NONE;
    os_field_values f;
    size_t path_len = 0, url_len = 0, body_len = 0, operation_len = 0, n_extra, *extra_lens, len;
    const char *path, *url, *body, *operation, *cred, *key, **extra;
    int safe, uv, failed, body_ref, context_ref, on_body_ref, has_on_body, max_retries, note_429;
    double timeout, deadline, idle_timeout;
    double base_delay, max_delay;
    const os_config *cfg = os_session_config(ls->s);
    os_transfer *t;

    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 3); /* 3 = the context (any value the caller wants back with the result, or nil) */
    if (!keep && !lua_isnil(L, 3)) luaL_error(L, PREFIX "a blocking request takes no context");
    os_read_fields(L, 2, REQUEST_FIELDS, R_COUNT, &f);
    *body_slot = os_slot(&f, R_BODY);
    method_of(L, os_get_string(&f, R_METHOD, &len), &method);
    path = os_get_string(&f, R_PATH, &path_len);
    url = os_get_string(&f, R_URL, &url_len);
    if ((path == NULL) == (url == NULL)) luaL_error(L, PREFIX "a request needs exactly one of 'path' and 'url'");
    if (path != NULL && !os_valid_path(path, path_len))
        luaL_error(L, PREFIX "'path' must start with '/' and be encoded (no spaces or control characters)");
    if (path != NULL && cfg->base_url == NULL) luaL_error(L, PREFIX "this session has no base_url; give 'url'");
    if (url != NULL && !os_valid_url(url, url_len))
        luaL_error(L, PREFIX "'url' must be an encoded absolute http(s) URL");
    cred = os_get_string(&f, R_CREDENTIAL, &len);
    if (cred != NULL) {
        if (strcmp(cred, "rest") == 0)
            credential = OS_CRED_REST;
        else if (strcmp(cred, "organization") == 0)
            credential = OS_CRED_ORG;
        else
            luaL_error(L, PREFIX "'credential' must be \"rest\", \"organization\" or nil");
        if (!os_session_has_key(ls->s, credential))
            luaL_error(L, PREFIX "this session has no %s key", credential == OS_CRED_REST ? "rest" : "organization");
    }
    /* A body is JSON text: a string, or a large text (json_encode.c) kept alive the same way. */
    body = lua_type(L, os_slot(&f, R_BODY)) == LUA_TUSERDATA ? os_json_text_get(L, os_slot(&f, R_BODY), &body_len)
                                                             : NULL;
    if (body == NULL) body = os_get_string(&f, R_BODY, &body_len); /* raises for any other value */
    operation = os_get_string(&f, R_OPERATION, &operation_len);
    key = os_get_string(&f, R_KEY, &len);
    if (key != NULL && !os_valid_idempotency_key(key, len))
        luaL_error(L, PREFIX "'idempotency_key' must be non-empty text without control characters");
    safe = method == OS_GET || method == OS_PUT || method == OS_DELETE || key != NULL;
    timeout = os_get_positive(&f, R_TIMEOUT, cfg->timeout);
    /* 0 when absent means none; a value given must be a real deadline. */
    deadline = os_get_positive(&f, R_DEADLINE, 0);
    idle_timeout = os_get_positive(&f, R_IDLE_TIMEOUT, 0); /* likewise */
    max_retries = get_max_retries(L, &f, R_MAX_RETRIES, cfg->max_retries);
    base_delay = os_get_delay(&f, R_BASE_DELAY, cfg->retry_base_delay);
    max_delay = os_get_delay(&f, R_MAX_DELAY, cfg->retry_max_delay);
    n_extra = os_get_lines(&f, R_HEADERS, &extra, &extra_lens); /* pushes a scratch (or nil) */
    check_own_lines(L, extra, n_extra); /* checked lines: no NUL inside, so each ends where its length does */
    if (!lua_isnil(L, os_slot(&f, R_ON_BODY)) && !lua_isfunction(L, os_slot(&f, R_ON_BODY)))
        luaL_error(L, PREFIX "'on_body' must be a function");
    has_on_body = !lua_isnil(L, os_slot(&f, R_ON_BODY));
    /* Any true value marks it: only client:send_many sets it (see note_hold in session_attempt.c). */
    note_429 = lua_toboolean(L, os_slot(&f, R_NOTE_429));

    /* Everything is checked. The references come first: the engine reads the body straight from the Lua
     * string (or large text), so it must be kept alive before the engine sees it. Later failures undo what
     * they did. */
    os_getuservalue(L, 1);
    uv = lua_gettop(L);
    body_ref = keep ? ref_value(L, os_slot(&f, R_BODY), uv) : LUA_NOREF;
    context_ref = keep ? ref_value(L, 3, uv) : LUA_NOREF;
    /* Kept by a reference even for a blocking request: lua_on_body finds it in the companion table. */
    on_body_ref = ref_value(L, os_slot(&f, R_ON_BODY), uv);
    /* Nothing below allocates from Lua; a finalizer run by what came before may have closed the session. */
    if (ls->s == NULL) {
        luaL_error(L, PREFIX "session is closed");
        return NULL;
    }
    t = os_session_acquire(ls->s);
    failed = t == NULL;
    if (!failed) {
        t->method = method;
        t->credential = credential;
        t->body = body;
        t->body_len = body_len;
        t->has_body = body != NULL;
        t->safe = safe;
        t->timeout = timeout;
        t->has_deadline = deadline > 0;
        t->deadline = deadline;
        t->idle_timeout = idle_timeout;
        t->max_retries = max_retries;
        t->retry_base_delay = base_delay;
        t->retry_max_delay = max_delay;
        t->note_429 = note_429;
        t->body_ref = body_ref;
        t->context_ref = context_ref;
        t->on_body_ref = on_body_ref;
        t->on_body = has_on_body ? lua_on_body : NULL;
        t->on_body_ud = ls;
        t->has_operation = operation != NULL;
        failed = operation != NULL && os_buf_append(&t->operation, operation, operation_len) != 0;
        failed = failed || (path != NULL ? os_transfer_set_url(t, cfg->base_url, path, path_len)
                              : os_transfer_set_url(t, NULL, url, url_len));
        failed = failed || os_transfer_set_extra_headers(t, extra, extra_lens, n_extra,
                                                          os_session_headers(ls->s, credential, t->has_body));
        failed = failed || os_session_submit(ls->s, t) != 0;
        if (failed) os_session_discard(ls->s, t);
    }
    if (failed) {
        luaL_unref(L, uv, body_ref);
        luaL_unref(L, uv, context_ref);
        luaL_unref(L, uv, on_body_ref);
        luaL_error(L, PREFIX "out of memory (or libcurl refused the request)");
        return NULL;
    }
    return t;
}

static int l_submit(lua_State *L)
{
    lsession *ls = check_open(L);
    int unused;
    lua_pushinteger(L, (lua_Integer)submit(L, ls, 1, &unused)->id);
    return 1;
}

/* Hands out every finished result: returns the list of results and the list of their contexts, or nil
 * when none has finished. */
static int push_finished(lua_State *L, lsession *ls)
{
    os_transfer *t;
    int i = 0;
    if (ls->s == NULL || os_session_first_done(ls->s) == NULL) {
        lua_pushnil(L);
        return 1;
    }
    /* 2 = results, 3 = their contexts, 4 = store_result (see hand_out) */
    lua_newtable(L);
    lua_newtable(L);
    lua_pushcfunction(L, store_result);
    while (ls->s != NULL && (t = os_session_first_done(ls->s)) != NULL) { /* a finalizer may close it */
        if (hand_out(L, ls, t, 2, i + 1, 4) != 0) {
            /* Out of memory: the results handed out so far go now, the others wait for the next poll. */
            if (i == 0) return lua_error(L);
            break;
        }
        i++;
    }
    lua_settop(L, 3);
    return 2;
}

static int l_poll(lua_State *L)
{
    lsession *ls = check_drivable(L, "poll");
    double timeout = luaL_optnumber(L, 2, 0);
    if (!(timeout >= 0)) return luaL_error(L, PREFIX "poll timeout must be a number >= 0");
    lua_settop(L, 1);
    drive(L, ls, timeout, NULL);
    return push_finished(L, ls);
}

/* What poll returns, without driving the engine: the results that finished already (a blocking call
 * drove the engine meanwhile). close() abandons every request it still has, so these are taken first. */
static int l_finished(lua_State *L)
{
    lsession *ls = check_drivable(L, "finished");
    lua_settop(L, 1);
    os_session_check_fork(ls->s); /* in a forked child, what finished is the parent's */
    return push_finished(L, ls);
}

/* A request id as a message shows it: as given, with %.14g, so 1 reads "1" on every Lua (lua_pushfstring's
 * %f writes "1.0" on 5.3 and 5.4), and a cast to int, undefined beyond its range, is never made. */
static const char *id_text(char *buf, size_t size, lua_Number id)
{
    snprintf(buf, size, "%.14g", (double)id);
    return buf;
}

static int l_wait(lua_State *L)
{
    lsession *ls = check_drivable(L, "wait");
    lua_Number id = luaL_checknumber(L, 2);
    os_transfer *t = NULL;
    char text[32];
    if (id >= 1 && id == floor(id) && id < 9007199254740992.0) t = os_session_find(ls->s, (unsigned long long)id);
    if (t == NULL) return luaL_error(L, PREFIX "no pending request with id %s", id_text(text, sizeof text, id));
    lua_settop(L, 1);
    drive(L, ls, -1, t);
    if (t->state != OS_T_DONE)
        return luaL_error(L, PREFIX "request %s could not finish", id_text(text, sizeof text, id));
    lua_pushcfunction(L, store_result); /* (a memory error here leaves the result to a later wait or poll) */
    if (hand_out(L, ls, t, 0, 0, lua_gettop(L)) != 0) return lua_error(L);
    return 1;
}

/* A blocking request, or poll, wait, finished or close, made while the engine runs (from the hook, an
 * on_body function or what they call) cannot drive it there. The session's owner knows which of its own
 * calls this was and who made it: its refusal function (set_refusal), given the request (or the method's
 * name), at `what`, and whether the hook is running, raises the error in its words. Without one, or should
 * it return, the core's own. Only this refused path costs anything: the ordinary call reads one flag. */
static int refuse(lua_State *L, const lsession *ls, int what)
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

/* session:request(req): session:wait(session:submit(req)) in one call. The body stays on this function's
 * stack while the engine reads it, so it needs no reference, and no id is looked up. */
static int l_request(lua_State *L)
{
    lsession *ls = check_open(L);
    int body;
    os_transfer *t;
    if (ls->driving) { /* before submitting: nothing is left behind */
        lua_settop(L, 2);
        return refuse(L, ls, 2);
    }
    /* The request's fields stay on the stack below what the drive, the hook and the result push. */
    luaL_checkstack(L, R_COUNT + LUA_MINSTACK + 4, PREFIX "no room on the Lua stack");
    t = submit(L, ls, 0, &body);
    drive(L, ls, -1, t);
    if (t->state != OS_T_DONE) {
        /* The engine still has it and may read the body after this returns: from now on a reference
         * keeps the body alive, as for a submitted request. */
        char text[32];
        os_getuservalue(L, 1);
        t->body_ref = ref_value(L, body, lua_gettop(L));
        return luaL_error(L, PREFIX "request %s could not finish", id_text(text, sizeof text, (lua_Number)t->id));
    }
    lua_pushcfunction(L, store_result);
    /* A memory error leaves the result to a later poll, which hands it out without a context. */
    if (hand_out(L, ls, t, 0, 0, lua_gettop(L)) != 0) return lua_error(L);
    return 1;
}

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

/* `fresh` is the index of an empty table made beforehand: nothing here allocates, so no finalizer can
 * start a request between the list of abandoned requests and the end of the engine. */
static void close_session(lua_State *L, lsession *ls, int fresh)
{
    os_session *s = ls->s;
    if (s == NULL) return;
    ls->s = NULL;
    if (ls->handing > 0)
        ls->orphan = s; /* closed by a finalizer while a result is handed out: hand_out frees it */
    else
        os_session_free(s);
    /* Drop every kept body, context and the hook in one go. */
    lua_pushvalue(L, fresh);
    os_setuservalue(L, 1);
}

typedef struct {
    const os_transfer **list;
    size_t n, cap;
} pending_list;

static void add_with_context(void *ud, const os_transfer *t)
{
    pending_list *p = ud;
    if (t->context_ref != LUA_NOREF && p->n < p->cap) p->list[p->n++] = t;
}

static int by_id(const void *a, const void *b)
{
    unsigned long long x = (*(const os_transfer *const *)a)->id, y = (*(const os_transfer *const *)b)->id;
    return x < y ? -1 : x > y;
}

/* Pushes the ids, the contexts, the attempts made so far and whether each may have been sent (see
 * os_session_may_have_sent) of the requests that had a context and whose results were never handed out,
 * oldest first: whoever gave the contexts still owes those requests an answer, and it tells how far each
 * one got. */
static void push_abandoned(lua_State *L, lsession *ls)
{
    os_session_stats st;
    pending_list p;
    size_t i;
    os_session_get_stats(ls->s, &st);
    /* Every allocation first (sized for all pending requests, so the filling below allocates nothing): a
     * finalizer they run may close the session, and then there is nothing left to list; or it may start
     * a request, and then they are sized again (a request left off the list would never be answered). */
    for (;;) {
        p.list = lua_newuserdata(L, ((size_t)st.pending + 1) * sizeof *p.list);
        lua_createtable(L, (int)st.pending, 0);
        lua_createtable(L, (int)st.pending, 0);
        lua_createtable(L, (int)st.pending, 0);
        lua_createtable(L, (int)st.pending, 0);
        p.cap = (size_t)st.pending;
        if (ls->s == NULL) break;
        os_session_get_stats(ls->s, &st);
        if ((size_t)st.pending <= p.cap) break;
        lua_pop(L, 5);
    }
    p.n = 0;
    if (ls->s != NULL) os_session_each_pending(ls->s, add_with_context, &p);
    qsort((void *)p.list, p.n, sizeof *p.list, by_id);
    os_getuservalue(L, 1); /* list, ids, contexts, attempts, sent, uservalue */
    for (i = 0; i < p.n; i++) {
        lua_pushinteger(L, (lua_Integer)p.list[i]->id);
        lua_rawseti(L, -6, (int)i + 1);
        lua_rawgeti(L, -1, p.list[i]->context_ref);
        lua_rawseti(L, -5, (int)i + 1);
        lua_pushinteger(L, p.list[i]->attempt);
        lua_rawseti(L, -4, (int)i + 1);
        lua_pushboolean(L, os_session_may_have_sent(p.list[i]));
        lua_rawseti(L, -3, (int)i + 1);
    }
    lua_pop(L, 1);
    lua_remove(L, -5);
}

/* Returns the ids, contexts, attempts and whether each may have been sent of the requests it abandons
 * (see push_abandoned); four empty lists when the session was closed already. */
static int l_close(lua_State *L)
{
    lsession *ls = luaL_checkudata(L, 1, SESSION_MT);
    if (ls->driving) return refuse_method(L, ls, "close");
    lua_settop(L, 1);
    /* 2: the companion table close_session installs, made before the list is taken (a finalizer this
     * runs may close the session: then it is closed already) */
    lua_newtable(L);
    if (ls->s == NULL) {
        lua_newtable(L);
        lua_newtable(L);
        lua_newtable(L);
        lua_newtable(L);
        return 4;
    }
    push_abandoned(L, ls);
    close_session(L, ls, 2); /* nothing left to do if a finalizer closed it meanwhile */
    return 4;
}

static int l_gc(lua_State *L)
{
    lsession *ls = luaL_checkudata(L, 1, SESSION_MT);
    if (ls->s != NULL) os_session_free(ls->s);
    ls->s = NULL;
    /* Left by an out-of-memory error in hand_out after a finalizer closed the session. */
    if (ls->orphan != NULL) os_session_free(ls->orphan);
    ls->orphan = NULL;
    return 0;
}

static int l_tostring(lua_State *L)
{
    lsession *ls = luaL_checkudata(L, 1, SESSION_MT);
    lua_pushfstring(L, "onesignal.core.session (%s)", ls->s ? "open" : "closed");
    return 1;
}

static const luaL_Reg METHODS[] = {
    {"poll", l_poll},         {"wait", l_wait},         {"pending", l_pending}, {"fd", l_fd},
    {"timeout", l_timeout},   {"set_hook", l_set_hook}, {"stats", l_stats},     {"close", l_close},
    {"finished", l_finished}, {"driving", l_driving}, {"set_refusal", l_set_refusal},
    {"hold_429", l_hold_429}, {NULL, NULL}};

static const luaL_Reg METAMETHODS[] = {{"__gc", l_gc}, {"__close", l_close}, {"__tostring", l_tostring}, {NULL, NULL}};

void os_lua_session_register(lua_State *L)
{
    luaL_newmetatable(L, SESSION_MT);
    luaL_newlib(L, METHODS);
    os_push_field_reader(L, l_submit, REQUEST_FIELDS, R_COUNT); /* with the request's field names */
    lua_setfield(L, -2, "submit");
    os_push_field_reader(L, l_request, REQUEST_FIELDS, R_COUNT);
    lua_setfield(L, -2, "request");
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
