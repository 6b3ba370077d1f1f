/* The JSON decoder behind json.decode (lua/onesignal/json.lua): response bodies to Lua values. */
#ifndef ONESIGNAL_JSON_DECODE_H
#define ONESIGNAL_JSON_DECODE_H

#include "compat.h"
#include "visibility.h"

OS_HIDDEN_BEGIN

/* core.json_decode(text) -> value | nil, message. null is a NULL light userdata (lua-cjson's cjson.null);
 * on Lua 5.4 a number with an integral value that fits lua_Integer is an integer. Bad text is never
 * raised: the message names what is wrong and the byte (1-based) where it is. */
int os_lua_json_decode(lua_State *L);

/* core.json_decoder(array_mt) -> json_decode as a closure that gives every empty array the metatable
 * array_mt (json.array_mt), so it is written back as [] (json.decode is one, made once when json.lua
 * loads: an upvalue costs a decode nothing until it meets an empty array). */
int os_lua_json_decoder(lua_State *L);

OS_HIDDEN_END

#endif
