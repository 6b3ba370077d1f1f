-- Request bodies of 64 KiB or more, which the SDK keeps in C memory up to libcurl instead of a Lua string
-- (json.encode_body, docs/design.md `req`'s `body`): what goes out, what a dry run shows, the size limit and
-- send_many are the same as for a string. Against the test server; Lua 5.4 in `make specs`, and it runs
-- as it is under LuaJIT (`luajit /usr/bin/busted spec/integration/large_body_spec.lua`, with LuaJIT's core).
local onesignal = require("onesignal")
local server = require("support.server")
local json = require("onesignal.json")
local cjson = require("cjson")

local IDS = 20000 -- ~250 KB of JSON

local function audience(n, tag)
  local ids = {}
  for i = 1, n do ids[i] = (tag or "user-") .. i end
  return { contents = { en = "Hi" }, include_aliases = { external_id = ids }, target_channel = "push" }
end

local function sent_notifications(srv)
  local out = {}
  for _, r in ipairs(srv:requests()) do
    if r.operation == "create_notification" then out[#out + 1] = r end
  end
  return out
end

describe("a request body of 64 KiB or more", function()
  local srv, client, dry

  setup(function()
    srv = server.start({})
    local options = { base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id, max_retries = 0 }
    client = onesignal.new(options)
    options.dry_run = true
    dry = onesignal.new(options)
  end)

  teardown(function()
    client:close()
    srv:stop()
  end)

  before_each(function() srv:reset() end)

  it("is encoded as a large text, not a string, and shorter ones as strings", function()
    local t = json.encode_body(audience(IDS), "where")
    assert.same("userdata", type(t))
    assert.same(json.encode(audience(IDS), "where"), tostring(t))
    json.release(t)
    assert.same("string", type(json.encode_body(audience(10), "where")))
  end)

  it("goes out whole, blocking, and the same call again with a key of its own", function()
    local n = audience(IDS)
    for round = 1, 2 do
      local body, res = client:create_notification(n)
      assert.is_table(body, tostring(res))
      assert.is_string(body.id)
      local sent = sent_notifications(srv)
      assert.same(round, #sent)
      local decoded = cjson.decode(sent[round].body)
      assert.same(IDS, #decoded.include_aliases.external_id)
      assert.same("user-" .. IDS, decoded.include_aliases.external_id[IDS])
      assert.same(srv.app_id, decoded.app_id)
      assert.same(res.idempotency_key, decoded.idempotency_key)
    end
    local sent = sent_notifications(srv)
    assert.are_not.equal(cjson.decode(sent[1].body).idempotency_key, cjson.decode(sent[2].body).idempotency_key)
    assert.is_nil(client.spare[1].body) -- an idle client keeps no body
  end)

  it("goes out whole from an _async call", function()
    local got
    client:create_notification_async(audience(IDS), function(body, res) got = { body, res } end)
    while not got do client:poll(0.05) end
    assert.is_table(got[1], tostring(got[2]))
    assert.same(IDS, #cjson.decode(sent_notifications(srv)[1].body).include_aliases.external_id)
  end)

  -- The collector does not see the block's size, so a call frees its large text as it ends (json.release),
  -- blocking or _async. The transport's own request and submit are watched, not replaced: the body goes out.
  it("is freed as its call ends, blocking and _async", function()
    local transport, seen = client.transport, {}
    transport.request = function(self, req)
      seen[#seen + 1] = req.body
      return getmetatable(self).__index.request(self, req)
    end
    transport.submit = function(self, req, callback)
      seen[#seen + 1] = req.body
      return getmetatable(self).__index.submit(self, req, callback)
    end
    local ok, err = pcall(function()
      assert.is_table((client:create_notification(audience(IDS))))
      local got
      client:create_notification_async(audience(IDS), function(body) got = body end)
      while not got do client:poll(0.05) end
      assert.is_table(got)
    end)
    transport.request, transport.submit = nil, nil
    assert(ok, err)
    assert.same(2, #seen)
    for _, text in ipairs(seen) do
      assert.same("userdata", type(text))
      assert.has_error(function() return #text end, "onesignal.json: the text was released")
    end
  end)

  it("shows in a dry run as the text it would send, and nothing is sent", function()
    local n = audience(IDS)
    n.idempotency_key = "dry-key-1" -- so that the body is known: app_id and key given, nothing added
    n.app_id = srv.app_id
    local description, res = dry:create_notification(n)
    assert.is_true(res.dry_run)
    assert.same("string", type(description.body))
    assert.is_true(json.encode(n, "where") == description.body)
    local length
    for _, line in ipairs(description.headers) do length = length or line:match("^Content%-Length: (%d+)$") end
    assert.same(tostring(#description.body), length)

    local async_description
    dry:create_notification_async(n, function(d) async_description = d end)
    assert.is_true(description.body == async_description.body)
    assert.same(0, #sent_notifications(srv))
  end)

  it("is held to the operation's size limit, with the same error", function()
    -- create_custom_events accepts at most 1 MiB of JSON (max_body_bytes); 600 events of ~1.9 KB each
    -- come to ~1.2 MB, every event under its own limit of 2,024 bytes.
    local events = {}
    for i = 1, 600 do
      events[i] = { name = "e" .. i, external_id = "u-" .. i, properties = { pad = ("x"):rep(1900) } }
    end
    local body = { events = events }
    local size = #json.encode(body, "where")
    assert.is_true(size > 1024 * 1024)
    local ok, err = pcall(client.create_custom_events, client, nil, body)
    assert.is_false(ok)
    local expected = "onesignal.create_custom_events: argument 'custom_events_request' is " .. size
      .. " bytes of JSON; the API accepts at most 1048576"
    assert.same(expected, tostring(err):sub(-#expected)) -- after the caller's position
    assert.same(0, #srv:requests())

    -- Under the limit, a large body goes through.
    for i = 301, 600 do events[i] = nil end
    local answer, res = client:create_custom_events(nil, body)
    assert.is_truthy(answer, tostring(res))
    assert.same(1, #srv:requests())
    assert.same(300, #cjson.decode(srv:requests()[1].body).events)
  end)

  it("goes out whole from send_many, every item with its own body, and dry-runs there too", function()
    local list = {}
    for i = 1, 4 do list[i] = audience(5000, "batch" .. i .. "-") end
    local results, summary = client:send_many(list, { concurrency = 2 })
    assert.same(4, summary.succeeded)
    for i = 1, 4 do assert.is_table(results[i].body, tostring(results[i].err)) end
    local seen = {}
    for _, r in ipairs(sent_notifications(srv)) do
      local ids = cjson.decode(r.body).include_aliases.external_id
      assert.same(5000, #ids)
      seen[ids[1]] = true
    end
    for i = 1, 4 do assert.is_true(seen["batch" .. i .. "-1"]) end

    srv:reset()
    results = dry:send_many(list)
    for i = 1, 4 do
      assert.same("string", type(results[i].body.body))
      assert.same("batch" .. i .. "-5000", cjson.decode(results[i].body.body).include_aliases.external_id[5000])
    end
    assert.same(0, #sent_notifications(srv))
  end)
end)
