-- README's Lua blocks after the quick start and the calling convention (readme_spec.lua), each run as written
-- against the test server with only the names it leaves to the reader supplied (spec/support/readme.lua), and
-- judged by what it did: what it printed or raised, what the server saw, what it handed to the reader's
-- functions. (The OpenResty block runs in nginx: spec/openresty/readme_spec.lua.)
local server = require("support.server")
local readme = require("support.readme")
local onesignal = require("onesignal")

describe("the README's Lua blocks", function()
  local srv

  setup(function() srv = server.start({}) end)
  teardown(function() if srv then srv:stop() end end)
  before_each(function() srv:reset() end)

  -- A client of the test server, with `options` added to its settings; closed when the test ends.
  local function new_client(options)
    local settings = { base_url = srv.url, rest_api_key = srv.rest_key, organization_api_key = srv.org_key,
      app_id = srv.app_id }
    for k, v in pairs(options or {}) do settings[k] = v end
    local client = onesignal.new(settings)
    finally(function() client:close() end)
    return client
  end

  describe("Errors", function()
    it("raises for a refused key, and for nothing else", function()
      local block = readme.lua_block("Errors", 1)
      local function run(client)
        local ok, problem = pcall(readme.run, block, { client = client, app_id = srv.app_id, onesignal = onesignal })
        return ok or problem
      end
      local refused = run(new_client({ rest_api_key = "not-the-key" }))
      local answered = run(new_client())
      srv:fault_on("get_segments", { { status = 400, body = '{"errors":["Invalid app_id"]}',
        content_type = "application/json" } })
      local failed = run(new_client())
      assert.are.same({ "README.md:199: OneSignal refused the REST API key: check ONESIGNAL_REST_API_KEY", true, true },
        { refused, answered, failed })
      assert.are.equal(3, #srv:recorded("get_segments"))
    end)
  end)

  describe("Retries and idempotency", function()
    it("hands a send that may have been applied, or was refused for long, to schedule_retry, which sends it at "
      .. "most once", function()
      local block = readme.lua_block("Retries and idempotency", 1)
      local scheduled = {}
      local function run()
        -- (a new client, so that a drop hits a new connection: on a kept one, libcurl would resend it itself)
        readme.run(block, { client = new_client({ max_retries = 0 }), onesignal = onesignal,
          schedule_retry = function(n, wait) scheduled[#scheduled + 1] = { n = n, wait = wait } end })
      end
      run()                                                                      -- sent
      srv:fault_on("create_notification", { { status = 400 } })
      run()                                                                      -- a definite no
      assert.are.same({}, scheduled)
      srv:fault_on("create_notification", { { status = 429, headers = { ["Retry-After"] = "120" } } })
      run()                                                                      -- wait 2 minutes
      srv:fault_on("create_notification", { { drop = "after_read" } })
      run()                                                                      -- applied, unanswered
      assert.are.equal(2, #scheduled)
      assert.are.same({ 120, 60 }, { scheduled[1].wait, scheduled[2].wait })
      assert.are.equal(2, srv:stats().notifications_created)
      -- "same table, same key": sent again, the dropped one is answered as the first time, not created
      local client, again = new_client(), {}
      for i, retry in ipairs(scheduled) do
        assert.matches("^%x+%-%x+%-4%x+%-%x+%-%x+$", retry.n.idempotency_key)
        local body, res = assert(client:create_notification(retry.n))
        again[i] = { onesignal.is_message_sent(body), res.replayed }
      end
      assert.are.same({ { true, false }, { true, true } }, again)
      assert.are.equal(3, srv:stats().notifications_created)
    end)

    it("logs each attempt that will be retried, with its status or error and the wait", function()
      local logged = {}
      local _, env = readme.run(readme.lua_block("Retries and idempotency", 2),
        { log = { warn = function(format, ...) logged[#logged + 1] = string.format(format, ...) end } })
      local client = new_client({ on_attempt = env.on_attempt, retry_base_delay = 0.01 })
      srv:fault_on("get_segments", { { status = 503 }, { drop = "before_read" } })
      assert(client:get_segments(nil))
      assert.are.equal(2, #logged)
      assert.matches("^get_segments attempt 1: 503, again in 0%.0%d s$", logged[1])
      assert.matches("^get_segments attempt 2: reset, again in 0%.0%d s$", logged[2])
    end)
  end)
end)
