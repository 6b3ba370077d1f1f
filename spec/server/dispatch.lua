-- From a matched route to a response: credential check, JSON body, the family's handler.
local json = require("server.json")
local reply = require("server.reply")

local dispatch = {}

local FAMILIES = { "notifications", "users", "subscriptions", "segments", "templates", "apps",
  "api_keys", "journeys", "misc", "audit_logs" }

local handlers = {}
local credentials = {}
local messages

-- Binds every operation of the table to a handler; an operation without one stops the server at
-- start-up rather than answering 404 in some test much later.
function dispatch.init(route_list, settings, catalog_messages)
  messages = catalog_messages
  credentials = { rest = "Key " .. settings.rest_key, organization = "Key " .. settings.org_key }
  local modules = {}
  for _, name in ipairs(FAMILIES) do modules[#modules + 1] = require("server.ops." .. name) end
  for _, route in ipairs(route_list) do
    for _, mod in ipairs(modules) do
      if type(mod[route.name]) == "function" then handlers[route.name] = mod[route.name] break end
    end
    if not handlers[route.name] then error("test server has no handler for operation " .. route.name) end
    if not credentials[route.auth] then
      error(string.format("operation %s needs unknown credential %q", route.name, route.auth))
    end
  end
end

-- ctx: params, args, raw_body, base_url, settings. Returns status, body, headers.
function dispatch.handle(route, ctx)
  if ngx.var.http_authorization ~= credentials[route.auth] then
    return reply.errors(403, messages.INVALID_API_KEY)
  end
  if ctx.raw_body and ctx.raw_body:find("%S") then
    local body = json.decode(ctx.raw_body)
    if body == nil then return reply.errors(400, "Invalid JSON") end
    -- every request body of the API is an object
    if not json.is_object(body) then
      return reply.errors(400, "Invalid JSON: the body must be an object")
    end
    ctx.body = body
  end
  ctx.messages = messages
  local ok, status, body, headers = pcall(handlers[route.name], ctx)
  if not ok then
    ngx.log(ngx.ERR, "handler ", route.name, " failed: ", tostring(status))
    return reply.errors(500, "test server bug in " .. route.name .. ": " .. tostring(status))
  end
  return status, body, headers
end

return dispatch
