-- iOS Live Activities: start one for an order, update it as the order moves, and end it.
--
--   ONESIGNAL_REST_API_KEY=… ONESIGNAL_APP_ID=… lua5.4 examples/live_activities.lua
-- Reaches nobody: it starts the activity for an external id nobody has, and ends it.
local onesignal = require("onesignal")

local function check(body, err)
  if not body then error(tostring(err), 2) end
  return body
end

local client = onesignal.new{}
local activity_id = "order-" .. os.time()

-- Push-to-start: the activity type is the name of the ActivityAttributes struct in the iOS app.
local started = check(client:start_live_activity(nil, "OrderTracking", {
  name = activity_id,
  event = "start",
  activity_id = activity_id,
  event_attributes = { order_id = activity_id },
  event_updates = { status = "preparing", eta_minutes = 30 },
  headings = { en = "Order received" },
  contents = { en = "We are preparing your order." },
  include_aliases = { external_id = { "onesignal-lua-example-user-42" } },
}))
print("started " .. activity_id .. ": " .. tostring(started.notification_id or started.id))

for _, status in ipairs({ "on its way", "around the corner" }) do
  check(client:update_live_activity(nil, activity_id, {
    name = activity_id, event = "update", event_updates = { status = status },
  }))
  print("updated: " .. status)
end

check(client:update_live_activity(nil, activity_id, {
  name = activity_id, event = "end", event_updates = { status = "delivered" },
  dismissal_date = os.time() + 3600,
}))
print("ended " .. activity_id)
client:close()
