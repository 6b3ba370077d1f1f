-- The writer of request bodies (onesignal.core's json_encode, behind json.encode): what it must write as
-- the API means it at any depth and in any part of a table, the shapes it shares with lua-cjson, and
-- what it must refuse.
local json = require("onesignal.json")
local core = require("onesignal.core")
local cjson = require("cjson")

local checks = require("support.json_checks")
local encode, usage_of, utf8_char = checks.encode, checks.usage_of, checks.utf8_char

describe("json.encode's writer", function()
  teardown(require("support.comma_locale").cleanup)

  it("writes empty arrays deep down, in array fields, alias maps and marked tables", function()
    local body = {
      a = { b = { c = { included_segments = {}, d = setmetatable({}, json.array_mt) } } },
      include_aliases = { external_id = {}, onesignal_id = {} },
      filters = { { field = "tag", key = "k", relation = "exists" } },
      buttons = { {} }, -- an element of an array field is an object
      data = {},
    }
    local text = encode(body)
    assert.truthy(text:find('"included_segments":[]', 1, true))
    assert.truthy(text:find('"d":[]', 1, true))
    assert.truthy(text:find('"external_id":[]', 1, true))
    assert.truthy(text:find('"onesignal_id":[]', 1, true))
    assert.truthy(text:find('"buttons":[{}]', 1, true))
    assert.truthy(text:find('"data":{}', 1, true))
    assert.truthy(text:find('"relation":"exists"', 1, true))
    -- the mark as getmetatable sees it: a metatable that names array_mt in __metatable marks the table too
    local disguised = setmetatable({}, { __metatable = json.array_mt })
    assert.are.equal('{"e":[]}', encode({ e = disguised }))
  end)

  it("writes numbers beyond 14 digits in array parts and hash parts alike", function()
    local text = encode({ list = { 1, 123456789012345, "x", 2.5 }, n = 1234567890123456, f = 1 / 3 })
    assert.truthy(text:find("[1,123456789012345,\"x\",2.5]", 1, true))
    assert.truthy(text:find('"n":1234567890123456', 1, true))
    assert.are.equal(1 / 3, json.decode(text).f)
  end)

  it("writes the keys after the array part of a mixed table", function()
    local t = { "a", "b" }
    t.n, t.included_segments = 1234567890123456, {}
    local text = encode({ t = t })
    assert.truthy(text:find('"n":1234567890123456', 1, true))
    assert.truthy(text:find('"included_segments":[]', 1, true))
  end)

  -- JSON text is UTF-8 (RFC 8259): a raw 0xFF went out as it was. The path and the byte where the bad
  -- sequence starts are named; the bytes themselves never appear in the message.
  it("refuses strings and keys that are not well-formed UTF-8, naming the path and the byte", function()
    local message = usage_of(function() encode({ contents = { en = "bad \255 byte" } }) end)
    assert.are.equal("onesignal.op: argument 'x': field contents.en is not valid UTF-8 (byte 5), which JSON"
      .. " cannot carry", message)
    assert.matches("field a%[2%]%.b is not valid UTF%-8 %(byte 3%)",
      usage_of(function() encode({ a = { "ok", { b = "é\237\160\128" } } }) end)) -- U+D800 after é
    assert.matches("field include_aliases%.external_id%[300%] is not valid UTF%-8 %(byte 1%)",
      usage_of(function()
        local ids = {}
        for i = 1, 300 do ids[i] = "id-" .. i end
        ids[300] = "\244\144\128\128" -- above U+10FFFF
        encode({ include_aliases = { external_id = ids } })
      end))
    message = usage_of(function() encode({ data = { ["k\192\175"] = 1 } }) end) -- an overlong '/'
    assert.are.equal("onesignal.op: argument 'x': field data has a key that is not valid UTF-8 (byte 2 of the key)",
      message)
    assert.matches("argument 'x' has a key that is not valid UTF%-8 %(byte 1 of the key%)",
      usage_of(function() encode({ ["\226\130"] = 1 }) end)) -- cut short
    assert.matches("argument 'x' is not valid UTF%-8 %(byte 1%)", usage_of(function() encode("\128") end))
  end)

  -- A key went into the message as it was: a newline split it, an escape sequence reached the terminal, a
  -- megabyte of key made a megabyte of message.
  it("shows the keys of a path on one line, control characters escaped, a long key by its length", function()
    assert.are.equal("onesignal.op: argument 'x': field data[\"a\\nb\\t\\x1B[31m\\x00\\x7F\"].c is NaN (not a number),"
      .. " which JSON cannot carry",
      usage_of(function() encode({ data = { ["a\nb\t\27[31m\0\127"] = { c = 0 / 0 } } }) end))
    -- the C1 controls as UTF-8 (U+009B starts escape sequences too); other UTF-8 as it is
    assert.matches("field tags%.\\u{9B}31m\\u{85}é is infinite",
      usage_of(function() encode({ tags = { ["\194\15531m\194\133é"] = math.huge } }) end))
    local long = ("k"):rep(65)
    assert.are.equal("onesignal.op: argument 'x': field data.<a key of 65 bytes>[2] is a function, which JSON"
      .. " cannot carry", usage_of(function() encode({ data = { [long] = { 1, print } } }) end))
    assert.matches("field data%." .. long:sub(2) .. " is a function",
      usage_of(function() encode({ data = { [long:sub(2)] = print } }) end)) -- 64 bytes: shown whole
  end)

  -- "data.a.b" named the key "b" of the key "a", also when the key was "a.b"; "data.x[1]" an index.
  it("shows a key that would read as more than one step of the path in brackets and quotes", function()
    local function path_of(data)
      return usage_of(function() encode({ data = data }) end):match("field (.-) is ")
    end
    assert.are.equal('data["a.b"]', path_of({ ["a.b"] = print }))
    assert.are.equal('data["x[1]"]', path_of({ ["x[1]"] = print }))
    assert.are.equal('data["say \\"hi\\""]', path_of({ ['say "hi"'] = print }))
    assert.are.equal('data["back\\\\slash"]', path_of({ ["back\\slash"] = print }))
    assert.are.equal('data["two words"]', path_of({ ["two words"] = print }))
    assert.are.equal('data[""]', path_of({ [""] = print }))
    assert.are.equal('data["a.b"].c', path_of({ ["a.b"] = { c = print } }))
    -- names as the API's fields are written stay bare: letters, digits, "_", "-" (zh-Hans), others
    assert.are.equal("data.zh-Hans.user_id.$1", path_of({ ["zh-Hans"] = { user_id = { ["$1"] = print } } }))
    -- a long key still by its length alone
    assert.are.equal("data.<a key of 65 bytes>", path_of({ [("k."):rep(32) .. "k"] = print }))
  end)

  it("refuses NaN and infinities wherever they are", function()
    assert.matches("field a%[3%] is NaN", usage_of(function() encode({ a = { "x", "y", 0 / 0 } }) end))
    assert.matches("field a.b.c is infinite", usage_of(function() encode({ a = { b = { c = -math.huge } } }) end))
    assert.matches("field list%[2%] is infinite", usage_of(function() encode({ list = { 1, math.huge } }) end))
    -- as a key too (a table key cannot be NaN): the writer's reason alone named no field
    assert.are.equal("onesignal.op: argument 'x': field data.scores has an infinite key, which JSON cannot carry",
      usage_of(function() encode({ data = { scores = { [math.huge] = 1 } } }) end))
    assert.are.equal("onesignal.op: argument 'x': field data has an infinite key, which JSON cannot carry",
      usage_of(function() encode({ data = { x = 1, [-math.huge] = 2 } }) end))
  end)

  it("refuses nesting deeper than 1000 arrays and objects (what json.decode reads) and cycles, naming them", function()
    local deep = {}
    local at = deep
    for _ = 1, 1005 do
      at.x = {}
      at = at.x
    end
    at.y = 1
    assert.matches("nested too deeply", usage_of(function() encode(deep) end))
    -- the top table and 999 levels in it are written, one more is not
    local function nested(levels)
      local top = {}
      local cursor = top
      for _ = 1, levels do
        cursor.x = {}
        cursor = cursor.x
      end
      return top
    end
    assert.are.equal(("{\"x\":"):rep(999) .. "{}" .. ("}"):rep(999), encode(nested(999)))
    assert.are.equal("onesignal.op: argument 'x': field " .. ("x."):rep(999) .. "x is nested too deeply (more than 1000"
      .. " arrays and objects inside one another)", usage_of(function() encode(nested(1000)) end))
    local cyclic = { list = {} }
    cyclic.list[1] = cyclic
    assert.matches("field list%[1%] is a cyclic table", usage_of(function() encode(cyclic) end))
  end)

  -- The walk that names the field went through pairs, which on Lua 5.3 and 5.4 calls a __pairs the writer never
  -- does: one that hid the bad value left the message without its field.
  it("names the field of a bad value in a table whose __pairs hides it", function()
    local hiding = setmetatable({ x = 0 / 0 }, { __pairs = function() return function() return nil end end })
    assert.are.equal("onesignal.op: argument 'x': field data.x is NaN (not a number), which JSON cannot carry",
      usage_of(function() encode({ data = hiding }) end))
  end)

  it("leaves the caller's tables as they were", function()
    local empty, marked = {}, setmetatable({}, json.array_mt)
    local body = { included_segments = empty, m = marked, n = 1234567890123456 }
    encode(body)
    assert.are.equal(empty, body.included_segments)
    assert.are.equal(marked, body.m)
    assert.are.equal(1234567890123456, body.n)
    assert.is_nil(next(empty))
  end)

  it("escapes what JSON strings cannot hold raw in a long list, and passes UTF-8 through", function()
    local odd = { 'say "hi"', "back\\slash", "a/b", "nul\0byte", "tab\tnew\nline\r", "\1\31\127",
      "emoji 🚀", "עברית", "" }
    local ids = {}
    for i = 1, 300 do ids[i] = odd[i % #odd + 1] .. i end
    local text = encode({ include_aliases = { external_id = ids } })
    assert.are.same(ids, json.decode(text).include_aliases.external_id)
    assert.truthy(text:find('"emoji 🚀', 1, true))
    assert.truthy(text:find('\\u0000', 1, true))
    assert.is_nil(text:find("[%z\1-\31]"))
  end)

  -- The walk looks at eight bytes at a time for anything to escape or to check as UTF-8 (and at a
  -- string's last eight for the bytes after its last whole word): each such byte at each place of a word,
  -- and beside its neighbours (0x1f, 0x20, 0x21, 0x5b, 0x5d, 0x7f, U+0080, U+00FF), must come out right.
  it("escapes a byte wherever it sits in a long string", function()
    local ids = {}
    for _, char in ipairs({ "\0", "\1", "\31", " ", "!", '"', "#", "[", "\\", "]", "\127", "\194\128", "\195\191" }) do
      for _, length in ipairs({ 9, 15, 24 }) do
        for at = 1, length do
          ids[#ids + 1] = ("x"):rep(at - 1) .. char .. ("y"):rep(length - at)
        end
      end
    end
    assert.is_true(#ids >= 256)
    local text = encode({ include_aliases = { external_id = ids } })
    assert.are.same(ids, json.decode(text).include_aliases.external_id)
    assert.is_nil(text:find("[%z\1-\31]"))
  end)

  it("writes lists that are not only strings under 1..n as cjson shapes them", function()
    local mixed = {}
    for i = 1, 300 do mixed[i] = "id-" .. i end
    mixed[150] = 1234567890123456
    local text = encode({ ids = mixed })
    assert.truthy(text:find(',1234567890123456,', 1, true))
    assert.are.same(mixed, json.decode(text).ids)

    local keyed = {}
    for i = 1, 300 do keyed[i] = "id-" .. i end
    keyed.extra = "x"
    local decoded = json.decode(encode({ ids = keyed }))
    assert.are.equal("x", decoded.ids.extra)
    assert.are.equal("id-7", decoded.ids["7"])
  end)

  it("leaves a long list in its table after writing it", function()
    local ids = {}
    for i = 1, 1000 do ids[i] = "u" .. i end
    local body = { include_aliases = { external_id = ids }, included_segments = {} }
    local text = encode(body)
    assert.are.equal(ids, body.include_aliases.external_id)
    assert.are.equal(1000, #json.decode(text).include_aliases.external_id)
    assert.truthy(text:find('"included_segments":[]', 1, true))
  end)

  it("writes a table of keys 1..n wherever they are stored as an array, holes as null", function()
    local backwards = {}
    for i = 5, 1, -1 do backwards[i] = i * 10 end -- stored in the hash part, in no particular order
    assert.are.equal("[10,20,30,40,50]", encode(backwards))
    assert.are.equal('[1,null,3]', encode({ 1, nil, 3 }))
    assert.are.equal('{"a":[true,false]}', encode({ a = { true, false } }))
  end)

  it("writes a table with any key that is not a positive integer as an object, number keys as strings", function()
    local list = {}
    for i = 1, 300 do list[i] = "id-" .. i end
    list.extra = "kept" -- a string key after the array part: nothing of the table may be lost
    local back = cjson.decode(encode({ list = list }))
    assert.are.equal("kept", back.list.extra)
    assert.are.equal("id-300", back.list["300"])
    assert.are.same({ ["0"] = "a", ["1"] = "b" }, cjson.decode(encode({ [0] = "a", [1] = "b" })))
    assert.are.same({ ["-2"] = "n", ["1.5"] = "f" }, cjson.decode(encode({ [-2] = "n", [1.5] = "f" })))
  end)

  -- {[0] = "a", ["0"] = "b"} was written {"0":"a","0":"b"}: a name given twice, whose value a reader picks
  -- at will (or it refuses the text).
  it("refuses a number key beside the string key it is written as, naming the field", function()
    assert.are.equal("onesignal.op: argument 'x': field data has both the number key 0 and the string key"
      .. " \"0\", which JSON writes as the same name",
      usage_of(function() encode({ data = { [0] = "a", ["0"] = "b" } }) end))
    assert.matches("field list has both the number key 1 and the string key \"1\"",
      usage_of(function() encode({ list = { "a", "b", ["1"] = "c" } }) end)) -- after an array part
    assert.matches("argument 'x' has both the number key 1%.5 and the string key \"1%.5\"",
      usage_of(function() encode({ [1.5] = 1, ["1.5"] = 2 }) end))
    assert.matches("has both the number key 1e%+300 and the string key \"1e%+300\"",
      usage_of(function() encode({ [1e300] = 1, ["1e+300"] = 2, x = 3 }) end))
    -- beside members added in front (the writer of request bodies), as anywhere
    assert.same({ nil, "a table has a number key and a string key written alike" },
      { core.json_encode({ [2] = 1, ["2"] = 2 }, {}, {}, json.array_mt, 64, "app_id", "a") })
    -- number keys that read as no string key of the table are written as before
    assert.are.same({ ["0"] = "a", ["00"] = "b", ["-1"] = "c" },
      cjson.decode(encode({ [0] = "a", ["00"] = "b", [-1] = "c" })))
  end)

  it("refuses an array with more holes than lua-cjson allows, saying so and where", function()
    -- The writer's own message named no field ("a table is an array with too many holes"): in a large body
    -- the caller could not tell which table was meant.
    assert.matches("field ids is an array with too many holes %(2 values up to index 40%): fill them with"
      .. " onesignal%.null, or use string keys", usage_of(function() encode({ ids = { [1] = "a", [40] = "b" } }) end))
    assert.matches("field data%.list%[2%] is an array with too many holes %(1 value up to index 30%)",
      usage_of(function() encode({ data = { list = { {}, { [30] = 1 } } } }) end))
    assert.are.equal('[1,null,null,null,null,null,null,null,null,10]', encode({ [1] = 1, [10] = 10 }))
    -- beyond the first 10 slots, at most twice as many slots as values
    local sparse = { [1] = 1, [3] = 3, [5] = 5, [7] = 7, [9] = 9, [12] = 12 }
    assert.are.equal('[1,null,3,null,5,null,7,null,9,null,null,12]', encode(sparse))
    sparse[12], sparse[13] = nil, 13
    assert.matches("too many holes", usage_of(function() encode(sparse) end))
    -- However large the index: one beyond 2^53 (9e15) made an object of the table, so a map of ids was
    -- refused or sent as an object by the size of one id.
    assert.are.equal("onesignal.op: argument 'x': field scores is an array with too many holes (2 values up to"
      .. " index 9001000000000000): fill them with onesignal.null, or use string keys",
      usage_of(function() encode({ scores = { [12] = 1, [9001000000000000] = 2 } }) end))
    assert.matches("argument 'x' is an array with too many holes %(1 value up to index 1e%+300%)",
      usage_of(function() encode({ [1e300] = "x" }) end))
    -- json.lua names the field by the writer's own rule (core.json_sparse), not a restatement of it
    assert.are.same({ 13, 6 }, { core.json_sparse(sparse) })
    sparse[13] = nil
    assert.are.same({}, { core.json_sparse(sparse) })
    assert.are.same({}, { core.json_sparse({ [40] = 1, x = 2 }) }) -- an object
    if math.type then
      -- Its largest index as the table holds it: an integer exactly, or a float beyond every integer (2^63
      -- and up stay floats), not the integer below it that the float rounds to
      assert.are.same({ math.maxinteger, 1 }, { core.json_sparse({ [math.maxinteger] = 1 }) })
      local last = core.json_sparse({ [math.maxinteger] = 1, [2 ^ 63] = 2 })
      assert.are.equal("float", math.type(last))
      assert.are.equal(2 ^ 63, last)
    end
  end)

  it("writes Lua 5.4 integers with every digit, also beyond 14 digits #lua54", function()
    assert.are.equal("[0,-1,9007199254740993,-9223372036854775808,9223372036854775807]",
      encode({ 0, -1, 9007199254740993, math.mininteger, math.maxinteger }))
  end)

  it("writes whole numbers as integers and fractions as the shortest exact text", function()
    assert.are.equal("[0,-1,9007199254740991,1000000000000000,-123456789012345]",
      encode({ 0, -1, 2 ^ 53 - 1, 1e15, -123456789012345 }))
    assert.are.equal("[3,-0.5,0.1,1e+300,2.5e-10,0.30000000000000004]",
      encode({ 3.0, -0.5, 0.1, 1e300, 2.5e-10, 0.1 + 0.2 }))
    -- -0.0 is a whole number, written as the integer 0 (lua-cjson writes -0): LuaJIT makes it of 0 * -1
    assert.are.equal('{"n":[0,0]}', encode({ n = { -0.0, 0 * -1 } }))
    -- subnormals carry fewer digits than 14, so the shortest text is shorter than %.14g's
    assert.are.equal("[5e-324,-2.5e-323,1e-310,2.2250738585072014e-308]",
      encode({ 5e-324, -2.5e-323, 1e-310, 2.2250738585072014e-308 }))
    for _, n in ipairs({ 1 / 3, 2 / 3, math.pi, -1e-300, 123456.789e10, 2 ^ 60 + 0.0, 5e-324 }) do
      assert.are.equal(n, cjson.decode(encode({ n }))[1])
    end
  end)

  it("writes a '.' as the decimal point whatever the C locale", function()
    require("support.comma_locale").check([[
      local text = require("onesignal.json").encode({ 1.5, 0.1, 1 / 3, 2.5e-10 }, "x")
      assert(text == "[1.5,0.1,0.3333333333333333,2.5e-10]", text)
      io.write("ok")
    ]], pending)
  end)

  it("writes a '.' as the decimal point under a locale whose point is more than one byte", function()
    require("support.comma_locale").check_in("ps_AF", [[
      local encode = require("onesignal.json").encode
      assert(os.setlocale("ps_AF.UTF-8", "numeric"), "no ps_AF locale")
      assert(string.format("%.1f", 2) ~= "2.0" or jit, "the locale is not in force")
      local text = encode({ 1.5, 0.1, 1 / 3, 2.5e-10, -1.7976931348623157e308 }, "x")
      assert(text == "[1.5,0.1,0.3333333333333333,2.5e-10,-1.7976931348623157e+308]", text)
      io.write("ok")
    ]], pending)
  end)

  -- Messages wrote numbers with tostring and %.1f, which follow the C locale: "must be an integer, got 1,5".
  it("writes numbers in messages as a JSON body would, whatever the C locale", function()
    local number_text = require("onesignal.json").number_text
    assert.are.equal("1.5", number_text(1.5))
    assert.are.equal("-3", number_text(-3.0))
    assert.are.equal("0.30000000000000004", number_text(0.1 + 0.2))
    assert.are.equal("0.3", number_text(0.1 + 0.2, 1))
    assert.are.equal("3", number_text(2.96, 1))
    assert.are.equal(tostring(1 / 0), number_text(1 / 0))
    require("support.comma_locale").check([[
      local onesignal = require("onesignal")
      local function message(f, ...)
        local ok, err = pcall(f, ...)
        assert(not ok, "no error")
        return tostring(err)
      end
      local text = message(onesignal.new, { rest_api_key = "k", max_retries = 1.5 })
      assert(text:find("got 1.5", 1, true), text)
      local dry = onesignal.new({ rest_api_key = "k", app_id = "a", dry_run = true })
      text = message(dry.view_templates, dry, nil, { limit = 0.5 })
      assert(text:find("must be an integer, got 0.5", 1, true), text)
      text = tostring(require("onesignal.errors").new({ kind = "api", status = 429, attempts = 1,
        retry_after = 1.5, messages = {} }))
      assert(text:find("retry after 1.5 s", 1, true), text)
      assert(require("onesignal.json").number_text(1.5) == "1.5")
      io.write("ok")
    ]], pending)
  end)

  it("writes every ASCII byte and UTF-8 of each length so that it reads back the same, controls escaped", function()
    local bytes = {}
    for b = 0, 127 do bytes[#bytes + 1] = string.char(b) end
    for _, cp in ipairs({ 0x80, 0xff, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xffff, 0x10000, 0x1f680, 0x10ffff }) do
      bytes[#bytes + 1] = utf8_char(cp)
    end
    local all = table.concat(bytes)
    local text = encode({ s = all, t = "tab\tnew\nline\rback\bfeed\f" })
    assert.are.equal(all, cjson.decode(text).s)
    assert.truthy(text:find('"tab\\tnew\\nline\\rback\\bfeed\\f"', 1, true))
    assert.truthy(text:find('\\u0000\\u0001', 1, true))
    assert.is_nil(text:find("[%z\1-\31]"))
  end)

  it("writes top-level values of every kind", function()
    assert.are.equal('"x"', encode("x"))
    assert.are.equal("12", encode(12))
    assert.are.equal("true", encode(true))
    assert.are.equal("null", encode(json.null))
    assert.are.equal("{}", encode({}))
  end)

  it("writes members given beside a table in front of its own, leaving the table as it was", function()
    local body = { contents = { en = "hi" } }
    local text = json.encode(body, "x", "app_id", "a-1", "idempotency_key", "k-1")
    assert.are.equal('{"app_id":"a-1","idempotency_key":"k-1","contents":{"en":"hi"}}', text)
    assert.is_nil(body.app_id)
    assert.is_nil(body.idempotency_key)
    assert.are.equal('{"idempotency_key":"k-2"}', json.encode({}, "x", "app_id", nil, "idempotency_key", "k-2"))
    assert.are.same({ ["1"] = "a", app_id = "b" }, cjson.decode(json.encode({ "a" }, "x", "app_id", "b")))
  end)

  it("returns nil and a reason from the core, and raises nothing, for what it cannot write", function()
    local text, problem = core.json_encode({ f = print }, {}, {}, json.array_mt, 64)
    assert.is_nil(text)
    assert.is_string(problem)
    text, problem = core.json_encode({ [true] = 1 }, {}, {}, json.array_mt, 64)
    assert.is_nil(text)
    assert.matches("neither a string nor a number", problem)
  end)

  -- Random bodies, the same every run: what the writer sends must read back (with lua-cjson) as the
  -- table it was given, through every shape and a text long enough to leave the writer's first buffer.
  it("writes random nested tables that read back as themselves", function()
    local seed = 12345
    local function random(n)
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    end
    local function value(depth)
      local kind = random(depth > 4 and 4 or 6)
      if kind == 0 then return random(2) == 0
      elseif kind == 1 then return random(1000000) - 500000
      elseif kind == 2 then return (random(1000000) - 500000) / 64
      elseif kind == 3 then
        local chars = {}
        for i = 1, random(40) do -- ASCII mostly, UTF-8 of every length sometimes (not the surrogates)
          local cp = random(4) > 0 and random(128) or random(0x10F800)
          chars[i] = utf8_char(cp < 0xD800 and cp or cp + 0x800)
        end
        return table.concat(chars)
      elseif kind == 4 then
        local list = {}
        for i = 1, 1 + random(8) do list[i] = value(depth + 1) end
        return list
      end
      local object = {}
      for i = 1, 1 + random(8) do object["k" .. i .. "-" .. random(100)] = value(depth + 1) end
      return object
    end
    for _ = 1, 200 do
      local body = { data = value(0) }
      assert.are.same(body, cjson.decode(encode(body)))
    end
  end)
end)
