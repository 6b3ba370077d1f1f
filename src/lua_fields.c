/* Reading and writing fields of Lua tables for the binding: typed, checked, raw access (see lua_fields.h). */
#include "lua_fields.h"

#include <math.h>
#include <string.h>

#define PREFIX "onesignal.core: "

void os_push_field_reader(lua_State *L, lua_CFunction fn, const char *const *names, int n)
{
    int i;
    luaL_checkstack(L, n, PREFIX "no room on the Lua stack");
    for (i = 0; i < n; i++) lua_pushstring(L, names[i]);
    lua_pushcclosure(L, fn, n);
}

void os_read_fields(lua_State *L, int idx, const char *const *names, int n, os_field_values *out)
{
    int i;
    luaL_checkstack(L, n + 1, PREFIX "no room on the Lua stack");
    out->L = L;
    out->names = names;
    out->first = lua_gettop(L) + 1;
    for (i = 0; i < n; i++) {
        lua_pushvalue(L, lua_upvalueindex(i + 1));
        lua_rawget(L, idx);
    }
}

int os_field_type_error(const os_field_values *f, int which, int type)
{
    lua_State *L = f->L;
    return luaL_error(L, PREFIX "'%s' must be a %s, not %s", f->names[which], lua_typename(L, type),
                      luaL_typename(L, f->first + which));
}

/* Each reader names the field and the range it accepts, and never echoes the value: Lua would format it
 * with the C locale's decimal separator, and the range says what is wrong. */
double os_get_delay(const os_field_values *f, int which, double dflt)
{
    double v;
    if (!os_has(f, which, LUA_TNUMBER)) return dflt;
    v = lua_tonumber(f->L, f->first + which);
    /* An infinite delay would park a retry in the timer heap forever, with the caller waiting on it. */
    if (!(v >= 0) || v == HUGE_VAL)
        luaL_error(f->L, PREFIX "'%s' must be a finite number of seconds >= 0", f->names[which]);
    return v;
}

double os_get_positive(const os_field_values *f, int which, double dflt)
{
    double v;
    if (!os_has(f, which, LUA_TNUMBER)) return dflt;
    v = lua_tonumber(f->L, f->first + which);
    if (!(v > 0)) luaL_error(f->L, PREFIX "'%s' must be a number of seconds > 0", f->names[which]);
    return v;
}

long long os_get_integer(const os_field_values *f, int which, long long dflt, int min)
{
    double v;
    if (!os_has(f, which, LUA_TNUMBER)) return dflt;
    v = lua_tonumber(f->L, f->first + which);
    if (!(v >= min) || v != floor(v) || v > 9007199254740992.0)
        luaL_error(f->L, PREFIX "'%s' must be an integer >= %d", f->names[which], min);
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

size_t os_get_lines(const os_field_values *f, int which, const char ***lines, size_t **lens)
{
    lua_State *L = f->L;
    int at = f->first + which;
    size_t n = 0, i;
    *lines = NULL;
    *lens = NULL;
    if (os_has(f, which, LUA_TTABLE)) {
        n = lua_rawlen(L, at);
        *lines = lua_newuserdata(L, n * (sizeof(char *) + sizeof(size_t)) + 1);
        *lens = (size_t *)(void *)(*lines + n);
        for (i = 0; i < n; i++) {
            lua_rawgeti(L, at, (int)i + 1);
            (*lines)[i] = os_check_line(L, -1, f->names[which], &(*lens)[i]);
            lua_pop(L, 1); /* the table in its slot keeps the string alive */
        }
    } else {
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
