-- What the randomized sweep (bad_input_sweep_spec.lua) found, each pinned as a plain case.
local onesignal = require("onesignal")

local REST_KEY = "rk-findings-2b7e151628aed2"

-- A table whose __index answers every key with `value`: a loop that trusts it fails here rather than hang.
local function endless(value)
  local reads = 0
  return setmetatable({}, { __index = function()
    reads = reads + 1
    if reads > 10000 then error("walked for ever", 2) end
    return value
  end })
end
local ORG_KEY = "ok-findings-a6d2ae2816157e"

describe("usage errors never show a client's key", function()
  -- Run against a closed port: every case must fail before anything is sent.
  local function new(dry_run)
    return onesignal.new({ rest_api_key = REST_KEY, organization_api_key = ORG_KEY, app_id = "app-1",
      base_url = "http://127.0.0.1:9", dry_run = dry_run, max_retries = 0 })
  end

  local function message(fn)
    local ok, err = pcall(fn)
    assert.is_false(ok, "expected an error")
    assert.is_string(err)
    assert.is_nil(err:find(REST_KEY, 1, true), err)
    assert.is_nil(err:find(ORG_KEY, 1, true), err)
    return err
  end

  for _, dry_run in ipairs({ false, true }) do
    local kind = dry_run and " (dry run)" or ""

    it("quoted as an unknown query option" .. kind, function()
      local client = new(dry_run)
      local err = message(function() client:get_segments(nil, { [REST_KEY] = 1 }) end)
      assert.matches("onesignal.get_segments: unknown query option '[REDACTED]'", err, 1, true)
      err = message(function() client:list_audit_logs("org-1", { ["x" .. ORG_KEY] = 1 }) end)
      assert.matches("unknown query option 'x[REDACTED]'", err, 1, true)
    end)

    it("quoted in the path to a bad body field" .. kind, function()
      local client = new(dry_run)
      local err = message(function() client:update_user(nil, "external_id", "u-1", { [REST_KEY] = 0 / 0 }) end)
      assert.matches("onesignal.update_user: argument 'update_user_request': field [REDACTED] is NaN", err, 1, true)
      err = message(function()
        client:create_notification({ contents = { en = "x" }, data = { [ORG_KEY] = print } })
      end)
      assert.matches("field data.[REDACTED] is a function", err, 1, true)
      -- a key too long to show whole is shown by its length, never in part: the key is taken out only whole
      err = message(function()
        client:create_notification({ contents = { en = "x" }, data = { [("p"):rep(50) .. REST_KEY] = print } })
      end)
      assert.matches("field data.<a key of " .. 50 + #REST_KEY .. " bytes> is a function", err, 1, true)
      assert.is_nil(err:find(REST_KEY:sub(1, 10), 1, true), err)
    end)

    it("quoted by send_many" .. kind, function()
      local client = new(dry_run)
      local err = message(function()
        client:send_many({ { contents = { en = "x" }, data = { [REST_KEY] = math.huge } } })
      end)
      assert.matches("notification #1: onesignal.create_notification: argument 'notification': field"
        .. " data.[REDACTED] is infinite", err, 1, true)
    end)
  end

  it("and the library's own words stay whole, however short a key", function()
    local client = onesignal.new({ rest_api_key = "k", app_id = "a", dry_run = true })
    local ok, err = pcall(function() client:get_apps() end)
    assert.is_false(ok)
    assert.matches("needs an Organization API key (organization_api_key", err, 1, true)
    ok, err = pcall(function() client:create_notification({ idempotency_key = "" }) end)
    assert.is_false(ok)
    assert.matches("field idempotency_key must be a non-empty string", err, 1, true)
  end)

  it("quoted by each_page", function()
    local client = new(false)
    local err = message(function()
      for _ in client:each_page("get_segments", nil, { [REST_KEY] = 1 }) do end
    end)
    assert.matches("unknown query option '[REDACTED]'", err, 1, true)
  end)
end)

describe("a body is read raw, as the JSON writer reads it", function()
  local client = onesignal.new({ rest_api_key = REST_KEY, app_id = "app-1", dry_run = true })
  local json = require("onesignal.json")

  -- Fields only a metatable's __index supplies are not written, so they cannot stand in for the ones the SDK
  -- adds: the body went out as {} (no app_id) and the request claimed the key "k-index" it did not carry.
  local function with_defaults(t)
    return setmetatable(t, { __index = { app_id = "app-index", idempotency_key = "k-index", external_id = "e" } })
  end

  it("so a field given only through __index is no app_id or idempotency key", function()
    local description = client:create_notification(with_defaults({ contents = { en = "x" } }))
    local body = json.decode(description.body)
    assert.are.equal("app-1", body.app_id)
    assert.are.equal(description.idempotency_key, body.idempotency_key)
    assert.are_not.equal("k-index", description.idempotency_key)
    assert.are.equal("app-1", json.decode(client:create_template(with_defaults({ name = "t" })).body).app_id)
  end)

  it("so create_custom_events is keyed only by keys its events carry", function()
    local keyed = setmetatable({ name = "e" }, { __index = { idempotency_key = "k-index" } })
    local description = client:create_custom_events(nil, { events = { keyed } })
    assert.is_nil(description.idempotency_key)
    assert.is_nil(json.decode(description.body).events[1].idempotency_key)
  end)

  it("so a list whose __index answers every index ends (create_custom_events)", function()
    local description = client:create_custom_events(nil, { events = endless({ name = "e", idempotency_key = "k" }) })
    assert.are.equal('{"events":[]}', description.body)
    assert.is_nil(description.idempotency_key)
  end)
end)

describe("a list query option", function()
  local client = onesignal.new({ organization_api_key = ORG_KEY, dry_run = true })

  it("whose __index answers every index is refused, not walked for ever", function()
    local ok, err = pcall(function() client:list_audit_logs("org-1", { actions = endless("x") }) end)
    assert.is_false(ok)
    assert.matches("onesignal.list_audit_logs: argument 'actions' must be a scalar or an array of scalars"
      .. " without holes", err, 1, true)
  end)

  it("is sent item by item, and one with a hole is still refused", function()
    local description = client:list_audit_logs("org-1", { actions = { "a", "b" } })
    assert.matches("?actions=a&actions=b$", description.url)
    local ok, err = pcall(function() client:list_audit_logs("org-1", { actions = { "a", nil, "c" } }) end)
    assert.is_false(ok)
    assert.matches("bad_input_findings_spec%.lua:%d+: onesignal%.list_audit_logs: argument 'actions' must be a"
      .. " scalar or an array of scalars without holes$", err)
    assert.are.equal("https://api.onesignal.com/organizations/org-1/audit_logs",
      client:list_audit_logs("org-1", { actions = {} }).url)
  end)
end)
