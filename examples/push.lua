-- Push notifications: to users by alias, to a segment, scheduled and cancelled, and a send that is safe
-- to repeat.
--
--   ONESIGNAL_REST_API_KEY=… ONESIGNAL_APP_ID=… lua5.4 examples/push.lua
-- Reaches nobody: external ids nobody has, and a segment send for 2035, cancelled at once (the history keeps it).
-- (`make examples` runs it against the local test server through ONESIGNAL_API_URL.)
local onesignal = require("onesignal")

-- Calls return `body, response` or `nil, err`; an example stops at the first failure.
local function check(body, err)
  if not body then error(tostring(err), 2) end
  return body
end

local client = onesignal.new{}   -- keys, app id and base URL from the environment

-- 1. To users by their external id (here ids nobody has). A 200 answer with an empty id means nobody could
-- receive it.
local sent = check(client:create_notification{
  target_channel = "push",
  include_aliases = { external_id = { "onesignal-lua-example-user-42", "onesignal-lua-example-user-43" } },
  headings = { en = "Your order has shipped", de = "Deine Bestellung ist unterwegs" },
  contents = { en = "It arrives on Friday.", de = "Sie kommt am Freitag." },
  data = { order_id = 1234 },
  url = "https://example.com/orders/1234",
})
if onesignal.is_message_sent(sent) then
  print("sent to users: " .. sent.id)
else
  print("reached nobody: " .. table.concat(onesignal.errors.messages(sent), "; "))
end

-- 2. To a segment, scheduled for later (years ahead here: step 3 cancels it, so it never goes out), and safe
-- to repeat: keep the idempotency key with your own record before sending; sending again with the same key
-- (after a crash, say) returns the first answer instead of notifying twice.
local key = onesignal.new_idempotency_key()
local message = {
  target_channel = "push",
  included_segments = { "Subscribed Users" },
  excluded_segments = { "Churned" },
  contents = { en = "Double XP this weekend!" },
  send_after = "2035-01-01 09:00:00 GMT+0000",
  idempotency_key = key,
}
local scheduled = check(client:create_notification(message))
local again, response = client:create_notification(message)
check(again, response)
assert(again.id == scheduled.id, "the repeat must answer with the first notification")
print("repeated with key " .. key .. ": same id " .. again.id .. ", replayed: " .. tostring(response.replayed))

-- 3. Cancelled, then read back. A segment with no subscribed users (a new app's "Subscribed Users") gets the
-- empty-id answer too: then there is nothing to cancel.
if onesignal.is_message_sent(scheduled) then
  check(client:cancel_notification(nil, scheduled.id))
  local read = check(client:get_notification(nil, scheduled.id))
  print("scheduled " .. scheduled.id .. " for a segment, canceled: " .. tostring(read.canceled))
else
  print("the segment reached nobody: " .. table.concat(onesignal.errors.messages(scheduled), "; "))
end

client:close()
