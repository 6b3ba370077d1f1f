-- Read, modify, write: a decoded answer (json.decode, what every call returns) written back by json.encode,
-- as a caller sends a fetched template, user or app back with an update. What came in as JSON goes out as
-- the same JSON: empty arrays as [] whatever the field's name, numbers, strings and null as they were.
local json = require("onesignal.json")
local onesignal = require("onesignal")

-- The text json.encode writes for a value, or the usage message it raises.
local function encode(value)
  local ok, text = pcall(json.encode, value, "onesignal.op: argument 'x'")
  if ok then return text end
  return nil, type(text) == "table" and text.usage or tostring(text)
end

-- text decoded and written back: the same text (members in one, so the order cannot differ).
local function round_trip(text)
  local value = assert(json.decode(text))
  return assert(encode(value))
end

describe("a decoded answer written back", function()
  describe("empty arrays", function()
    it("are [] again wherever they are, not {} (fields the SDK does not know by name)", function()
      assert.are.equal('{"a":[]}', round_trip('{"a":[]}'))
      assert.are.equal('[[]]', round_trip('[[]]'))
      assert.are.equal('[]', round_trip('[]'))
      assert.are.equal('{"c":[[],[[]]]}', round_trip('{"c":[[],[[]]]}'))
      assert.are.equal('{"d":{"e":[]}}', round_trip('{"d":{"e":[]}}'))
      assert.are.equal('[1,[],{"x":[]}]', round_trip('[1, [ ], {"x": [\n]}]'))
    end)

    it("keep {} as {} (an empty object is no array)", function()
      assert.are.equal('{"a":{}}', round_trip('{"a":{}}'))
      assert.are.equal('[{}]', round_trip('[{}]'))
    end)

    it("carry json.array_mt, the mark of onesignal.array, and are empty tables to read", function()
      local v = json.decode('{"tags":[],"list":[1,2]}')
      assert.are.equal(json.array_mt, getmetatable(v.tags))
      assert.are.equal(getmetatable(onesignal.array()), getmetatable(v.tags))
      assert.is_nil(next(v.tags))
      assert.are.equal(0, #v.tags)
      for _ in ipairs(v.tags) do error("an empty array has no items") end
      for _ in pairs(v.tags) do error("an empty array has no keys") end
      assert.are.same({}, v.tags) -- luassert compares no metatable without __eq
      -- Non-empty arrays and objects stay plain tables: arrays by their keys already.
      assert.is_nil(getmetatable(v.list))
      assert.is_nil(getmetatable(v))
      assert.is_nil(getmetatable(json.decode("{}")))
    end)

    it("filled by the caller are sent with their items", function()
      local v = json.decode('{"langs":[]}')
      v.langs[1] = "en"
      assert.are.equal('{"langs":["en"]}', encode(v))
    end)

    it("are marked by both ways of decoding an answer, json.decode only (core.json_decode is cjson's)", function()
      local core = require("onesignal.core")
      assert.is_nil(getmetatable(core.json_decode("[]")))
      assert.are.equal(json.array_mt, getmetatable(json.decode("[]")))
      -- a decoder made with another table marks with that one
      local mine = {}
      assert.are.equal(mine, getmetatable(core.json_decoder(mine)("[]")))
      assert.has_error(function() core.json_decoder() end)
    end)
  end)
end)

describe("a decoded answer nested deeply", function()
  -- json.decode reads up to 1000 arrays and objects inside one another (src/json_decode.c): the writer
  -- takes as many, or a caller could not send back what it was given (it stopped at 65).
  it("is written back as deep as json.decode reads, and one level more is refused by both", function()
    local text = string.rep('{"x":', 999) .. "[]" .. string.rep("}", 999)
    assert.are.equal(text, round_trip(text))
    local arrays = string.rep("[", 1000) .. string.rep("]", 1000)
    assert.are.equal(arrays, round_trip(arrays))
    assert.is_nil(json.decode("[" .. arrays .. "]"))
    local deeper = assert(json.decode(arrays))
    deeper = { deeper }
    local text_out, message = encode(deeper)
    assert.is_nil(text_out)
    assert.are.equal("onesignal.op: argument 'x': field " .. string.rep("[1]", 1000)
      .. " is nested too deeply (more than 1000 arrays and objects inside one another)", message)
  end)

  it("goes back in a body's field, the body counting as one level", function()
    local answer = assert(json.decode(string.rep('{"x":', 1000) .. "1" .. string.rep("}", 1000)))
    local ok, problem = pcall(json.encode_body, { data = answer }, "onesignal.op: argument 'x'")
    assert.is_false(ok)
    assert.matches("nested too deeply", problem.usage)
    local inner = answer.x
    local text = json.encode_body({ data = inner }, "onesignal.op: argument 'x'")
    assert.are.equal('{"data":' .. string.rep('{"x":', 999) .. "1" .. string.rep("}", 1000), json.body_text(text))
  end)
end)

describe("any answer", function()
  -- A deterministic generator (a 31-bit LCG), the same sequence on every runtime.
  local state = 20261124
  local function random(n)
    state = (state * 1103515245 + 12345) % 2147483648
    return state % n
  end

  local PIECES = { "a", "é", "😀", "\\n", "\\u0000", "\\ud83d\\ude00", "\\\"", "\\\\", "\\/", "\\u00e9", " ", "1" }
  local NUMBERS = { "0", "-0", "1", "-1", "1.5", "1e3", "2.0", "-0.0", "0.1", "9007199254740991", "1e300",
    "5e-324", "-123456789012345", "1E-7" }

  -- JSON text of a random value: empty arrays and objects, nulls, escapes, numbers of every form.
  local function value_text(depth)
    local kind = random(depth > 4 and 5 or 8)
    if kind == 0 then return NUMBERS[random(#NUMBERS) + 1] end
    if kind == 1 then
      local parts = {}
      for i = 1, random(4) do parts[i] = PIECES[random(#PIECES) + 1] end
      return '"' .. table.concat(parts) .. '"'
    end
    if kind == 2 then return ({ "true", "false", "null" })[random(3) + 1] end
    if kind == 3 then return "[]" end
    if kind == 4 then return "{}" end
    if kind == 5 or kind == 6 then
      local items = {}
      for i = 1, random(4) + 1 do items[i] = value_text(depth + 1) end
      return "[" .. table.concat(items, ",") .. "]"
    end
    local members, seen = {}, {}
    for _ = 1, random(4) + 1 do
      local key = "k" .. random(6)
      if not seen[key] then
        seen[key] = true
        members[#members + 1] = '"' .. key .. '":' .. value_text(depth + 1)
      end
    end
    return "{" .. table.concat(members, ",") .. "}"
  end

  it("is written back as the same JSON: what is written decodes as what was decoded, its [] and {} kept", function()
    for _ = 1, 2000 do
      local text = value_text(0)
      local value, bad = json.decode(text)
      assert(bad == nil, text .. ": " .. tostring(bad))
      local written, problem = encode(value)
      assert(written, text .. ": " .. tostring(problem))
      local again
      again, bad = json.decode(written)
      assert(bad == nil, written .. ": " .. tostring(bad))
      assert.are.same(value, again, text)
      -- every [] and {} of the text is still there, as many of each
      local function count(s, pattern) return select(2, s:gsub(pattern, "")) end
      assert.are.equal(count(text, "%[%]"), count(written, "%[%]"), text .. " -> " .. written)
      assert.are.equal(count(text, "{}"), count(written, "{}"), text .. " -> " .. written)
    end
  end)
end)
