-- The client against OneSignal's own OpenAPI spec: Prism validates every request the client sends for
-- the 54 operations the spec covers, and answers a violation with an `sl-violations` header.
local onesignal = require("onesignal")
local prism = require("support.prism")
local shared = require("support.shared")
local samples = require("support.samples")

-- Newer than the 5.12.0 spec (see ../shared/README.md).
local NOT_IN_SPEC = { estimate_notification_recipients = true, get_email_reputation = true }

describe("the contract with OneSignal's OpenAPI spec (Prism)", function()
  local mock, client
  local ctx = {
    app_id = "9b2c5d4e-8f1a-4b3c-a6d7-e8f9a0b1c2d3",
    other_app_id = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    org_id = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
  }

  setup(function()
    mock = prism.start()
    client = onesignal.new({ base_url = mock.url, rest_api_key = "contract-rest-key",
      organization_api_key = "contract-org-key", app_id = ctx.app_id, max_retries = 0 })
  end)

  teardown(function()
    if client then client:close() end
    if mock then mock.stop() end
  end)

  local checked = 0
  for _, row in ipairs(shared.operations()) do
    if not NOT_IN_SPEC[row.name] then
      it(row.name .. " satisfies the spec", function()
        local body, res = samples.call(client, row.name, samples.all(ctx)[row.name])
        local headers = (body and res.headers) or res.headers or {}
        assert.is_nil(headers["sl-violations"], row.name .. ": " .. tostring(headers["sl-violations"]))
        assert.is_not_nil(body, tostring(res))
        assert.is_true(res.status >= 200 and res.status < 300)
        checked = checked + 1
      end)
    end
  end

  it("covered all 54 operations of the spec", function()
    assert.are.equal(54, checked)
  end)
end)
