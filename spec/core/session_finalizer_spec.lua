-- A finalizer can run at any allocation, also while session:poll is handing out results or session:close
-- lists what it abandons, and it may call that session's poll, close or submit (a wrapper object whose
-- __gc closes its client, say). Each request must then still be answered exactly once — in a result or
-- in close's list of abandoned requests — and nothing may be read after it was freed (under
-- `make sanitize-core` the child process below loads the AddressSanitizer build too). The rounds run in
-- a child process: see finalizer_rounds.lua.
local server = require("support.server")
local runtime = require("support.runtime")

-- Tables have finalizers from Lua 5.2 on; LuaJIT (5.1) has none, and so nothing to check here.
local it_with_gc = _VERSION == "Lua 5.1" and pending or it

describe("a session used from a finalizer while poll hands out results", function()
  local srv

  setup(function() srv = server.start({}) end)
  teardown(function() if srv then srv:stop() end end)

  local function rounds(mode)
    -- This process's module paths, not the environment's: sanitize-core and test-core-noepoll choose the
    -- core's build with busted's --cpath.
    local command = string.format("LUA_PATH='%s' LUA_CPATH='%s' timeout 120 %s spec/core/finalizer_rounds.lua"
      .. " %s %s %s %s 2>&1", package.path, package.cpath, runtime.command, mode, srv.url, srv.rest_key, srv.app_id)
    local child = assert(io.popen(command))
    local out = child:read("a")
    local ok = child:close()
    assert.is_true(ok, out)
    local acted = tonumber(out:match("acted (%d+)"))
    assert.is_true(acted ~= nil and acted > 0, "the finalizer never ran inside poll: " .. out)
  end

  it_with_gc("answers every request once when a finalizer closes it mid-poll", function() rounds("close") end)

  it_with_gc("hands out no result twice when a finalizer polls it mid-poll", function() rounds("poll") end)

  -- (close sized its list before its own allocations, which may run the finalizer: the request was left
  -- off it and freed with the engine, its context never handed back.)
  it_with_gc("lists a request a finalizer started while close ran among those it abandons", function()
    rounds("submit")
  end)
end)
