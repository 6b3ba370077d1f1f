-- `onesignal.new{ dry_run = true }`: calls return the request they would send, which is the request a
-- real client does send (checked against what the test server records), and nothing reaches the server.
local onesignal = require("onesignal")
local server = require("support.server")
local core = require("onesignal.core")

describe("a dry-run client", function()
  local srv, live, dry

  local function options(extra)
    local o = { base_url = srv.url, rest_api_key = srv.rest_key, organization_api_key = srv.org_key,
      app_id = srv.app_id, max_retries = 0 }
    for k, v in pairs(extra or {}) do o[k] = v end
    return o
  end

  setup(function()
    srv = server.start({})
    live = onesignal.new(options())
    dry = onesignal.new(options({ dry_run = true }))
  end)

  teardown(function()
    live:close()
    srv:stop()
  end)

  before_each(function() srv:reset() end)

  it("returns the description and a response marked dry_run, sending nothing", function()
    local description, response = dry:create_notification({ contents = { en = "Hi" },
      included_segments = { "All" }, idempotency_key = "4f2a9a52-1d8e-4b8e-9a51-2b1c3d4e5f60" })
    assert.is_true(description.dry_run)
    assert.are.equal("create_notification", description.operation)
    assert.are.equal("POST", description.method)
    assert.are.equal(srv.url .. "/notifications", description.url)
    assert.are.equal("rest", description.credential)
    assert.are.equal("4f2a9a52-1d8e-4b8e-9a51-2b1c3d4e5f60", description.idempotency_key)
    assert.matches('"app_id":"' .. srv.app_id:gsub("%-", "%%-") .. '"', description.body)
    assert.are.same({ status = 0, attempts = 0, dry_run = true }, response)
    assert.are.equal(0, #srv:requests())
  end)

  -- Every header the description lists arrives with that value, except the key, which it hides, and in
  -- the order listed ("in sending order"; Accept-Encoding, which depends on the transport, left out).
  local function same_as_sent(description, recorded)
    assert.are.equal(description.method, recorded.method)
    assert.are.equal(description.url, srv.url .. recorded.path .. (recorded.query ~= "" and ("?" .. recorded.query)
      or ""))
    local listed = {}
    for _, line in ipairs(description.headers) do
      local name, value = line:match("^([^:]+): (.*)$")
      listed[#listed + 1] = name:lower()
      if name == "Authorization" then
        assert.are.equal("Key [REDACTED]", value)
        assert.matches("^Key ", recorded.headers.authorization)
      else
        assert.are.equal(recorded.headers[name:lower()], value, name)
      end
    end
    local sent = {}
    for _, name in ipairs(recorded.header_order) do
      if name ~= "accept-encoding" then sent[#sent + 1] = name end
    end
    assert.are.same(sent, listed)
    assert.are.equal(description.body or "", recorded.body or "")
  end

  it("describes exactly what a real client sends: method, URL, headers and body", function()
    local notification = { contents = { en = "Hi" }, included_segments = { "All" },
      idempotency_key = "4f2a9a52-1d8e-4b8e-9a51-2b1c3d4e5f60", data = { empty = onesignal.array() } }
    same_as_sent(dry:create_notification(notification), (function()
      assert(live:create_notification(notification))
      return srv:requests()[1]
    end)())

    srv:clear()
    local described = dry:list_audit_logs(srv.org_id, { start_time = "2026-01-01T00:00:00Z", app_ids = { "a", "b c" } })
    assert(live:list_audit_logs(srv.org_id, { start_time = "2026-01-01T00:00:00Z", app_ids = { "a", "b c" } }))
    same_as_sent(described, srv:requests()[1])
    assert.is_nil(described.body)
    assert.are.equal("organization", described.credential)
  end)

  -- A POST, PUT or PATCH without a body (export_events, rotate_api_key, create_segment with its optional
  -- body left out) goes out with "Content-Length: 0", which every transport sends so that servers and
  -- proxies answer no 411; the description left that line out although it says it lists Content-Length.
  it("lists Content-Length: 0 for a POST without a body, as it is sent", function()
    for _, call in ipairs({
      { "export_events", "n-1", nil }, { "create_segment", nil }, { "rotate_api_key", nil, "t-1" },
    }) do
      srv:clear()
      local description = dry[call[1]](dry, table.unpack(call, 2, 3))
      live[call[1]](live, table.unpack(call, 2, 3))
      local recorded = srv:requests()[1]
      assert.are.equal("0", recorded.headers["content-length"], call[1])
      local listed = {}
      for _, line in ipairs(description.headers) do
        local name, value = line:match("^([^:]+): (.*)$")
        listed[name:lower()] = value
      end
      assert.are.equal("0", listed["content-length"], call[1])
      assert.is_nil(listed["content-type"], call[1])
      same_as_sent(description, recorded)
    end
  end)

  -- libcurl leaves the port out of Host when it is the scheme's own, however the base URL writes it; the
  -- description showed the URL's authority as written. Sent through the test server as an HTTP proxy, so
  -- that a base URL on port 80 reaches it.
  it("lists the Host header libcurl sends when the base URL names the scheme's own port", function()
    for _, base_url in ipairs({ "http://127.0.0.1:80", "http://127.0.0.1:0080/" }) do
      local extra = { base_url = base_url, proxy = srv.url }
      local proxied = onesignal.new(options(extra))
      extra.dry_run = true
      srv:clear()
      assert(proxied:get_segments(nil))
      proxied:close()
      local description = onesignal.new(options(extra)):get_segments(nil)
      assert.are.equal("Host: 127.0.0.1", description.headers[1], base_url)
      assert.are.equal("127.0.0.1", srv:requests()[1].headers.host, base_url)
    end
  end)

  it("never shows a key", function()
    for _, description in ipairs({
      (dry:get_apps()), (dry:get_user(nil, "external_id", "u-1")),
      (dry:create_user(nil, { identity = { external_id = "u" } })),
    }) do
      local text = table.concat(description.headers, "\n") .. (description.body or "") .. description.url
      assert.is_nil(text:find(srv.rest_key, 1, true))
      assert.is_nil(text:find(srv.org_key, 1, true))
    end
  end)

  -- As in err.path and the on_attempt url: a key passed by mistake as a value is hidden too.
  it("never shows a key passed as a path, query or body value", function()
    for _, description in ipairs({
      (dry:get_user(nil, "external_id", srv.rest_key)),
      (dry:create_user(nil, { identity = { external_id = srv.rest_key },
        properties = { tags = { k = srv.org_key } } })),
      (dry:list_audit_logs(srv.org_id, { start_time = "2026-01-01T00:00:00Z", app_ids = { srv.rest_key } })),
    }) do
      local text = table.concat(description.headers, "\n") .. (description.body or "") .. description.url
      assert.is_nil(text:find(srv.rest_key, 1, true), text)
      assert.is_nil(text:find(srv.org_key, 1, true), text)
    end
    local description = dry:get_user(nil, "external_id", srv.rest_key)
    assert.are.equal(srv.url .. "/apps/" .. srv.app_id .. "/users/by/external_id/[REDACTED]", description.url)
  end)

  it("lists the settings the call would run with, a client:with override included", function()
    local description = dry:with({ deadline = 5, max_retries = 1 }):get_segments(nil)
    assert.are.same({ timeout = 30, deadline = 5, max_retries = 1, retry_base_delay = 0.5, retry_max_delay = 30 },
      description.settings)
    assert.is_nil(dry:get_segments(nil).settings.deadline)
  end)

  it("refuses the same mistakes as a real client, at the caller's line", function()
    local ok, err = pcall(function() dry:get_user(nil, "external_id") end)
    assert.is_false(ok)
    assert.matches("dry_run_spec%.lua:%d+: onesignal%.get_user: argument 'alias_id' %(#3%) is required", err)
    local no_org = onesignal.new({ base_url = srv.url, rest_api_key = "k", dry_run = true })
    ok, err = pcall(function() no_org:get_apps() end)
    assert.is_false(ok)
    assert.matches("needs an Organization API key", err)
    -- It describes the transport that would send (spec/openresty/requests_spec.lua), which outside nginx
    -- cannot be the cosocket one.
    ok, err = pcall(function() onesignal.new(options({ dry_run = true, transport = "ngx" })) end)
    assert.is_false(ok)
    assert.matches('dry_run_spec%.lua:%d+: onesignal%.new: transport "ngx" needs OpenResty', err)
  end)

  it("hands the description to an async callback at once", function()
    local got
    assert.is_true(dry:get_segments_async(nil, function(description, response)
      got = { description, response }
    end))
    assert.are.equal("GET", got[1].method)
    assert.is_true(got[2].dry_run)
    assert.are.equal(0, dry:pending())
    assert.are.equal(0, #srv:requests())
  end)

  -- Closed, a real client sends nothing and every call fails with reason "closed" (README, Closing); a dry
  -- run went on describing calls, and a send_many pacing its items (rate) described the rest at `rate`
  -- items a second (inside client:spawn, close itself waited them out) instead of failing them at once.
  describe("once closed", function()
    local function notifications(n)
      local list = {}
      for i = 1, n do list[i] = { contents = { en = "n" .. i }, included_segments = { "All" } } end
      return list
    end

    it("fails every call with reason 'closed', as a closed client does, sending nothing", function()
      local closing = onesignal.new(options({ dry_run = true }))
      closing:close()
      for _, c in ipairs({ closing, closing:with({ deadline = 5 }) }) do
        local body, err = c:create_notification(notifications(1)[1])
        assert.is_nil(body)
        assert.are.equal("closed", err.reason)
        assert.are.equal("network", err.kind)
        assert.is_nil(err.maybe_sent)
        assert.is_true(err.dry_run) -- a dry run's result, as its descriptions and their responses are
        local got
        assert.is_true(c:get_segments_async(nil, function(...) got = { ... } end))
        assert.is_nil(got[1])
        assert.are.equal("closed", got[2].reason)
        assert.is_true(got[2].dry_run)
      end
      -- the same mistakes still raise
      assert.has_error(function() closing:get_user(nil, "external_id") end)
      assert.are.equal(0, closing:pending())
      assert.are.equal(0, #srv:requests())
    end)

    it("with a rate, blocking, fails the rest at once when on_progress closes the client", function()
      local closing = onesignal.new(options({ dry_run = true }))
      local started = core.monotonic()
      local results, summary = closing:send_many(notifications(4), { rate = 2, on_progress = function(done)
        if done == 1 then closing:close() end
      end })
      -- three more tokens at 2 a second would have taken 1.5 s, for items that are never sent
      assert.is_true(core.monotonic() - started < 1, "the rest were paced by the rate")
      assert.is_true(results[1].body.dry_run)
      assert.are.equal(3, summary.failed)
      for i = 2, 4 do
        assert.are.equal("closed", results[i].err.reason)
        assert.is_true(results[i].err.dry_run)
      end
    end)

    it("with a rate, inside client:spawn, ends inside close when closed while waiting for a token", function()
      local closing = onesignal.new(options({ dry_run = true }))
      local results, summary
      closing:spawn(function() results, summary = closing:send_many(notifications(4), { rate = 2 }) end)
      assert.are.equal(1, closing:pending(), "the first item described, the coroutine waits for a token")
      local started = core.monotonic()
      closing:close()
      assert.is_true(core.monotonic() - started < 1, "close waited for the tokens")
      assert.is_table(summary, "send_many still waits for a token after the close")
      assert.is_true(results[1].body.dry_run)
      assert.are.equal(3, summary.failed)
      for i = 2, 4 do assert.are.equal("closed", results[i].err.reason) end
      assert.are.equal(0, closing:pending())
    end)
  end)

  it("lists no Content-Type or Content-Length without a body", function()
    local description = dry:get_segments(nil)
    for _, line in ipairs(description.headers) do
      assert.is_nil(line:match("^Content%-"), line)
    end
  end)
end)
