-- Templates: create, view, list with offset/limit/channel, update, delete, copy to another app.
local json = require("server.json")
local ids = require("server.ids")
local clock = require("server.clock")
local reply = require("server.reply")
local store = require("server.store")

local M = {}

-- Body fields that make up a template's content.
local CONTENT_FIELDS = { "contents", "headings", "subtitle", "isEmail", "email_subject", "email_body",
  "email_bcc", "isSMS", "dynamic_content" }

local function channel_of(content)
  if content.isEmail == true then return "email" end
  if content.isSMS == true then return "sms" end
  return "push"
end

local function apply(t, body)
  if body.name ~= nil then t.name = body.name end
  for _, f in ipairs(CONTENT_FIELDS) do
    local v = body[f]
    if v == json.null then t.content[f] = nil elseif v ~= nil then t.content[f] = json.copy(v) end
  end
  t.channel = channel_of(t.content)
end

-- Stores a template; also used by /__control/seed and copy_template_to_app.
function M.store(app_id, body, now)
  now = now or clock.now()
  local t = { id = ids.uuid(), _app_id = app_id, content = json.object(),
    created_at = clock.iso(now), updated_at = clock.iso(now) }
  apply(t, body)
  return store.space(app_id).templates:add(t.id, t)
end

local function not_found()
  return reply.errors(404, "Template not found")
end

local function check_body(body, require_name)
  if not json.is_object(body) then return nil, "body must be a JSON object" end
  if (require_name or body.name ~= nil) and (type(body.name) ~= "string" or body.name == "") then
    return nil, "name is required"
  end
  return body
end

-- Runs fn(template, app_id) for the path's template in the app of the app_id query argument.
local function with_template(ctx, fn)
  local app_id = reply.str_arg(ctx.args, "app_id")
  if not app_id then return reply.errors(400, "app_id is required") end
  local t = store.space(app_id).templates:get(ctx.params.template_id)
  if not t then return not_found() end
  return fn(t, app_id)
end

function M.create_template(ctx)
  local body = ctx.body
  if not json.is_object(body) then return reply.errors(400, "body must be a JSON object") end
  if type(body.app_id) ~= "string" or body.app_id == "" then return reply.errors(400, "app_id is required") end
  local _, err = check_body(body, true)
  if err then return reply.errors(422, err) end
  return 200, reply.public(M.store(body.app_id, body))
end

function M.view_templates(ctx)
  local app_id = reply.str_arg(ctx.args, "app_id")
  if not app_id then return reply.errors(400, "app_id is required") end
  local limit, err = reply.int_arg(ctx.args, "limit", 50, 1, 50)
  if not limit then return reply.errors(400, err) end
  local offset
  offset, err = reply.int_arg(ctx.args, "offset", 0, 0)
  if not offset then return reply.errors(400, err) end
  local channel = reply.str_arg(ctx.args, "channel")
  local items = store.space(app_id).templates:list(function(t) return not channel or t.channel == channel end)
  local page = reply.page(items, offset, limit)
  for i, t in ipairs(page) do page[i] = reply.public(t) end
  return 200, { templates = page }
end

function M.view_template(ctx)
  return with_template(ctx, function(t) return 200, reply.public(t) end)
end

function M.update_template(ctx)
  return with_template(ctx, function(t)
    local body, err = check_body(ctx.body, false)
    if not body then return reply.errors(400, err) end
    apply(t, body)
    t.updated_at = clock.iso()
    return 200, reply.public(t)
  end)
end

function M.delete_template(ctx)
  return with_template(ctx, function(t, app_id)
    store.space(app_id).templates:remove(t.id)
    return 200, { success = true }
  end)
end

function M.copy_template_to_app(ctx)
  return with_template(ctx, function(t)
    local target = (ctx.body or {}).target_app_id
    if type(target) ~= "string" or target == "" then return reply.errors(400, "target_app_id is required") end
    local copy = json.copy(t.content)
    copy.name = t.name
    return 200, reply.public(M.store(target, copy))
  end)
end

return M
