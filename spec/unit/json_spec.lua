local json = require("onesignal.json")
local cjson = require("cjson")

local checks = require("support.json_checks")
local encode, usage_of = checks.encode, checks.usage_of

describe("onesignal.json", function()
  it("sends empty tables in array fields as [] and other empty tables as {}", function()
    local text = encode({ included_segments = {}, include_aliases = { external_id = {} }, data = {} })
    local back = cjson.decode(text)
    assert.truthy(text:find('"included_segments":[]', 1, true))
    assert.truthy(text:find('"include_aliases":{"external_id":[]}', 1, true))
    assert.truthy(text:find('"data":{}', 1, true))
    assert.is_table(back.data)
  end)

  it("sends a journey's empty node and branch lists as []", function()
    local text = encode({ name = "draft", nodes = { { id = "n1", branches = { { id = "b1", nodes = {} } } } } })
    assert.truthy(text:find('"branches":[{', 1, true))
    assert.truthy(text:find('"nodes":[]', 1, true))
    assert.are.equal('{"nodes":[]}', encode({ nodes = {} }))
  end)

  it("honours an explicit array mark at any place", function()
    assert.are.equal("[]", encode(setmetatable({}, json.array_mt)))
    assert.are.equal('{"custom":[]}', encode({ custom = setmetatable({}, json.array_mt) }))
  end)

  it("onesignal.array marks a table, or makes one, and refuses anything else at the caller's line", function()
    local onesignal = require("onesignal")
    local t = {}
    assert.are.equal(t, onesignal.array(t))
    assert.are.equal("[]", encode(onesignal.array(t)))
    assert.are.equal("[]", encode(onesignal.array()))
    for _, bad in ipairs({ "a,b", 5, true }) do
      local ok, err = pcall(function() return onesignal.array(bad) end)
      assert.is_false(ok)
      assert.matches("^spec/unit/json_spec%.lua:%d+: onesignal%.array: argument must be a table or nil, got "
        .. type(bad) .. "$", err)
    end
  end)

  it("gives the caller's tables back unchanged", function()
    local empty = {}
    local body = { included_segments = empty }
    encode(body)
    assert.are.equal(empty, body.included_segments)
    assert.is_nil(next(empty))
  end)

  it("sends null for json.null and decodes null as json.null", function()
    assert.are.equal('{"a":null}', encode({ a = json.null }))
    assert.are.equal(json.null, json.decode('{"a":null}').a)
  end)

  it("keeps integers integers, also beyond 14 digits #lua54", function()
    assert.are.equal('{"n":12345678901234567}', encode({ n = 12345678901234567 }))
    assert.are.equal('{"n":3}', encode({ n = 3 }))
    local v = json.decode('{"a":1,"b":[2,2.5],"c":12345678901}')
    assert.are.equal("integer", math.type(v.a))
    assert.are.equal("integer", math.type(v.b[1]))
    assert.are.equal("float", math.type(v.b[2]))
    assert.are.equal(12345678901, v.c)
  end)

  it("keeps fractions exact", function()
    local text = encode({ f = 1 / 3, g = 0.1 })
    local back = cjson.decode(text)
    assert.are.equal(1 / 3, back.f)
    assert.truthy(text:find('"g":0.1', 1, true))
  end)

  it("passes UTF-8 through unchanged", function()
    local s = "Hola 👋 — שלום עולם — مرحبا"
    assert.are.equal(s, json.decode(encode({ s = s })).s)
    assert.truthy(encode({ s = s }):find(s, 1, true))
  end)

  it("names the path to a value JSON cannot carry", function()
    assert.matches("argument 'x': field data.cb is a function",
      usage_of(function() encode({ data = { cb = print } }) end))
    assert.matches("field a%[2%] is NaN", usage_of(function() encode({ a = { 1, 0 / 0 } }) end))
    assert.matches("field n is infinite", usage_of(function() encode({ n = math.huge }) end))
    assert.matches("field u is a userdata", usage_of(function() encode({ u = io.stdout }) end))
    local t = {}
    t.self = t
    assert.matches("field self is a cyclic table", usage_of(function() encode(t) end))
    assert.matches("has a key of type boolean", usage_of(function() encode({ [true] = 1 }) end))
  end)

  it("allows the same table twice when it is not a cycle", function()
    local shared = { "x" }
    assert.are.same({ a = { "x" }, b = { "x" } }, cjson.decode(encode({ a = shared, b = shared })))
  end)

  it("reports text that is not JSON", function()
    local v, err = json.decode("<html>")
    assert.is_nil(v)
    assert.are.equal("unexpected character '<' at byte 1", err)
  end)
end)
