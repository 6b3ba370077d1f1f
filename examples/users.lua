-- Users and subscriptions: create a user with an email subscription, tag them, add an alias, add and
-- switch off a push subscription, look them up by subscription, and clean up.
--
--   ONESIGNAL_REST_API_KEY=… ONESIGNAL_APP_ID=… lua5.4 examples/users.lua
-- Sends nothing; creates a user (an example.com address, a made-up push token) and deletes it.
local onesignal = require("onesignal")

local function check(body, err)
  if not body then error(tostring(err), 2) end
  return body
end

local client = onesignal.new{}
local external_id = "onesignal-lua-example-users-" .. os.time()

-- An app_id of nil means the client's default (ONESIGNAL_APP_ID).
local user = check(client:create_user(nil, {
  identity = { external_id = external_id },
  properties = { language = "en", timezone_id = "Europe/Berlin", tags = { level = "1" } },
  subscriptions = { { type = "Email", token = external_id .. "@example.com", enabled = true } },
}))
print("created " .. external_id .. " as onesignal_id " .. user.identity.onesignal_id)

check(client:update_user(nil, "external_id", external_id, { properties = { tags = { level = "2", vip = "yes" } } }))
local tags = check(client:get_user(nil, "external_id", external_id)).properties.tags
print("tags now level=" .. tags.level .. " vip=" .. tags.vip)

check(client:create_alias(nil, "external_id", external_id, { identity = { crm_id = "crm-" .. external_id } }))
local aliases = check(client:get_aliases(nil, "crm_id", "crm-" .. external_id)).identity
print("found by crm_id: external_id=" .. aliases.external_id)

local added = check(client:create_subscription(nil, "external_id", external_id, {
  subscription = { type = "AndroidPush", token = "fcm-token-" .. external_id, enabled = true },
}))
local subscription_id = added.subscription.id
check(client:update_subscription(nil, subscription_id, { subscription = { enabled = false } }))
local owner = check(client:get_aliases_by_subscription(nil, subscription_id)).identity
print("push subscription " .. subscription_id .. " switched off; it belongs to " .. owner.external_id)

check(client:delete_subscription(nil, subscription_id))
check(client:delete_alias(nil, "external_id", external_id, "crm_id"))
check(client:delete_user(nil, "external_id", external_id))

-- Failures of the call come back as values: here the user is gone.
local gone, err = client:get_user(nil, "external_id", external_id)
assert(gone == nil and err.status == 404, "the user should be gone")
print("deleted; reading it again: " .. tostring(err))
client:close()
