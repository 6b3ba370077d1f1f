-- SMS: give a user a phone number subscription, then text them.
--
--   ONESIGNAL_REST_API_KEY=… ONESIGNAL_APP_ID=… lua5.4 examples/sms.lua
-- Reaches nobody (+1 555-555-0123 is a number reserved for fiction); creates and deletes a user.
local onesignal = require("onesignal")

local function check(body, err)
  if not body then error(tostring(err), 2) end
  return body
end

local client = onesignal.new{}
local external_id = "onesignal-lua-example-sms-" .. os.time()

check(client:create_user(nil, {
  identity = { external_id = external_id },
  subscriptions = { { type = "SMS", token = "+15555550123", enabled = true } },
}))

local sent, err = client:create_notification{
  target_channel = "sms",
  include_aliases = { external_id = { external_id } },
  contents = { en = "Your login code is 123456" },
  sms_from = "+15555550100",
}
-- The user is deleted before a failed send is raised, so that a failure leaves nothing behind either.
check(client:delete_user(nil, "external_id", external_id))
check(sent, err)
print(onesignal.is_message_sent(sent) and ("SMS sent: " .. sent.id)
  or ("SMS reached nobody: " .. table.concat(onesignal.errors.messages(sent), "; ")))
client:close()
