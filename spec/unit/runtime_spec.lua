-- Which Lua runs the library: Lua 5.4, Lua 5.3 and LuaJIT. Plain Lua 5.1 (what Debian's luarocks runs
-- the `onesignal` command with after a 5.1 install) and Lua 5.2 get a message that says so, not the
-- loader's "undefined symbol" from a C core built for another Lua.
local function installed(command)
  local p = io.popen("command -v " .. command .. " 2>/dev/null")
  local path = p:read("*l")
  p:close()
  return path
end

for _, case in ipairs({ { command = "lua5.1", version = "5%.1" }, { command = "lua5.2", version = "5%.2" } }) do
  describe("onesignal under plain " .. case.command, function()
    it("refuses to load with a message naming the Lua versions it needs", function()
      local bin = installed(case.command)
      if not bin then
        pending(case.command .. " is not installed")
        return
      end
      local p = io.popen(bin .. [[ -e 'package.path = "./lua/?.lua;" .. package.path
        package.cpath = "./build/luajit/?.so;" .. package.cpath
        local ok, err = pcall(require, "onesignal"); print(ok, err)' 2>&1]])
      local out = p:read("*a")
      p:close()
      assert.matches("^false\t[^\n]*onesignal needs Lua 5%.3, 5%.4 or LuaJIT; this is plain Lua " .. case.version, out)
      assert.is_nil(out:find("undefined symbol", 1, true))
    end)
  end)
end
