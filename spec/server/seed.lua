-- POST /__control/seed: creates n items of one kind so pagination can be tested across pages.
local json = require("server.json")
local clock = require("server.clock")
local store = require("server.store")

local seed = {}

local MAX = 10000

local makers = {
  notifications = function(app_id, i, attrs, t)
    local body = json.object({ app_id = app_id, included_segments = json.array({ "Subscribed Users" }),
      contents = { en = "Seeded notification " .. i }, name = "Seeded notification " .. i })
    local kind = attrs.kind or 1
    for k, v in pairs(attrs) do if k ~= "kind" then body[k] = json.copy(v) end end
    return require("server.ops.notifications").store(app_id, body, kind, t).id
  end,
  templates = function(app_id, i, attrs, t)
    local body = json.object({ name = "Seeded template " .. i, contents = { en = "Template " .. i } })
    for k, v in pairs(attrs) do body[k] = json.copy(v) end
    return require("server.ops.templates").store(app_id, body, t).id
  end,
  segments = function(app_id, i, attrs, t)
    local body = json.object({ name = string.format("Seeded segment %d-%d", store.seq, i),
      filters = json.array({ { field = "session_count", relation = ">", value = tostring(i) } }) })
    for k, v in pairs(attrs) do body[k] = json.copy(v) end
    return require("server.ops.segments").store(app_id, body, t).id
  end,
  journeys = function(app_id, i, attrs, t)
    local body = json.object({ name = "Seeded journey " .. i, audience = { kind = "segment" } })
    for k, v in pairs(attrs) do body[k] = json.copy(v) end
    return require("server.ops.journeys").store(app_id, body, t).id
  end,
  audit_logs = function(app_id, i, _, t, settings)
    return require("server.ops.audit_logs").store(settings.org_id, app_id, i, t).id
  end,
}

function seed.run(settings, body)
  if not json.is_object(body) then return nil, "body must be an object" end
  local make = makers[body.kind]
  if not make then return nil, "kind must be one of notifications, templates, segments, journeys, audit_logs" end
  local count = body.count
  if type(count) ~= "number" or count < 0 or count > MAX or count % 1 ~= 0 then
    return nil, "count must be an integer between 0 and " .. MAX
  end
  local app_id = body.app_id or settings.app_id
  if type(app_id) ~= "string" then return nil, "app_id must be a string" end
  local attrs = body.attributes or json.object()
  if not json.is_object(attrs) then return nil, "attributes must be an object" end
  local now = clock.now()
  local out = json.array()
  for i = 1, count do
    -- one second apart, oldest first, so time-ordered listings are unambiguous
    out[i] = make(app_id, i, attrs, now - (count - i), settings)
  end
  return { kind = body.kind, count = count, app_id = app_id, ids = out }
end

return seed
