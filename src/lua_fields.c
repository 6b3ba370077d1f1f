/* Reading and writing fields of Lua tables for the binding: typed, checked, raw access (see lua_fields.h). */
#include "lua_fields.h"

#include <math.h>
#include <string.h>

#define PREFIX "onesignal.core: "

/* Pushes field name of the table at idx (a positive index); it must be nil or of the given type.
 * Returns whether it is present. */
int os_field(lua_State *L, int idx, const char *name, int type)
{
    int t;
    /* Raw access: a metatable must not be able to hand the engine a string nobody keeps alive. */
    lua_pushstring(L, name);
    lua_rawget(L, idx);
    t = lua_type(L, -1);
    if (t != LUA_TNIL && t != type)
        return luaL_error(L, PREFIX "'%s' must be a %s, not %s", name, lua_typename(L, type), luaL_typename(L, -1));
    return t != LUA_TNIL;
}

const char *os_opt_string(lua_State *L, int idx, const char *name, size_t *len)
{
    const char *s = NULL;
    if (os_field(L, idx, name, LUA_TSTRING)) s = lua_tolstring(L, -1, len);
    lua_pop(L, 1); /* the table still holds the string, so it stays alive */
    return s;
}

double os_opt_number(lua_State *L, int idx, const char *name, double dflt, double min)
{
    double v = dflt;
    if (os_field(L, idx, name, LUA_TNUMBER)) {
        v = lua_tonumber(L, -1);
        if (!(v >= min)) luaL_error(L, PREFIX "'%s' must be a number >= %f", name, min);
    }
    lua_pop(L, 1);
    return v;
}

double os_opt_delay(lua_State *L, int idx, const char *name, double dflt)
{
    double v = os_opt_number(L, idx, name, dflt, 0);
    /* An infinite delay would park a retry in the timer heap forever, with the caller waiting on it. */
    if (v == HUGE_VAL) luaL_error(L, PREFIX "'%s' must be a finite number of seconds", name);
    return v;
}

double os_opt_positive(lua_State *L, int idx, const char *name, double dflt)
{
    double v = os_opt_number(L, idx, name, dflt, 0);
    if (!(v > 0)) luaL_error(L, PREFIX "'%s' must be a positive number", name);
    return v;
}

long long os_opt_integer(lua_State *L, int idx, const char *name, long long dflt, long long min)
{
    double v = os_opt_number(L, idx, name, (double)dflt, (double)min);
    if (v != floor(v) || v > 9007199254740992.0) luaL_error(L, PREFIX "'%s' must be an integer", name);
    return (long long)v;
}

/* A header line: "Name: value", one line, no NUL. */
const char *os_check_line(lua_State *L, int idx, const char *what, size_t *len)
{
    const char *s;
    if (lua_type(L, idx) != LUA_TSTRING) luaL_error(L, PREFIX "%s must hold strings", what);
    s = lua_tolstring(L, idx, len);
    if (!os_valid_header_line(s, *len))
        luaL_error(L, PREFIX "%s must hold single 'Name: value' lines", what);
    return s;
}

/* Header lines of an array field: pointers and lengths in a scratch userdata left on the stack. */
size_t os_opt_lines(lua_State *L, int idx, const char *name, const char ***lines, size_t **lens)
{
    size_t n = 0, i;
    *lines = NULL;
    *lens = NULL;
    if (os_field(L, idx, name, LUA_TTABLE)) {
        n = lua_rawlen(L, -1);
        *lines = lua_newuserdata(L, n * (sizeof(char *) + sizeof(size_t)) + 1);
        *lens = (size_t *)(void *)(*lines + n);
        for (i = 0; i < n; i++) {
            lua_rawgeti(L, -2, (int)i + 1);
            (*lines)[i] = os_check_line(L, -1, name, &(*lens)[i]);
            lua_pop(L, 1);
        }
        lua_remove(L, -2); /* the scratch stays, the table is still referenced by the caller's table */
    } else {
        lua_pop(L, 1);
        lua_pushnil(L); /* keep the stack shape the same */
    }
    return n;
}

void os_set_string(lua_State *L, const char *key, const char *value)
{
    if (value == NULL) return;
    lua_pushstring(L, value);
    lua_setfield(L, -2, key);
}

void os_set_number(lua_State *L, const char *key, double value)
{
    lua_pushnumber(L, value);
    lua_setfield(L, -2, key);
}

void os_set_integer(lua_State *L, const char *key, lua_Integer value)
{
    lua_pushinteger(L, value);
    lua_setfield(L, -2, key);
}

void os_set_boolean(lua_State *L, const char *key, int value)
{
    lua_pushboolean(L, value);
    lua_setfield(L, -2, key);
}
