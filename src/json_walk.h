/* The quick walk json.encode runs before lua-cjson (lua/onesignal/json.lua). */
#ifndef ONESIGNAL_JSON_WALK_H
#define ONESIGNAL_JSON_WALK_H

#include "compat.h"

/* core.json_quick_walk(value, array_fields, map_of_arrays, array_mt, max_depth) -> ok, swaps or nil */
int os_lua_json_quick_walk(lua_State *L);

#endif
