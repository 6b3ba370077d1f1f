/* The JSON writer of request bodies (json.encode in lua/onesignal/json.lua). */
#ifndef ONESIGNAL_JSON_ENCODE_H
#define ONESIGNAL_JSON_ENCODE_H

#include "compat.h"

/* core.json_encode(value, array_fields, map_of_arrays, array_mt, max_depth [, name, value]...)
 *   -> text | nil, problem
 * Empty tables under a key of array_fields, inside a table under a key of map_of_arrays, or marked with
 * array_mt are written `[]`; tables deeper than max_depth are refused (so is a table that contains itself).
 * Name and value strings after max_depth are members written in front of the table's own (a nil value
 * leaves its pair out). */
int os_lua_json_encode(lua_State *L);

#endif
