/* What the fuzz targets that go through Lua share: one Lua 5.4 state per process, with the standard
 * libraries and the C core loaded as the global `core`, the way a Lua program would call it. */
#ifndef ONESIGNAL_FUZZ_LUA_STATE_H
#define ONESIGNAL_FUZZ_LUA_STATE_H

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "check.h"

int luaopen_onesignal_core(lua_State *L);

/* The state, made on the first call; `first` (if given) runs once on it then, to add what a target needs. */
static lua_State *fuzz_lua_state(void (*first)(lua_State *L))
{
    static lua_State *state;
    if (state == NULL) {
        state = luaL_newstate();
        CHECK(state != NULL);
        luaL_openlibs(state);
        luaL_requiref(state, "onesignal.core", luaopen_onesignal_core, 0);
        lua_setglobal(state, "core");
        if (first != NULL) first(state);
    }
    return state;
}

#endif
