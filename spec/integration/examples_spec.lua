-- The examples as a user copies them, against answers that `make examples` (mk/run_examples.lua, every
-- example once against a plain test server) never meets: what the live API answers that the test server
-- does not say on its own.
local server = require("support.server")
local shared = require("support.shared")

-- Runs examples/<name> against `srv` through the environment variables its header documents.
local function run_example(srv, name)
  return shared.run_lua(string.format("ONESIGNAL_API_URL=%q ONESIGNAL_REST_API_KEY=%q ONESIGNAL_APP_ID=%q"
    .. " ONESIGNAL_ORGANIZATION_API_KEY=%q", srv.url, srv.rest_key, srv.app_id, srv.org_key), "examples/" .. name)
end

describe("the examples that send a message", function()
  -- A 200 with an empty id carries `errors` in any of the API's envelope shapes (README, Errors): a list,
  -- a string, or an object such as the invalid_aliases one the live API gives for external ids nobody
  -- has. Each example must print the reason and go on, not fail or print an empty reason.
  local shapes = {
    { '{"id":"","errors":"All included players are not subscribed"}', "All included players are not subscribed" },
    { '{"id":"","errors":{"invalid_aliases":{"external_id":["user-42"]}}}', "invalid_aliases: external_id: user-42" },
    { '{"id":"","errors":["All included players are not subscribed"]}', "All included players are not subscribed" },
  }
  local examples = {
    { "push.lua", "reached nobody: " },
    { "email.lua", "email reached nobody: " },
    { "sms.lua", "SMS reached nobody: " },
  }

  for _, example in ipairs(examples) do
    it("examples/" .. example[1] .. " says why nobody was reached, whatever shape the errors take", function()
      local srv = server.start({})
      local problems = {}
      for _, shape in ipairs(shapes) do
        srv:reset()
        srv:fault({ match = { operation = "create_notification" },
          steps = { { status = 200, body = shape[1], content_type = "application/json" } } })
        local ok, out = run_example(srv, example[1])
        local want = example[2] .. shape[2] .. "\n"
        if not ok or not out:find(want, 1, true) then problems[#problems + 1] = shape[1] .. " -> " .. out end
      end
      srv:stop()
      assert.are.same({}, problems)
    end)
  end
end)
