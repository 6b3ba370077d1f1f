-- The Lua layer runs unchanged on LuaJIT 2.1 (the VM of OpenResty): the Lua-only unit specs, run by
-- busted under luajit with the C core built for LuaJIT. `make test-luajit` runs the same directly.
local shell = require("server.harness.shell")
local openresty = require("support.openresty")

-- Checks of Lua 5.4's integer subtype (math.type), which LuaJIT does not have: every number is a double.
local LUA54_ONLY = "beyond 14 digits"

describe("the Lua layer under LuaJIT", function()
  it("passes the unit specs", function()
    local out, code = shell.capture("cd " .. shell.quote(openresty.root)
      .. " && LUA_PATH='./lua/?.lua;./lua/?/init.lua;./spec/?.lua;;' luajit /usr/bin/busted"
      .. " --cpath='./build/luajit/?.so' --filter-out=" .. shell.quote(LUA54_ONLY) .. " spec/unit 2>&1")
    assert.are.equal(0, code, out)
    local passed = tonumber(out:match("(%d+) success"))
    assert.is_true(passed ~= nil and passed > 0, out)
    assert.matches("0 failures / 0 errors", out, 1, true)
  end)
end)
