-- `make demo` (examples/demo.lua) runs against the local test server unless both ONESIGNAL_REST_API_KEY and
-- ONESIGNAL_APP_ID are set (README, "Two commands"). `make examples` leaves it out, so it is run here.
local shared = require("support.shared")

local function demo(environment)
  return shared.run_lua(environment, "examples/demo.lua")
end

describe("make demo", function()
  it("creates a user, notifies them and reads them back on the local test server", function()
    local ok, out = demo("-u ONESIGNAL_REST_API_KEY -u ONESIGNAL_APP_ID -u ONESIGNAL_API_URL")
    assert.is_true(ok, out)
    assert.matches("local test server", out, 1, true)
    assert.matches("1. create_user.*2. create_notification.*3. get_user.*tags.level = 7.*4. delete_user", out)
  end)

  it("takes empty variables for unset ones, as onesignal.new does", function()
    local ok, out = demo("-u ONESIGNAL_API_URL ONESIGNAL_REST_API_KEY= ONESIGNAL_APP_ID=")
    assert.is_true(ok, out)
    assert.matches("local test server", out, 1, true)
  end)
end)

describe("make demo against the live API", function()
  -- The demo user has no subscriptions, so the live API answers 200 with an empty id and an `errors` of
  -- whichever shape (here the object it gives for aliases nobody has): the demo prints why, and goes on.
  it("says why the notification reached nobody", function()
    local server = require("support.server")
    local srv = server.start({})
    srv:fault({ match = { operation = "create_notification" }, steps = { { status = 200,
      body = '{"id":"","errors":{"invalid_aliases":{"external_id":["onesignal-lua-demo"]}}}',
      content_type = "application/json" } } })
    local ok, out = demo(string.format("ONESIGNAL_API_URL=%q ONESIGNAL_REST_API_KEY=%q ONESIGNAL_APP_ID=%q",
      srv.url, srv.rest_key, srv.app_id))
    srv:stop()
    assert.is_true(ok, out)
    assert.matches("(live API)", out, 1, true)
    assert.matches("  not sent: invalid_aliases: external_id: onesignal-lua-demo (the demo user", out, 1, true)
    assert.matches("3. get_user.*tags.level = 7", out)
  end)
end)
