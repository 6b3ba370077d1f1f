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

-- Runs the quick start as a script with the environment variables it documents; returns whether it
-- exited 0 and what it printed.
local function run_quick_start(srv)
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
  return ok, out
end

describe("the README quick start", function()
  it("sends a push as written", function()
    local srv = server.start({})
    local ok, out = run_quick_start(srv)
    local stats = srv:stats()
    srv:stop()
    assert.is_true(ok, out)
    assert.matches("^sent\t%x+%-%x+%-%x+%-%x+%-%x+\tattempts:\t1\n$", out)
    assert.are.equal(1, stats.notifications_created)
  end)

  -- A 200 with an empty id carries `errors` in any of the API's envelope shapes (the spec calls the
  -- field polymorphic), or none; the branch for it must print the reason, not fail or print nil.
  it("says why nothing was sent, whatever shape the answer's errors take", function()
    local srv = server.start({})
    local cases = {
      { '{"id":"","errors":["All included players are not subscribed"]}', "All included players are not subscribed" },
      { '{"id":"","errors":"All included players are not subscribed"}', "All included players are not subscribed" },
      { '{"id":"","errors":[{"code":"no-subscribers","title":"No subscribed users"}]}', "No subscribed users" },
      { '{"id":"","errors":{"invalid_aliases":{"external_id":["user-42"]}}}', "invalid_aliases: " },
      { '{"id":""}', "" },
    }
    local problems = {}
    for _, case in ipairs(cases) do
      srv:fault({ match = { operation = "create_notification" },
        steps = { { status = 200, body = case[1], content_type = "application/json" } } })
      local ok, out = run_quick_start(srv)
      local want = "nobody to send to:\t" .. case[2]
      if not ok or out:sub(1, #want) ~= want or out:find("nil", 1, true) then
        problems[#problems + 1] = case[1] .. " -> " .. out
      end
    end
    srv:stop()
    assert.are.same({}, problems)
  end)
end)

-- The Lua block of "Calling convention": every line is a call whose answer must be a success.
local function calling_convention()
  local f = assert(io.open(shared.root .. "/README.md"))
  local text = f:read("*a")
  f:close()
  local section = assert(text:match("\n## Calling convention\n(.-)\n## "), "no Calling convention section")
  return (assert(section:match("```lua\n(.-)```"), "no Lua block in Calling convention"))
end

describe("the README calling convention", function()
  it("answers every example call as written", function()
    local onesignal = require("onesignal")
    local srv = server.start({})
    local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key,
      organization_api_key = srv.org_key, app_id = srv.app_id, max_retries = 0 })
    local ok, problem = pcall(function()
      assert(client:create_user(srv.app_id, { identity = { external_id = "u-1" } }))
      local segment = assert(client:create_segment(srv.app_id, { name = "README", filters = {} }))
      -- The names the examples leave to the reader.
      local env = { client = client, app_id = srv.app_id, org_id = srv.org_id, segment_id = segment.id,
        app_a = srv.app_id, app_b = "another-app", since = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 86400) }
      local calls = 0
      for line in calling_convention():gmatch("[^\n]+") do
        local call = line:gsub("%-%-.*$", "")
        local chunk = assert(load("return " .. call, "=README", "t", env))
        local body, err = chunk()
        assert(body, line .. " -> " .. tostring(err))
        calls = calls + 1
      end
      assert.are.equal(6, calls)
    end)
    client:close()
    srv:stop()
    assert(ok, problem)
  end)
end)
