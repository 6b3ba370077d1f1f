/* Reading and writing fields of Lua tables for the binding. Readers use raw access (a metatable must not
 * be able to hand C a string nobody keeps alive) and raise "onesignal.core: ..." errors naming the field. */
#ifndef ONESIGNAL_LUA_FIELDS_H
#define ONESIGNAL_LUA_FIELDS_H

#include <stddef.h>

#include "compat.h"
#include "config.h"

/* Pushes field name of the table at idx (a positive index); raises unless it is nil or of type. Returns
 * whether it is present. */
int os_field(lua_State *L, int idx, const char *name, int type);

/* The string field name, or NULL when absent; stays valid while the table holds it. */
const char *os_opt_string(lua_State *L, int idx, const char *name, size_t *len);

/* Number fields: dflt when absent; raises below min (or when not > 0, or not an integer). */
double os_opt_number(lua_State *L, int idx, const char *name, double dflt, double min);
double os_opt_positive(lua_State *L, int idx, const char *name, double dflt);
double os_opt_delay(lua_State *L, int idx, const char *name, double dflt); /* >= 0 and finite */
long long os_opt_integer(lua_State *L, int idx, const char *name, long long dflt, long long min);

/* The value at idx as one "Name: value" header line; raises otherwise (what names the field). */
const char *os_check_line(lua_State *L, int idx, const char *what, size_t *len);

/* The header lines of array field name: pointers and lengths in a scratch userdata left on the stack
 * (nil when absent). Returns how many. */
size_t os_opt_lines(lua_State *L, int idx, const char *name, const char ***lines, size_t **lens);

/* Fields of the table on top of the stack (a NULL string is left out). */
void os_set_string(lua_State *L, const char *key, const char *value);
void os_set_number(lua_State *L, const char *key, double value);
void os_set_integer(lua_State *L, const char *key, lua_Integer value);
void os_set_boolean(lua_State *L, const char *key, int value);

#endif
