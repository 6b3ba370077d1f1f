-- The quick walk json.encode runs before lua-cjson (onesignal.core's json_quick_walk): what it must find
-- at any depth and in any part of a table, and what it must leave alone.
local json = require("onesignal.json")
local core = require("onesignal.core")

local checks = require("support.json_checks")
local encode, usage_of = checks.encode, checks.usage_of

describe("json.encode's quick walk", function()
  it("finds empty arrays deep down, in array fields, alias maps and marked tables", function()
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
  end)

  it("finds numbers beyond 14 digits in array parts and hash parts alike", function()
    local text = encode({ list = { 1, 123456789012345, "x", 2.5 }, n = 1234567890123456, f = 1 / 3 })
    assert.truthy(text:find("[1,123456789012345,\"x\",2.5]", 1, true))
    assert.truthy(text:find('"n":1234567890123456', 1, true))
    assert.are.equal(1 / 3, json.decode(text).f)
  end)

  it("walks the keys after the array part of a mixed table", function()
    local t = { "a", "b" }
    t.n, t.included_segments = 1234567890123456, {}
    local text = encode({ t = t })
    assert.truthy(text:find('"n":1234567890123456', 1, true))
    assert.truthy(text:find('"included_segments":[]', 1, true))
  end)

  it("refuses NaN and infinities wherever they are", function()
    assert.matches("field a%[3%] is NaN", usage_of(function() encode({ a = { "x", "y", 0 / 0 } }) end))
    assert.matches("field a.b.c is infinite", usage_of(function() encode({ a = { b = { c = -math.huge } } }) end))
    assert.matches("field list%[2%] is infinite", usage_of(function() encode({ list = { 1, math.huge } }) end))
  end)

  it("refuses nesting deeper than 64 levels and cycles, naming them", function()
    local deep = {}
    local at = deep
    for _ = 1, 70 do
      at.x = {}
      at = at.x
    end
    at.y = 1
    assert.matches("nested too deeply", usage_of(function() encode(deep) end))
    local cyclic = { list = {} }
    cyclic.list[1] = cyclic
    assert.matches("field list%[1%] is a cyclic table", usage_of(function() encode(cyclic) end))
  end)

  it("leaves the caller's tables as they were, swapped values included", function()
    local empty, marked = {}, setmetatable({}, json.array_mt)
    local body = { included_segments = empty, m = marked, n = 1234567890123456 }
    encode(body)
    assert.are.equal(empty, body.included_segments)
    assert.are.equal(marked, body.m)
    assert.are.equal(1234567890123456, body.n)
    assert.is_nil(next(empty))
  end)

  it("answers nil (nothing to swap) for a body of plain values and short lists", function()
    local ids = {}
    for i = 1, 255 do ids[i] = "user-" .. i end
    local ok, swaps = core.json_quick_walk({ include_aliases = { external_id = ids }, contents = { en = "x" } },
      {}, { include_aliases = true }, json.array_mt, 64)
    assert.is_true(ok)
    assert.is_nil(swaps)
  end)

  it("writes a long list of strings itself, as one swap with its JSON text", function()
    local ids = {}
    for i = 1, 20000 do ids[i] = "user-" .. i end
    local aliases = { external_id = ids }
    local ok, swaps = core.json_quick_walk({ include_aliases = aliases, contents = { en = "x" } },
      {}, { include_aliases = true }, json.array_mt, 64)
    assert.is_true(ok)
    assert.are.equal(4, #swaps)
    assert.are.equal(aliases, swaps[1])
    assert.are.equal("external_id", swaps[2])
    assert.are.equal(ids, swaps[3])
    assert.are.equal('["user-1","user-2",', swaps[4]:sub(1, 19))
    assert.are.same(ids, json.decode(swaps[4]))
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

  -- The walk looks at eight bytes at a time for anything to escape: each such byte at each place of a
  -- word, and beside its neighbours (0x1f, 0x20, 0x21, 0x5b, 0x5d, 0x7f, 0x80, 0xff), must come out right.
  it("finds a byte to escape wherever it sits in a long string", function()
    local ids = {}
    for _, byte in ipairs({ 0, 1, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7f, 0x80, 0xff }) do
      for at = 1, 24 do
        ids[#ids + 1] = ("x"):rep(at - 1) .. string.char(byte) .. ("y"):rep(24 - at)
      end
    end
    assert.is_true(#ids >= 256)
    local text = encode({ include_aliases = { external_id = ids } })
    assert.are.same(ids, json.decode(text).include_aliases.external_id)
    assert.is_nil(text:find("[%z\1-\31]"))
  end)

  it("leaves lists that are not only strings under 1..n to the ordinary walk and cjson", function()
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

  it("puts a long list back in its table after encoding it", function()
    local ids = {}
    for i = 1, 1000 do ids[i] = "u" .. i end
    local body = { include_aliases = { external_id = ids }, included_segments = {} }
    local text = encode(body)
    assert.are.equal(ids, body.include_aliases.external_id)
    assert.are.equal(1000, #json.decode(text).include_aliases.external_id)
    assert.truthy(text:find('"included_segments":[]', 1, true))
  end)

  it("lists each swap as table, key, value and replacement", function()
    local inner = {}
    local body = { data = { n = 1234567890123456, e = inner } }
    local ok, swaps = core.json_quick_walk(body, { e = true }, {}, json.array_mt, 64)
    assert.is_true(ok)
    assert.are.equal(8, #swaps)
    local seen = {}
    for i = 1, #swaps, 4 do
      assert.are.equal(body.data, swaps[i])
      seen[swaps[i + 1]] = { swaps[i + 2], swaps[i + 3] }
    end
    assert.are.same({ 1234567890123456, false }, seen.n)
    assert.are.equal(inner, seen.e[1])
    assert.are.equal("[]", seen.e[2])
  end)
end)
