-- Organization audit logs: newest first, cursor pagination, time range and a few filters. Events
-- exist only through /__control/seed, so their number is exactly what a test asked for.
local json = require("server.json")
local ids = require("server.ids")
local clock = require("server.clock")
local reply = require("server.reply")
local store = require("server.store")
local cursor = require("server.cursor")

local M = {}

local ACTIONS = { "notification.sent", "segment.created", "template.updated", "journey.created",
  "api_key.rotated" }

function M.store(org_id, app_id, i, occurred)
  local action = ACTIONS[(i - 1) % #ACTIONS + 1]
  local event = {
    id = ids.uuid(),
    action = action,
    actor = { id = "00000000-0000-4000-8000-000000000001", email = "admin@example.com", name = "Admin",
      type = "user", metadata = json.object() },
    app_id = app_id,
    context = { country = "US", ip = "127.0.0.1", user_agent = "test-server", metadata = json.object() },
    metadata = json.object(),
    occurred_at = clock.iso(occurred),
    organization_id = org_id,
    targets = json.array({ { id = ids.uuid(), type = action:match("^[^.]+"), name = "target " .. i,
      metadata = json.object() } }),
    version = 1,
    _time = occurred,
    _seq = store.next_seq(),
  }
  return store.audit_logs:add(event.id, event)
end

local function list_arg(args, name)
  local v = args[name]
  if v == nil or v == true then return nil end
  local set = {}
  for _, x in ipairs(type(v) == "table" and v or { v }) do
    for part in tostring(x):gmatch("[^,]+") do set[part] = true end
  end
  return set
end

function M.list_audit_logs(ctx)
  if ctx.params.organization_id ~= ctx.settings.org_id then
    return reply.errors(404, "Organization not found")
  end
  -- out-of-range limits are clamped, as the API documents
  local limit, err = reply.int_arg(ctx.args, "limit", 50, 1, 100)
  if not limit then return reply.errors(400, err) end
  local after
  local c = reply.str_arg(ctx.args, "cursor")
  local start_t, end_t
  if c then
    after = cursor.decode("audit", c)
    if not after then return reply.errors(400, "cursor is not valid") end
  else
    local s = reply.str_arg(ctx.args, "start_time")
    if not s then return reply.errors(400, "start_time is required unless cursor is given") end
    start_t = clock.parse_iso(s)
    if not start_t then return reply.errors(400, "start_time is not an ISO 8601 time") end
    local e = reply.str_arg(ctx.args, "end_time")
    end_t = e and clock.parse_iso(e) or clock.now()
    if not end_t then return reply.errors(400, "end_time is not an ISO 8601 time") end
  end
  local app_ids, actions = list_arg(ctx.args, "app_ids"), list_arg(ctx.args, "actions")
  local items = store.audit_logs:list(function(ev)
    if start_t and (ev._time < start_t or ev._time > end_t) then return false end
    if app_ids and not app_ids[ev.app_id] then return false end
    if actions and not actions[ev.action] then return false end
    return true
  end)
  table.sort(items, function(a, b) return a._seq > b._seq end)
  local page, more = cursor.page(items, limit, after, function(ev, seq) return ev._seq < seq end)
  local out = json.array()
  for i, ev in ipairs(page) do out[i] = reply.public(ev) end
  return 200, { audit_logs = out, has_more = more,
    next_cursor = more and cursor.encode("audit", page[#page]._seq) or json.null }
end

return M
