-- A request's context: any Lua value given to submit comes back beside its result from poll, is let go
-- of by wait, and is handed back by close for every request close abandons (the libcurl transport keeps
-- its callbacks there instead of in a table keyed by request ids).
local core = require("onesignal.core")
local support = require("core.support")

describe("a request's context", function()
  local srv, s

  support.server_and_session(function(new_srv, new_s) srv, s = new_srv, new_s end)

  local function poll_all(n)
    local results, contexts = {}, {}
    -- Bounded: a result the engine lost would otherwise leave this polling an idle session for ever.
    local deadline = support.now() + 30
    while #results < n do
      assert.is_true(support.now() < deadline, "only " .. #results .. " of " .. n .. " results came back")
      local done, ctx = s:poll(5)
      if done then
        assert.same(#done, #ctx)
        for i = 1, #done do
          results[#results + 1] = done[i]
          contexts[#contexts + 1] = ctx[i]
        end
      end
    end
    return results, contexts
  end

  it("comes back from poll beside its own result, false where none was given", function()
    local expected = {}
    for i = 1, 40 do
      local context = i % 4 ~= 0 and { n = i } or nil
      local id = s:submit(support.get_segments(srv, "offset=" .. i), context)
      expected[id] = context or false
    end
    local results, contexts = poll_all(40)
    for i, r in ipairs(results) do
      assert.is_nil(r.error, r.message)
      assert.equal(expected[r.id], contexts[i])
    end
  end)

  it("is kept alive by the session until it is handed back", function()
    local weak = setmetatable({}, { __mode = "v" })
    weak[1] = function() end
    s:submit(support.get_segments(srv), weak[1])
    collectgarbage()
    collectgarbage()
    assert.is_function(weak[1])
    local _, contexts = poll_all(1)
    assert.equal(weak[1], contexts[1])
    contexts = nil -- luacheck: ignore 311
    collectgarbage()
    collectgarbage()
    assert.is_nil(weak[1])
  end)

  it("is let go of by wait, which returns the result alone", function()
    local weak = setmetatable({}, { __mode = "v" })
    weak[1] = {}
    local id = s:submit(support.get_segments(srv), weak[1])
    local result, extra = s:wait(id)
    assert.same(id, result.id)
    assert.is_nil(extra)
    collectgarbage()
    collectgarbage()
    assert.is_nil(weak[1])
  end)

  it("is handed back by close for each abandoned request, oldest first, with its id", function()
    srv:fault({ match = { method = "GET" }, steps = { { delay = 3 } } })
    local ids = {}
    for i = 1, 5 do ids[i] = s:submit(support.get_segments(srv, "offset=" .. i), "ctx" .. i) end
    s:submit(support.get_segments(srv, "offset=9")) -- no context: nobody is owed an answer
    local closed_ids, contexts, attempts = s:close()
    assert.same(ids, closed_ids)
    assert.same({ "ctx1", "ctx2", "ctx3", "ctx4", "ctx5" }, contexts)
    assert.same({ 1, 1, 1, 1, 1 }, attempts) -- each one's first attempt was on the wire
    assert.same({ {}, {}, {}, {} }, { s:close() })
  end)

  it("is handed back by close for results finished but not yet polled", function()
    local first = s:submit(support.get_segments(srv, "offset=1"), "polled never")
    local second = s:submit(support.get_segments(srv, "offset=2"), "waited")
    assert.same(second, s:wait(second).id)
    -- Drive the engine (without handing the first result out) until the first is finished too.
    repeat s:wait(s:submit(support.get_segments(srv, "offset=3"))) until s:stats().in_flight == 0
    local closed_ids, contexts = s:close()
    assert.same({ first }, closed_ids)
    assert.same({ "polled never" }, contexts)
  end)

  it("survives a session collected with contexts pending", function()
    local other = support.session(srv)
    for i = 1, 3 do other:submit(support.get_segments(srv, "offset=" .. i), { i }) end
    other = nil -- luacheck: ignore 311
    collectgarbage()
    collectgarbage()
    assert.truthy(core.session)
  end)
end)
