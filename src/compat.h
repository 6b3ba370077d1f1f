/* The few Lua C API differences between Lua 5.4, Lua 5.3 and LuaJIT 2.1 (Lua 5.1 API with some 5.2
 * additions) that the binding needs, so the rest of the code is written once against the 5.4 names. */
#ifndef ONESIGNAL_COMPAT_H
#define ONESIGNAL_COMPAT_H

#include <lua.h>
#include <lauxlib.h>

/* Plain Lua 5.1 lacks the 5.2 additions LuaJIT has (luaL_newlib is one); Lua 5.2's lua_rawget and
 * friends return nothing. Said at build time, not as an "undefined symbol" at load time. */
#if LUA_VERSION_NUM < 502 && !defined(luaL_newlib)
#error "onesignal needs Lua 5.3, 5.4 or LuaJIT 2.1; these are the headers of plain Lua 5.1"
#elif LUA_VERSION_NUM == 502
#error "onesignal needs Lua 5.3, 5.4 or LuaJIT 2.1; these are the headers of Lua 5.2"
#endif

#if LUA_VERSION_NUM < 502

#define lua_rawlen(L, i) lua_objlen((L), (i))

/* A userdata carries one table of Lua-side companions (its environment on 5.1, a user value on 5.4). */
#define os_newuserdata(L, size) lua_newuserdata((L), (size))
#define os_getuservalue(L, i) lua_getfenv((L), (i))
#define os_setuservalue(L, i) lua_setfenv((L), (i))

static inline int os_absindex(lua_State *L, int i)
{
    return (i > 0 || i <= LUA_REGISTRYINDEX) ? i : lua_gettop(L) + i + 1;
}

#elif LUA_VERSION_NUM < 504

/* Lua 5.2 and 5.3: one user value per userdata, under the names 5.4 generalised. */
#define os_newuserdata(L, size) lua_newuserdata((L), (size))
#define os_getuservalue(L, i) ((void)lua_getuservalue((L), (i)))
#define os_setuservalue(L, i) lua_setuservalue((L), (i))
#define os_absindex(L, i) lua_absindex((L), (i))

#else

#define os_newuserdata(L, size) lua_newuserdatauv((L), (size), 1)
#define os_getuservalue(L, i) ((void)lua_getiuservalue((L), (i), 1))
#define os_setuservalue(L, i) ((void)lua_setiuservalue((L), (i), 1))
#define os_absindex(L, i) lua_absindex((L), (i))

#endif

/* Lua 5.4 can tell the host about an error it chose to ignore; 5.1 has no such channel. Two pieces, so
 * nothing has to be allocated to join them. */
#if LUA_VERSION_NUM >= 504
#define os_warn(L, first, second) (lua_warning((L), (first), 1), lua_warning((L), (second), 0))
#else
#define os_warn(L, first, second) ((void)(L), (void)(first), (void)(second))
#endif

#endif
