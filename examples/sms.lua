-- SMS: give a user a phone number subscription, then text them.
--
--   ONESIGNAL_REST_API_KEY=… ONESIGNAL_APP_ID=… lua5.4 examples/sms.lua
local onesignal = require("onesignal")

local function check(body, err)
  if not body then error(tostring(err), 2) end
  return body
end

local client = onesignal.new{}
local external_id = "sms-example-" .. os.time()

check(client:create_user(nil, {
  identity = { external_id = external_id },
  subscriptions = { { type = "SMS", token = "+15555550123", enabled = true } },
}))

local sent = check(client:create_notification{
  target_channel = "sms",
  include_aliases = { external_id = { external_id } },
  contents = { en = "Your login code is 123456" },
  sms_from = "+15555550100",
})
print(onesignal.is_message_sent(sent) and ("SMS sent: " .. sent.id)
  or ("SMS reached nobody: " .. table.concat(onesignal.errors.messages(sent), "; ")))

check(client:delete_user(nil, "external_id", external_id))
client:close()
