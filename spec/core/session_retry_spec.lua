-- Retries inside the engine, transport failures and the attempt hook, against the real test server.
local server = require("support.server")
local support = require("core.support")

describe("session retries", function()
  local srv, s

  support.server_and_session(function(new_srv, new_s) srv, s = new_srv, new_s end)

  local function post_notification(extra)
    local req = { method = "POST", path = "/notifications", credential = "rest", operation = "create_notification",
      body = '{"app_id":"' .. srv.app_id .. '","contents":{"en":"hi"},"included_segments":["All"]}' }
    for k, v in pairs(extra or {}) do req[k] = v end
    return req
  end

  it("retries 503, 503 then succeeds", function()
    srv:fault({ match = { method = "GET" }, steps = { { status = 503 }, { status = 503 } } })
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.same(3, result.attempts)
    assert.same(200, math.floor(result.status / 100) * 100)
    assert.is_nil(result.error)
    assert.same(3, #srv:recorded(support.segments_path(srv), "path"))
  end)

  it("waits at least Retry-After before the next attempt", function()
    srv:fault({ match = { method = "GET" }, steps = { { status = 429, headers = { ["Retry-After"] = "1" } } } })
    local waits = {}
    s:set_hook(function(a) waits[#waits + 1] = a.wait or false end)
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.same(2, result.attempts)
    -- retry_base_delay 0.01: Retry-After plus at most 0.005 s of spread
    assert.is_true(waits[1] >= 1 and waits[1] <= 1.005, "wait " .. tostring(waits[1]))
    assert.is_false(waits[2])
    local seen = srv:recorded(support.segments_path(srv), "path")
    assert.is_true(seen[2].time - seen[1].time >= 0.99, "server saw the retry too early")
    assert.is_true(result.elapsed >= 1)
  end)

  it("gives up at once when Retry-After exceeds retry_max_delay", function()
    srv:fault({ match = { method = "GET" }, steps = { { status = 429, headers = { ["Retry-After"] = "120" } } } })
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.same(1, result.attempts)
    assert.same(429, result.status)
    assert.same("retry_after_too_long", result.gave_up)
    assert.same(120, result.retry_after)
  end)

  -- session:hold_429 (client:send_many's pause): the wait a 429 to a request marked note_429 asked for.
  it("notes the hold a 429 asks for, only for requests marked note_429", function()
    assert.is_nil(s:hold_429())
    -- unmarked: nothing noted
    srv:fault({ match = { method = "POST" }, steps = { { status = 429, headers = { ["Retry-After"] = "1" } } } })
    local result = s:wait(s:submit(post_notification({ idempotency_key = "k-unmarked", retry_max_delay = 2 })))
    assert.same(2, result.attempts)
    assert.is_nil(s:hold_429())
    -- retried: the retry's wait, as the hook is told
    srv:fault({ match = { method = "POST" }, steps = { { status = 429, headers = { ["Retry-After"] = "1" } } } })
    local seen = {}
    s:set_hook(function(a) if a.status == 429 then seen[#seen + 1] = { wait = a.wait, hold = s:hold_429() } end end)
    result = s:wait(s:submit(post_notification({ idempotency_key = "k-retried", retry_max_delay = 2,
      note_429 = true })))
    s:set_hook(nil)
    assert.same(2, result.attempts)
    assert.same(1, #seen)
    assert.is_true(seen[1].wait >= 1 and math.abs(seen[1].hold - seen[1].wait) < 0.05,
      "hold " .. tostring(seen[1].hold) .. " for a wait of " .. seen[1].wait)
    -- not retried (Retry-After beyond retry_max_delay): Retry-After bounded by retry_max_delay
    srv:fault({ match = { method = "POST" }, steps = { { status = 429, headers = { ["Retry-After"] = "5" } } } })
    result = s:wait(s:submit(post_notification({ idempotency_key = "k-too-long", retry_max_delay = 0.5,
      note_429 = true })))
    assert.same("retry_after_too_long", result.gave_up)
    local hold = s:hold_429()
    assert.is_true(hold ~= nil and hold > 0.2 and hold <= 0.5, "hold " .. tostring(hold))
    -- a shorter one later does not cut it short, nor add to it: the latest end wins
    srv:fault({ match = { method = "POST" }, steps = { { status = 429, headers = { ["Retry-After"] = "0" } } } })
    result = s:wait(s:submit(post_notification({ idempotency_key = "k-short", max_retries = 0, note_429 = true })))
    assert.same(429, result.status)
    local later = s:hold_429()
    assert.is_true(later ~= nil and later <= hold, "hold " .. tostring(later))
    -- not retried, no Retry-After: no hold
    require("onesignal.core").sleep(0.55)
    assert.is_nil(s:hold_429())
    srv:fault({ match = { method = "POST" }, steps = { { status = 429 } } })
    result = s:wait(s:submit(post_notification({ idempotency_key = "k-bare", max_retries = 0, note_429 = true })))
    assert.same(429, result.status)
    assert.is_nil(s:hold_429())
  end)

  -- Jitter spreads the retries of many clients apart; a wait fixed at d/2 (no draw) would line them up. Each
  -- status retried without Retry-After draws, whatever made it retryable.
  for _, status in ipairs({ 429, 500, 503 }) do
    it("draws each backoff wait at random in [d/2, d] (" .. status .. ")", function()
      srv:fault({ match = { method = "GET" }, steps = server.times(8, { status = status }) })
      local waits = {}
      s:set_hook(function(a) if a.retry then waits[#waits + 1] = a.wait end end)
      local result = s:wait(s:submit(support.get_segments(srv, nil, { max_retries = 8, retry_base_delay = 0.02,
        retry_max_delay = 0.02 })))
      assert.same(9, result.attempts)
      assert.same(8, #waits)
      local distinct = {}
      for _, w in ipairs(waits) do
        assert.is_true(w >= 0.01 and w <= 0.02, "wait " .. w)
        distinct[w] = true
      end
      local count = 0
      for _ in pairs(distinct) do count = count + 1 end
      assert.is_true(count >= 4, "only " .. count .. " different waits in " .. table.concat(waits, ", "))
    end)
  end

  -- The engine keeps waiting retries in a heap by the time they fall due. Base delays four times apart keep the
  -- jittered waits ([d/2, d]) apart; submitted longest first, they must start shortest first.
  it("starts waiting retries in the order they fall due, not the order they were scheduled", function()
    local delays = { 1.28, 0.32, 0.08, 0.02 }
    srv:fault({ match = { method = "GET" }, steps = server.times(#delays, { status = 503 }) })
    local retried = {}
    s:set_hook(function(a) if a.attempt == 2 then retried[#retried + 1] = a.url:match("offset=(%d+)") end end)
    local ids = {}
    for i, d in ipairs(delays) do
      ids[i] = s:submit(support.get_segments(srv, "offset=" .. i, { max_retries = 1, retry_base_delay = d }))
    end
    for _, result in pairs(support.collect(s, ids)) do assert.is_nil(result.error, result.message) end
    assert.same({ "4", "3", "2", "1" }, retried)
  end)

  it("stops after max_retries, also when overridden per call", function()
    srv:fault({ match = { method = "GET" }, steps = { { status = 503 }, { status = 503 }, { status = 503 },
      { status = 503 }, { status = 503 }, { status = 503 } } })
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.same(4, result.attempts)
    assert.same(503, result.status)
    assert.same("max_retries", result.gave_up)
    assert.is_falsy(result.maybe_sent)
    result = s:wait(s:submit(support.get_segments(srv, nil, { max_retries = 1 })))
    assert.same(2, result.attempts)
    assert.same("max_retries", result.gave_up)
  end)

  it("does not repeat a POST after a 500 unless it carries an idempotency key", function()
    srv:fault({ match = { method = "POST" }, steps = { { status = 500 }, { status = 500 } } })
    local result = s:wait(s:submit(post_notification()))
    assert.same(1, result.attempts)
    assert.same(500, result.status)
    assert.is_true(result.maybe_sent)
    assert.is_nil(result.gave_up)
    result = s:wait(s:submit(post_notification({ idempotency_key = "0b6c8f5e-7a43-4d2e-9c1a-2f6e8d9b0a11" })))
    assert.same(2, result.attempts)
    assert.is_falsy(result.maybe_sent)
  end)

  it("retries 502 and 504 for GET", function()
    srv:fault({ match = { method = "GET" }, steps = { { status = 502, body = "<html>bad gateway</html>",
      content_type = "text/html" }, { status = 504 } } })
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.same(3, result.attempts)
    assert.is_nil(result.error)
  end)

  it("reports a dropped POST as reset with maybe_sent, without repeating it", function()
    srv:fault({ match = { method = "POST" }, steps = { { drop = "after_read" } } })
    local result = s:wait(s:submit(post_notification()))
    assert.same("reset", result.error)
    assert.is_true(result.maybe_sent)
    assert.same(1, result.attempts)
    assert.same(1, #srv:recorded("/notifications", "path"))
  end)

  it("refuses libcurl's silent resend of an unsafe POST on a dead keep-alive connection", function()
    s:wait(s:submit(support.get_segments(srv))) -- leaves a connection to reuse
    srv:fault({ match = { method = "POST" }, steps = { { drop = "after_read" }, { drop = "after_read" } } })
    local result = s:wait(s:submit(post_notification()))
    assert.same("reset", result.error)
    assert.matches("not safe to repeat", result.message)
    assert.is_true(result.maybe_sent)
    assert.same(1, result.attempts)
    assert.same(1, #srv:recorded("/notifications", "path"))
  end)

  it("refuses that resend for an unsafe POST without a body too", function()
    s:wait(s:submit(support.get_segments(srv))) -- leaves a connection to reuse
    srv:fault({ match = { method = "POST" }, steps = { { drop = "after_read" }, { drop = "after_read" } } })
    local result = s:wait(s:submit({ method = "POST", path = "/apps/" .. srv.app_id .. "/rotate", credential = "rest",
      max_retries = 0 }))
    assert.same("reset", result.error)
    assert.matches("not safe to repeat", result.message)
    assert.is_true(result.maybe_sent)
    assert.same(1, result.attempts)
    assert.same(1, #srv:recorded("/apps/" .. srv.app_id .. "/rotate", "path"))
  end)

  it("counts libcurl's own resend on a dead keep-alive connection as an attempt", function()
    s:wait(s:submit(support.get_segments(srv))) -- leaves a connection to reuse
    srv:reset()
    local calls = {}
    s:set_hook(function(a) calls[#calls + 1] = a end)
    srv:fault({ match = { method = "GET" }, steps = { { drop = "after_read" } } })
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.is_nil(result.error, result.message)
    assert.same(2, #srv:recorded(support.segments_path(srv), "path"))
    assert.same(2, result.attempts)
    assert.same(2, #calls)
    assert.same({ 1, "reset", true, 0 }, { calls[1].attempt, calls[1].error, calls[1].retry, calls[1].wait })
    -- the resent copy's report is timed like any other: the attempt took some time, within the call's
    local a = calls[1]
    assert.is_true(a.attempt_elapsed > 0 and a.attempt_elapsed <= a.elapsed, a.attempt_elapsed .. " / " .. a.elapsed)
    assert.same({ 2, false }, { calls[2].attempt, calls[2].retry })
  end)

  it("repeats a dropped request that is safe to repeat", function()
    srv:fault({ match = { method = "POST" }, steps = { { drop = "after_read" } } })
    local result = s:wait(s:submit(post_notification({ idempotency_key = "7d0f3a52-1c9e-4b8a-a6f4-3e2d1c0b9a87" })))
    assert.is_nil(result.error, result.message)
    assert.same(2, #srv:recorded("/notifications", "path"))
  end)

  it("keeps the partial body of a truncated response", function()
    local body = '{"segments":[],"padding":"' .. string.rep("p", 400) .. '"}'
    srv:fault({ match = { method = "GET" }, steps = { { status = 200, body = body, truncate = true } } })
    local result = s:wait(s:submit(support.get_segments(srv, nil, { max_retries = 0 })))
    assert.same("partial", result.error)
    assert.same(200, result.status)
    assert.same(body:sub(1, math.floor(#body / 2)), result.body)
    assert.is_true(result.maybe_sent)
    assert.same("max_retries", result.gave_up)
  end)

  it("times out an attempt and reports it", function()
    srv:fault({ match = { method = "GET" }, steps = { { delay = 3 } } })
    local result = s:wait(s:submit(support.get_segments(srv, nil, { timeout = 0.3, max_retries = 0 })))
    assert.same("timeout", result.error)
    assert.is_true(result.maybe_sent)
    assert.is_true(result.elapsed < 3)
  end)

  -- idle_timeout (exports.lua's downloads): no byte for that long fails the attempt as a timeout, whatever
  -- time the whole transfer takes. libcurl counts it in whole seconds (0.3 is 1) and checks about once a
  -- second. The server's drip sends the headers, then the body in 10 pieces with a wait before each.
  it("fails an attempt that stalls for idle_timeout as a timeout, with no overall limit", function()
    srv:fault({ match = { method = "GET" }, steps = { { status = 200, body = "{}", drip = 5 } } })
    local result = s:wait(s:submit(support.get_segments(srv, nil, { timeout = math.huge, idle_timeout = 0.3,
      max_retries = 0 })))
    assert.same("timeout", result.error)
    assert.same(200, result.status)
    assert.is_true(result.elapsed < 4.5, "elapsed " .. result.elapsed)
  end)

  it("completes a transfer that outlasts idle_timeout but never stalls for it", function()
    local body = '{"segments":[],"padding":"' .. string.rep("p", 400) .. '"}'
    srv:fault({ match = { method = "GET" }, steps = { { status = 200, body = body, drip = 0.15 } } })
    local result = s:wait(s:submit(support.get_segments(srv, nil, { timeout = math.huge, idle_timeout = 1,
      max_retries = 0 })))
    assert.is_nil(result.error, result.message)
    assert.same(body, result.body)
    assert.is_true(result.elapsed > 1.4, "elapsed " .. result.elapsed)
  end)

  it("drops the idle limit of a reused transfer for a request without one", function()
    local first = s:wait(s:submit(support.get_segments(srv, nil, { idle_timeout = 1 })))
    assert.is_nil(first.error, first.message)
    -- The same transfer (and easy handle) again: 3 s before any byte is fine under a 10 s timeout.
    srv:fault({ match = { method = "GET" }, steps = { { delay = 3 } } })
    local second = s:wait(s:submit(support.get_segments(srv, nil, { max_retries = 0 })))
    assert.is_nil(second.error, second.message)
    assert.same(first.status, second.status)
  end)

  it("cuts attempts and retries to the deadline", function()
    srv:fault({ match = { method = "GET" }, steps = { { delay = 3 }, { delay = 3 } } })
    local result = s:wait(s:submit(support.get_segments(srv, nil, { deadline = 0.4, retry_base_delay = 0.05 })))
    assert.same("timeout", result.error)
    assert.is_true(result.elapsed < 1.5, "elapsed " .. result.elapsed)
    srv:reset()
    local steps = {}
    for i = 1, 30 do steps[i] = { status = 503 } end
    srv:fault({ match = { method = "GET" }, steps = steps })
    result = s:wait(s:submit(support.get_segments(srv, nil, { deadline = 0.5, max_retries = 30,
      retry_base_delay = 0.2, retry_max_delay = 0.2 })))
    assert.same("deadline", result.gave_up)
    assert.same(503, result.status)
    assert.is_true(result.attempts >= 2)
    -- without the deadline, 30 attempts 0.1 to 0.2 s apart would take 3 s or more
    assert.is_true(result.elapsed < 1.5, "elapsed " .. result.elapsed)
  end)

  it("retries a refused connection, then gives up with connect", function()
    s:close()
    s = support.session(srv, { base_url = "http://127.0.0.1:1", max_retries = 2 })
    local attempts = {}
    s:set_hook(function(a) attempts[#attempts + 1] = a end)
    local result = s:wait(s:submit(post_notification()))
    assert.same("connect", result.error)
    assert.same(3, result.attempts)
    assert.same("max_retries", result.gave_up)
    assert.is_falsy(result.maybe_sent)
    assert.same(0, result.status)
    assert.is_nil(result.headers)
    assert.same("", result.body)
    assert.same(3, #attempts)
    assert.same("connect", attempts[1].error)
    assert.is_string(attempts[1].message)
  end)

  -- Failures before a request byte went out, classed by libcurl's code: a name that does not resolve (.invalid
  -- never does, RFC 6761) and a TLS handshake that fails (https to the plain-HTTP server) are retried whatever
  -- the method; a proxy that cannot be resolved is not.
  for _, case in ipairs({
    { "a name that does not resolve", "resolve", 2, function() return { base_url = "http://nothing.invalid" } end },
    { "a failed TLS handshake", "connect", 2, function() return { base_url = (srv.url:gsub("^http:", "https:")) } end },
    { "a proxy that does not resolve", "proxy", 1, function() return { proxy = "http://nothing.invalid:8080" } end },
  }) do
    local what, class, attempts, overrides = case[1], case[2], case[3], case[4]
    it("classes " .. what .. " as " .. class .. (attempts > 1 and ", retried" or ", not retried"), function()
      s:close()
      local config = overrides()
      config.max_retries = 1
      s = support.session(srv, config)
      local result = s:wait(s:submit(post_notification()))
      assert.same(class, result.error, result.message)
      assert.same(attempts, result.attempts)
      assert.is_falsy(result.maybe_sent)
    end)
  end
end)

describe("the attempt hook", function()
  local srv, s

  support.server_and_session(function(new_srv, new_s) srv, s = new_srv, new_s end)

  it("sees every attempt, and never a key", function()
    local calls = {}
    s:set_hook(function(a) calls[#calls + 1] = a end)
    srv:fault({ match = { method = "GET" }, steps = { { status = 503 } } })
    s:wait(s:submit(support.get_segments(srv, "offset=9")))
    assert.same(2, #calls)
    local first, second = calls[1], calls[2]
    assert.same("get_segments", first.operation)
    assert.same("GET", first.method)
    assert.same(srv.url .. support.segments_path(srv, "offset=9"), first.url)
    assert.same(1, first.attempt)
    assert.same(503, first.status)
    assert.is_true(first.retry)
    assert.is_true(first.wait >= 0.005 and first.wait <= 0.01)
    assert.is_nil(first.error)
    assert.same(2, second.attempt)
    assert.is_false(second.retry)
    assert.is_nil(second.wait)
    assert.is_true(second.elapsed >= first.elapsed)
    assert.is_true(second.attempt_elapsed >= 0 and second.attempt_elapsed <= second.elapsed)
    local text = support.flatten(calls)
    assert.is_nil(text:find(srv.rest_key, 1, true))
    assert.is_nil(text:find(srv.org_key, 1, true))
  end)

  it("hides a key passed as data in the path", function()
    local calls = {}
    s:set_hook(function(a) calls[#calls + 1] = a end)
    local path = "/apps/" .. srv.app_id .. "/users/by/external_id/" .. srv.rest_key
    s:wait(s:submit({ method = "GET", path = path, credential = "rest" }))
    assert.same(1, #calls)
    assert.same(srv.url .. "/apps/" .. srv.app_id .. "/users/by/external_id/[REDACTED]", calls[1].url)
  end)

  -- A URL given whole (an export's file) may be presigned: its query is a credential to the file.
  it("shows a url request's query as ?[REDACTED], and a path's query as it is", function()
    local calls = {}
    s:set_hook(function(a) calls[#calls + 1] = a.url end)
    local segments = srv.url .. support.segments_path(srv)
    s:wait(s:submit({ method = "GET", url = segments .. "?X-Amz-Signature=5ec2e7516a7e&offset=1" }))
    s:wait(s:submit({ method = "GET", url = segments }))
    s:wait(s:submit(support.get_segments(srv, "offset=2")))
    assert.same({ segments .. "?[REDACTED]", segments, srv.url .. support.segments_path(srv, "offset=2") }, calls)
    assert.same("X-Amz-Signature=5ec2e7516a7e&offset=1", srv:recorded(support.segments_path(srv), "path")[1].query)
  end)

  -- libcurl's own error text names the host. A URL from an answer (an export's file) whose host holds a
  -- key puts the key in that text. libcurl resolves *.localhost itself (7.85 and later), so this fails at
  -- once on loopback; an older one asks the resolver and fails to resolve the name, which names it too.
  it("hides a key in libcurl's error message, in the hook and in the result", function()
    local calls = {}
    s:set_hook(function(a) calls[#calls + 1] = a end)
    local result = s:wait(s:submit({ method = "GET", url = "http://" .. srv.rest_key .. ".localhost:1/export.csv",
      max_retries = 0 }))
    assert.is_true(result.error == "connect" or result.error == "resolve", result.error)
    assert.same(1, #calls)
    -- the message did name the host: the redaction, not the wording, kept the key out
    assert.matches(".localhost", result.message, 1, true)
    for _, message in ipairs({ result.message, calls[1].message }) do
      assert.matches("[REDACTED].localhost", message, 1, true)
      assert.is_nil(message:find(srv.rest_key, 1, true), message)
    end
  end)

  it("cannot break a request by failing", function()
    s:set_hook(function() error("hook exploded") end)
    local result = s:wait(s:submit(support.get_segments(srv)))
    assert.is_nil(result.error)
  end)

  it("may submit but not drive the session", function()
    local inner_id, drive_error
    s:set_hook(function()
      if not inner_id then inner_id = s:submit(support.get_segments(srv, "offset=7")) end
      local ok, err = pcall(s.poll, s, 0)
      if not ok then drive_error = err end
    end)
    s:wait(s:submit(support.get_segments(srv)))
    s:set_hook(nil)
    assert.matches("cannot be called from a hook", drive_error)
    assert.same(7, require("cjson").decode(s:wait(inner_id).body).offset)
  end)

  it("runs on the coroutine that drives the engine", function()
    local hook_thread
    s:set_hook(function() hook_thread = coroutine.running() end)
    local co = coroutine.create(function() return s:wait(s:submit(support.get_segments(srv))) end)
    local ok, result = coroutine.resume(co)
    assert.is_true(ok, result)
    assert.is_nil(result.error)
    assert.equal(co, hook_thread)
  end)

  it("can be removed", function()
    local count = 0
    s:set_hook(function() count = count + 1 end)
    s:wait(s:submit(support.get_segments(srv)))
    s:set_hook(nil)
    s:wait(s:submit(support.get_segments(srv)))
    assert.same(1, count)
  end)
end)
