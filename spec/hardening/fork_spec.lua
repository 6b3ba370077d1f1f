-- A client used in a child process after fork() opens connections of its own and leaves the parent's
-- alone; a request in flight at the fork ends "closed" in the child while the parent gets its answer.
-- Under Lua 5.4 through lua_host (which gives scripts fork and waitpid); spec/core/session_fork_spec.lua
-- checks the same on the core session under LuaJIT (make test-core-luajit).
local server = require("support.server")
local support = require("hardening.support")

local function by_offset(srv)
  local out = {}
  for _, req in ipairs(srv:requests()) do
    if req.args and req.args.offset then out[tonumber(req.args.offset)] = req end
  end
  return out
end

describe("a client across fork()", function()
  local srv

  setup(function() srv = server.start({}) end)
  teardown(function() if srv then srv:stop() end end)
  before_each(function() srv:reset() end)

  it("gives the child its own connection and keeps the parent's", function()
    local r = support.host(1, "spec/hardening/host/fork_worker.lua", "reuse", srv.url, srv.rest_key, srv.app_id)
    assert.are.equal(0, r.code, r.stdout .. r.stderr)
    assert.matches("thread 1: ok 0", r.stdout, 1, true)
    local seen = by_offset(srv)
    assert.is_table(seen[1])
    assert.is_table(seen[2], "the child's request did not arrive")
    assert.is_table(seen[3])
    assert.are.equal(seen[1].connection, seen[3].connection)
    assert.are_not.equal(seen[1].connection, seen[2].connection)
  end)

  it("ends a request in flight as closed in the child, and the parent still gets its answer", function()
    srv:fault({ match = { operation = "get_segments" }, steps = { { delay = 0.5 } } })
    local r = support.host(1, "spec/hardening/host/fork_worker.lua", "in_flight", srv.url, srv.rest_key, srv.app_id)
    assert.are.equal(0, r.code, r.stdout .. r.stderr)
    assert.matches("thread 1: ok 0", r.stdout, 1, true)
    local seen = by_offset(srv)
    assert.is_table(seen[10])
    assert.is_table(seen[11], "the child's own request did not arrive")
    assert.are_not.equal(seen[10].connection, seen[11].connection)
  end)

  -- timeout() and pending() did not look for a fork (poll, fd and the calls did): a child's event loop
  -- asking timeout() first got the parent's libcurl timer, seconds away, for a result that was ready.
  it("makes timeout() and pending() in the child see the fork before anything drives the client", function()
    srv:fault({ match = { operation = "get_segments" }, steps = { { delay = 0.5 } } })
    local r = support.host(1, "spec/hardening/host/fork_worker.lua", "read_only", srv.url, srv.rest_key, srv.app_id)
    assert.are.equal(0, r.code, r.stdout .. r.stderr)
    assert.matches("thread 1: ok 0", r.stdout, 1, true, r.stderr)
    assert.are.equal(1, #srv:requests()) -- the child sent nothing of its own
  end)
end)
