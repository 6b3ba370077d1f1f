-- Issue 3 through the public client, against the test server's fault scripts over real sockets: what is
-- retried and what is not, how long the client waits, idempotency keys, deadlines and timeouts, and a
-- thousand sends through random faults. The server counts the notifications it really created.
local onesignal = require("onesignal")
local server = require("support.server")
local clock = require("support.clock")

describe("retries through the client", function()
  local srv
  local closed_after_test = server.with_test_clients(function(new_srv) srv = new_srv end)

  -- A client of this server with fast backoff; `options` adds or replaces settings.
  local function new_client(options)
    local settings = { base_url = srv.url, rest_api_key = srv.rest_key, organization_api_key = srv.org_key,
      app_id = srv.app_id, retry_base_delay = 0.01 }
    for k, v in pairs(options or {}) do settings[k] = v end
    return closed_after_test(onesignal.new(settings))
  end

  local function notification(extra)
    local n = { contents = { en = "retry me" }, included_segments = { "All" } }
    for k, v in pairs(extra or {}) do n[k] = v end
    return n
  end




  local function created() return srv:stats().notifications_created end

  describe("Retry-After", function()
    it("waits the delta-seconds asked for, then succeeds", function()
      local waits = {}
      local client = new_client({ on_attempt = function(a) waits[#waits + 1] = a.wait or false end })
      srv:fault_on("create_notification", { { status = 429, headers = { ["Retry-After"] = "1" } } })
      local body, res = client:create_notification(notification())
      assert.is_true(onesignal.is_message_sent(body), tostring(res))
      assert.are.equal(2, res.attempts)
      -- retry_base_delay 0.01: Retry-After plus at most 0.005 s of spread
      assert.is_true(waits[1] >= 1 and waits[1] <= 1.005, "wait " .. tostring(waits[1]))
      assert.is_false(waits[2])
      local seen = srv:recorded("create_notification")
      assert.are.equal(2, #seen)
      assert.is_true(seen[2].time - seen[1].time >= 0.99, "the server saw the retry too early")
      assert.is_true(res.elapsed >= 1 and res.elapsed < 10, "elapsed " .. res.elapsed)
      assert.are.equal(1, created())
    end)

    it("waits until an HTTP-date, never less", function()
      local waits = {}
      local client = new_client({ on_attempt = function(a) waits[#waits + 1] = a.wait or false end })
      -- Whole seconds: 3 s from the server's clock is between 2 and 3 s from the client's.
      srv:fault_on("create_notification", { { status = 429, retry_after_date = 3 } })
      local body, res = client:create_notification(notification())
      assert.is_table(body, tostring(res))
      assert.are.equal(2, res.attempts)
      assert.is_true(waits[1] >= 1 and waits[1] <= 3, "wait " .. tostring(waits[1]))
      local seen = srv:recorded("create_notification")
      assert.is_true(seen[2].time - seen[1].time >= waits[1] - 0.01, "the server saw the retry too early")
      assert.is_true(seen[2].time - seen[1].time >= 1)
      assert.are.equal(1, created())
    end)

    it("returns at once with retry_after when the server asks for more than retry_max_delay", function()
      local client = new_client()
      srv:fault_on("create_notification", { { status = 429, headers = { ["Retry-After"] = "120" } } })
      local took, body, err = clock.timed(client.create_notification, client, notification())
      assert.is_nil(body)
      assert.are.equal("api", err.kind)
      assert.are.equal(429, err.status)
      assert.are.equal(120, err.retry_after)
      assert.are.equal(1, err.attempts)
      assert.are.equal("retry_after_too_long", err.gave_up)
      assert.matches("retry after 120 s", tostring(err), 1, true)
      assert.is_true(took < 2, "took " .. took .. " s")
      assert.are.equal(1, #srv:recorded("create_notification"))
      assert.are.equal(0, created())
    end)

    it("does the same for an HTTP-date, and measures against the call's retry_max_delay", function()
      local client = new_client()
      srv:fault_on("create_notification", { { status = 503, retry_after_date = 90 } })
      local took, _, err = clock.timed(client.create_notification, client, notification())
      assert.are.equal(503, err.status)
      assert.is_true(err.retry_after > 85 and err.retry_after <= 90, "retry_after " .. tostring(err.retry_after))
      assert.is_true(took < 2, "took " .. took .. " s")

      srv:fault_on("get_segments", { { status = 429, headers = { ["Retry-After"] = "2" } } })
      took, _, err = clock.timed(function() return client:with({ retry_max_delay = 1 }):get_segments(nil) end)
      assert.are.equal(2, err.retry_after)
      assert.are.equal(1, err.attempts)
      assert.is_true(took < 1.5, "took " .. took .. " s")
    end)

    -- Not RFC 9110's grammar, but a wait all the same: read as 2 s, where it was ignored and the 429 retried
    -- after the default backoff.
    it("reads a Retry-After with a fraction, rounded up", function()
      local client = new_client({ retry_max_delay = 1 })
      srv:fault_on("get_segments", { { status = 429, headers = { ["Retry-After"] = "1.5" } } })
      local _, err = client:get_segments(nil)
      assert.are.equal(429, err.status)
      assert.are.equal(2, err.retry_after)
      assert.are.equal("retry_after_too_long", err.gave_up)
      assert.are.equal(1, #srv:recorded("get_segments"))
    end)
  end)

  describe("statuses", function()
    it("succeeds on the third attempt after 503, 503", function()
      local client = new_client()
      srv:fault_on("create_notification", { { status = 503 }, { status = 503 } })
      local body, res = client:create_notification(notification())
      assert.is_true(onesignal.is_message_sent(body), tostring(res))
      assert.are.equal(3, res.attempts)
      assert.are.equal(3, #srv:recorded("create_notification"))
      assert.are.equal(1, created())
    end)

    it("gives up after max_retries + 1 attempts", function()
      local client = new_client({ max_retries = 3 })
      srv:fault_on("create_notification", server.times(5, { status = 503 }))
      local body, err = client:create_notification(notification())
      assert.is_nil(body)
      assert.are.equal("api", err.kind)
      assert.are.equal(503, err.status)
      assert.are.equal(4, err.attempts)
      assert.are.equal("max_retries", err.gave_up)
      assert.is_nil(err.maybe_sent)
      assert.is_true(err:has(onesignal.errors.SERVICE_UNAVAILABLE))
      assert.matches("[4 attempts]", tostring(err), 1, true)
      assert.are.equal(4, #srv:recorded("create_notification"))
      assert.are.equal(1, #srv:pending_faults()[1].steps)

      srv:reset()
      srv:fault_on("create_notification", server.times(5, { status = 503 }))
      local _, fewer = client:with({ max_retries = 1 }):create_notification(notification())
      assert.are.equal(2, fewer.attempts)
      local _, none = new_client({ max_retries = 0 }):create_notification(notification())
      assert.are.equal(1, none.attempts)
      assert.are.equal(0, created())
    end)

    it("retries a 429 without Retry-After with backoff", function()
      local client = new_client()
      srv:fault_on("get_segments", { { status = 429 }, { status = 429 } })
      local body, res = client:get_segments(nil)
      assert.is_table(body, tostring(res))
      assert.are.equal(3, res.attempts)
    end)

    for _, status in ipairs({ 400, 401, 403, 404, 409, 422 }) do
      it("makes one attempt on " .. status, function()
        local client = new_client()
        srv:fault_on("create_notification", server.times(2, { status = status }))
        srv:fault_on("get_segments", server.times(2, { status = status }))
        local _, err = client:create_notification(notification())
        assert.are.equal(status, err.status)
        assert.are.equal("api", err.kind)
        assert.are.equal(1, err.attempts)
        assert.is_nil(err.maybe_sent)
        assert.is_nil(err.gave_up)
        local _, get_err = client:get_segments(nil)
        assert.are.equal(status, get_err.status)
        assert.are.equal(1, get_err.attempts)
        assert.are.equal(1, #srv:recorded("create_notification"))
        assert.are.equal(1, #srv:recorded("get_segments"))
      end)
    end
  end)

  describe("after the request may have reached the server", function()
    it("repeats create_notification with the same key; the server creates it once", function()
      local client = new_client()
      srv:fault_on("create_notification", { { drop = "after_read" } })
      local body, res = client:create_notification(notification())
      assert.is_true(onesignal.is_message_sent(body), tostring(res))
      assert.are.equal(2, res.attempts)
      assert.is_true(res.replayed)
      local seen = srv:recorded("create_notification")
      assert.are.equal(2, #seen)
      local key = res.idempotency_key
      assert.matches("^%x+%-%x+%-4%x+%-[89ab]%x+%-%x+$", key)
      for _, r in ipairs(seen) do
        assert.are.equal(key, require("cjson").decode(r.body).idempotency_key)
      end
      assert.are.equal(1, created())
    end)

    it("keeps the caller's idempotency key on every attempt", function()
      local client = new_client()
      local key = onesignal.new_idempotency_key()
      srv:fault_on("create_notification", { { drop = "after_read" }, { status = 502 } })
      local body, res = client:create_notification(notification({ idempotency_key = key }))
      assert.is_table(body, tostring(res))
      assert.are.equal(3, res.attempts)
      assert.are.equal(key, res.idempotency_key)
      for _, r in ipairs(srv:recorded("create_notification")) do
        assert.are.equal(key, require("cjson").decode(r.body).idempotency_key)
      end
      assert.are.equal(1, created())
      local again, replay = client:create_notification(notification({ idempotency_key = key }))
      assert.are.equal(body.id, again.id)
      assert.is_true(replay.replayed)
      assert.are.equal(1, created())
    end)

    it("repeats start_live_activity with its generated key; the server answers the repeat from the first", function()
      local client = new_client()
      srv:fault_on("start_live_activity", { { drop = "after_read" } })
      local activity = { event = "start", activity_id = "match-42", event_attributes = {}, event_updates = {},
        name = "match", contents = { en = "Kick-off" }, headings = { en = "Match" },
        include_aliases = { external_id = { "fan-1" } } }
      local body, res = client:start_live_activity(nil, "match_activity", activity)
      assert.is_table(body, tostring(res))
      assert.are.equal(2, res.attempts)
      assert.is_true(res.replayed)
      assert.is_nil(activity.idempotency_key) -- the caller's table is left as it was
      local seen = srv:recorded("start_live_activity")
      assert.are.equal(2, #seen)
      for _, r in ipairs(seen) do
        assert.are.equal(res.idempotency_key, require("cjson").decode(r.body).idempotency_key)
      end
    end)

    it("still says maybe_sent when the retries after an applied attempt end on a refusal", function()
      local client = new_client({ max_retries = 2 })
      srv:fault_on("create_notification", { { drop = "after_read" }, { status = 503 }, { status = 503 } })
      local body, err = client:create_notification(notification())
      assert.is_nil(body)
      assert.are.equal(503, err.status)
      assert.are.equal(3, err.attempts)
      assert.are.equal("max_retries", err.gave_up)
      -- the first attempt created it: the call's outcome is not "nothing happened"
      assert.are.equal(1, created())
      assert.is_true(err.maybe_sent)
      assert.matches("may have been applied", tostring(err), 1, true)
    end)

    it("does not repeat create_user, and says it may have been applied", function()
      local client = new_client()
      srv:fault_on("create_user", { { drop = "after_read" } })
      local body, err = client:create_user(nil, { identity = { external_id = "dropped-1" } })
      assert.is_nil(body)
      assert.are.equal("network", err.kind)
      assert.are.equal("reset", err.reason)
      -- the words the cosocket transport has for a close before the status line, not libcurl's "Empty reply
      -- from server" (which follows an interim answer too: see below)
      assert.are.equal("the connection closed before the response arrived", err.message)
      assert.is_true(err.maybe_sent)
      assert.are.equal(1, err.attempts)
      assert.matches("may have been applied", tostring(err), 1, true)
      assert.are.equal(1, #srv:recorded("create_user"))
      -- It was applied: repeating blindly would have been a second write.
      assert.is_table((client:get_user(nil, "external_id", "dropped-1")))
    end)

    it("does not repeat create_user on a reused connection either (no silent resend by libcurl)", function()
      local client = new_client()
      assert(client:get_segments(nil)) -- leaves a keep-alive connection behind
      srv:fault_on("create_user", { { drop = "after_read" }, { drop = "after_read" } })
      local _, err = client:create_user(nil, { identity = { external_id = "dropped-2" } })
      assert.is_true(err.maybe_sent)
      assert.are.equal(1, err.attempts)
      assert.are.equal(1, #srv:recorded("create_user"))
    end)

    -- Each fault: the request reached the server and the outcome is unknown to the client.
    local FAULTS = {
      { name = "a drop after reading", step = { drop = "after_read" } },
      { name = "500", step = { status = 500 } },
      { name = "502", step = { status = 502 } },
      { name = "504", step = { status = 504 } },
    }
    for _, f in ipairs(FAULTS) do
      it("repeats GET, PUT and DELETE after " .. f.name, function()
        local setup_client = new_client()
        assert(setup_client:create_user(nil, { identity = { external_id = "u-safe" } }))
        local sent = assert(setup_client:create_notification(notification()))
        srv:fault_on("get_user", { f.step })
        srv:fault_on("update_app", { f.step })
        srv:fault_on("cancel_notification", { f.step })

        -- A new client each time, so the drop hits a fresh connection and the policy's own retry is
        -- what repeats it (libcurl's resend on a reused one is checked below).
        local got, res = new_client():get_user(nil, "external_id", "u-safe")
        assert.is_table(got, tostring(res))
        assert.are.equal(2, res.attempts)
        local app, app_res = new_client():update_app(srv.app_id, { name = "renamed" })
        assert.are.equal("renamed", app and app.name, tostring(app_res))
        assert.are.equal(2, app_res.attempts)
        local canceled, cancel_res = new_client():cancel_notification(nil, sent.id)
        assert.is_true(canceled and canceled.success, tostring(cancel_res))
        assert.are.equal(2, cancel_res.attempts)

        assert.are.equal(2, #srv:recorded("get_user"))
        assert.are.equal(2, #srv:recorded("update_app"))
        assert.are.equal(2, #srv:recorded("cancel_notification"))
      end)

      it("does not repeat POST or PATCH without a key after " .. f.name, function()
        local client = new_client()
        assert(client:create_user(nil, { identity = { external_id = "u-unsafe" } }))
        srv:fault_on("create_user", { f.step, f.step })
        srv:fault_on("update_user", { f.step, f.step })

        local _, err = client:create_user(nil, { identity = { external_id = "u-new" } })
        local _, patch_err = client:update_user(nil, "external_id", "u-unsafe",
          { properties = { tags = { level = "2" } } })
        for _, e in ipairs({ err, patch_err }) do
          assert.are.equal(1, e.attempts)
          assert.is_true(e.maybe_sent)
          assert.is_nil(e.gave_up)
          assert.matches("may have been applied", tostring(e), 1, true)
          if f.step.status then
            assert.are.equal("api", e.kind)
            assert.are.equal(f.step.status, e.status)
          else
            assert.are.equal("network", e.kind)
          end
        end
        assert.are.equal(2, #srv:recorded("create_user")) -- the set-up call and the faulted one
        assert.are.equal(1, #srv:recorded("update_user"))
      end)
    end

    -- When a reused keep-alive connection dies without an answer, libcurl resends a request that is
    -- safe to repeat by itself; the engine counts that resend as an attempt and shows it to the hook.
    it("counts libcurl's own resend on a reused connection as an attempt", function()
      local calls = 0
      local client = new_client({ on_attempt = function() calls = calls + 1 end })
      assert(client:get_segments(nil)) -- leaves a keep-alive connection behind
      calls = 0
      srv:fault_on("get_user", { { drop = "after_read" } })
      local _, res = client:get_user(nil, "external_id", "nobody")
      assert.are.equal(2, #srv:recorded("get_user"))
      assert.are.equal(2, res.attempts)
      assert.are.equal(2, calls)
    end)

    -- The copy on the connection that died was read by the server, which may have applied it: the call
    -- stays in doubt whatever the resend is answered.
    it("keeps a call that libcurl resent in doubt when the resend is refused", function()
      local client = new_client({ max_retries = 0 })
      assert(client:get_segments(nil)) -- leaves a keep-alive connection behind
      srv:fault_on("create_notification", { { drop = "after_read" }, { status = 429, body = '{"errors":["slow down"]}',
        content_type = "application/json" } })
      local _, err = client:create_notification({ contents = { en = "hi" }, include_aliases = {
        external_id = { "u-1" } }, target_channel = "push" })
      assert.are.equal(2, #srv:recorded("create_notification"))
      assert.are.equal(2, err.attempts)
      assert.are.equal(429, err.status)
      assert.is_true(err.maybe_sent)
    end)

    it("treats an idempotency_key field as a key only where the API deduplicates by it", function()
      local client = new_client()
      assert(client:create_user(nil, { identity = { external_id = "u-keyed" } }))
      srv:fault_on("update_user", { { drop = "after_read" } })
      local _, err = client:update_user(nil, "external_id", "u-keyed",
        { properties = { tags = { level = "3" } }, idempotency_key = onesignal.new_idempotency_key() })
      assert.are.equal(1, err.attempts)
      assert.is_true(err.maybe_sent)
      assert.are.equal(1, #srv:recorded("update_user"))
    end)

    it("repeats a custom-events batch only when every event carries its own key", function()
      local client = new_client()
      local function event(name, key)
        return { name = name, external_id = "u-1", idempotency_key = key }
      end
      srv:fault_on("create_custom_events", { { drop = "after_read" } })
      local body, res = client:create_custom_events(nil, { events = {
        event("opened", onesignal.new_idempotency_key()), event("closed", onesignal.new_idempotency_key()) } })
      assert.is_table(body, tostring(res))
      assert.are.equal(2, res.attempts)
      assert.are.equal(2, #srv:recorded("create_custom_events"))

      srv:reset()
      srv:fault_on("create_custom_events", { { drop = "after_read" }, { drop = "after_read" } })
      local _, err = client:create_custom_events(nil, { events = {
        event("opened", onesignal.new_idempotency_key()), event("closed") } })
      assert.are.equal(1, err.attempts)
      assert.is_true(err.maybe_sent)
      assert.are.equal(1, #srv:recorded("create_custom_events"))
    end)

    it("repeats any request the server declined with 429 or 503, create_user included", function()
      local client = new_client()
      srv:fault_on("create_user", { { status = 503 }, { status = 429, headers = { ["Retry-After"] = "0" } } })
      local body, res = client:create_user(nil, { identity = { external_id = "declined" } })
      assert.is_table(body, tostring(res))
      assert.are.equal(201, res.status)
      assert.are.equal(3, res.attempts)
    end)

    -- The status line is the server's decision; the body lost after it (cut short, stalled) only text.
    -- (The test server runs the operation before cutting any answer short, so only attempts are counted.)
    it("judges an answer lost after its status line by the status: a 429 or 503 is a refusal", function()
      local client = new_client({ timeout = 0.5 })
      srv:fault_on("create_user", { { status = 429, truncate = true, headers = { ["Retry-After"] = "0" } },
        { status = 503, drip = 1 } })
      local body, res = client:create_user(nil, { identity = { external_id = "declined-cut" } })
      assert.is_table(body, tostring(res))
      assert.are.equal(3, res.attempts)
      assert.are.equal(3, #srv:recorded("create_user"))
    end)

    it("judges an answer lost after its status line by the status: another 4xx is definite", function()
      for _, step in ipairs({ { status = 400, truncate = true }, { status = 409, drip = 1 } }) do
        srv:reset()
        srv:fault_on("create_user", { step, step })
        srv:fault_on("get_segments", { step, step })
        local client = new_client({ timeout = 0.5 })
        local _, err = client:create_user(nil, { identity = { external_id = "refused-cut" } })
        assert.are.equal(step.status, err.status)
        assert.are.equal(step.truncate and "partial" or "timeout", err.reason)
        assert.are.equal(1, err.attempts)
        assert.is_nil(err.maybe_sent)
        assert.is_nil(err.gave_up)
        assert.is_nil(tostring(err):find("may have been applied", 1, true))
        _, err = client:get_segments(nil)
        assert.are.equal(1, err.attempts)
        assert.are.equal(1, #srv:recorded("create_user"))
        assert.are.equal(1, #srv:recorded("get_segments"))
      end
    end)

    -- An answer whose header block the connection cut before its empty line, or an interim 100 Continue
    -- and then a close: nothing proves an answer came, so the attempt is a reset after sending, as on
    -- cosockets (spec/openresty/faults_spec.lua). A final status line that came whole is judged as after a
    -- body cut short; the fields of the cut block count for nothing.
    it("takes a header block cut short as a reset: a GET is repeated, create_user is not", function()
      local client = new_client()
      srv:fault_on("get_segments", { { cut_head = true } })
      local body, res = client:get_segments(nil)
      assert.is_table(body, tostring(res))
      assert.are.equal(2, res.attempts)

      srv:fault_on("create_user", { { cut_head = true }, { cut_head = true } })
      local _, err = client:create_user(nil, { identity = { external_id = "cut-head" } })
      assert.are.equal("network", err.kind)
      assert.are.equal("reset", err.reason)
      assert.are.equal(201, err.status)
      assert.is_nil(err.headers)
      assert.is_true(err.maybe_sent)
      assert.are.equal(1, err.attempts)
      assert.are.equal(1, #srv:recorded("create_user"))
    end)

    it("judges a cut 429 by its status, without the Retry-After of the cut block", function()
      local client = new_client()
      srv:fault_on("create_user", { { status = 429, cut_head = true, headers = { ["Retry-After"] = "120" } } })
      local body, res = client:create_user(nil, { identity = { external_id = "cut-429" } })
      assert.is_table(body, tostring(res))
      assert.are.equal(2, res.attempts)
    end)

    it("takes an interim 100 Continue and then a close as a reset with no status", function()
      local client = new_client()
      srv:fault_on("get_segments", { { interim = true } })
      local body, res = client:get_segments(nil)
      assert.is_table(body, tostring(res))
      assert.are.equal(2, res.attempts)

      srv:fault_on("create_user", { { interim = true }, { interim = true } })
      local _, err = client:create_user(nil, { identity = { external_id = "interim" } })
      assert.are.equal("reset", err.reason)
      -- as on cosockets (spec/openresty/faults_spec.lua)
      assert.are.equal("the connection closed before the response arrived", err.message)
      assert.is_nil(err.status)
      assert.is_true(err.maybe_sent)
      assert.are.equal(1, err.attempts)
      assert.are.equal(1, #srv:recorded("create_user"))
    end)

    it("repeats any request when the connection was refused (nothing was sent)", function()
      local client = new_client({ base_url = "http://127.0.0.1:1", max_retries = 2 })
      local _, err = client:create_user(nil, { identity = { external_id = "nowhere" } })
      assert.are.equal("network", err.kind)
      assert.are.equal("connect", err.reason)
      assert.are.equal(3, err.attempts)
      assert.is_nil(err.maybe_sent)
      assert.are.equal("max_retries", err.gave_up)
    end)
  end)

  describe("timeouts and deadlines", function()
    it("gives up on a server that never answers after the timeout, plus a small margin", function()
      local client = new_client({ timeout = 0.5 })
      srv:fault_on("create_user", { { delay = 3600 } })
      local took, body, err = clock.timed(client.create_user, client, nil, { identity = { external_id = "slow" } })
      assert.is_nil(body)
      assert.are.equal("timeout", err.kind)
      assert.are.equal("timeout", err.reason)
      assert.are.equal(1, err.attempts)
      assert.is_true(err.maybe_sent)
      assert.matches("may have been applied", tostring(err), 1, true)
      assert.is_true(took >= 0.45 and took < 2.5, "took " .. took .. " s")
    end)

    -- A listener whose accept queue is full: the kernel drops further SYNs, so connecting hangs. Needs
    -- luasocket (Debian lua-socket); pending without it.
    local has_socket, socket = pcall(require, "socket")
    local it_socket = has_socket and it or pending
    it_socket("repeats any request whose connection timed out (nothing was sent)", function()
      local listener = assert(socket.tcp())
      assert(listener:bind("127.0.0.1", 0))
      assert(listener:listen(0))
      local _, port = listener:getsockname()
      local fillers = {}
      for i = 1, 4 do
        fillers[i] = socket.tcp()
        fillers[i]:settimeout(0)
        fillers[i]:connect("127.0.0.1", port)
      end
      local client = new_client({ base_url = "http://127.0.0.1:" .. port, connect_timeout = 0.3, max_retries = 1 })
      local took, _, err = clock.timed(client.create_user, client, nil, { identity = { external_id = "stuck" } })
      for _, f in ipairs(fillers) do f:close() end
      listener:close()
      assert.are.equal("timeout", err.kind)
      assert.are.equal(2, err.attempts)
      assert.is_nil(err.maybe_sent)
      assert.are.equal("max_retries", err.gave_up)
      assert.is_true(took >= 0.55 and took < 3, "took " .. took .. " s")
    end)

    it("repeats a timed-out GET, each attempt bounded by the timeout", function()
      local client = new_client({ timeout = 0.3, max_retries = 2 })
      srv:fault_on("get_segments", server.times(3, { delay = 3600 }))
      local took, _, err = clock.timed(client.get_segments, client, nil)
      assert.are.equal("timeout", err.kind)
      assert.are.equal(3, err.attempts)
      assert.are.equal("max_retries", err.gave_up)
      assert.is_true(took >= 0.85 and took < 3.5, "took " .. took .. " s")
    end)

    it("lets client:with{ deadline } cut an attempt and the retries short", function()
      local client = new_client({ timeout = 30 })
      srv:fault_on("get_segments", server.times(5, { delay = 3600 }))
      local took, _, err = clock.timed(function() return client:with({ deadline = 0.8 }):get_segments(nil) end)
      assert.are.equal("timeout", err.kind)
      assert.is_true(took >= 0.75 and took < 3, "took " .. took .. " s")

      srv:reset()
      srv:fault_on("get_segments", server.times(10, { delay = 3600 }))
      local quick = client:with({ timeout = 0.3, deadline = 1 })
      took, _, err = clock.timed(quick.get_segments, quick, nil)
      assert.are.equal("timeout", err.kind)
      assert.is_true(err.attempts >= 2 and err.attempts <= 4, "attempts " .. err.attempts)
      assert.is_true(took >= 0.95 and took < 3, "took " .. took .. " s")
    end)

    it("lets onesignal.new{ deadline } stop retrying before the wait would cross it", function()
      local client = new_client({ deadline = 1, max_retries = 50, retry_base_delay = 0.3, retry_max_delay = 0.3 })
      srv:fault_on("create_notification", server.times(50, { status = 503 }))
      local took, _, err = clock.timed(client.create_notification, client, notification())
      assert.are.equal(503, err.status)
      assert.are.equal("deadline", err.gave_up)
      assert.is_true(err.attempts >= 2 and err.attempts <= 8, "attempts " .. err.attempts)
      assert.is_true(took < 2.5, "took " .. took .. " s")
      assert.are.equal(err.attempts, #srv:recorded("create_notification"))

      -- A per-call deadline replaces the client's.
      srv:reset()
      srv:fault_on("create_notification", server.times(50, { status = 503 }))
      local _, longer = client:with({ deadline = 3 }):create_notification(notification())
      assert.is_true(longer.attempts > err.attempts, longer.attempts .. " vs " .. err.attempts)
    end)

    it("lets the deadline cut an answer that arrives in drips", function()
      local client = new_client()
      srv:fault_on("view_templates", server.times(3, { drip = 0.3 })) -- 3 s per answer
      local took, _, err = clock.timed(function() return client:with({ deadline = 1 }):view_templates(nil) end)
      assert.are.equal("timeout", err.kind)
      assert.are.equal("deadline", err.gave_up)
      assert.are.equal(1, err.attempts)
      assert.is_true(took >= 0.95 and took < 2.5, "took " .. took .. " s")
    end)

    -- libcurl checks a transfer's time limit only once it has a connection: one queued behind
    -- max_connections waited for as long as the slow request held the connection (3 s here).
    it("bounds a request waiting for a free connection by its timeout and deadline", function()
      local client = new_client({ max_connections = 1 })
      srv:fault_on("get_segments", { { delay = 3 } })
      local slow
      client:get_segments_async(nil, function(_, err) slow = err or true end)
      local started = require("onesignal.core").monotonic()
      local got = {}
      client:with({ deadline = 0.5 }):view_templates_async(nil, function(body, err)
        got.deadline = { body = body, err = err, at = require("onesignal.core").monotonic() - started }
      end)
      client:with({ timeout = 0.4, max_retries = 0 }):view_templates_async(nil, function(body, err)
        got.timeout = { body = body, err = err, at = require("onesignal.core").monotonic() - started }
      end)
      while not (got.deadline and got.timeout) and client:pending() > 0 do client:poll(0.05) end
      assert.is_nil(slow, "the slow request should still hold the connection")
      for name, limit in pairs({ deadline = 0.5, timeout = 0.4 }) do
        local r = assert(got[name], name)
        assert.is_nil(r.body, name)
        assert.are.equal("timeout", r.err.kind, name)
        assert.is_nil(r.err.maybe_sent, name)
        assert.matches("waiting for a free connection", r.err.message, 1, true)
        assert.is_true(r.at >= limit - 0.05 and r.at < limit + 1.5, name .. " took " .. r.at .. " s")
      end
      assert.are.equal("deadline", got.deadline.err.gave_up)
      assert.are.equal("max_retries", got.timeout.err.gave_up)
      assert.are.equal(0, #srv:recorded("view_templates"))
      assert.is_true(client:run(10))
    end)

    it("starts no retry after the deadline, even when the program polls late", function()
      local attempts = 0
      local client = new_client({ deadline = 0.6, retry_base_delay = 0.3, retry_max_delay = 0.3,
        on_attempt = function() attempts = attempts + 1 end })
      srv:fault_on("create_notification", { { status = 503 } })
      local got
      client:create_notification_async(notification(), function(body, err) got = { body = body, err = err } end)
      while attempts == 0 do client:poll(0.01) end -- the retry is due 0.15 to 0.3 s later
      require("onesignal.core").sleep(0.8) -- busy elsewhere: the retry falls due, then the deadline passes
      assert.is_true(client:run(5))
      assert.is_nil(got.body)
      assert.are.equal(503, got.err.status)
      assert.are.equal("deadline", got.err.gave_up)
      assert.are.equal(1, got.err.attempts)
      assert.are.equal(1, #srv:recorded("create_notification"))
    end)
  end)

  describe("create_notification_with_retry", function()
    it("honours max_retries", function()
      local client = new_client({ max_retries = 5 })
      srv:fault_on("create_notification", server.times(3, { status = 503 }))
      local _, err = client:create_notification_with_retry(notification(), { max_retries = 1 })
      assert.are.equal(2, err.attempts)
      srv:reset()
      srv:fault_on("create_notification", server.times(3, { status = 503 }))
      local body, res = client:create_notification_with_retry(notification(), { max_retries = 3 })
      assert.is_true(onesignal.is_message_sent(body), tostring(res))
      assert.are.equal(4, res.attempts)
      assert.is_false(res.replayed)
      assert.are.equal(1, created())
    end)

    it("honours base_delay and max_delay", function()
      local waits = {}
      local client = new_client({ on_attempt = function(a) if a.wait then waits[#waits + 1] = a.wait end end })
      srv:fault_on("create_notification", server.times(3, { status = 503 }))
      assert(client:create_notification_with_retry(notification(), { max_retries = 3, base_delay = 0.1 }))
      -- Backoff with jitter: attempt n waits between half and all of base · 2^(n-1).
      assert.are.equal(3, #waits)
      for n, wait in ipairs(waits) do
        local full = 0.1 * 2 ^ (n - 1)
        assert.is_true(wait >= full / 2 - 1e-9 and wait <= full + 1e-9, "wait " .. n .. ": " .. wait)
      end
      waits = {}
      srv:fault_on("create_notification", server.times(3, { status = 503 }))
      assert(client:create_notification_with_retry(notification(), { base_delay = 5, max_delay = 0.05 }))
      assert.are.equal(3, #waits)
      for _, wait in ipairs(waits) do assert.is_true(wait >= 0.025 and wait <= 0.05, "wait " .. wait) end
    end)

    it("refuses unknown options and leaves the client's own settings alone", function()
      local client = new_client({ max_retries = 0 })
      local ok, err = pcall(client.create_notification_with_retry, client, notification(), { retries = 2 })
      assert.is_false(ok)
      assert.matches("unknown option 'retries'", tostring(err), 1, true)
      srv:fault_on("create_notification", server.times(2, { status = 503 }))
      local _, res = client:create_notification_with_retry(notification(), { max_retries = 3 })
      assert.are.equal(3, res.attempts)
      srv:fault_on("create_notification", { { status = 503 } })
      local _, plain = client:create_notification(notification())
      assert.are.equal(1, plain.attempts)
    end)
  end)

  describe("at scale", function()
    local TOTAL = 1000

    -- ~30 % of create_notification requests fail at random: 429 (Retry-After: 0), 503, or a drop after
    -- the server created the notification. Returns a client with enough retries that 0.3^21 per call
    -- makes a failure a bug, not bad luck.
    local function faulty_server()
      srv:set({ record = false })
      srv:random_faults({ match = { operation = "create_notification" }, rate = 0.3, seed = 20240603,
        steps = { { status = 429, headers = { ["Retry-After"] = "0" } }, { status = 503 }, { drop = "after_read" } } })
      return new_client({ max_retries = 20, retry_base_delay = 0.001, retry_max_delay = 0.01 })
    end

    local function batch()
      local list = {}
      for i = 1, TOTAL do list[i] = notification({ contents = { en = "n" .. i } }) end
      return list
    end

    -- outcomes[i] = { body, response } or { nil, err }
    local function check(outcomes)
      local ids, attempts, replayed, failures = {}, 0, 0, {}
      for i = 1, TOTAL do
        local body, res = outcomes[i][1], outcomes[i][2]
        if body and onesignal.is_message_sent(body) then
          ids[body.id] = true
          attempts = attempts + res.attempts
          if res.replayed then replayed = replayed + 1 end
        else
          failures[#failures + 1] = tostring(res)
        end
      end
      assert.are.same({}, failures)
      local distinct = 0
      for _ in pairs(ids) do distinct = distinct + 1 end
      assert.are.equal(TOTAL, distinct)
      local stats = srv:stats()
      assert.are.equal(TOTAL, stats.notifications_created)
      -- The faults really happened: about TOTAL / 0.7 requests, some of them answered as replays.
      local requests = stats.by_operation.create_notification
      assert.is_true(requests > TOTAL * 1.2, "requests " .. requests)
      assert.is_true(attempts > TOTAL * 1.2, "attempts " .. attempts)
      assert.is_true(replayed > 0)
    end

    it("sends 1,000 notifications through ~30 % random faults: all succeed, each created once", function()
      local client = faulty_server()
      local outcomes = {}
      for i, n in ipairs(batch()) do outcomes[i] = { client:create_notification(n) } end
      check(outcomes)
    end)

    it("does the same through client:send_many, many requests in flight", function()
      local client = faulty_server()
      local results, summary = client:send_many(batch(), { concurrency = 32 })
      assert.are.equal(TOTAL, summary.succeeded)
      local outcomes = {}
      for i = 1, TOTAL do
        local r = results[i]
        outcomes[i] = r.err and { nil, r.err } or { r.body, r.response }
      end
      check(outcomes)
    end)
  end)
end)

-- The same policy over TLS and HTTP/2, where a drop resets one stream rather than the connection.
describe("retries over HTTP/2", function()
  local srv, client

  server.with_client(function(new_srv, new_client) srv, client = new_srv, new_client end, function(s)
    return { base_url = s.https_url, ca_file = s.ca_file, retry_base_delay = 0.01, http_version = "2" }
  end, { tls = true, h2 = true })

  local function count(operation)
    local n = 0
    for _, r in ipairs(srv:requests()) do
      if r.operation == operation then
        assert.are.equal("2.0", r.http_version)
        n = n + 1
      end
    end
    return n
  end

  it("repeats create_notification after a reset stream, a 429 and a truncated answer; created once", function()
    srv:fault({ match = { operation = "create_notification" }, steps = { { drop = "after_read" },
      { status = 429, headers = { ["Retry-After"] = "0" } }, { truncate = true } } })
    local body, res = client:create_notification({ contents = { en = "h2" }, included_segments = { "All" } })
    assert.is_true(onesignal.is_message_sent(body), tostring(res))
    assert.are.equal(4, res.attempts)
    assert.is_true(res.replayed)
    assert.are.equal(4, count("create_notification"))
    assert.are.equal(1, srv:stats().notifications_created)
  end)

  it("does not repeat create_user after a reset stream", function()
    srv:fault({ match = { operation = "create_user" }, steps = { { drop = "after_read" }, { drop = "after_read" } } })
    local _, err = client:create_user(nil, { identity = { external_id = "h2-user" } })
    assert.are.equal("reset", err.reason)
    assert.is_true(err.maybe_sent)
    assert.are.equal(1, err.attempts)
    assert.are.equal(1, count("create_user"))
  end)
end)
