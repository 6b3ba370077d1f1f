/* core.json_encode and core.json_sparse on tables of any keys, through a real Lua 5.4 state: small and
 * large integers (0, negatives, beyond 2^53), any doubles (-0.0, fractions, infinities, beyond 2^63) and
 * short strings, digit strings among them, so that a string key often reads as a number key does.
 *
 * Checked against a model in Lua (MODEL, below) that reads the keys itself: a table whose keys are all
 * positive integers is an array, refused (by both functions, with the same largest index and count) when
 * it reaches beyond 10 with more than twice as many slots as values, else written as an array that
 * core.json_decode reads back value for value, holes null. Any other table is an object: refused for an
 * infinite key, a key that is not UTF-8 or a number key whose text is also a string key of the table (for
 * one of them, whichever the writer meets first); else written with one
 * member per key (decoded, no name twice), a number key's name reading back (strtod, through tonumber) as
 * the number.
 *
 * Input: entries of a kind byte and its payload, up to 64 of them. */
#include "check.h"
#include "lua_state.h"

static const char MODEL[] =
    "local core = ...\n"
    "local null = core.json_decode('null')\n"
    "local function written(n) return core.json_encode(n, {}, {}, {}, 64) end\n"
    "return function(t)\n"
    "  local text, problem = core.json_encode(t, {}, {}, {}, 64)\n"
    "  local function check(ok, what)\n"
    "    if not ok then error(what .. ': ' .. tostring(text) .. ' / ' .. tostring(problem), 0) end\n"
    "  end\n"
    "  local max, last_key, items, array = 0, nil, 0, true\n"
    "  for k in next, t do\n"
    "    items = items + 1\n"
    "    if type(k) ~= 'number' or k < 1 or k ~= math.floor(k) or k == math.huge then array = false end\n"
    "    if array and k > max then max, last_key = k, k end\n"
    "  end\n"
    "  local sparse_max, sparse_items = core.json_sparse(t)\n"
    "  if array and max > items * 2 and max > 10 then\n"
    "    check(text == nil and problem == 'a table is an array with too many holes', 'too sparse')\n"
    "    check(sparse_max == last_key and sparse_items == items, 'json_sparse disagrees')\n"
    "    return\n"
    "  end\n"
    "  check(sparse_max == nil, 'json_sparse refused what the writer takes')\n"
    "  if array then\n"
    "    check(text and (text:sub(1, 1) == '[' or (items == 0 and text == '{}')), 'an array')\n"
    "    local back = assert(core.json_decode(text))\n"
    "    check(#back == max or (items == 0 and next(back) == nil), 'array length')\n"
    "    for i = 1, max do\n"
    "      if t[i] == nil then check(back[i] == null, 'hole') else check(back[i] == t[i], 'element') end\n"
    "    end\n"
    "    return\n"
    "  end\n"
    "  local problems = {}\n"
    "  for k in next, t do\n"
    "    if k == math.huge or k == -math.huge then\n"
    "      problems['a number is NaN or infinite'] = true\n"
    "    elseif type(k) == 'number' and rawget(t, written(k)) ~= nil then\n"
    "      problems['a table has a number key and a string key written alike'] = true\n"
    "    elseif type(k) == 'string' and core.utf8_error(k) then\n"
    "      problems['a string is not valid UTF-8'] = true\n"
    "    end\n"
    "  end\n"
    "  if next(problems) then\n"
    "    check(text == nil and problems[problem], 'refused')\n"
    "    return\n"
    "  end\n"
    "  check(text and text:sub(1, 1) == '{', 'an object')\n"
    "  local back, members = assert(core.json_decode(text)), 0\n"
    "  for name, v in next, back do\n"
    "    members = members + 1\n"
    "    local k = name\n"
    "    if t[name] == nil then k = assert(tonumber(name), name) end\n"
    "    check(t[k] == v, 'member')\n"
    "  end\n"
    "  check(members == items, 'a name given twice, or a key lost')\n"
    "end\n";

static void load_model(lua_State *L)
{
    CHECK(luaL_loadstring(L, MODEL) == LUA_OK);
    lua_getglobal(L, "core");
    CHECK(lua_pcall(L, 1, 1, 0) == LUA_OK);
    lua_setglobal(L, "check_shape");
}

static unsigned long runs;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lua_State *L = fuzz_lua_state(load_model);
    fuzz_reader r = {data, size};
    lua_Integer entries = 0;
    lua_settop(L, 0);
    lua_getglobal(L, "check_shape");
    lua_newtable(L);
    while (r.left > 0 && entries < 64) {
        unsigned kind = (unsigned)fuzz_bits(&r, 1) % 5;
        if (kind == 0) { /* an index near the array's: holes, 0 and negatives */
            lua_pushinteger(L, (lua_Integer)fuzz_bits(&r, 1) - 8);
        } else if (kind == 1) { /* any integer */
            lua_pushinteger(L, (lua_Integer)fuzz_bits(&r, 8));
        } else if (kind == 2) { /* any double but NaN, which no table takes as a key */
            double d = fuzz_double(&r);
            if (d != d) continue;
            lua_pushnumber(L, d);
        } else if (kind == 3) { /* a short string */
            char s[12];
            size_t len = (size_t)fuzz_bits(&r, 1) % sizeof s, i;
            for (i = 0; i < len; i++) s[i] = (char)fuzz_bits(&r, 1);
            lua_pushlstring(L, s, len);
        } else { /* a digit string: the text a small number key is written as, or nearly */
            lua_pushfstring(L, "%d", (int)fuzz_bits(&r, 1) - 8);
        }
        lua_pushinteger(L, ++entries);
        lua_rawset(L, -3);
    }
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) fprintf(stderr, "model: %s\n", lua_tostring(L, -1));
    CHECK(lua_gettop(L) == 0);
    if (++runs % 4096 == 0) lua_gc(L, LUA_GCCOLLECT, 0);
    return 0;
}
