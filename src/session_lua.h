/* Lua binding of the engine: the session userdata and its methods. */
#ifndef ONESIGNAL_SESSION_LUA_H
#define ONESIGNAL_SESSION_LUA_H

#include <lua.h>

#include "visibility.h"

OS_HIDDEN_BEGIN

/* Creates the session metatable; called once by luaopen. */
void os_lua_session_register(lua_State *L);

/* Pushes core.session(config), a closure holding the names of the options it reads. */
void os_lua_push_session_new(lua_State *L);

OS_HIDDEN_END

#endif
