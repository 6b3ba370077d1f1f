-- Email: give a user an email subscription, then send them an email.
--
--   ONESIGNAL_REST_API_KEY=… ONESIGNAL_APP_ID=… lua5.4 examples/email.lua
-- Reaches nobody (the address is at example.com, a domain reserved for examples); creates and deletes a user.
local onesignal = require("onesignal")

local function check(body, err)
  if not body then error(tostring(err), 2) end
  return body
end

local client = onesignal.new{}
local external_id = "onesignal-lua-example-email-" .. os.time()

check(client:create_user(nil, {
  identity = { external_id = external_id },
  subscriptions = { { type = "Email", token = external_id .. "@example.com", enabled = true } },
}))

local sent, err = client:create_notification{
  target_channel = "email",
  include_aliases = { external_id = { external_id } },
  email_subject = "Welcome aboard",
  email_body = "<h1>Welcome!</h1><p>Your account is ready.</p>",
  email_from_name = "Example Games",
}
-- The user is deleted before a failed send is raised, so that a failure leaves nothing behind either.
check(client:delete_user(nil, "external_id", external_id))
check(sent, err)
print(onesignal.is_message_sent(sent) and ("email sent: " .. sent.id)
  or ("email reached nobody: " .. table.concat(onesignal.errors.messages(sent), "; ")))
client:close()
