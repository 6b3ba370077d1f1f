-- OpenResty's lua-cjson marks empty arrays its own ways (cjson.empty_array, a light userdata; tables with
-- cjson.array_mt or cjson.empty_array_mt), and its users write them by habit. When the loaded cjson has them,
-- json.encode writes [] for them as that cjson would.
--
-- There is no OpenResty lua-cjson on the machines these specs run on (Debian's 2.1.0 has none of the
-- three), so this spec loads json.lua beside a stand-in cjson module carrying the three marks: it proves
-- the mapping, not OpenResty's module itself.
local core = require("onesignal.core")
local real_cjson = require("cjson")

describe("OpenResty cjson's array marks", function()
  local saved_cjson, saved_json
  local fake, json

  setup(function()
    saved_cjson, saved_json = package.loaded.cjson, package.loaded["onesignal.json"]
    -- A light userdata from Lua: debug.upvalueid gives one on Lua 5.3, 5.4 and LuaJIT.
    local up = 1
    local function holder() return up end
    fake = setmetatable({ empty_array = debug.upvalueid(holder, 1), array_mt = { __name = "cjson.array" },
      empty_array_mt = { __name = "cjson.empty_array" } }, { __index = real_cjson })
    assert.are.equal("userdata", type(fake.empty_array))
    package.loaded.cjson = fake
    package.loaded["onesignal.json"] = nil
    json = require("onesignal.json")
  end)

  teardown(function()
    package.loaded.cjson, package.loaded["onesignal.json"] = saved_cjson, saved_json
    core.json_cjson_marks(nil, nil, nil) -- what loading json.lua with Debian's cjson registers
  end)

  -- The last test loads json.lua with the real cjson: the others run before it.

  local function encode(value) return json.encode(value, "onesignal.op: argument 'x'") end

  it("writes cjson.empty_array as []", function()
    assert.are.equal('{"data":{"list":[]}}', encode({ data = { list = fake.empty_array } }))
    assert.are.equal('{"a":[[]]}', encode({ a = { fake.empty_array } }))
  end)

  it("writes an empty table with cjson.array_mt or cjson.empty_array_mt as []", function()
    assert.are.equal('{"a":[]}', encode({ a = setmetatable({}, fake.array_mt) }))
    assert.are.equal('{"a":[]}', encode({ a = setmetatable({}, fake.empty_array_mt) }))
    assert.are.equal('{"a":["x"]}', encode({ a = setmetatable({ "x" }, fake.array_mt) }))
  end)

  it("still refuses any other light userdata, and another metatable marks nothing", function()
    local other = debug.upvalueid(function() return encode end, 1)
    local ok, problem = pcall(encode, { data = other })
    assert.is_false(ok)
    assert.are.equal("onesignal.op: argument 'x': field data is a userdata, which JSON cannot carry", problem.usage)
    assert.are.equal('{"a":{}}', encode({ a = setmetatable({}, { __name = "mine" }) }))
  end)

  it("are nothing where the loaded cjson has none of them (Debian's lua-cjson 2.1.0)", function()
    assert.is_nil(real_cjson.empty_array)
    package.loaded.cjson, package.loaded["onesignal.json"] = real_cjson, nil
    local plain = require("onesignal.json")
    local ok, problem = pcall(plain.encode, { data = fake.empty_array }, "onesignal.op: argument 'x'")
    assert.is_false(ok)
    assert.are.equal("onesignal.op: argument 'x': field data is a userdata, which JSON cannot carry", problem.usage)
    assert.are.equal('{"a":{}}', plain.encode({ a = setmetatable({}, fake.array_mt) }, "x"))
    assert.are.equal('{"a":{}}', plain.encode({ a = setmetatable({}, fake.empty_array_mt) }, "x"))
  end)
end)
