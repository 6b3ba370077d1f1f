-- Journeys: list with cursor/limit, create (201), view, update, update a node, stats, delete.
local json = require("server.json")
local ids = require("server.ids")
local clock = require("server.clock")
local reply = require("server.reply")
local store = require("server.store")
local cursor = require("server.cursor")

local M = {}

local EDITABLE = { "name", "description", "audience", "early_exit", "reentry_rules", "schedule",
  "concurrency_key" }
local STATES = { draft = true, scheduled = true, active = true, archived = true }

local function not_found(what)
  return reply.errors(404, (what or "Journey") .. " not found")
end

local function assign_node_ids(nodes)
  for _, node in ipairs(nodes) do
    if type(node) == "table" and node.id == nil then node.id = ids.uuid() end
  end
end

local function check(body, require_name)
  if not json.is_object(body) then return nil, "body must be a JSON object" end
  if (require_name or body.name ~= nil) and (type(body.name) ~= "string" or body.name == "") then
    return nil, "name is required"
  end
  if body.nodes ~= nil and not json.is_array(body.nodes) then return nil, "nodes must be an array" end
  if body.state ~= nil and not STATES[body.state] then return nil, "state is not valid" end
  return body
end

local function apply(j, body)
  for _, f in ipairs(EDITABLE) do
    local v = body[f]
    if v == json.null then j[f] = nil elseif v ~= nil then j[f] = json.copy(v) end
  end
  if body.nodes ~= nil then
    j.nodes = json.copy(body.nodes)
    assign_node_ids(j.nodes)
  end
  local now = clock.iso()
  if body.state ~= nil and body.state ~= j.state then
    j.state = body.state
    if j.state == "active" then j.started_at = now end
    if j.state == "archived" then j.archived_at = now end
  end
  j.updated_at = now
end

-- Stores a journey; also used by /__control/seed.
function M.store(app_id, body, now)
  local iso = clock.iso(now)
  local j = { id = ids.uuid(), app_id = app_id, state = "draft", created_at = iso,
    started_at = json.null, archived_at = json.null, created_source = "api", nodes = json.array(),
    _seq = store.next_seq() }
  apply(j, body)
  j.updated_at = iso
  return store.space(app_id).journeys:add(j.id, j)
end

local function with_journey(ctx, fn)
  local j = store.space(ctx.params.app_id).journeys:get(ctx.params.journey_id)
  if not j then return not_found() end
  return fn(j)
end

local function list_item(j)
  local audience = type(j.audience) == "table" and j.audience.kind or "segment"
  return { id = j.id, app_id = j.app_id, name = j.name, state = j.state, created_at = j.created_at,
    updated_at = j.updated_at, started_at = j.started_at, archived_at = j.archived_at,
    created_source = j.created_source, schedule = json.copy(j.schedule), audience = { kind = audience },
    reentry_rules = json.copy(j.reentry_rules) }
end

function M.view_journeys(ctx)
  local limit, err = reply.int_arg(ctx.args, "limit", 50, 1, 50)
  if not limit then return reply.errors(400, err) end
  local after
  local c = reply.str_arg(ctx.args, "cursor")
  if c then
    after = cursor.decode("journeys", c)
    if not after then return reply.errors(400, "cursor is not valid") end
  end
  local items = store.space(ctx.params.app_id).journeys:list()
  local page, more = cursor.page(items, limit, after, function(j, seq) return j._seq > seq end)
  local out = json.array()
  for i, j in ipairs(page) do out[i] = list_item(j) end
  return 200, { journeys = out, has_more = more,
    next_cursor = more and cursor.encode("journeys", page[#page]._seq) or json.null }
end

function M.create_journey(ctx)
  local body, err = check(ctx.body, true)
  if not body then return reply.errors(400, err) end
  if body.state ~= nil and body.state ~= "draft" then
    return reply.errors(400, "a journey is created as a draft")
  end
  return 201, reply.public(M.store(ctx.params.app_id, body))
end

function M.view_journey(ctx)
  return with_journey(ctx, function(j) return 200, reply.public(j) end)
end

function M.update_journey(ctx)
  return with_journey(ctx, function(j)
    local body, err = check(ctx.body, false)
    if not body then return reply.errors(400, err) end
    apply(j, body)
    return 200, reply.public(j)
  end)
end

function M.update_journey_node(ctx)
  return with_journey(ctx, function(j)
    local body = ctx.body
    if not json.is_object(body) then return reply.errors(400, "body must be a JSON object") end
    for _, node in ipairs(j.nodes) do
      if type(node) == "table" and node.id == ctx.params.node_id then
        for k, v in pairs(body) do
          if k ~= "id" and k ~= "kind" then
            if v == json.null then node[k] = nil else node[k] = json.copy(v) end
          end
        end
        j.updated_at = clock.iso()
        return 200, reply.public(j)
      end
    end
    return not_found("Node")
  end)
end

function M.view_journey_stats(ctx)
  return with_journey(ctx, function(j)
    local nodes = json.object()
    for _, node in ipairs(j.nodes) do
      if type(node) == "table" and node.id then
        nodes[node.id] = { kind = node.kind, waiting = 0, completed = 0, exited_early = 0 }
      end
    end
    return 200, { id = j.id, started = 0, completed = 0, exited_early = 0, nodes = nodes,
      branches = json.object() }
  end)
end

function M.delete_journey(ctx)
  return with_journey(ctx, function(j)
    store.space(ctx.params.app_id).journeys:remove(j.id)
    return 200, { success = true }
  end)
end

return M
