-- Every operation of api/operations.tsv, called through the client against the recording test server:
-- the request that arrives has the method, path, query, credential and body the table and the call say.
local onesignal = require("onesignal")
local server = require("support.server")
local shared = require("support.shared")
local samples = require("support.samples")
local cjson = require("cjson")

-- Percent-encoding written independently of the SDK's: every byte but A-Z a-z 0-9 - . _ ~.
local function pct(s)
  return (tostring(s):gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local function scalar(v)
  if type(v) == "number" and v == math.floor(v) then return string.format("%d", v) end
  return tostring(v)
end

describe("every operation", function()
  local srv, client
  local rows = shared.operations()
  local ctx

  setup(function()
    srv = server.start({})
    ctx = { app_id = srv.app_id, org_id = srv.org_id }
    client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key,
      organization_api_key = srv.org_key, app_id = srv.app_id, max_retries = 0 })
  end)

  teardown(function()
    client:close()
    srv:stop()
  end)

  for _, row in ipairs(rows) do
    it(row.name .. " sends " .. row.method .. " " .. row.path .. " with the " .. row.credential .. " key", function()
      local sample = samples.all(ctx)[row.name]
      assert.is_table(sample, "no sample for " .. row.name)
      srv:clear()
      local body, res = samples.call(client, row.name, sample)

      local recorded = srv:requests()
      assert.are.equal(1, #recorded)
      local got = recorded[1]
      assert.are.equal(row.name, got.operation)
      assert.are.equal(row.method, got.method)

      -- The values the call meant, by parameter name (a nil app_id means the client's default).
      local values, position = {}, 0
      for _, p in ipairs(row.params) do
        if not (p.optional and p.where == "query") then
          position = position + 1
          local v = sample.args[position]
          if v == nil and p.name == "app_id" then v = srv.app_id end
          values[p.name] = v
        elseif sample.options then
          values[p.name] = sample.options[p.name]
        end
      end

      local path = row.path:gsub("{([^}]+)}", function(name) return pct(scalar(values[name])) end)
      assert.are.equal(path, got.path)

      local expected_args = {}
      for _, p in ipairs(row.params) do
        local v = values[p.name]
        if p.where == "query" and v ~= nil then
          if type(v) == "table" then
            local list = {}
            for i, item in ipairs(v) do list[i] = scalar(item) end
            expected_args[p.name] = #list == 1 and list[1] or list
          else
            expected_args[p.name] = scalar(v)
          end
        end
      end
      assert.are.same(expected_args, got.args)

      local key = row.credential == "organization" and srv.org_key or srv.rest_key
      local other = row.credential == "organization" and srv.rest_key or srv.org_key
      assert.are.equal("Key " .. key, got.headers["authorization"])
      for name, value in pairs(got.headers) do
        assert.is_nil(tostring(value):find(other, 1, true), "the other key leaked into " .. name)
      end
      assert.are.equal("application/json", got.headers["accept"])
      assert.matches("^onesignal%-lua/" .. onesignal._VERSION:gsub("%.", "%%."), got.headers["user-agent"])
      assert.are.equal("kind=sdk, sdk-name=onesignal-lua, version=" .. onesignal._VERSION,
        got.headers["os-usage-data"])

      local sent_body = values[(function()
        for _, p in ipairs(row.params) do if p.where == "body" then return p.name end end
      end)() or ""]
      if sent_body then
        assert.are.equal("application/json", got.headers["content-type"])
        local decoded = cjson.decode(got.body)
        local expected = {}
        for k, v in pairs(sent_body) do expected[k] = v end
        if row.name == "create_notification" or row.name == "create_template" or
           row.name == "get_notification_history" or row.name == "estimate_notification_recipients" then
          expected.app_id = expected.app_id or srv.app_id
        end
        if row.name == "create_notification" or row.name == "start_live_activity" then
          assert.matches("^%x+%-%x+%-4%x+%-[89ab]%x+%-%x+$", decoded.idempotency_key)
          expected.idempotency_key = decoded.idempotency_key
          assert.is_nil(sent_body.idempotency_key, "the caller's table was changed")
        end
        assert.are.same(expected, decoded)
      else
        assert.is_nil(got.headers["content-type"])
        assert.are.equal("", got.body or "")
      end

      -- The server knew the route and accepted the key: whatever it answered, it was not 403 or a
      -- route-level 404.
      if body == nil then
        assert.are_not.equal(403, res.status, tostring(res))
        assert.is_not_nil(res.status, tostring(res))
      end
    end)
  end
end)

-- Rules between the query options of one operation, as OneSignal's spec words them: refused before sending.
describe("query options that exclude each other", function()
  local srv, client

  server.with_client(function(new_srv, new_client) srv, client = new_srv, new_client end)

  -- "When [time_offset is] set, … the standard `offset` parameter cannot be used": both were sent, and a
  -- walk by time_offset sent the offset again with every page.
  it("get_notifications refuses offset with time_offset, naming both, and sends nothing", function()
    local since = "2025-01-01T00:00:00.000Z"
    for _, call in ipairs({
      function() return client:get_notifications(nil, { time_offset = since, offset = 0 }) end,
      function() return client:each_notification(nil, { time_offset = since, offset = 5 }) end,
    }) do
      local ok, err = pcall(call)
      assert.is_false(ok)
      assert.matches("operations_spec%.lua:%d+: onesignal%.get_notifications: query option 'offset' cannot be used"
        .. " with 'time_offset'", err)
    end
    assert.are.equal(0, #srv:requests())
    assert(client:get_notifications(nil, { time_offset = since, limit = 5 }))
    assert(client:get_notifications(nil, { offset = 5, limit = 5 }))
  end)
end)
