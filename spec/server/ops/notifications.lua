-- Notifications: create (with idempotency and the "Empty Segment" convention), get, list, cancel,
-- history, export of events, recipient estimate.
local json = require("server.json")
local ids = require("server.ids")
local clock = require("server.clock")
local reply = require("server.reply")
local store = require("server.store")
local stats = require("server.stats")
local files = require("server.files")

local M = {}

-- Fields that say who receives a notification; at least one must be present and non-empty.
local TARGETING = {
  "included_segments", "include_aliases", "include_subscription_ids", "filters", "email_to",
  "include_email_tokens", "include_phone_numbers", "include_ios_tokens", "include_wp_wns_uris",
  "include_amazon_reg_ids", "include_chrome_reg_ids", "include_chrome_web_reg_ids",
  "include_android_reg_ids", "include_player_ids", "include_external_user_ids",
  "include_unsubscribed",
}

-- The test convention for "nobody would receive this": the API answers 200 with an empty id.
local EMPTY_SEGMENT = "Empty Segment"

local function non_empty(v)
  if type(v) == "table" then return next(v) ~= nil end
  if type(v) == "string" then return v ~= "" end
  return v == true
end

local function has_targeting(body)
  for _, field in ipairs(TARGETING) do
    if non_empty(body[field]) then return true end
  end
  return false
end

local function targets_empty_segment(body)
  if type(body.included_segments) ~= "table" then return false end
  for _, s in ipairs(body.included_segments) do
    if s == EMPTY_SEGMENT then return true end
  end
  return false
end

-- Stores a notification built from a create body; also used by /__control/seed.
function M.store(app_id, body, kind, queued_at)
  local space = store.space(app_id)
  local now = queued_at or clock.now()
  local n = json.copy(body)
  n.id = ids.uuid()
  n.app_id = app_id
  n.queued_at = math.floor(now)
  n.send_after = math.floor(now)
  n.completed_at = math.floor(now)
  n.successful, n.failed, n.errored, n.converted, n.received, n.remaining = 0, 0, 0, 0, 0, 0
  n.canceled = false
  n.platform_delivery_stats = json.object()
  n._kind = kind or 1
  n._seq = store.next_seq()
  space.notifications:add(n.id, n)
  return n
end

local function app_id_arg(ctx)
  return reply.str_arg(ctx.args, "app_id")
end

local function find(ctx)
  local app_id = app_id_arg(ctx)
  if not app_id then return nil, reply.errors(400, "app_id is required") end
  local n = store.space(app_id).notifications:get(ctx.params.notification_id)
  if not n then return nil, reply.errors(404, ctx.messages.NOTIFICATION_NOT_FOUND) end
  return n
end

function M.create_notification(ctx)
  local body = ctx.body or json.object()
  local app_id = body.app_id
  if type(app_id) ~= "string" or app_id == "" then return reply.errors(400, "app_id is required") end
  return reply.idempotent(store.space(app_id), "notification", body, function()
    if not has_targeting(body) then return reply.errors(400, ctx.messages.NO_TARGETING_SPECIFIED) end
    if targets_empty_segment(body) then
      return 200, { id = "", errors = json.array({ ctx.messages.NO_SUBSCRIBERS }) }
    end
    local n = M.store(app_id, body, 1)
    stats.notification_created()
    local external_id = body.external_id
    if external_id == nil then external_id = json.null end
    return 200, { id = n.id, external_id = external_id }
  end)
end

local function present(n)
  return reply.public(n)
end

-- Opaque cursor of time_offset pagination: base64 of the last item's position.
local function encode_cursor(n)
  return ngx.encode_base64(string.format("t:%d:%d", n.send_after, n._seq))
end

local function decode_time_offset(s)
  local raw = ngx.decode_base64(s)
  local t, seq = (raw or ""):match("^t:(%-?%d+):(%d+)$")
  if t then return tonumber(t), tonumber(seq) end
  local iso = require("server.clock").parse_iso(s)
  if iso then return iso, -1 end
  return nil
end

function M.get_notifications(ctx)
  local app_id = app_id_arg(ctx)
  if not app_id then return reply.errors(400, "app_id is required") end
  local limit, err = reply.int_arg(ctx.args, "limit", 50, 1, 50)
  if not limit then return reply.errors(400, err) end
  local offset
  offset, err = reply.int_arg(ctx.args, "offset", 0, 0)
  if not offset then return reply.errors(400, err) end
  local kind
  kind, err = reply.int_arg(ctx.args, "kind", nil)
  if err then return reply.errors(400, err) end
  local items = store.space(app_id).notifications:list(function(n) return kind == nil or n._kind == kind end)

  local time_offset = reply.str_arg(ctx.args, "time_offset")
  if time_offset then
    local after_t, after_seq = decode_time_offset(time_offset)
    if not after_t then return reply.errors(400, "time_offset is not a valid time or cursor") end
    -- cursor pulls run oldest first, starting after the cursor's position
    table.sort(items, function(a, b)
      if a.send_after ~= b.send_after then return a.send_after < b.send_after end
      return a._seq < b._seq
    end)
    local page = json.array()
    for _, n in ipairs(items) do
      local after = n.send_after > after_t or (n.send_after == after_t and n._seq > after_seq)
      if after and #page < limit then page[#page + 1] = n end
    end
    local last = page[#page]
    for i, n in ipairs(page) do page[i] = present(n) end
    return 200, { total_count = #items, limit = limit, time_offset = time_offset,
      next_time_offset = last and encode_cursor(last) or time_offset, notifications = page }
  end

  -- newest first, as the API sorts by queued_at descending
  table.sort(items, function(a, b) return a._seq > b._seq end)
  local page = reply.page(items, offset, limit)
  for i, n in ipairs(page) do page[i] = present(n) end
  return 200, { total_count = #items, offset = offset, limit = limit, notifications = page }
end

function M.get_notification(ctx)
  local n, status, body = find(ctx)
  if not n then return status, body end
  return 200, present(n)
end

function M.cancel_notification(ctx)
  local n, status, body = find(ctx)
  if not n then return status, body end
  n.canceled = true
  return 200, { success = true }
end

function M.get_notification_history(ctx)
  local body = ctx.body or json.object()
  local app_id = body.app_id
  if type(app_id) ~= "string" or app_id == "" then return reply.errors(400, "app_id is required") end
  if body.events ~= "sent" and body.events ~= "clicked" then
    return reply.errors(400, "events must be \"sent\" or \"clicked\"")
  end
  if not store.space(app_id).notifications:get(ctx.params.notification_id) then
    return reply.errors(404, ctx.messages.NOTIFICATION_NOT_FOUND)
  end
  return 200, { success = true, destination_url = files.create(ctx, "history", app_id) }
end

function M.export_events(ctx)
  local n, status, body = find(ctx)
  if not n then return status, body end
  return 200, { csv_file_url = files.create(ctx, "events", n.app_id) }
end

function M.estimate_notification_recipients(ctx)
  local body = ctx.body or json.object()
  if not non_empty(body.included_segments) then
    return reply.errors(400, "included_segments is required")
  end
  local count = 0
  if not targets_empty_segment(body) then
    local app_id = type(body.app_id) == "string" and body.app_id or ctx.settings.app_id
    for _, sub in pairs(store.space(app_id).subscriptions) do
      if sub.enabled ~= false then count = count + 1 end
    end
  end
  return 200, { count = count, uncapped_count = json.null, cap_applied = false,
    mobile_suppressed = false, mobile_excluded_count = 0 }
end

return M
