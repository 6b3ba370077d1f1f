-- App API keys (organization key): view, create, update, rotate, delete. The secrets handed out are
-- random strings that authorise nothing on this server.
local json = require("server.json")
local ids = require("server.ids")
local clock = require("server.clock")
local reply = require("server.reply")
local store = require("server.store")

local M = {}

local function secret()
  return "os_v2_app_" .. ids.token(52)
end

local function check(body, require_name)
  if not json.is_object(body) then return nil, "body must be a JSON object" end
  if (require_name or body.name ~= nil) and (type(body.name) ~= "string" or body.name == "") then
    return nil, "name is required"
  end
  local mode = body.ip_allowlist_mode
  if mode ~= nil and mode ~= "disabled" and mode ~= "explicit" then
    return nil, "ip_allowlist_mode must be \"disabled\" or \"explicit\""
  end
  if body.ip_allowlist ~= nil and not json.is_array(body.ip_allowlist) then
    return nil, "ip_allowlist must be an array"
  end
  return body
end

local function apply(key, body)
  if body.name ~= nil then key.name = body.name end
  if body.ip_allowlist_mode ~= nil then key.ip_allowlist_mode = body.ip_allowlist_mode end
  if body.ip_allowlist ~= nil then key.ip_allowlist = json.copy(body.ip_allowlist) end
  key.updated_at = clock.iso()
end

local function with_key(ctx, fn)
  local key = store.space(ctx.params.app_id).api_keys:get(ctx.params.token_id)
  if not key then return reply.errors(404, "API key not found") end
  return fn(key)
end

function M.view_api_keys(ctx)
  local tokens = json.array()
  for i, key in ipairs(store.space(ctx.params.app_id).api_keys:list()) do tokens[i] = reply.public(key) end
  return 200, { tokens = tokens }
end

function M.create_api_key(ctx)
  local body, err = check(ctx.body, true)
  if not body then return reply.errors(400, err) end
  local now = clock.iso()
  local key = { token_id = ids.uuid(), ip_allowlist_mode = "disabled", ip_allowlist = json.array(),
    created_at = now, _secret = secret() }
  apply(key, body)
  store.space(ctx.params.app_id).api_keys:add(key.token_id, key)
  return 200, { token_id = key.token_id, formatted_token = key._secret }
end

function M.update_api_key(ctx)
  return with_key(ctx, function(key)
    local body, err = check(ctx.body, false)
    if not body then return reply.errors(400, err) end
    apply(key, body)
    return 200, json.object()
  end)
end

function M.rotate_api_key(ctx)
  return with_key(ctx, function(key)
    key._secret = secret()
    key.updated_at = clock.iso()
    return 200, { token_id = key.token_id, formatted_token = key._secret }
  end)
end

function M.delete_api_key(ctx)
  return with_key(ctx, function(key)
    store.space(ctx.params.app_id).api_keys:remove(key.token_id)
    return 200, json.object()
  end)
end

return M
