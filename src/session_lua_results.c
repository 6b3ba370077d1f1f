/* Handing out what finished: poll (drives the engine, then hands out every finished result), finished
 * (hands them out without driving) and wait (drives until one request is done, hands out its result).
 * The result tables themselves are built by lua_results.c. */
#include <math.h>
#include <stdio.h>

#include "lua_results.h"
#include "session_lua_private.h"

/* `name`: the method, for the refusal function (refuse) to name when the engine is being driven. */
static lsession *check_drivable(lua_State *L, const char *name)
{
    lsession *ls = check_open(L);
    if (ls->driving) os_lsession_refuse_method(L, ls, name);
    return ls;
}

/* Runs protected (hand_out): builds the result of the transfer at 1 (a light userdata) and either stores
 * it and the context at 5 in the lists at 2 and 3 at [4], or, without lists, returns it. */
int os_lsession_store_result(lua_State *L)
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
 * nested close leaves the engine for this function to free (close_session, in session_lua_close.c).
 * The allocations run protected: on an error (out of memory) the request goes back to the head of the
 * finished ones, to be handed out by the next poll, rather than being lost with its transfer. Returns 0,
 * or the error's status with the error on the stack. */
int os_lsession_hand_out(lua_State *L, lsession *ls, os_transfer *t, int lists, int i, int builder)
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
    lua_pushcfunction(L, os_lsession_store_result);
    while (ls->s != NULL && (t = os_session_first_done(ls->s)) != NULL) { /* a finalizer may close it */
        if (os_lsession_hand_out(L, ls, t, 2, i + 1, 4) != 0) {
            /* Out of memory: the results handed out so far go now, the others wait for the next poll. */
            if (i == 0) return lua_error(L);
            break;
        }
        i++;
    }
    lua_settop(L, 3);
    return 2;
}

int os_lsession_poll(lua_State *L)
{
    lsession *ls = check_drivable(L, "poll");
    double timeout = luaL_optnumber(L, 2, 0);
    if (!(timeout >= 0)) return luaL_error(L, PREFIX "poll timeout must be a number >= 0");
    lua_settop(L, 1);
    os_lsession_drive(L, ls, timeout, NULL);
    return push_finished(L, ls);
}

/* What poll returns, without driving the engine: the results that finished already (a blocking call
 * drove the engine meanwhile). close() abandons every request it still has, so these are taken first. */
int os_lsession_finished(lua_State *L)
{
    lsession *ls = check_drivable(L, "finished");
    lua_settop(L, 1);
    os_session_check_fork(ls->s); /* in a forked child, what finished is the parent's */
    return push_finished(L, ls);
}

/* A request id as a message shows it: as given, with %.14g, so 1 reads "1" on every Lua (lua_pushfstring's
 * %f writes "1.0" on 5.3 and 5.4), and a cast to int, undefined beyond its range, is never made. */
const char *os_lsession_id_text(char *buf, size_t size, lua_Number id)
{
    snprintf(buf, size, "%.14g", (double)id);
    return buf;
}

int os_lsession_wait(lua_State *L)
{
    lsession *ls = check_drivable(L, "wait");
    lua_Number id = luaL_checknumber(L, 2);
    os_transfer *t = NULL;
    char text[32];
    if (id >= 1 && id == floor(id) && id < 9007199254740992.0) t = os_session_find(ls->s, (unsigned long long)id);
    if (t == NULL)
        return luaL_error(L, PREFIX "no pending request with id %s", os_lsession_id_text(text, sizeof text, id));
    lua_settop(L, 1);
    os_lsession_drive(L, ls, -1, t);
    if (t->state != OS_T_DONE)
        return luaL_error(L, PREFIX "request %s could not finish", os_lsession_id_text(text, sizeof text, id));
    /* (a memory error here leaves the result to a later wait or poll) */
    lua_pushcfunction(L, os_lsession_store_result);
    if (os_lsession_hand_out(L, ls, t, 0, 0, lua_gettop(L)) != 0) return lua_error(L);
    return 1;
}
