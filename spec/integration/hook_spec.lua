-- The on_attempt hook through the public client, over real sockets: it sees every attempt (operation,
-- method, URL, status or transport error, attempt number, the wait chosen, elapsed time) and never a key,
-- even when the server echoes keys back.
local onesignal = require("onesignal")
local server = require("support.server")

-- Every string and number reachable from a value, keys of tables included, one per line.
local function flatten(value, out, seen)
  out, seen = out or {}, seen or {}
  if type(value) == "table" then
    if seen[value] then return out end
    seen[value] = true
    for k, v in pairs(value) do
      flatten(k, out, seen)
      flatten(v, out, seen)
    end
  else
    out[#out + 1] = tostring(value)
  end
  return out
end

local function contains(value, needle)
  return table.concat(flatten(value), "\n"):find(needle, 1, true) ~= nil
end

describe("the on_attempt hook", function()
  local srv
  local closed_after_test = server.with_test_clients(function(new_srv) srv = new_srv end)

  -- A client of this server whose hook appends to the returned list.
  local function recording_client(options)
    local calls = {}
    local settings = { base_url = srv.url, rest_api_key = srv.rest_key, organization_api_key = srv.org_key,
      app_id = srv.app_id, retry_base_delay = 0.01, on_attempt = function(a) calls[#calls + 1] = a end }
    for k, v in pairs(options or {}) do settings[k] = v end
    return closed_after_test(onesignal.new(settings)), calls
  end

  local function fault(operation, steps)
    srv:fault({ match = { operation = operation }, steps = steps })
  end

  it("sees every attempt with what happened and what was decided", function()
    local client, calls = recording_client()
    -- A fresh connection first, so the drop is one attempt of ours (not a silent resend by libcurl).
    fault("create_notification", { { drop = "after_read" }, { status = 429, headers = { ["Retry-After"] = "1" } } })
    local body, res = client:create_notification({ contents = { en = "hook" }, included_segments = { "All" } })
    assert.is_table(body, tostring(res))
    assert.are.equal(3, #calls)
    for n, a in ipairs(calls) do
      assert.are.equal("create_notification", a.operation)
      assert.are.equal("POST", a.method)
      assert.are.equal(srv.url .. "/notifications", a.url)
      assert.are.equal(n, a.attempt)
      assert.is_true(a.attempt_elapsed >= 0 and a.attempt_elapsed <= a.elapsed + 1e-6)
      if n > 1 then assert.is_true(a.elapsed >= calls[n - 1].elapsed) end
    end

    local dropped, declined, answered = calls[1], calls[2], calls[3]
    assert.is_nil(dropped.status)
    assert.are.equal("reset", dropped.error)
    assert.is_string(dropped.message)
    assert.is_true(dropped.retry)
    assert.is_true(dropped.wait >= 0.005 and dropped.wait <= 0.01, "backoff wait " .. tostring(dropped.wait))

    assert.are.equal(429, declined.status)
    assert.is_nil(declined.error)
    assert.is_true(declined.retry)
    -- Retry-After plus at most half the backoff's ceiling (attempt 2, base 0.01: 0.01 s)
    assert.is_true(declined.wait >= 1 and declined.wait <= 1.01, "wait " .. tostring(declined.wait))

    assert.are.equal(200, answered.status)
    assert.is_false(answered.retry)
    assert.is_nil(answered.wait)
    assert.is_true(answered.elapsed >= 1, "elapsed " .. answered.elapsed)
    assert.are.equal(res.attempts, answered.attempt)
  end)

  it("shows the query string and the last attempt of a call that gives up", function()
    local client, calls = recording_client({ max_retries = 1 })
    fault("get_notifications", { { status = 503 }, { status = 503 } })
    local _, err = client:get_notifications(nil, { limit = 5, offset = 10 })
    assert.are.equal(2, err.attempts)
    assert.are.equal(2, #calls)
    assert.are.equal("GET", calls[1].method)
    assert.matches("/notifications%?", calls[1].url)
    assert.matches("limit=5", calls[1].url)
    assert.is_true(calls[1].retry)
    assert.is_false(calls[2].retry)
    assert.are.equal(503, calls[2].status)
  end)

  it("sees transport errors that come without a status", function()
    local client, calls = recording_client({ base_url = "http://127.0.0.1:1", max_retries = 1 })
    client:get_segments(nil)
    assert.are.equal(2, #calls)
    assert.are.equal("connect", calls[1].error)
    assert.is_nil(calls[1].status)
    assert.are.equal("http://127.0.0.1:1/apps/" .. srv.app_id .. "/segments", calls[1].url)
    assert.is_true(calls[1].retry)
    assert.is_false(calls[2].retry)
  end)

  it("sees attempts of non-blocking calls and of clients made with :with", function()
    local client, calls = recording_client()
    fault("get_segments", { { status = 503 } })
    local done
    client:get_segments_async(nil, function(body) done = body end)
    assert.is_true(client:run(10))
    assert.is_table(done)
    assert.are.equal(2, #calls)
    assert.are.equal("get_segments", calls[2].operation)

    fault("view_templates", { { status = 503 } })
    local _, err = client:with({ max_retries = 0 }):view_templates(nil)
    assert.are.equal(1, err.attempts)
    assert.are.equal(3, #calls)
    assert.are.equal("view_templates", calls[3].operation)
    assert.is_false(calls[3].retry)
  end)

  it("cannot break a call by failing", function()
    -- (counted: a hook that never ran would leave nothing here to prove)
    local raised = 0
    local client = recording_client({ on_attempt = function()
      raised = raised + 1
      error("hook exploded")
    end })
    local body, res = client:get_segments(nil)
    assert.is_table(body, tostring(res))
    assert.are.equal(1, raised)
  end)

  -- The hook runs while the engine drives the request: closing there is refused like polling, and the
  -- refusal, an error raised by the hook, is ignored with the rest (README says so). Each names the method
  -- called (run and sleep would reach the engine as its poll) and what works there, at the caller's line.
  it("may start requests but neither drive nor close the client", function()
    local client
    local inner, tried = nil, {}
    client = recording_client({ on_attempt = function()
      if not inner then
        inner = true
        client:get_segments_async(nil, function(body) inner = body end)
        tried.poll = { pcall(function() return client:poll(0) end) }
        tried.run = { pcall(function() return client:run(1) end) }
        tried.sleep = { pcall(function() return client:sleep(0.01) end) }
        tried.close = { pcall(function() return client:close() end) }
      end
    end })
    assert(client:get_segments(nil))
    local drive = " %(it would have to drive the client, which is running the hook%); start requests there"
      .. " %(_async calls, or calls in client:spawn%): the poll, run or call that runs the hook drives them$"
    local expected = {
      poll = drive, run = drive, sleep = drive,
      close = " %(it would have to drive the client, which is running the hook%); close it once the hook has"
        .. " returned %(after the call, or from a callback%)$",
    }
    for how, rest in pairs(expected) do
      assert.is_false(tried[how][1], how)
      assert.matches("^[^\n]*hook_spec%.lua:%d+: onesignal%." .. how .. ": cannot be called from an on_attempt hook"
        .. rest, tried[how][2])
    end
    assert.is_true(client:run(5))
    assert.is_table(inner) -- the request it started was answered: the client stayed open
    assert(client:get_segments(nil))
  end)

  -- A blocking call there cannot wait for its answer (the client is running the hook): refused before it
  -- sends anything, at the caller's line, naming the call and what works there instead (which does).
  it("refuses a blocking call, naming it and what works there, at the caller's line", function()
    local client
    local tried, spawned, async = {}, nil, nil
    client = recording_client({ on_attempt = function(a)
      if a.operation ~= "get_segments" then return end
      tried.method = { pcall(client.view_templates, client, nil) }
      tried.call = { pcall(function() return client:call("view_templates", nil) end) }
      client:view_templates_async(nil, function(body) async = body end)
      client:spawn(function() spawned = client:view_templates(nil) end)
    end })
    assert(client:get_segments(nil))
    local expected = "hook_spec%.lua:%d+: onesignal%.view_templates: cannot be called from an on_attempt hook"
      .. " %(it would have to drive the client, which is running the hook%); use view_templates_async there,"
      .. " or make the call in client:spawn, where it suspends$"
    for how, result in pairs(tried) do
      assert.is_false(result[1], how)
      assert.matches(expected, result[2], 1, how)
    end
    assert.is_true(client:run(5))
    assert.is_table(async)
    assert.is_table(spawned)
    assert.are.equal(2, #srv:recorded("view_templates")) -- the two that work, and only them
  end)

  describe("and keys", function()
    local function echoing_steps(keys)
      local echoed = "Key " .. table.concat(keys, " / Key ")
      return {
        { status = 503, body = '{"errors":["bad key ' .. echoed .. '"]}', headers = { ["X-Echo"] = echoed } },
        { status = 400, body = '{"errors":["still ' .. echoed .. '"]}', headers = { ["X-Echo"] = echoed } },
      }
    end

    it("never shows a key, even when the server echoes it", function()
      local keys = { srv.rest_key, srv.org_key }
      local client, calls = recording_client()
      fault("get_segments", echoing_steps(keys))
      local _, err = client:get_segments(nil)
      assert.are.equal(400, err.status)
      fault("get_apps", echoing_steps(keys))
      local _, org_err = client:get_apps()
      assert.are.equal(400, org_err.status)
      assert.are.equal(4, #calls)
      for _, key in ipairs(keys) do
        assert.is_false(contains(calls, key), "a key reached the hook")
        for _, e in ipairs({ err, org_err }) do
          assert.is_false(contains(e, key), "a key is in the error")
          assert.is_nil(tostring(e):find(key, 1, true))
        end
      end
      -- The echo did arrive: the redaction is what kept the keys out.
      assert.are.equal("Key [REDACTED] / Key [REDACTED]", err.headers["x-echo"])
      assert.are.same({ "still Key [REDACTED] / Key [REDACTED]" }, err.messages)
      assert.are.same({ errors = { "still Key [REDACTED] / Key [REDACTED]" } }, err.body)
    end)

    it("keeps a key out of the error when one is passed as data in the path", function()
      local client = recording_client()
      local _, err = client:get_user(nil, "external_id", srv.rest_key)
      assert.are.equal(404, err.status)
      assert.is_false(contains(err, srv.rest_key))
      assert.are.equal("/apps/" .. srv.app_id .. "/users/by/external_id/[REDACTED]", err.path)
    end)

    -- A key passed as data ends up in the URL; the hook's url goes through the session's redaction.
    it("keeps a key out of the hook when one is passed as data in the path", function()
      local client, calls = recording_client()
      client:get_user(nil, "external_id", srv.rest_key)
      assert.are.equal(1, #calls)
      assert.is_false(contains(calls, srv.rest_key))
    end)

    it("never shows distinctive canary keys the server refuses", function()
      local canary_rest = "CANARY-REST-7f3a9c2e51d84b06a1e2"
      local canary_org = "CANARY-ORG-0b9d8e7c6a5f4e3d2c1b"
      local client, calls = recording_client({ rest_api_key = canary_rest, organization_api_key = canary_org,
        max_retries = 1 })
      fault("create_notification", echoing_steps({ canary_rest, canary_org }))
      local _, sent_err = client:create_notification({ contents = { en = "x" }, included_segments = { "All" } })
      local _, seg_err = client:get_segments(nil)
      local _, app_err = client:get_apps()
      assert.are.equal(400, sent_err.status)
      assert.are.equal(403, seg_err.status)
      assert.are.equal(403, app_err.status)
      assert.are.equal(4, #calls)
      -- The server really got the canaries: the keys were sent, only never shown.
      local authorizations = {}
      for _, r in ipairs(srv:requests()) do authorizations[#authorizations + 1] = r.headers.authorization end
      assert.is_true(contains(authorizations, canary_rest))
      assert.is_true(contains(authorizations, canary_org))
      for _, canary in ipairs({ canary_rest, canary_org, "CANARY" }) do
        assert.is_false(contains(calls, canary), "a canary reached the hook")
        for _, e in ipairs({ sent_err, seg_err, app_err }) do
          assert.is_false(contains(e, canary), "a canary is in the error")
          assert.is_nil(tostring(e):find(canary, 1, true))
        end
      end
    end)
  end)
end)
