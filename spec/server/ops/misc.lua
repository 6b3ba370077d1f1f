-- The smaller families: live activities, custom events, outcomes, email reputation.
local json = require("server.json")
local ids = require("server.ids")
local reply = require("server.reply")
local store = require("server.store")

local M = {}

local MAX_EVENT_BYTES = 2024        -- per custom event
local MAX_EVENTS_BODY = 1024 * 1024 -- per custom events request

function M.start_live_activity(ctx)
  local body = ctx.body
  if not json.is_object(body) then return reply.errors(400, "body must be a JSON object") end
  if body.event ~= "start" then return reply.errors(400, "event must be \"start\"") end
  if type(body.activity_id) ~= "string" or body.activity_id == "" then
    return reply.errors(400, "activity_id is required")
  end
  local space = store.space(ctx.params.app_id)
  return reply.idempotent(space, "activity", body, function()
    space.activities[body.activity_id] = { type = ctx.params.activity_type, updates = 0, ended = false }
    return 201, { notification_id = ids.uuid() }
  end)
end

function M.update_live_activity(ctx)
  local body = ctx.body
  if not json.is_object(body) then return reply.errors(400, "body must be a JSON object") end
  if body.event ~= "update" and body.event ~= "end" then
    return reply.errors(400, "event must be \"update\" or \"end\"")
  end
  local activity = store.space(ctx.params.app_id).activities[ctx.params.activity_id]
  if activity then
    activity.updates = activity.updates + 1
    if body.event == "end" then activity.ended = true end
  end
  return 200, { id = ids.uuid() }
end

function M.create_custom_events(ctx)
  if #(ctx.raw_body or "") > MAX_EVENTS_BODY then
    return reply.errors(413, "Request body is larger than 1 MB")
  end
  local events = (ctx.body or {}).events
  if not json.is_array(events) or #events == 0 then return reply.errors(400, "events must be a non-empty array") end
  for i, event in ipairs(events) do
    if not json.is_object(event) or type(event.name) ~= "string" or event.name == "" then
      return reply.errors(400, string.format("event %d: name is required", i))
    end
    if event.external_id == nil and event.onesignal_id == nil then
      return reply.errors(400, string.format("event %d: external_id or onesignal_id is required", i))
    end
    if #json.encode(event) > MAX_EVENT_BYTES then
      return reply.errors(400, string.format("event %d is larger than %d bytes", i, MAX_EVENT_BYTES))
    end
  end
  local stored = store.space(ctx.params.app_id).custom_events
  for _, event in ipairs(events) do stored[#stored + 1] = json.copy(event) end
  return 200, json.object()
end

-- outcome_names is "name.aggregation,..." ; outcome_names[] carries names that contain commas.
function M.get_outcomes(ctx)
  local names = {}
  local list = reply.str_arg(ctx.args, "outcome_names")
  if list then
    for name in list:gmatch("[^,]+") do names[#names + 1] = name end
  end
  local extra = ctx.args["outcome_names[]"]
  if type(extra) == "string" then extra = { extra } end
  if type(extra) == "table" then
    for _, name in ipairs(extra) do names[#names + 1] = name end
  end
  if #names == 0 then return reply.errors(400, "outcome_names is required") end
  local outcomes = json.array()
  for _, full in ipairs(names) do
    local id, aggregation = full:match("^(.*)%.(%a+)$")
    if not id or (aggregation ~= "count" and aggregation ~= "sum") then
      return reply.errors(400, "outcome name must end in .count or .sum: " .. full)
    end
    outcomes[#outcomes + 1] = { id = id, value = 0, aggregation = aggregation }
  end
  return 200, { outcomes = outcomes }
end

-- Not in the 5.12.0 specification; a plausible shape with zero counts.
function M.get_email_reputation(ctx)
  return 200, { app_id = ctx.params.app_id, delivered = 0, bounced = 0, complained = 0,
    unsubscribed = 0, bounce_rate = 0, complaint_rate = 0 }
end

return M
