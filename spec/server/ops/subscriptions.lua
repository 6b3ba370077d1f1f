-- Subscriptions (v1 user model) and the subscription export.
local json = require("server.json")
local reply = require("server.reply")
local store = require("server.store")
local files = require("server.files")
local model = require("server.ops.user_model")
local users = require("server.ops.users")

local M = {}

local function subscription_fields(ctx)
  local fields = (ctx.body or {}).subscription
  local ok, err = model.check_subscription(fields)
  if not ok then return nil, err end
  return fields
end

function M.create_subscription(ctx)
  return model.with_user(ctx, function(user, space)
    local fields, err = subscription_fields(ctx)
    if not fields then return model.bad_request(err) end
    if fields.type == nil then return model.bad_request("subscription type is required") end
    local sub, created = model.add_subscription(space, user, fields)
    -- a known type+token moves to this user: accepted rather than created
    return created and 201 or 202, { subscription = model.present_subscription(sub) }
  end)
end

function M.update_subscription(ctx)
  return model.with_subscription(ctx, function(sub, space)
    local fields, err = subscription_fields(ctx)
    if not fields then return model.bad_request(err) end
    model.update_subscription(space, sub, fields)
    return 200, nil
  end)
end

function M.update_subscription_by_token(ctx)
  local space = store.space(ctx.params.app_id)
  local sub = model.find_by_token(space, ctx.params.token_type, ctx.params.token)
  if not sub then return model.subscription_not_found() end
  local fields, err = subscription_fields(ctx)
  if not fields then return model.bad_request(err) end
  model.update_subscription(space, sub, fields)
  return 202, json.object()
end

function M.delete_subscription(ctx)
  return model.with_subscription(ctx, function(sub, space)
    model.delete_subscription(space, sub)
    return 202, nil
  end)
end

function M.get_aliases_by_subscription(ctx)
  return model.with_subscription(ctx, function(sub, space)
    return 200, { identity = model.present_identity(space.users[sub.owner]) }
  end)
end

function M.create_alias_by_subscription(ctx)
  return model.with_subscription(ctx, function(sub, space)
    return users.add_aliases(space, space.users[sub.owner], (ctx.body or {}).identity)
  end)
end

function M.transfer_subscription(ctx)
  return model.with_subscription(ctx, function(sub, space)
    local identity = (ctx.body or {}).identity
    local ok, err = model.check_identity(identity, true)
    if not ok then return model.bad_request(err) end
    local target, conflict
    for label, id in pairs(identity) do
      local owner = model.find_user(space, label, id)
      if not owner then return model.user_not_found() end
      if target and owner ~= target then conflict = true end
      target = owner
    end
    if conflict then return model.conflict_response(model.conflicts(space, identity, nil)) end
    model.attach(space, sub, target)
    return 200, { identity = model.present_identity(target) }
  end)
end

function M.unsubscribe_email_with_token(ctx)
  if not reply.str_arg(ctx.args, "token") then return reply.errors(400, "token is required") end
  return 202, { success = true }
end

function M.export_subscriptions(ctx)
  local app_id = reply.str_arg(ctx.args, "app_id")
  if not app_id then return reply.errors(400, "app_id is required") end
  if ctx.body ~= nil and not json.is_object(ctx.body) then
    return reply.errors(400, "body must be a JSON object")
  end
  return 200, { csv_file_url = files.create(ctx, "subscriptions", app_id) }
end

return M
