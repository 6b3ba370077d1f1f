/* Driving the engine from Lua, and the calls into Lua the engine makes meanwhile: the attempt hook and
 * a request's on_body function. Each runs inside the engine (the hook between transfers, on_body inside
 * libcurl's write callback), so each is protected: no Lua error may unwind through libcurl. */
#include <string.h>

#include "lua_results.h"
#include "session_lua_private.h"

/* ---- driving ---- */

/* Runs the engine with the hook able to reach Lua through L. The uservalue table is pushed first. */
void os_lsession_drive(lua_State *L, lsession *ls, double timeout, const os_transfer *target)
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

void os_lsession_attempt_hook(void *ud, const os_attempt_report *r)
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
int os_lsession_on_body(void *ud, os_transfer *t, const char *data, size_t len, size_t offset)
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
