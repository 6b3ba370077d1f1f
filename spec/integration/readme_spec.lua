-- The README's quick start runs as written, against the test server through the environment variables
-- it documents.
local server = require("support.server")
local shared = require("support.shared")

local function quick_start()
  local f = assert(io.open(shared.root .. "/README.md"))
  local text = f:read("*a")
  f:close()
  local section = assert(text:match("\n## Quick start\n(.-)\n## "), "no Quick start section")
  return (assert(section:match("```lua\n(.-)```"), "no Lua block in the Quick start"))
end

describe("the README quick start", function()
  it("sends a push as written", function()
    local srv = server.start({})
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write(quick_start())
    f:close()
    local command = string.format(
      "cd %q && ONESIGNAL_API_URL=%q ONESIGNAL_REST_API_KEY=%q ONESIGNAL_APP_ID=%q "
      .. "LUA_PATH='./lua/?.lua;;' LUA_CPATH='./build/5.4/?.so;;' lua5.4 %q 2>&1",
      shared.root, srv.url, srv.rest_key, srv.app_id, script)
    local pipe = assert(io.popen(command))
    local out = pipe:read("*a")
    local ok = pipe:close()
    os.remove(script)
    local stats = srv:stats()
    srv:stop()
    assert.is_true(ok, out)
    assert.matches("^sent\t%x+%-%x+%-%x+%-%x+%-%x+\tattempts:\t1\n$", out)
    assert.are.equal(1, stats.notifications_created)
  end)
end)
