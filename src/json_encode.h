/* The JSON writer of request bodies (json.encode in lua/onesignal/json.lua). */
#ifndef ONESIGNAL_JSON_ENCODE_H
#define ONESIGNAL_JSON_ENCODE_H

#include "compat.h"
#include "visibility.h"

OS_HIDDEN_BEGIN

/* core.json_encode(value, array_fields, map_of_arrays, array_mt, max_depth [, name, value]...)
 *   -> text | nil, problem
 * Empty tables under a key of array_fields, inside a table under a key of map_of_arrays, or marked with
 * array_mt are written `[]`; tables deeper than max_depth are refused (so is a table that contains itself).
 * Name and value strings after max_depth are members written in front of the table's own (a nil value
 * leaves its pair out). */
int os_lua_json_encode(lua_State *L);

/* core.json_sparse(table) -> max, items when the writer refuses the table as an array with too many holes
 * (its largest index and its number of values), nothing otherwise: json.lua names the field with it. */
int os_lua_json_sparse(lua_State *L);

/* A large text: JSON text of a request body in a malloc'd block instead of a Lua string (see
 * json_encode.c for why). data is NULL once released; the block's one owner is the userdata. */
typedef struct {
    char *data;
    size_t len;
} os_json_text;

#define OS_JSON_TEXT "onesignal.json_text" /* the registry name of its metatable */
#define OS_JSON_LARGE ((size_t)64 * 1024)   /* texts this long or longer come out as large texts */

/* Registers the metatable of large texts: __len (bytes), __tostring (the text as a Lua string), and __gc
 * and __close, which free the block. Length and text of a released one raise. */
void os_lua_json_register(lua_State *L);

/* core.json_encode_body(...): as core.json_encode, but a text of OS_JSON_LARGE bytes or more comes out as
 * a large text. */
int os_lua_json_encode_body(lua_State *L);

/* core.json_text(value) -> the text of a string or a large text, nothing for any other value. */
int os_lua_json_text(lua_State *L);

/* core.json_release(value): frees a large text's block now, so a body a call is done with does not wait
 * for the collector, which does not see the block's size; nothing for any other value. Only for a text
 * no transfer is reading any more. */
int os_lua_json_release(lua_State *L);

/* core.json_cjson_marks([empty_array, array_mt, empty_array_mt]): the marks of OpenResty's lua-cjson
 * (cjson.empty_array, a light userdata; cjson.array_mt and cjson.empty_array_mt, metatables), which the
 * writer then takes as [] where it meets them, as that cjson would; nil for one that the loaded cjson has
 * not (Debian's 2.1.0 has none). Kept in the registry, looked up only on a light userdata other than null
 * and on an empty table with another metatable than array_mt. Called again, it replaces them. */
int os_lua_json_cjson_marks(lua_State *L);

/* The bytes of the large text at idx, or NULL when the value there is none; raises when it is released.
 * Valid while the large text is alive and not released. */
const char *os_json_text_get(lua_State *L, int idx, size_t *len);

OS_HIDDEN_END

#endif
