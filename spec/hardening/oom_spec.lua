-- Out of memory while session:poll hands out results (spec/hardening/host/oom_hand_out.lua, in lua_host,
-- whose allocator fails on request): the error delays results, never loses one. Before, the result
-- being built and those handed out earlier in the same poll were lost (their callbacks never ran, a
-- coroutine waiting on one hung) while the session counted them as no longer pending, and each error
-- leaked a transfer (under `make valgrind` the host runs in memcheck, which fails on the leak).
local server = require("support.server")
local support = require("hardening.support")

describe("an out-of-memory error while poll hands out results", function()
  local srv

  setup(function() srv = server.start({}) end)
  teardown(function() if srv then srv:stop() end end)

  it("leaves every result to a later poll, each handed out once, and leaks nothing", function()
    local r = support.host(1, "spec/hardening/host/oom_hand_out.lua", srv.url, srv.rest_key, srv.app_id)
    assert.are.equal(0, r.code, r.stdout .. r.stderr)
    local answered, total, failed = r.stdout:match("answered (%d+) of (%d+), failed polls (%d+)")
    assert.are.equal(total, answered, r.stdout)
    assert.is_true(tonumber(failed) > 0, "no poll met an allocation failure: " .. r.stdout)
  end)
end)
