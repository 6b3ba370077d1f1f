/* Closing a session: session:close() (also __close) lists the requests it abandons, those whose
 * contexts still wait for an answer, and frees the engine; __gc frees whatever close did not. */
#include <stdlib.h>

#include "session_lua_private.h"

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
int os_lsession_close(lua_State *L)
{
    lsession *ls = luaL_checkudata(L, 1, SESSION_MT);
    if (ls->driving) return os_lsession_refuse_method(L, ls, "close");
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

int os_lsession_gc(lua_State *L)
{
    lsession *ls = luaL_checkudata(L, 1, SESSION_MT);
    if (ls->s != NULL) os_session_free(ls->s);
    ls->s = NULL;
    /* Left by an out-of-memory error in hand_out after a finalizer closed the session. */
    if (ls->orphan != NULL) os_session_free(ls->orphan);
    ls->orphan = NULL;
    return 0;
}
