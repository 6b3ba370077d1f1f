-- Fork safety: a child process must neither reuse nor disturb the parent's connections. Forking from
-- Lua needs LuaJIT's FFI, so these run under `make test-core-luajit` and are pending on Lua 5.4.
local server = require("support.server")
local support = require("core.support")

local in_child = support.in_child

describe("a session across fork()", function()
  local srv, s

  setup(function()
    if support.can_fork then srv = server.start({}) end
  end)
  teardown(function() if srv then srv:stop() end end)
  before_each(function()
    if not support.can_fork then return end
    srv:reset()
    s = support.session(srv)
  end)
  after_each(function() if s then s:close() end end)

  -- The fork specs read the child's fate from in_child: a child that crashes must not read as one that
  -- exited 0 (the low bits of waitpid's status, where the signal is, were dropped).
  it("(their helper) reports a child killed by a signal as a failure", function()
    if not support.can_fork then return pending("needs LuaJIT's FFI to fork") end
    local ffi = require("ffi")
    pcall(ffi.cdef, "int raise(int sig);")
    assert.same(128 + 9, in_child(function() ffi.C.raise(9) return true end)) -- SIGKILL: no core file
    assert.same(1, in_child(function() return false end))
    assert.same(0, in_child(function() return true end))
  end)

  it("gives the child its own connections and leaves the parent's alone", function()
    if not support.can_fork then return pending("needs LuaJIT's FFI to fork") end
    assert.is_nil(s:wait(s:submit(support.get_segments(srv, "offset=1"))).error)
    local code = in_child(function()
      local r = s:wait(s:submit(support.get_segments(srv, "offset=2")))
      return r.error == nil and s:stats().connects == 2
    end)
    assert.same(0, code)
    assert.is_nil(s:wait(s:submit(support.get_segments(srv, "offset=3"))).error)
    assert.same(1, s:stats().connects)
    local by_offset = {}
    for _, seen in ipairs(srv:recorded(support.segments_path(srv), "path")) do
      by_offset[seen.args.offset] = seen.connection
    end
    assert.same(by_offset["1"], by_offset["3"])
    assert.are_not.same(by_offset["1"], by_offset["2"])
  end)

  it("ends requests inherited in flight as closed in the child, while the parent gets its answer", function()
    if not support.can_fork then return pending("needs LuaJIT's FFI to fork") end
    srv:fault({ match = { method = "GET" }, steps = { { delay = 0.5 } } })
    local id = s:submit(support.get_segments(srv, "offset=5"))
    s:poll(0.1) -- the request is on the wire
    local code = in_child(function()
      local r = s:wait(id)
      return r.error == "closed" and r.maybe_sent == true and s:pending() == 0
    end)
    assert.same(0, code)
    local result = s:wait(id)
    assert.is_nil(result.error, result.message)
    assert.same(1, #srv:recorded(support.segments_path(srv), "path"))
  end)

  it("makes timeout, pending and stats in the child see the fork before anything drives the session", function()
    if not support.can_fork then return pending("needs LuaJIT's FFI to fork") end
    srv:fault({ match = { method = "GET" }, steps = { { delay = 0.5 } } })
    local id = s:submit(support.get_segments(srv, "offset=8"))
    s:poll(0.1) -- the request is on the wire, waiting for its answer
    local code = in_child(function()
      local timeout, pending, stats = s:timeout(), s:pending(), s:stats()
      local done = s:finished()
      return timeout == 0 and pending == 1 and stats.in_flight == 0 and stats.waiting == 0
        and done ~= nil and done[1].id == id and done[1].error == "closed"
    end)
    assert.same(0, code)
    assert.is_nil(s:wait(id).error)
  end)

  it("ends a result the parent had finished but not handed out as closed in the child too", function()
    if not support.can_fork then return pending("needs LuaJIT's FFI to fork") end
    local id = s:submit(support.get_segments(srv, "offset=6"), "context")
    s:wait(s:submit(support.get_segments(srv, "offset=7"))) -- drives: the first finishes meanwhile
    local code = in_child(function()
      local done, contexts = s:finished()
      return done ~= nil and #done == 1 and done[1].id == id and done[1].error == "closed"
        and done[1].maybe_sent == true and done[1].body == "" and contexts[1] == "context"
    end)
    assert.same(0, code)
    local result = s:wait(id)
    assert.is_nil(result.error, result.message)
    assert.same(201, result.status) -- the test server's answer to get_segments
  end)
end)
