-- Apps (organization key): list, create, get, update. One app is seeded with the server's app_id.
local json = require("server.json")
local ids = require("server.ids")
local clock = require("server.clock")
local reply = require("server.reply")
local store = require("server.store")

local M = {}

-- Fields the server owns; a body cannot overwrite them.
local READ_ONLY = { id = true, organization_id = true, created_at = true, updated_at = true,
  players = true, messageable_players = true }

local function apply(app, body)
  for k, v in pairs(body) do
    if not READ_ONLY[k] then
      if v == json.null then app[k] = nil else app[k] = json.copy(v) end
    end
  end
end

local function not_found()
  return reply.errors(404, "App not found")
end

function M.get_apps()
  local out = json.array()
  for i, app in ipairs(store.apps:list()) do out[i] = json.copy(app) end
  return 200, out
end

function M.create_app(ctx)
  local body = ctx.body
  if not json.is_object(body) then return reply.errors(400, "body must be a JSON object") end
  if type(body.name) ~= "string" or body.name == "" then return reply.errors(400, "name is required") end
  local now = clock.iso()
  local app = { id = ids.uuid(), players = 0, messageable_players = 0,
    organization_id = ctx.settings.org_id, created_at = now, updated_at = now }
  apply(app, body)
  store.apps:add(app.id, app)
  return 200, json.copy(app)
end

function M.get_app(ctx)
  local app = store.apps:get(ctx.params.app_id)
  if not app then return not_found() end
  return 200, json.copy(app)
end

function M.update_app(ctx)
  local app = store.apps:get(ctx.params.app_id)
  if not app then return not_found() end
  if not json.is_object(ctx.body) then return reply.errors(400, "body must be a JSON object") end
  apply(app, ctx.body)
  app.updated_at = clock.iso()
  return 200, json.copy(app)
end

return M
