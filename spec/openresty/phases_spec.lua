-- Where nginx allows no cosockets, a call raises an error that names the phase and the way out
-- (ngx.timer.at) instead of blocking the worker with libcurl; from a timer it works.
local openresty = require("support.openresty")
local shell = require("server.harness.shell")
local onesignal = require("onesignal")

describe("nginx phases", function()
  local srv, app

  openresty.server_and_app(function(new_srv, new_app) srv, app = new_srv, new_app end)

  it("refuses to send from init, init_worker, set, filters and log, pointing to ngx.timer.at", function()
    assert.are.equal(200, (app:get("/phase/set")))
    assert.are.equal(200, (app:get("/phase/filters")))
    local found
    for _ = 1, 100 do -- the log phase runs after the answer went out
      found = app:case("phases", {})
      if found.log then break end
      shell.sleep(0.02)
    end
    for _, phase in ipairs({ "init", "init_worker", "set", "header_filter", "body_filter", "log" }) do
      local seen = found[phase]
      assert.is_table(seen, phase)
      assert.are.equal("ngx", seen.transport, phase)
      assert.is_true(seen.raised, phase)
      assert.matches("onesignal.get_user: nginx allows no network I/O (cosockets) in the " .. phase .. " phase",
        seen.message, 1, true)
      assert.matches("ngx.timer.at(0, function(premature)", seen.message, 1, true)
      -- raised at the caller's line, not somewhere inside the library
      assert.matches("openresty/app/phases.lua:%d+:", seen.message)
    end
    for _, r in ipairs(srv:requests()) do
      assert.is_nil(r.path:find("phase-", 1, true), "a call went out from a phase without cosockets")
    end
  end)

  it("sends from a timer", function()
    srv:reset()
    local scheduled = app:case("timer", { key = "one", operation = "create_notification",
      args = { { contents = { en = "from a timer" }, included_segments = { "All" } } } })
    assert.is_true(scheduled.scheduled)
    local got
    for _ = 1, 250 do
      got = app:case("collect", { key = "timer:one" })
      if got.found then break end
      shell.sleep(0.02)
    end
    assert.is_true(got.found, "the timer never reported")
    assert.are.equal("ngx", got.value.transport)
    assert.is_true(got.value.results[1].ok, got.value.results[1].text)
    assert.are.equal(1, srv:stats().notifications_created)
  end)

  it("cannot be chosen outside nginx", function()
    assert.has_error(function() onesignal.new({ rest_api_key = "k", transport = "ngx" }) end,
      'onesignal.new: transport "ngx" needs OpenResty / nginx with ngx_lua (cosockets)')
  end)
end)
