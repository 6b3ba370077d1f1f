-- The JSON decoder of response bodies (onesignal.core's json_decode, src/json_decode.c), through the core
-- function and through json.decode: every kind of value, escapes, numbers (integers on Lua 5.4), the
-- errors and their positions, depth, a large body, and agreement with lua-cjson on what it encodes.
-- Tests of math.type (tagged #lua54) are pending under LuaJIT, where every number is a double.
local core = require("onesignal.core")
local json = require("onesignal.json")
local cjson = require("cjson")
local core_support = require("core.support") -- (bad_argument: the message of a refused argument)

local math_type = math.type

-- Checks of Lua 5.4's integer subtype (math.type), which LuaJIT does not have: pending there.
local it_lua54 = math_type and it or pending

-- A deterministic generator (a 31-bit LCG), the same sequence on Lua 5.4 and LuaJIT.
local function generator(seed)
  local state = seed
  return function(n)
    state = (state * 1103515245 + 12345) % 2147483648
    return state % n
  end
end

-- Deep equality, where numbers compare by value and, on Lua 5.4, by kind (integer or float) too.
local function same(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) == "number" then
    return a == b and (not math_type or math_type(a) == math_type(b))
  end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do
    if not same(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

-- What decoding must give for cjson's reading of the same text: integral numbers as integers on 5.4.
local function integral(v)
  if type(v) == "number" and math_type then return math.tointeger(v) or v end
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = integral(x) end
  return t
end

-- A maker of random JSON-able values: strings with control characters, quotes, slashes and UTF-8,
-- numbers, booleans, null, arrays and objects up to 6 levels deep. exact: only numbers that lua-cjson's 14
-- significant digits write exactly.
local function random_values(seed, exact)
  local random = generator(seed)
  local function random_string()
    local parts = {}
    for i = 1, random(12) do
      local kind = random(10)
      if kind == 0 then
        parts[i] = string.char(random(32)) -- a control character: cjson writes \u00XX
      elseif kind == 1 then
        parts[i] = ({ '"', "\\", "/", "é", "😀", "\127", "\255" })[random(7) + 1]
      else
        parts[i] = string.char(97 + random(26))
      end
    end
    return table.concat(parts)
  end
  local function random_number()
    local kind = random(exact and 4 or 5)
    if kind == 0 then return random(2000000) - 1000000 end
    if kind == 1 then return (random(2000000) - 1000000) / 1024 end
    if kind == 2 then return random(1000000) * 1e10 end
    if kind == 3 then return 0 end
    return (random(2000000) + 1) / 3 * 10 ^ (random(40) - 20)
  end
  local function random_value(depth)
    local kind = random(depth > 4 and 5 or 7)
    if kind == 0 then return random_string() end
    if kind == 1 or kind == 4 then return random_number() end
    if kind == 2 then return random(2) == 0 end
    if kind == 3 then return cjson.null end
    local t = {}
    if kind == 5 then
      for i = 1, random(6) do t[i] = random_value(depth + 1) end
    else
      for _ = 1, random(6) do t[random_string() .. "k"] = random_value(depth + 1) end
    end
    return t
  end
  return random_value
end

local comma_locale = require("support.comma_locale")

local DECODERS = {
  { "core.json_decode", core.json_decode },
  { "json.decode", json.decode },
}

describe("the JSON decoder", function()
  teardown(comma_locale.cleanup)

  for _, entry in ipairs(DECODERS) do
    local name, decode = entry[1], entry[2]

    -- The error message for text, which must not decode.
    local function problem(text)
      local value, message = decode(text)
      assert.is_nil(value, "decoded: " .. text)
      assert.is_string(message)
      return message
    end

    describe(name, function()
      describe("values", function()
        it("decodes every kind of value at the top", function()
          assert.are.same({ a = 1 }, decode('{"a":1}'))
          assert.are.same({ 1, 2 }, decode("[1,2]"))
          assert.are.equal("s", decode('"s"'))
          assert.are.equal(2.5, decode("2.5"))
          assert.are.equal(true, decode("true"))
          assert.are.equal(false, decode("false"))
          assert.are.equal(json.null, decode("null"))
        end)

        it("gives null as json.null, which is cjson.null (a NULL light userdata)", function()
          local v = decode('{"external_id":null,"list":[null,1]}')
          assert.are.equal(json.null, v.external_id)
          assert.are.equal(cjson.null, v.external_id)
          assert.are.equal("userdata", type(v.external_id))
          assert.are.equal(json.null, v.list[1])
          assert.are.equal(1, v.list[2])
          assert.are.equal(cjson.null, cjson.decode("null"))
        end)

        it("decodes the typical answer", function()
          local v = decode('{"id":"b98881cc-1e94-4366-bbd9-db8f3429292b","external_id":null}')
          assert.are.equal("b98881cc-1e94-4366-bbd9-db8f3429292b", v.id)
          assert.are.equal(json.null, v.external_id)
        end)

        it("builds nested tables", function()
          local v = decode('{"a":[{"b":[1,{"c":null}],"d":{}},[],[[true]]],"e":{"f":{"g":"h"}}}')
          assert.are.equal(1, v.a[1].b[1])
          assert.are.equal(json.null, v.a[1].b[2].c)
          assert.are.same({}, v.a[1].d)
          assert.are.same({}, v.a[2])
          assert.are.equal(true, v.a[3][1][1])
          assert.are.equal("h", v.e.f.g)
        end)

        -- json.decode marks an empty array as one (json.array_mt), so that it is written back as []; the
        -- core function, cjson's reading, leaves it a plain empty table.
        it("gives arrays as plain tables from 1, an empty one as an empty table"
          .. (name == "json.decode" and " marked with json.array_mt" or " without metatable"), function()
          local v = decode('[10,"x",false]')
          assert.are.equal(3, #v)
          assert.are.same({ 10, "x", false }, v)
          assert.is_nil(getmetatable(v))
          local empty = decode("[]")
          assert.is_nil(next(empty))
          assert.are.equal(name == "json.decode" and json.array_mt or nil, getmetatable(empty))
          assert.is_nil(next(decode("{}")))
          assert.is_nil(getmetatable(decode("{}")))
        end)

        it("lets the last of duplicate keys win", function()
          assert.are.same({ a = 3, b = 2 }, decode('{"a":1,"b":2,"a":3}'))
        end)

        it("keeps keys that look like numbers strings", function()
          local v = decode('{"1":"one","2":"two"}')
          assert.are.equal("one", v["1"])
          assert.is_nil(v[1])
        end)

        it("accepts whitespace around and between everything", function()
          local v = decode(' \t\r\n{ "a" :\n[ 1 ,\t2 ] ,\r\n "b" : { } } \n\t ')
          assert.are.same({ a = { 1, 2 }, b = {} }, v)
          assert.are.equal(5, decode("\n 5 \n"))
        end)
      end)

      describe("strings", function()
        it("decodes every escape", function()
          assert.are.equal('"\\/\b\f\n\r\t', decode([["\"\\\/\b\f\n\r\t"]]))
          assert.are.equal("a\nb", decode([["a\nb"]]))
        end)

        it("decodes \\u escapes in either case, surrogate pairs to 4-byte UTF-8, \\u0000 to a NUL", function()
          assert.are.equal("é€", decode([["\u00e9\u20AC"]]))
          assert.are.equal("é€", decode([["\u00E9\u20ac"]]))
          assert.are.equal("A\127\194\128\223\191\224\160\128\239\191\191",
            decode([["\u0041\u007f\u0080\u07FF\u0800\uFFFF"]]))
          assert.are.equal("😀", decode([["\ud83d\ude00"]]))
          assert.are.equal("\240\144\128\128\244\143\191\191", decode([["\uD800\uDC00\uDBFF\uDFFF"]]))
          assert.are.equal("a\0b", decode([["a\u0000b"]]))
          assert.are.equal(3, #decode([["a\u0000b"]]))
        end)

        -- JavaScript's JSON.stringify writes half of a cut emoji as such an escape; lua-cjson refused the
        -- whole text, which would fail a whole page of answers over one character.
        it("decodes a lone \\u surrogate to U+FFFD, and reads the escape after a lone high one on its own", function()
          local fffd = "\239\191\189"
          assert.are.equal(fffd, decode([["\ud800"]]))
          assert.are.equal(fffd .. "x", decode([["\ud800x"]]))
          assert.are.equal("a" .. fffd, decode([["a\udc00"]]))
          assert.are.equal(fffd .. "A", decode([["\ud800\u0041"]]))
          assert.are.equal(fffd .. fffd, decode([["\ud800\ud800"]]))
          assert.are.equal(fffd .. "\238\128\128", decode([["\udbff\ue000"]]))
          assert.are.equal("😀" .. fffd, decode([["\ud83d\ude00\ude00"]]))
          assert.are.equal(fffd .. "😀", decode([["\ud83d\ud83d\ude00"]]))
          assert.are.same({ text = "Hi " .. fffd }, decode([[{"text":"Hi \ud83d"}]]))
        end)

        it("passes raw bytes through: UTF-8, invalid UTF-8, control characters, NUL", function()
          local s = "Hola 👋 — שלום עולם — مرحبا"
          assert.are.equal(s, decode('"' .. s .. '"'))
          assert.are.equal("\255\254\128", decode('"\255\254\128"'))
          assert.are.equal("a\1\9\10\31b", decode('"a\1\9\10\31b"'))
          assert.are.equal("a\0b", decode('"a\0b"'))
        end)

        it("mixes escapes with plain runs in long strings (past the stack buffer)", function()
          local plain = string.rep("abcdefgh", 100)
          local text = '"' .. plain .. "\\n" .. plain .. "\\u00e9" .. plain .. '\\""'
          assert.are.equal(plain .. "\n" .. plain .. "é" .. plain .. '"', decode(text))
          local many = {}
          for i = 1, 5000 do many[i] = "x\\ty" end
          assert.are.equal(string.rep("x\ty", 5000), decode('"' .. table.concat(many) .. '"'))
        end)

        it("finds the end of strings of every length and alignment", function()
          for len = 0, 40 do
            local s = string.rep("s", len)
            for pad = 0, 8 do
              local v = decode(string.rep(" ", pad) .. '["' .. s .. '","' .. s .. '\\\\",' .. len .. "]")
              assert.are.same({ s, s .. "\\", len }, v)
            end
          end
        end)

        it("decodes escaped keys", function()
          assert.are.same({ ["a\"b"] = 1, ["é"] = 2 }, decode([[{"a\"b":1,"\u00e9":2}]]))
        end)
      end)

      describe("numbers", function()
        it("decodes integers and fractions", function()
          local v = decode("[0,-0,7,-7,123456789,0.5,-0.25,3.14159,1e2,1E2,1e+2,1e-2,2.5E-3,-1.5e1]")
          local want = { 0, 0, 7, -7, 123456789, 0.5, -0.25, 3.14159, 100, 100, 100, 0.01, 0.0025, -15 }
          for i = 1, #want do assert.are.equal(want[i], v[i], "element " .. i) end
        end)

        it_lua54("makes integral numbers integers and the rest floats #lua54", function()
          local v = decode("[1,-1,0,-0,2.0,1e3,1.5e3,-0.0,2.5,1e-2,12345678901,9007199254740993]")
          local kinds = { "integer", "integer", "integer", "integer", "integer", "integer", "integer", "integer",
                          "float", "float", "integer", "integer" }
          for i = 1, #kinds do assert.are.equal(kinds[i], math.type(v[i]), "element " .. i) end
          assert.are.equal(1500, v[7])
          assert.are.equal(9007199254740993, v[12]) -- exact, though not as a double
          assert.are.equal("integer", math.type(decode("42")))
          assert.are.equal("float", math.type(decode("4.2")))
        end)

        it_lua54("keeps the integers at the ends of the 64-bit range and makes floats beyond #lua54", function()
          local v = decode("[9223372036854775807,-9223372036854775808,9223372036854775808,-9223372036854775809," ..
                           "18446744073709551616,123456789012345678901234567890]")
          assert.are.equal(math.maxinteger, v[1])
          assert.are.equal("integer", math.type(v[1]))
          assert.are.equal(math.mininteger, v[2])
          assert.are.equal("integer", math.type(v[2]))
          assert.are.equal("float", math.type(v[3]))
          assert.are.equal(2.0 ^ 63, v[3])
          -- rounds to -2^63, which is an integer again (math.tointeger's rule, as the Lua pass after cjson)
          assert.are.equal(math.mininteger, v[4])
          assert.are.equal("integer", math.type(v[4]))
          assert.are.equal("float", math.type(v[5]))
          assert.are.equal(2.0 ^ 64, v[5])
          assert.are.equal(1.2345678901234568e29, v[6])
          -- an integral double within range is an integer, one beyond is a float
          assert.are.equal("integer", math.type(decode("9.2233720368547748e18")))
          assert.are.equal("float", math.type(decode("9.2233720368547758e18")))
          assert.are.equal(math.mininteger, decode("-9.2233720368547758e18"))
          assert.are.equal("integer", math.type(decode("-9.2233720368547758e18")))
        end)

        it("gives -0 as the integer 0 on Lua 5.4 and as -0.0 on LuaJIT", function()
          for _, text in ipairs({ "-0", "-0.0", "-0e5" }) do
            local v = decode(text)
            assert.are.equal(0, v)
            if math_type then
              assert.are.equal("integer", math_type(v), text)
            else
              assert.are.equal(-math.huge, 1 / v, text)
            end
          end
        end)

        it("rounds correctly", function()
          assert.are.equal(0.1, decode("0.1"))
          assert.are.equal(1 / 3, decode("0.3333333333333333"))
          assert.are.equal(2 ^ -1074, decode("4.9406564584124654e-324"))
          assert.are.equal(1.7976931348623157e308, decode("1.7976931348623157e308"))
          assert.are.equal(0.30000000000000004, decode("0.30000000000000004"))
          assert.are.equal(9007199254740992, decode("9007199254740993.0")) -- halfway: to even
          assert.are.equal(123.456, decode("123.456000000000000000000000000000000000000000000000000000000001"))
        end)

        it("reads numbers longer than the stack buffer", function()
          local long = "1." .. string.rep("0", 300) .. "1"
          assert.are.equal(1, decode(long))
          assert.are.equal(1e300, decode("1" .. string.rep("0", 300)))
          assert.are.equal(0.5, decode("0." .. "5" .. string.rep("0", 1000)))
        end)

        it("gives numbers beyond the double range as infinities and tiny ones as zero, as lua-cjson", function()
          assert.are.equal(math.huge, decode("1e400"))
          assert.are.equal(-math.huge, decode("-1e400"))
          assert.are.equal(0, decode("1e-400"))
        end)

        it("reads a '.' as the decimal point whatever the C locale", function()
          local expression = name == "json.decode" and 'require("onesignal.json").decode'
                             or 'require("onesignal.core").json_decode'
          comma_locale.check([[
            local decode = ]] .. expression .. [[
            local v = decode("[1.5,0.25,1e3,1.25e1,-2.5e-1]")
            assert(v[1] == 1.5 and v[2] == 0.25 and v[3] == 1000 and v[4] == 12.5 and v[5] == -0.25)
            assert(decode("1,5") == nil)
            io.write("ok")
          ]], pending)
        end)

        -- ps_AF's decimal point is U+066B, two bytes: putting only its first byte in place of the '.' made
        -- strtod stop there, and every fraction was "invalid number at byte 1".
        it("reads a '.' as the decimal point under a locale whose point is more than one byte", function()
          local expression = name == "json.decode" and 'require("onesignal.json").decode'
                             or 'require("onesignal.core").json_decode'
          comma_locale.check_in("ps_AF", [[
            local decode = ]] .. expression .. [[
            assert(os.setlocale("ps_AF.UTF-8", "numeric"), "no ps_AF locale")
            assert(string.format("%.1f", 2) ~= "2.0" or jit, "the locale is not in force")
            local v, err = decode("[1.5,0.25,1e3,1.25e1,-2.5e-1,0.1,123456789012345678901234.5]")
            assert(v, err)
            assert(v[1] == 1.5 and v[2] == 0.25 and v[3] == 1000 and v[4] == 12.5 and v[5] == -0.25, "wrong value")
            assert(v[6] == 1 / 10 and v[7] == 1.234567890123456789e23, "wrong value")
            local long = "0." .. string.rep("0", 80) .. "1" -- past the stack buffer, into the scratch
            assert(decode(long) == 1e-81, "wrong long value")
            assert(decode("1,5") == nil)
            io.write("ok")
          ]], pending)
        end)
      end)

      describe("errors", function()
        it("names the problem and the byte for each class", function()
          assert.are.equal("unexpected end of text at byte 1", problem(""))
          assert.are.equal("unexpected end of text at byte 4", problem("   "))
          assert.are.equal("unexpected end of text at byte 5", problem("[1,2"))
          assert.are.equal("unexpected end of text at byte 7", problem('{"a":1'))
          assert.are.equal("unexpected end of text at byte 6", problem('{"a":'))
          assert.are.equal("unexpected end of text at byte 6", problem('["abc'))
          assert.are.equal("unexpected end of text at byte 6", problem('["a\\"'))
          assert.are.equal("unexpected end of text at byte 4", problem('"a\\'))
          assert.are.equal("unexpected end of text at byte 4", problem("tru"))
          assert.are.equal("text after the JSON value at byte 9", problem('{"a":1} x'))
          assert.are.equal("text after the JSON value at byte 4", problem("[1]\0"))
          assert.are.equal("text after the JSON value at byte 3", problem("1 2"))
          assert.are.equal("unexpected character '<' at byte 1", problem("<html>"))
          assert.are.equal("unexpected character 'x' at byte 4", problem("nulx"))
          assert.are.equal("unexpected character 'l' at byte 2", problem("flase"))
          assert.are.equal("unexpected character '1' at byte 6", problem('{"a" 1}'))
          assert.are.equal("unexpected character '1' at byte 2", problem("{1:2}"))
          assert.are.equal("unexpected character '}' at byte 8", problem('{"a":1,}'))
          assert.are.equal("unexpected character ']' at byte 4", problem("[1,]"))
          assert.are.equal("unexpected character '2' at byte 4", problem("[1 2]"))
          assert.are.equal("unexpected character '\"' at byte 8", problem('{"a":1 "b":2}'))
          assert.are.equal("unexpected character ':' at byte 3", problem('[1:2]'))
          assert.are.equal("unexpected character '}' at byte 3", problem('[1}'))
          assert.are.equal("unexpected character ']' at byte 7", problem('{"a":1]'))
          assert.are.equal("invalid escape character 'q' at byte 3", problem([["\q"]]))
          assert.are.equal("invalid escape character 'x' at byte 4", problem([["a\x41"]]))
          assert.are.equal("invalid \\u escape at byte 2", problem([["\u12"]]))
          assert.are.equal("invalid \\u escape at byte 3", problem([["a\u00g0"]]))
          assert.are.equal("invalid \\u escape at byte 8", problem([["\ud800\uzzzz"]]))
          assert.are.equal("invalid \\u escape at byte 8", problem([["\udbff\u00"]]))
        end)

        it("refuses what JSON's number grammar does not allow", function()
          local cases = {
            ["01"] = "invalid number at byte 1", ["-01"] = "invalid number at byte 1",
            ["-"] = "invalid number at byte 1", ["-a"] = "invalid number at byte 1",
            ["1."] = "invalid number at byte 1", ["1.e5"] = "invalid number at byte 1",
            ["-.5"] = "invalid number at byte 1", ["1e"] = "invalid number at byte 1",
            ["1e+"] = "invalid number at byte 1", ["1E-x"] = "invalid number at byte 1",
            ["[1,00]"] = "invalid number at byte 4", ["-Infinity"] = "invalid number at byte 1",
            [".5"] = "unexpected character '.' at byte 1", ["+1"] = "unexpected character '+' at byte 1",
            ["NaN"] = "unexpected character 'N' at byte 1", ["Infinity"] = "unexpected character 'I' at byte 1",
            ["inf"] = "unexpected character 'i' at byte 1", ["0x10"] = "text after the JSON value at byte 2",
            ["1.5.2"] = "text after the JSON value at byte 4", ["1e5e5"] = "text after the JSON value at byte 4",
          }
          for text, message in pairs(cases) do
            assert.are.equal(message, problem(text), text)
          end
        end)

        it("shows an unprintable byte as \\xNN and copies at most one byte of the text", function()
          assert.are.equal("unexpected character \\x01 at byte 1", problem("\1"))
          assert.are.equal("unexpected character \\x00 at byte 2", problem("[\0]"))
          assert.are.equal("unexpected character \\xFF at byte 1", problem("\255secret"))
          assert.are.equal("unexpected character \\x27 at byte 1", problem("'a'"))
          -- the printable range ends on both sides: a space and DEL are not shown as themselves
          assert.are.equal("unexpected character \\x20 at byte 3", problem("tr ue"))
          assert.are.equal("unexpected character \\x7F at byte 1", problem("\127"))
          assert.are.equal("unexpected character '~' at byte 1", problem("~"))
          assert.are.equal("invalid escape character \\x0A at byte 3", problem('"\\\n"'))
          local message = problem("secret-token-value")
          assert.are.equal("unexpected character 's' at byte 1", message)
          assert.falsy(message:find("se", 1, true))
        end)

        it("counts bytes from 1 across multi-byte characters", function()
          assert.are.equal("unexpected character 'x' at byte 11", problem('["é😀" x]'))
        end)

        it("accepts 1000 nested arrays or objects and refuses 1001", function()
          local v = decode(string.rep("[", 1000) .. string.rep("]", 1000))
          for _ = 1, 999 do v = v[1] end
          assert.are.same({}, v)
          local objects = string.rep('{"a":', 999) .. "{}" .. string.rep("}", 999)
          assert.is_table(decode(objects))
          assert.are.equal("nested deeper than 1000 levels at byte 1001",
            problem(string.rep("[", 1001) .. string.rep("]", 1001)))
          assert.are.equal("nested deeper than 1000 levels at byte 5001",
            problem(string.rep('{"a":', 1000) .. "[]" .. string.rep("}", 1000)))
          assert.are.equal("nested deeper than 1000 levels at byte 1001", problem(string.rep("[", 100000)))
        end)

        it("never raises for bad text, only returns nil and a message", function()
          local random = generator(7)
          local alphabet = '{}[]:,"\\ -0123456789.eE+tfnrulasx\0\1\255u'
          for _ = 1, 3000 do
            local parts = {}
            for i = 1, random(40) do
              local k = random(#alphabet) + 1
              parts[i] = alphabet:sub(k, k)
            end
            local text = table.concat(parts)
            local ok, value, message = pcall(decode, text)
            assert(ok, value)
            if value == nil then
              assert.is_string(message)
              assert.truthy(message:find(" at byte %d+$"), message)
            end
          end
        end)

        it("refuses a value that is not a string or number as an argument error", function()
          assert.error_matches(function() decode(nil) end, core_support.bad_argument(1, "string expected, got nil"))
          assert.error_matches(function() decode({}) end, core_support.bad_argument(1, "string expected, got table"))
          assert.are.equal(12, decode(12)) -- Lua's own conversion, as lua-cjson
        end)
      end)

      describe("large and random bodies", function()
        it("decodes a 1 MB array of strings", function()
          local ids = {}
          for i = 1, 40000 do ids[i] = string.format("external-id-%012d", i) end
          local text = cjson.encode(ids)
          assert.is_true(#text > 1000000)
          local v = decode(text)
          assert.are.equal(40000, #v)
          assert.are.equal("external-id-000000000001", v[1])
          assert.are.equal("external-id-000000040000", v[40000])
          assert.are.same(ids, v)
        end)

        it("decodes what lua-cjson encodes back to the values encoded", function()
          local random_value = random_values(20240611, true)
          for round = 1, 500 do
            local value = random_value(0)
            local text = cjson.encode(value)
            assert(same(integral(value), decode(text)), "round " .. round .. ": " .. text)
          end
        end)

        it("agrees with lua-cjson on what lua-cjson encodes, numbers beyond its 14 digits too", function()
          local random_value = random_values(42, false)
          for round = 1, 500 do
            local text = cjson.encode(random_value(0))
            assert(same(integral(cjson.decode(text)), decode(text)), "round " .. round .. ": " .. text)
          end
        end)
      end)
    end)
  end
end)
