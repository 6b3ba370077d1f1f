/* Reading and writing fields of Lua tables for the binding. Reads are raw (a metatable must not be able
 * to hand C a string nobody keeps alive) and raise "onesignal.core: ..." errors naming the field. */
#ifndef ONESIGNAL_LUA_FIELDS_H
#define ONESIGNAL_LUA_FIELDS_H

#include <stddef.h>

#include "compat.h"
#include "config.h"
#include "visibility.h"

OS_HIDDEN_BEGIN

/* The fields of a table that a reader knows, copied to consecutive stack slots: the value of names[i] is
 * at first + i (nil when absent). */
typedef struct {
    lua_State *L;
    int first;
    const char *const *names;
} os_field_values;

/* Pushes fn as a C closure holding the n names as upvalues 1..n, for os_read_fields: a key made once
 * costs less to look up than a key made from a C string on every call (a request is read on every call). */
void os_push_field_reader(lua_State *L, lua_CFunction fn, const char *const *names, int n);

/* In a function pushed by os_push_field_reader with the same names: pushes the n fields of the table at
 * idx (a positive index), raw, onto n new stack slots and describes them in out. */
void os_read_fields(lua_State *L, int idx, const char *const *names, int n, os_field_values *out);

/* Raises the error of os_has: field `which` is neither nil nor of type. */
int os_field_type_error(const os_field_values *f, int which, int type);

/* The three below are inline: a request is read on every call, a dozen and more of them per read, and each
 * is a few instructions besides the call. */

/* The stack index of field `which`. */
static inline int os_slot(const os_field_values *f, int which)
{
    return f->first + which;
}

/* Raises unless field `which` is nil or of type; returns whether it is present. */
static inline int os_has(const os_field_values *f, int which, int type)
{
    int t = lua_type(f->L, f->first + which);
    if (t != LUA_TNIL && t != type) return os_field_type_error(f, which, type);
    return t != LUA_TNIL;
}

/* The string, or NULL when absent; stays valid while the table holds it. */
static inline const char *os_get_string(const os_field_values *f, int which, size_t *len)
{
    return os_has(f, which, LUA_TSTRING) ? lua_tolstring(f->L, f->first + which, len) : NULL;
}

/* Numbers: dflt (unchecked) when absent; a present value out of range raises, naming the field and range. */
double os_get_positive(const os_field_values *f, int which, double dflt); /* seconds > 0 */
double os_get_delay(const os_field_values *f, int which, double dflt);    /* seconds >= 0, finite */
long long os_get_integer(const os_field_values *f, int which, long long dflt, int min);

/* The value at idx as one "Name: value" header line; raises otherwise (what names the field). */
const char *os_check_line(lua_State *L, int idx, const char *what, size_t *len);

/* The header lines of an array field: pointers and lengths in a scratch userdata pushed on the stack
 * (nil when absent). Returns how many. */
size_t os_get_lines(const os_field_values *f, int which, const char ***lines, size_t **lens);

/* Fields of the table on top of the stack (a NULL string is left out). */
void os_set_string(lua_State *L, const char *key, const char *value);
void os_set_number(lua_State *L, const char *key, double value);
void os_set_integer(lua_State *L, const char *key, lua_Integer value);
void os_set_boolean(lua_State *L, const char *key, int value);

OS_HIDDEN_END

#endif
