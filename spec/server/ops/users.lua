-- Users and their aliases (v1 user model).
local json = require("server.json")
local store = require("server.store")
local model = require("server.ops.user_model")

local M = {}

local function check_properties(props)
  if props == nil then return true end
  if not json.is_object(props) then return nil, "properties must be an object" end
  if props.tags ~= nil and props.tags ~= json.null and not json.is_object(props.tags) then
    return nil, "tags must be an object"
  end
  return true
end

-- update_user semantics: tags merge key by key ("" or null deletes a tag); any other property is
-- replaced, null removes it.
local function apply_properties(user, props)
  if not props then return end
  local target = user.properties
  for k, v in pairs(props) do
    if k == "tags" then
      if v == json.null then
        target.tags = json.object()
      else
        for tag, value in pairs(v) do
          if value == json.null or value == "" then target.tags[tag] = nil else target.tags[tag] = value end
        end
      end
    elseif v == json.null then
      target[k] = nil
    else
      target[k] = json.copy(v)
    end
  end
end

local function apply_deltas(user, deltas)
  if not json.is_object(deltas) then return end
  local props = user.properties
  if json.is_array(deltas.purchases) then
    props.purchases = props.purchases or json.array()
    for _, p in ipairs(deltas.purchases) do
      props.purchases[#props.purchases + 1] = json.copy(p)
      local amount = type(p) == "table" and tonumber(p.amount)
      if amount then
        props.amount_spent = (props.amount_spent or 0) + amount * (tonumber(p.count) or 1)
      end
    end
  end
end

function M.create_user(ctx)
  local body = ctx.body or json.object()
  local identity = body.identity
  if identity ~= nil then
    local ok, err = model.check_identity(identity, true)
    if not ok then return model.bad_request(err) end
  else
    identity = json.object()
  end
  local ok, err = check_properties(body.properties)
  if not ok then return model.bad_request(err) end
  local subs = body.subscriptions
  if subs ~= nil then
    if not json.is_array(subs) then return model.bad_request("subscriptions must be an array") end
    for _, s in ipairs(subs) do
      ok, err = model.check_subscription(s)
      if not ok then return model.bad_request(err) end
    end
  end

  local space = store.space(ctx.params.app_id)
  -- onesignal_id is assigned by the server: naming an unknown one cannot create it
  if identity.onesignal_id and not model.find_user(space, "onesignal_id", identity.onesignal_id) then
    return model.user_not_found()
  end
  -- the aliases name at most one existing user; naming two is a conflict, reported with every
  -- alias that names an existing user (independent of table order)
  local found, conflict
  for label, id in pairs(identity) do
    local owner = model.find_user(space, label, id)
    if owner then
      if found and owner ~= found then conflict = true end
      found = owner
    end
  end
  if conflict then return model.conflict_response(model.conflicts(space, identity, nil)) end

  local user = found or model.new_user(space)
  for label, id in pairs(identity) do
    if label ~= "onesignal_id" then model.set_alias(space, user, label, id) end
  end
  apply_properties(user, body.properties)
  for _, s in ipairs(subs or {}) do model.add_subscription(space, user, s) end
  return found and 200 or 201, model.present_user(space, user)
end

function M.get_user(ctx)
  return model.with_user(ctx, function(user, space)
    return 200, model.present_user(space, user)
  end)
end

function M.update_user(ctx)
  return model.with_user(ctx, function(user)
    local body = ctx.body or json.object()
    local ok, err = check_properties(body.properties)
    if not ok then return model.bad_request(err) end
    apply_properties(user, body.properties)
    apply_deltas(user, body.deltas)
    -- the API echoes the properties it was sent
    return 202, { properties = json.copy(body.properties) or json.object() }
  end)
end

function M.delete_user(ctx)
  return model.with_user(ctx, function(user, space)
    for i = #user.subscription_ids, 1, -1 do
      model.delete_subscription(space, space.subscriptions[user.subscription_ids[i]])
    end
    for label in pairs(json.copy(user.identity)) do model.remove_alias(space, user, label) end
    space.users[user.onesignal_id] = nil
    return 200, nil
  end)
end

function M.get_aliases(ctx)
  return model.with_user(ctx, function(user)
    return 200, { identity = model.present_identity(user) }
  end)
end

-- Adds aliases to a user; shared with create_alias_by_subscription.
function M.add_aliases(space, user, identity)
  local ok, err = model.check_identity(identity, false)
  if not ok then return model.bad_request(err) end
  local conflicting = model.conflicts(space, identity, user)
  if conflicting then return model.conflict_response(conflicting) end
  for label, id in pairs(identity) do model.set_alias(space, user, label, id) end
  return 200, { identity = model.present_identity(user) }
end

function M.create_alias(ctx)
  return model.with_user(ctx, function(user, space)
    return M.add_aliases(space, user, (ctx.body or {}).identity)
  end)
end

function M.delete_alias(ctx)
  return model.with_user(ctx, function(user, space)
    local label = ctx.params.alias_label_to_delete
    if label == "onesignal_id" then return model.bad_request("onesignal_id cannot be set or removed") end
    model.remove_alias(space, user, label)
    return 200, { identity = model.present_identity(user) }
  end)
end

return M
