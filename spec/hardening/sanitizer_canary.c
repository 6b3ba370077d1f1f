/* A Lua module with one mistake per sanitizer, for `make sanitize` to show that each sanitizer is on
 * before it trusts a clean run: require("sanitizer_canary").leak() / .overflow() / .undefined().
 * Built with the flags of the sanitized core; never loaded by anything else. */
#include <lauxlib.h>
#include <lua.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static volatile int sink;

/* Allocates and forgets: LeakSanitizer must report 4242 bytes from here. */
static int leak(lua_State *L)
{
    char *p = malloc(4242);
    if (p == NULL) return luaL_error(L, "out of memory");
    memset(p, 1, 4242);
    sink = p[4241];
    p = NULL;
    lua_pushinteger(L, sink);
    return 1;
}

/* Reads one byte past a heap block: AddressSanitizer must stop here. */
static int overflow(lua_State *L)
{
    char *p = malloc(16);
    volatile size_t at = 16;
    if (p == NULL) return luaL_error(L, "out of memory");
    memset(p, 0, 16);
    sink = p[at];
    free(p);
    lua_pushinteger(L, sink);
    return 1;
}

/* Signed overflow: UndefinedBehaviorSanitizer must stop here. */
static int undefined(lua_State *L)
{
    volatile int big = INT_MAX;
    sink = big + (int)luaL_optinteger(L, 1, 1);
    lua_pushinteger(L, sink);
    return 1;
}

int luaopen_sanitizer_canary(lua_State *L);

int luaopen_sanitizer_canary(lua_State *L)
{
    static const luaL_Reg fns[] = {{"leak", leak}, {"overflow", overflow}, {"undefined", undefined}, {NULL, NULL}};
    lua_newtable(L);
    luaL_setfuncs(L, fns, 0);
    return 1;
}
