-- Large texts (json_encode.c): core.json_encode_body writes a text of 64 KiB or more into C memory and
-- hands out a userdata owning it instead of a Lua string; the session sends it as it sends a string. Runs
-- on Lua 5.4 and LuaJIT (make test-core-luajit), and under ASan and valgrind (sanitize-core, valgrind-core),
-- whose leak and use-after-free checks are what proves the freeing below.
local core = require("onesignal.core")
local support = require("core.support")

local LARGE = 64 * 1024

-- `{"s":"aaa…"}` of exactly `bytes` bytes, as a string (json_encode) or as json_encode_body makes it.
local function text_of(bytes, fn)
  return core[fn or "json_encode_body"]({ s = string.rep("a", bytes - 8) }, {}, {}, nil, 32)
end

local function released(t)
  local ok, err = pcall(function() return #t end)
  return not ok and tostring(err):find("released", 1, true) ~= nil
end

describe("core.json_encode_body", function()
  it("gives a string under 64 KiB and from 64 KiB a large text of the same bytes", function()
    assert.same("string", type(text_of(LARGE - 1)))
    assert.same(text_of(LARGE - 1, "json_encode"), text_of(LARGE - 1))
    local t = text_of(LARGE)
    assert.same("userdata", type(t))
    assert.same(LARGE, #t)
    assert.same(text_of(LARGE, "json_encode"), tostring(t))
    assert.same(tostring(t), core.json_text(t))
    assert.same("onesignal.json_text", getmetatable(t)) -- the metatable itself stays out of reach
    core.json_release(t)
  end)

  it("writes members in front as json_encode does, and refuses what it refuses", function()
    local ids = {}
    for i = 1, 10000 do ids[i] = "user-" .. i end
    local body = { include_aliases = { external_id = ids }, contents = { en = "hi" } }
    local t = core.json_encode_body(body, {}, {}, nil, 32, "app_id", "app", "idempotency_key", "k-1")
    assert.same(core.json_encode(body, {}, {}, nil, 32, "app_id", "app", "idempotency_key", "k-1"), tostring(t))
    core.json_release(t)
    body.contents.en = function() end
    local text, problem = core.json_encode_body(body, {}, {}, nil, 32)
    assert.is_nil(text)
    assert.matches("function", problem)
  end)

  it("json_text gives a string as it is and nothing for other values", function()
    assert.same("abc", core.json_text("abc"))
    assert.is_nil(core.json_text(nil))
    assert.is_nil(core.json_text(42))
    assert.is_nil(core.json_text(io.stdout))
  end)

  it("json_release frees a large text, once; anything else is left alone", function()
    local t = text_of(LARGE * 2)
    core.json_release(t)
    assert.is_true(released(t))
    assert.has_error(function() return tostring(t) end, "onesignal.json: the text was released")
    assert.has_error(function() return core.json_text(t) end, "onesignal.json: the text was released")
    core.json_release(t) -- a second release does nothing
    core.json_release("text")
    core.json_release(nil)
    core.json_release(io.stdout)
  end)

  it("__gc frees the block, and so does the collector for texts nobody released", function()
    local t = text_of(LARGE)
    debug.getmetatable(t).__gc(t)
    assert.is_true(released(t))
    for _ = 1, 50 do text_of(LARGE * 4) end -- dropped: the collector's __gc frees them (valgrind-core checks)
    collectgarbage()
    collectgarbage()
  end)

  it("__close frees the block at the end of a to-be-closed variable's scope (Lua 5.4)", function()
    local t = text_of(LARGE)
    debug.getmetatable(t).__close(t)
    assert.is_true(released(t))
    if _VERSION ~= "Lua 5.4" then return end -- LuaJIT has no to-be-closed variables
    local chunk = assert(load("local t <close> = ... ; return t"))
    assert.is_true(released(chunk(text_of(LARGE))))
  end)
end)

describe("a large text as a session's request body", function()
  local srv, s

  support.server_and_session(function(new_srv, new_s) srv, s = new_srv, new_s end)

  local function notification(bytes)
    local t = text_of(bytes)
    return { method = "POST", path = "/notifications", credential = "rest", body = t }, tostring(t)
  end

  local function last_body()
    local list = srv:recorded("/notifications", "path")
    local seen = list[#list]
    return seen.body, seen.headers["content-length"]
  end

  it("goes out whole, blocking and submitted, as a string of the same text would", function()
    local req, text = notification(400 * 1024)
    local result = s:request(req)
    assert.is_nil(result.error, tostring(result.message))
    local body, length = last_body()
    assert.same(#text, #body)
    assert.is_true(body == text)
    assert.same(tostring(#text), length)

    result = s:wait(s:submit(req))
    assert.is_nil(result.error, tostring(result.message))
    assert.is_true(last_body() == text)
    core.json_release(req.body)
  end)

  it("is kept alive by the session while it is in flight, with no other reference to it", function()
    local req, text = notification(300 * 1024)
    local id = s:submit(req)
    req.body = nil
    collectgarbage()
    collectgarbage()
    local result = s:wait(id)
    assert.is_nil(result.error, tostring(result.message))
    assert.is_true(last_body() == text)
  end)

  it("is refused once released, and any other userdata as before", function()
    local req = notification(LARGE)
    core.json_release(req.body)
    assert.has_error(function() s:submit(req) end, "onesignal.json: the text was released")
    req.body = io.stdout
    assert.has_error(function() s:submit(req) end, "onesignal.core: 'body' must be a string, not userdata")
    assert.same(0, #srv:recorded("/notifications", "path"))
  end)
end)
