-- Segments: create one from filters, estimate who a message to it would reach, list, rename and delete.
--
--   ONESIGNAL_REST_API_KEY=… ONESIGNAL_APP_ID=… lua5.4 examples/segments.lua
-- Sends nothing (the estimate sends nothing either); creates a segment and deletes it.
local onesignal = require("onesignal")

local function check(body, err)
  if not body then error(tostring(err), 2) end
  return body
end

local client = onesignal.new{}
local name = "Level 7 players " .. os.time()

local created = check(client:create_segment(nil, {
  name = name,
  filters = { { field = "tag", key = "level", relation = "=", value = "7" } },
}))
print("created segment " .. created.id)

local estimate = check(client:estimate_notification_recipients{ included_segments = { "Subscribed Users" } })
print("a message to Subscribed Users would reach about " .. tostring(estimate.count) .. " subscriptions")

for segment, err in client:each_segment() do
  if not segment then error(tostring(err)) end
  print("  segment: " .. segment.name)
end

check(client:update_segment(nil, created.id, { name = name .. " (renamed)" }))
local segment = check(client:get_segment(nil, created.id, { ["include-segment-detail"] = true }))
print("renamed to " .. segment.payload.name .. "; " .. segment.subscriber_count .. " subscriptions in it")
check(client:delete_segment(nil, created.id))
print("deleted " .. created.id)
client:close()
