-- Issue 3's retry rules on cosockets, inside real nginx, against the test server's fault scripts: the
-- decisions come from the C core's policy (core.policy), the waits from ngx.sleep. The server counts
-- the notifications it really created.
local server = require("support.server")
local openresty = require("support.openresty")
local NULL = require("cjson").null

describe("retries on the ngx transport", function()
  local srv, app




  local NOTIFICATION = { contents = { en = "retry me" }, included_segments = { "All" } }

  -- One call in the app; options add to a fast backoff. Returns the outcome and the hook's records.
  local function call(operation, args, options)
    local settings = { retry_base_delay = 0.01 }
    for k, v in pairs(options or {}) do settings[k] = v end
    local out = app:case("call", { operation = operation, args = args, options = settings, hook = true })
    assert.are.equal("ngx", out.transport)
    return out.results[1], out.hooks
  end

  openresty.server_and_app(function(new_srv, new_app) srv, app = new_srv, new_app end)
  before_each(function() srv:reset() end)

  it("waits what 429's Retry-After asks, then succeeds", function()
    srv:fault_on("create_notification", { { status = 429, headers = { ["Retry-After"] = "1" } } })
    local r, hooks = call("create_notification", { NOTIFICATION })
    assert.is_true(r.ok, r.text)
    assert.are.equal(2, r.attempts)
    assert.are.equal(2, #hooks)
    assert.are.equal(429, hooks[1].status)
    assert.is_true(hooks[1].retry)
    -- retry_base_delay 0.01: Retry-After plus at most 0.005 s of spread
    assert.is_true(hooks[1].wait >= 1 and hooks[1].wait <= 1.005, "wait " .. tostring(hooks[1].wait))
    assert.is_false(hooks[2].retry)
    assert.is_nil(hooks[2].wait) -- as the C engine's hook: a wait only with a retry
    local seen = srv:recorded("create_notification")
    assert.are.equal(2, #seen)
    assert.is_true(seen[2].time - seen[1].time >= 0.99, "the server saw the retry too early")
    -- the same key both times, and one notification
    assert.are.equal(seen[1].body, seen[2].body)
    assert.are.equal(1, srv:stats().notifications_created)
  end)

  it("returns at once when Retry-After is longer than retry_max_delay, with retry_after set", function()
    srv:fault_on("create_notification", { { status = 429, headers = { ["Retry-After"] = "120" } } })
    local r = call("create_notification", { NOTIFICATION }, { retry_max_delay = 5 })
    assert.is_false(r.ok)
    assert.are.equal(429, r.status)
    assert.are.equal(1, r.attempts)
    assert.are.equal(120, r.retry_after)
    assert.are.equal("retry_after_too_long", r.gave_up)
    assert.is_true(r.elapsed < 5, "it waited")
  end)

  it("gets through 503, 503 on the third attempt", function()
    srv:fault_on("view_templates", { { status = 503 }, { status = 503 } })
    local r, hooks = call("view_templates", { NULL })
    assert.is_true(r.ok, r.text)
    assert.are.equal(3, r.attempts)
    assert.are.same({ 503, 503, 200 }, { hooks[1].status, hooks[2].status, hooks[3].status })
  end)

  it("still says maybe_sent when the retries after a 502 (maybe applied) end on a refusal", function()
    srv:fault_on("create_notification", { { status = 502 }, { status = 503 }, { status = 503 } })
    local r = call("create_notification", { NOTIFICATION }, { max_retries = 2 })
    assert.is_false(r.ok)
    assert.are.equal(503, r.status)
    assert.are.equal(3, r.attempts)
    assert.are.equal("max_retries", r.gave_up)
    assert.is_true(r.maybe_sent)
  end)

  it("starts no retry after the deadline, even when the worker wakes late", function()
    srv:fault_on("create_notification", { { status = 503 } })
    local out = app:case("call", { operation = "create_notification", args = { NOTIFICATION }, hook = true,
      hook_busy = 0.8, options = { deadline = 0.6, retry_base_delay = 0.3, retry_max_delay = 0.3 } })
    local r = out.results[1]
    assert.is_false(r.ok)
    assert.are.equal(503, r.status)
    assert.are.equal("deadline", r.gave_up)
    assert.are.equal(1, r.attempts)
    assert.are.equal(1, #srv:recorded("create_notification"))
  end)

  it("stops after max_retries: five 503s with max_retries = 3 are four attempts", function()
    srv:fault_on("view_templates", server.times(5, { status = 503 }))
    local r = call("view_templates", { NULL }, { max_retries = 3 })
    assert.is_false(r.ok)
    assert.are.equal(503, r.status)
    assert.are.equal(4, r.attempts)
    assert.are.equal("max_retries", r.gave_up)
    assert.are.equal(4, #srv:recorded("view_templates"))
  end)

  it("never repeats other 4xx", function()
    for _, status in ipairs({ 400, 401, 403, 404, 409, 422 }) do
      srv:reset()
      srv:fault_on("view_templates", { { status = status } })
      local r = call("view_templates", { NULL })
      assert.is_false(r.ok)
      assert.are.equal(status, r.status)
      assert.are.equal(1, r.attempts)
      assert.are.equal(1, #srv:recorded("view_templates"))
    end
  end)

  -- As on libcurl (spec/integration/responses_spec.lua): every row of api/error-catalog.tsv, at each status
  -- it lists, for a GET and for a POST without a key, is retried exactly when the catalog says a retry can
  -- help, and comes back with its message.
  it("retries exactly the error catalog's retryable rows", function()
    local cjson = require("cjson")
    for _, row in ipairs(require("support.shared").error_catalog()) do
      local retryable = row.retryable == "yes"
      for status in row.status:gmatch("%d+") do
        status = tonumber(status)
        for name, args in pairs({ view_templates = { NULL },
          create_user = { NULL, { identity = { external_id = "catalog" } } } }) do
          local what = row.name .. " " .. status .. " " .. name
          srv:reset()
          local body = cjson.encode({ errors = { row.message } })
          srv:fault_on(name, { { status = status, body = body }, { status = status, body = body } })
          local r = call(name, args, { max_retries = 1 })
          local attempts = retryable and 2 or 1
          assert.are.equal(attempts, #srv:recorded(name), what)
          assert.are.equal(attempts, r.attempts, what)
          if status < 300 then
            assert.is_true(r.ok, what)
            assert.are.same({ row.message }, r.body.errors, what)
          else
            assert.are.same({ false, "api", status, { row.message } }, { r.ok, r.kind, r.status, r.messages }, what)
            assert.are.equal(retryable and "max_retries" or nil, r.gave_up, what)
            assert.is_nil(r.maybe_sent, what)
          end
        end
      end
    end
  end)

  it("resends create_notification after a connection dropped after the request was read: one notification", function()
    srv:fault_on("create_notification", { { drop = "after_read" } })
    local r, hooks = call("create_notification", { NOTIFICATION })
    assert.is_true(r.ok, r.text)
    local seen = srv:recorded("create_notification")
    assert.are.equal(2, #seen)
    assert.are.equal(seen[1].body, seen[2].body)
    assert.matches('"idempotency_key":"' .. r.idempotency_key .. '"', seen[1].body, 1, true)
    assert.are.equal(1, srv:stats().notifications_created)
    assert.are.equal(r.attempts, #hooks)
  end)

  it("does not resend create_user after a dropped connection, and says it may have been applied", function()
    srv:fault_on("create_user", { { drop = "after_read" } })
    local r = call("create_user", { NULL, { identity = { external_id = "dropped-user" } } })
    assert.is_false(r.ok)
    assert.are.equal("network", r.kind)
    assert.are.equal("reset", r.reason)
    assert.is_true(r.maybe_sent)
    assert.are.equal(1, r.attempts)
    assert.are.equal(1, #srv:recorded("create_user"))
    assert.matches("may have been applied", r.text, 1, true)
  end)

  it("gives up on a server that never answers after the timeout, and retries a safe request", function()
    srv:fault_on("view_templates", { { delay = 3600 } })
    local r, hooks = call("view_templates", { NULL }, { timeout = 0.5 })
    assert.is_true(r.ok, r.text) -- the second attempt found a server that answers
    assert.are.equal(2, r.attempts)
    assert.are.equal("timeout", hooks[1].error)
    assert.is_true(hooks[1].attempt_elapsed >= 0.49, "timed out early: " .. hooks[1].attempt_elapsed)
    assert.is_true(hooks[1].attempt_elapsed < 3, "timed out late: " .. hooks[1].attempt_elapsed)
  end)

  it("reports a timeout of create_user as maybe applied, without repeating it", function()
    srv:fault_on("create_user", { { delay = 3600 } })
    local r = call("create_user", { NULL, { identity = { external_id = "slow-user" } } }, { timeout = 0.5 })
    assert.is_false(r.ok)
    assert.are.equal("timeout", r.kind)
    assert.is_true(r.maybe_sent)
    assert.are.equal(1, r.attempts)
    assert.is_true(r.elapsed < 3, "took " .. r.elapsed)
  end)

  -- As on libcurl (spec/integration/retry_spec.lua): the status line is the server's decision, and the
  -- body lost after it (cut short, stalled) only text.
  it("judges an answer lost after its status line by the status: a 429 or 503 is a refusal", function()
    srv:fault_on("create_user", { { status = 429, truncate = true, headers = { ["Retry-After"] = "0" } },
      { status = 503, drip = 1 } })
    local r = call("create_user", { NULL, { identity = { external_id = "declined-cut" } } }, { timeout = 0.5 })
    assert.is_true(r.ok, r.text)
    assert.are.equal(3, r.attempts)
    assert.are.equal(3, #srv:recorded("create_user"))
  end)

  it("judges an answer lost after its status line by the status: another 4xx is definite", function()
    for _, step in ipairs({ { status = 400, truncate = true }, { status = 409, drip = 1 } }) do
      srv:reset()
      srv:fault_on("create_user", { step, step })
      srv:fault_on("view_templates", { step, step })
      local r = call("create_user", { NULL, { identity = { external_id = "refused-cut" } } }, { timeout = 0.5 })
      assert.is_false(r.ok)
      assert.are.equal(step.status, r.status)
      assert.are.equal(step.truncate and "partial" or "timeout", r.reason)
      assert.are.equal(1, r.attempts)
      assert.is_nil(r.maybe_sent)
      assert.is_nil(r.gave_up)
      assert.is_nil(r.text:find("may have been applied", 1, true))
      r = call("view_templates", { NULL }, { timeout = 0.5 })
      assert.are.equal(1, r.attempts)
      assert.are.equal(1, #srv:recorded("create_user"))
      assert.are.equal(1, #srv:recorded("view_templates"))
    end
  end)

  -- As on libcurl (spec/integration/retry_spec.lua): a header block cut before its empty line, or an
  -- interim 100 Continue and then a close, is a reset after sending; a final status line that came whole
  -- is judged as after a body cut short, and the fields of the cut block count for nothing.
  it("takes a header block cut short as a reset: a GET is repeated, create_user is not", function()
    srv:fault_on("view_templates", { { cut_head = true } })
    local r = call("view_templates", { NULL })
    assert.is_true(r.ok, r.text)
    assert.are.equal(2, r.attempts)

    srv:fault_on("create_user", { { cut_head = true }, { cut_head = true } })
    r = call("create_user", { NULL, { identity = { external_id = "cut-head" } } })
    assert.is_false(r.ok)
    assert.are.equal("network", r.kind)
    assert.are.equal("reset", r.reason)
    assert.are.equal(201, r.status)
    assert.is_true(r.maybe_sent)
    assert.are.equal(1, r.attempts)
    assert.are.equal(1, #srv:recorded("create_user"))
  end)

  it("judges a cut 429 by its status, without the Retry-After of the cut block", function()
    srv:fault_on("create_user", { { status = 429, cut_head = true, headers = { ["Retry-After"] = "120" } } })
    local r = call("create_user", { NULL, { identity = { external_id = "cut-429" } } })
    assert.is_true(r.ok, r.text)
    assert.are.equal(2, r.attempts)
  end)

  it("takes an interim 100 Continue and then a close as a reset with no status", function()
    srv:fault_on("view_templates", { { interim = true } })
    local r = call("view_templates", { NULL })
    assert.is_true(r.ok, r.text)
    assert.are.equal(2, r.attempts)

    srv:fault_on("create_user", { { interim = true }, { interim = true } })
    r = call("create_user", { NULL, { identity = { external_id = "interim" } } })
    assert.is_false(r.ok)
    assert.are.equal("reset", r.reason)
    assert.are.equal("the connection closed before the response arrived", r.message) -- as on libcurl
    assert.is_nil(r.status)
    assert.is_true(r.maybe_sent)
    assert.are.equal(1, r.attempts)
    assert.are.equal(1, #srv:recorded("create_user"))
  end)

  it("lets the deadline cut an answer that arrives in drips, as libcurl does", function()
    srv:fault_on("view_templates", server.times(3, { drip = 0.3 })) -- 3 s per answer
    local r = call("view_templates", { NULL }, { deadline = 1 })
    assert.is_false(r.ok)
    assert.are.equal("timeout", r.reason)
    assert.are.equal("deadline", r.gave_up)
    assert.are.equal(1, r.attempts)
    assert.is_true(r.elapsed >= 0.95 and r.elapsed < 2.5, "elapsed " .. r.elapsed)
  end)

  it("lets a deadline cut retries short", function()
    srv:fault_on("view_templates", server.times(10, { status = 503 }))
    local r = call("view_templates", { NULL }, { retry_base_delay = 0.4, deadline = 1 })
    assert.is_false(r.ok)
    assert.are.equal("deadline", r.gave_up)
    assert.is_true(r.attempts >= 2 and r.attempts < 10, r.attempts .. " attempts")
    assert.is_true(r.elapsed < 1.5, "took " .. r.elapsed)
  end)

  it("reports a truncated body as a partial transfer, keeping what arrived", function()
    srv:fault_on("view_templates", server.times(4, { truncate = true }))
    local r = call("view_templates", { NULL }, { max_retries = 0 })
    assert.is_false(r.ok)
    assert.are.equal("network", r.kind)
    assert.are.equal("partial", r.reason)
    assert.are.equal(200, r.status)
    assert.is_true(#r.body > 0)
  end)

  it("keeps the raw text of an HTML error page", function()
    srv:fault_on("view_templates", { { status = 502, body = "<html><body>Bad gateway</body></html>",
      content_type = "text/html" } })
    local r = call("view_templates", { NULL }, { max_retries = 0 })
    assert.is_false(r.ok)
    assert.are.equal("api", r.kind)
    assert.are.equal(502, r.status)
    assert.are.equal("<html><body>Bad gateway</body></html>", r.body)
  end)

  -- As on libcurl (spec/integration/responses_spec.lua): a bare false or null would be a failure without
  -- an error, so a 2xx body that is not an object or array is a decode error.
  it("reports a 2xx body that is not a JSON object or array as a decode error", function()
    for _, case in ipairs({ { "false", "false" }, { "null", "null" }, { "7", "a number" } }) do
      srv:fault_on("view_templates", { { status = 200, body = case[1] } })
      local r = call("view_templates", { NULL }, { max_retries = 0 })
      assert.is_false(r.ok, case[1])
      assert.are.equal("decode", r.kind, case[1])
      assert.are.equal("json", r.reason, case[1])
      assert.are.equal(case[1], r.body)
      assert.are.equal("onesignal: view_templates failed: decode error (json): the response body is " .. case[2]
        .. ", not a JSON object or array [1 attempt]", r.text)
    end
    srv:fault_on("view_templates", { { status = 200, body = "[]" } })
    assert.is_true(call("view_templates", { NULL }, { max_retries = 0 }).ok)
  end)

  it("reports a refused connection as a connect error after retrying", function()
    local out = app:case("call", { operation = "view_templates", args = { NULL }, base = "http://127.0.0.1:1",
      options = { retry_base_delay = 0.01, max_retries = 2 }, hook = true })
    local r = out.results[1]
    assert.is_false(r.ok)
    assert.are.equal("network", r.kind)
    assert.are.equal("connect", r.reason)
    assert.are.equal(3, r.attempts)
    assert.are.equal("connect", out.hooks[1].error)
  end)

  -- As the C engine classes libcurl's TLS connect error (spec/core/session_retry_spec.lua). By name: an
  -- address with certificate checks on is refused before connecting (requests_spec.lua).
  it("reports a failed TLS handshake (https to a plain-HTTP port) as a connect error after retrying", function()
    local base = srv.url:gsub("^http:", "https:"):gsub("127%.0%.0%.1", "localhost")
    local out = app:case("call", { operation = "view_templates", args = { NULL }, hook = true,
      base = base, options = { retry_base_delay = 0.01, max_retries = 1 } })
    local r = out.results[1]
    assert.is_false(r.ok)
    assert.are.equal("connect", r.reason, r.text)
    assert.are.equal(2, r.attempts)
  end)
end)
