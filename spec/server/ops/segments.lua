-- Segments: create (201), list with offset/limit, get, update, delete.
local json = require("server.json")
local ids = require("server.ids")
local clock = require("server.clock")
local reply = require("server.reply")
local store = require("server.store")

local M = {}

local function not_found()
  return 404, { success = false, errors = json.array({ "Segment not found" }) }
end

local function name_taken(space, name, except)
  for _, seg in ipairs(space.segments:list()) do
    if seg.name == name and seg ~= except then return true end
  end
  return false
end

-- Stores a segment; also used by /__control/seed.
function M.store(app_id, fields, now)
  now = now or clock.now()
  local seg = {
    id = ids.uuid(),
    app_id = app_id,
    name = fields.name,
    description = fields.description,
    filters = json.copy(fields.filters) or json.array(),
    source = "custom",
    read_only = false,
    is_active = true,
    _created = math.floor(now),
    created_at = clock.iso(now),
    updated_at = clock.iso(now),
  }
  return store.space(app_id).segments:add(seg.id, seg)
end

local function check_fields(body, require_name)
  if body ~= nil and not json.is_object(body) then return nil, "body must be a JSON object" end
  body = body or json.object()
  if require_name or body.name ~= nil then
    if type(body.name) ~= "string" or body.name == "" then return nil, "name is required" end
  end
  if body.filters ~= nil and not json.is_array(body.filters) then return nil, "filters must be an array" end
  return body
end

function M.create_segment(ctx)
  local body, err = check_fields(ctx.body, true)
  if not body then return reply.errors(400, err) end
  local space = store.space(ctx.params.app_id)
  if name_taken(space, body.name) then
    return 409, { success = false, errors = json.array({ "Segment with this name already exists" }) }
  end
  local seg = M.store(ctx.params.app_id, body)
  return 201, { success = true, id = seg.id }
end

local function present(seg)
  return { id = seg.id, name = seg.name, created_at = seg.created_at, updated_at = seg.updated_at,
    app_id = seg.app_id, read_only = seg.read_only, is_active = seg.is_active }
end

function M.get_segments(ctx)
  local limit, err = reply.int_arg(ctx.args, "limit", 300, 1, 300)
  if not limit then return reply.errors(400, err) end
  local offset
  offset, err = reply.int_arg(ctx.args, "offset", 0, 0)
  if not offset then return reply.errors(400, err) end
  local items = store.space(ctx.params.app_id).segments:list()
  local page = reply.page(items, offset, limit)
  for i, seg in ipairs(page) do page[i] = present(seg) end
  -- 201 is what the specification declares for this read
  return 201, { total_count = #items, offset = offset, limit = limit, segments = page }
end

function M.get_segment(ctx)
  local seg = store.space(ctx.params.app_id).segments:get(ctx.params.segment_id)
  if not seg then return not_found() end
  local out = { subscriber_count = 0 }
  local detail = ctx.args["include-segment-detail"]
  if detail == "true" or detail == true or detail == "1" then
    out.payload = { id = seg.id, name = seg.name, description = seg.description or json.null,
      created_at = seg._created, source = seg.source, filters = json.copy(seg.filters) }
  end
  return 200, out
end

function M.update_segment(ctx)
  local space = store.space(ctx.params.app_id)
  local seg = space.segments:get(ctx.params.segment_id)
  if not seg then return not_found() end
  local body, err = check_fields(ctx.body, false)
  if not body then return reply.errors(400, err) end
  if body.name and name_taken(space, body.name, seg) then
    return 409, { success = false, errors = json.array({ "Segment with this name already exists" }) }
  end
  if body.name then seg.name = body.name end
  if body.description ~= nil then seg.description = body.description ~= json.null and body.description or nil end
  if body.filters then seg.filters = json.copy(body.filters) end
  seg.updated_at = clock.iso()
  return 200, { success = true, id = seg.id }
end

function M.delete_segment(ctx)
  if not store.space(ctx.params.app_id).segments:remove(ctx.params.segment_id) then return not_found() end
  return 200, { success = true }
end

return M
