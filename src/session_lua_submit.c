/* Reading a request table and handing it to the engine: session:submit(req, context), which returns the
 * request's id, and session:request(req), the blocking call (submit, then wait, in one). Everything is
 * checked before the engine sees the request, so a Lua error never leaves a half-submitted one behind. */
#include <string.h>

#include "headers.h"
#include "json_encode.h"
#include "session_lua_private.h"

/* ---- reading a request ---- */

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
    max_retries = os_lsession_max_retries(L, &f, R_MAX_RETRIES, cfg->max_retries);
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
    /* Kept by a reference even for a blocking request: os_lsession_on_body finds it in the companion table. */
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
        t->on_body = has_on_body ? os_lsession_on_body : NULL;
        t->on_body_ud = ls;
        t->id_given = keep; /* session:submit returns it; session:request's caller never sees it */
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

/* ---- the methods ---- */

static int l_submit(lua_State *L)
{
    lsession *ls = check_open(L);
    int unused;
    lua_pushinteger(L, (lua_Integer)submit(L, ls, 1, &unused)->id);
    return 1;
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
        return os_lsession_refuse(L, ls, 2);
    }
    /* The request's fields stay on the stack below what the drive, the hook and the result push. */
    luaL_checkstack(L, R_COUNT + LUA_MINSTACK + 4, PREFIX "no room on the Lua stack");
    t = submit(L, ls, 0, &body);
    os_lsession_drive(L, ls, -1, t);
    if (t->state != OS_T_DONE) {
        /* The engine still has it and may read the body after this returns: from now on a reference
         * keeps the body alive, as for a submitted request. */
        char text[32];
        os_getuservalue(L, 1);
        t->body_ref = ref_value(L, body, lua_gettop(L));
        return luaL_error(L, PREFIX "request %s could not finish",
                          os_lsession_id_text(text, sizeof text, (lua_Number)t->id));
    }
    lua_pushcfunction(L, os_lsession_store_result);
    /* A memory error leaves the result to a later poll, which hands it out without a context. */
    if (os_lsession_hand_out(L, ls, t, 0, 0, lua_gettop(L)) != 0) return lua_error(L);
    return 1;
}

void os_lsession_set_request_methods(lua_State *L)
{
    os_push_field_reader(L, l_submit, REQUEST_FIELDS, R_COUNT); /* with the request's field names */
    lua_setfield(L, -2, "submit");
    os_push_field_reader(L, l_request, REQUEST_FIELDS, R_COUNT);
    lua_setfield(L, -2, "request");
}
