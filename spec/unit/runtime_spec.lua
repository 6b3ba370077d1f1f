-- Which Lua runs the library: Lua 5.4 and LuaJIT. Plain Lua 5.1 (what Debian's luarocks runs the
-- `onesignal` command with after a 5.1 install) gets a message that says so, not the loader's
-- "undefined symbol" from the C core built for LuaJIT.
local function lua51()
  local p = io.popen("command -v lua5.1 2>/dev/null")
  local path = p:read("*l")
  p:close()
  return path
end

describe("onesignal under plain Lua 5.1", function()
  it("refuses to load with a message naming the Lua versions it needs", function()
    local bin = lua51()
    if not bin then
      pending("lua5.1 is not installed")
      return
    end
    local p = io.popen(bin .. [[ -e 'package.path = "./lua/?.lua;" .. package.path
      package.cpath = "./build/luajit/?.so;" .. package.cpath
      local ok, err = pcall(require, "onesignal"); print(ok, err)' 2>&1]])
    local out = p:read("*a")
    p:close()
    assert.matches("^false\t[^\n]*onesignal needs Lua 5%.4 or LuaJIT; this is plain Lua 5%.1", out)
    assert.is_nil(out:find("undefined symbol", 1, true))
  end)
end)
