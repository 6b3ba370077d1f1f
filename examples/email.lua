-- Email: give a user an email subscription, then send them an email.
--
--   ONESIGNAL_REST_API_KEY=… ONESIGNAL_APP_ID=… lua5.4 examples/email.lua
local onesignal = require("onesignal")

local function check(body, err)
  if not body then error(tostring(err), 2) end
  return body
end

local client = onesignal.new{}
local external_id = "email-example-" .. os.time()

check(client:create_user(nil, {
  identity = { external_id = external_id },
  subscriptions = { { type = "Email", token = external_id .. "@example.com", enabled = true } },
}))

local sent = check(client:create_notification{
  target_channel = "email",
  include_aliases = { external_id = { external_id } },
  email_subject = "Welcome aboard",
  email_body = "<h1>Welcome!</h1><p>Your account is ready.</p>",
  email_from_name = "Example Games",
})
print(onesignal.is_message_sent(sent) and ("email sent: " .. sent.id)
  or ("email reached nobody: " .. table.concat(onesignal.errors.messages(sent), "; ")))

check(client:delete_user(nil, "external_id", external_id))
client:close()
