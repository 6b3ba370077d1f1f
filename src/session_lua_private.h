/* What the files of the Lua binding of the engine share and nobody else sees: the session userdata and
 * the steps one file takes for another. session_lua.c: core.session(config), the methods that only ask
 * or set, the refusal, and registration; session_lua_submit.c: reading a request table and handing it
 * to the engine (submit, request); session_lua_hooks.c: driving the engine, and the calls into Lua it
 * makes meanwhile (the attempt hook, on_body functions); session_lua_results.c: handing out what
 * finished (poll, finished, wait); session_lua_close.c: closing, and the list of abandoned requests. */
#ifndef ONESIGNAL_SESSION_LUA_PRIVATE_H
#define ONESIGNAL_SESSION_LUA_PRIVATE_H

#include "compat.h"
#include "lua_fields.h"
#include "session.h"
#include "visibility.h"

OS_HIDDEN_BEGIN

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

/* Every method but close and the metamethods starts here. Inline, as it was when one file held them
 * all: it runs on every call. */
static inline lsession *check_open(lua_State *L)
{
    lsession *ls = luaL_checkudata(L, 1, SESSION_MT);
    if (ls->s == NULL) luaL_error(L, PREFIX "session is closed");
    return ls;
}

/* ---- session_lua.c ---- */

/* A retry count, as a session option or per request (raises when unreasonably large). */
int os_lsession_max_retries(lua_State *L, const os_field_values *f, int which, int dflt);
/* Raises the refusal of a call made while the engine is being driven: the request (or the method's
 * name) at `what`; never returns. os_lsession_refuse_method: the method `name`, the session at 1. */
int os_lsession_refuse(lua_State *L, const lsession *ls, int what);
int os_lsession_refuse_method(lua_State *L, const lsession *ls, const char *name);

/* ---- session_lua_submit.c ---- */

/* Sets submit and request on the methods table at the top of the stack, each a closure holding the
 * names of a request's fields. */
void os_lsession_set_request_methods(lua_State *L);

/* ---- session_lua_hooks.c ---- */

void os_lsession_drive(lua_State *L, lsession *ls, double timeout, const os_transfer *target);
void os_lsession_attempt_hook(void *ud, const os_attempt_report *r); /* the engine's os_attempt_fn */
int os_lsession_on_body(void *ud, os_transfer *t, const char *data, size_t len, size_t offset); /* os_body_fn */

/* ---- session_lua_results.c ---- */

int os_lsession_store_result(lua_State *L); /* pushed for hand_out to run protected */
int os_lsession_hand_out(lua_State *L, lsession *ls, os_transfer *t, int lists, int i, int builder);
const char *os_lsession_id_text(char *buf, size_t size, lua_Number id);
int os_lsession_poll(lua_State *L);
int os_lsession_finished(lua_State *L);
int os_lsession_wait(lua_State *L);

/* ---- session_lua_close.c ---- */

int os_lsession_close(lua_State *L);
int os_lsession_gc(lua_State *L);

OS_HIDDEN_END

#endif
