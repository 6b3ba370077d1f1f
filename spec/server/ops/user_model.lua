-- Shared pieces of the user model (users, aliases, subscriptions): lookups, the alias index and the
-- JSON shapes. Errors use the v1 envelope {"errors":[{"code","title"}]}.
local json = require("server.json")
local ids = require("server.ids")
local reply = require("server.reply")
local store = require("server.store")

local M = {}

M.SUBSCRIPTION_TYPES = {
  iOSPush = true, AndroidPush = true, FireOSPush = true, ChromeExtensionPush = true, ChromePush = true,
  WindowsPush = true, SafariLegacyPush = true, FirefoxPush = true, macOSPush = true, HuaweiPush = true,
  SafariPush = true, Email = true, SMS = true,
}

-- Fields of a subscription a client may set (id is the server's).
local SUBSCRIPTION_FIELDS = {
  "type", "token", "enabled", "notification_types", "session_time", "session_count", "sdk",
  "device_model", "device_os", "rooted", "test_type", "app_version", "net_type", "carrier", "web_auth",
  "web_p256",
}

function M.user_not_found()
  return reply.v1_error(404, "user-not-found", "User not found")
end

function M.subscription_not_found()
  return reply.v1_error(404, "subscription-not-found", "Subscription not found")
end

function M.bad_request(title)
  return reply.v1_error(400, "invalid-request", title)
end

function M.find_user(space, label, id)
  local by_label = space.aliases[label]
  local onesignal_id = by_label and by_label[id]
  return onesignal_id and space.users[onesignal_id] or nil
end

-- Runs fn(user, space) for the user named by the path's {alias_label}/{alias_id}, or answers 404.
function M.with_user(ctx, fn)
  local space = store.space(ctx.params.app_id)
  local user = M.find_user(space, ctx.params.alias_label, ctx.params.alias_id)
  if not user then return M.user_not_found() end
  return fn(user, space)
end

-- Runs fn(subscription, space) for the path's {subscription_id}, or answers 404.
function M.with_subscription(ctx, fn)
  local space = store.space(ctx.params.app_id)
  local sub = space.subscriptions[ctx.params.subscription_id]
  if not sub then return M.subscription_not_found() end
  return fn(sub, space)
end

function M.set_alias(space, user, label, id)
  local old = user.identity[label]
  if old ~= nil and space.aliases[label] then space.aliases[label][old] = nil end
  space.aliases[label] = space.aliases[label] or {}
  space.aliases[label][id] = user.onesignal_id
  user.identity[label] = id
end

function M.remove_alias(space, user, label)
  local old = user.identity[label]
  if old == nil then return end
  if space.aliases[label] then space.aliases[label][old] = nil end
  user.identity[label] = nil
end

-- Checks an identity object from a request body: labels map to non-empty strings.
function M.check_identity(identity, allow_onesignal_id)
  if not json.is_object(identity) or next(identity) == nil then
    return nil, "identity must be a non-empty object"
  end
  for label, id in pairs(identity) do
    if type(id) ~= "string" or id == "" then
      return nil, string.format("alias %q must be a non-empty string", label)
    end
    if label == "onesignal_id" and not allow_onesignal_id then
      return nil, "onesignal_id cannot be set or removed"
    end
  end
  return true
end

-- Aliases of `identity` that already belong to a user other than `user` (nil when none).
function M.conflicts(space, identity, user)
  local out
  for label, id in pairs(identity) do
    local owner = M.find_user(space, label, id)
    if owner and owner ~= user then
      out = out or json.object()
      out[label] = id
    end
  end
  return out
end

function M.conflict_response(conflicting)
  return reply.v1_error(409, "user-2", "One or more Aliases claimed by another User",
    { conflicting_aliases = conflicting })
end

function M.new_user(space)
  local user = {
    onesignal_id = ids.uuid(),
    identity = json.object(),
    properties = json.object({ tags = json.object() }),
    subscription_ids = {},
  }
  space.users[user.onesignal_id] = user
  M.set_alias(space, user, "onesignal_id", user.onesignal_id)
  return user
end

local function token_key(sub)
  if sub.token == nil or sub.type == nil then return nil end
  return tostring(sub.type) .. "\0" .. tostring(sub.token)
end

function M.find_by_token(space, type_, token)
  local id = space.tokens[tostring(type_) .. "\0" .. tostring(token)]
  return id and space.subscriptions[id] or nil
end

local function detach(space, sub)
  local owner = sub.owner and space.users[sub.owner]
  if not owner then return end
  for i, id in ipairs(owner.subscription_ids) do
    if id == sub.id then table.remove(owner.subscription_ids, i) break end
  end
end

function M.attach(space, sub, user)
  detach(space, sub)
  sub.owner = user.onesignal_id
  table.insert(user.subscription_ids, sub.id)
end

-- Copies client-settable fields into a subscription, keeping the token index current.
function M.update_subscription(space, sub, fields)
  local old_key = token_key(sub)
  for _, f in ipairs(SUBSCRIPTION_FIELDS) do
    local v = fields[f]
    if v == json.null then sub[f] = nil elseif v ~= nil then sub[f] = json.copy(v) end
  end
  local new_key = token_key(sub)
  if old_key ~= new_key then
    if old_key and space.tokens[old_key] == sub.id then space.tokens[old_key] = nil end
    if new_key then space.tokens[new_key] = sub.id end
  end
end

function M.check_subscription(fields)
  if not json.is_object(fields) then return nil, "subscription must be an object" end
  if fields.type ~= nil and not M.SUBSCRIPTION_TYPES[fields.type] then
    return nil, "subscription type is not valid: " .. tostring(fields.type)
  end
  return true
end

-- Creates a subscription for `user`, or moves the existing one with the same type and token to it.
-- Returns the subscription and whether it is new.
function M.add_subscription(space, user, fields)
  local sub = fields.token ~= nil and fields.type ~= nil and M.find_by_token(space, fields.type, fields.token)
  local created = false
  if not sub then
    sub = { id = ids.uuid(), enabled = true }
    space.subscriptions[sub.id] = sub
    created = true
  end
  M.update_subscription(space, sub, fields)
  M.attach(space, sub, user)
  return sub, created
end

function M.delete_subscription(space, sub)
  detach(space, sub)
  local key = token_key(sub)
  if key and space.tokens[key] == sub.id then space.tokens[key] = nil end
  space.subscriptions[sub.id] = nil
end

function M.present_subscription(sub)
  local out = { id = sub.id }
  for _, f in ipairs(SUBSCRIPTION_FIELDS) do out[f] = sub[f] end
  return out
end

function M.present_identity(user)
  return json.copy(user.identity)
end

function M.present_user(space, user)
  local subs = json.array()
  for _, id in ipairs(user.subscription_ids) do
    subs[#subs + 1] = M.present_subscription(space.subscriptions[id])
  end
  return {
    identity = M.present_identity(user),
    properties = json.copy(user.properties),
    subscriptions = subs,
  }
end

return M
