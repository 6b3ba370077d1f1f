-- make demo: the main job end to end — create a user, send them a notification, read the user back —
-- printing what went out and what came back; then it deletes the user.
--
-- With ONESIGNAL_REST_API_KEY and ONESIGNAL_APP_ID set it talks to the live API; otherwise it starts the
-- local test server.
-- Reaches nobody (the user it creates has no subscriptions); creates a user and deletes it.
local onesignal = require("onesignal")
local json = require("onesignal.json")

-- An empty variable counts as unset, as it does for onesignal.new.
local function env(name)
  local v = os.getenv(name)
  if v ~= "" then return v end
end

local live = env("ONESIGNAL_REST_API_KEY") and env("ONESIGNAL_APP_ID")
local srv, client
if live then
  client = onesignal.new{}   -- keys, app id and base URL from the environment
  print("Talking to " .. client.base_url .. " (live API)")
else
  srv = require("support.server").start{}
  client = onesignal.new{ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id }
  print("Talking to the local test server at " .. srv.url .. " (set ONESIGNAL_REST_API_KEY and"
    .. " ONESIGNAL_APP_ID to use the live API)")
end

local function show(label, value) print(("  %-9s %s"):format(label, json.encode(value, "demo"))) end

local function step(title, sent, call)
  print("\n" .. title)
  if sent then show("sent", sent) end
  local body, res = call()
  if not body then
    print("  failed    " .. tostring(res))
    if srv then srv:stop() end
    os.exit(1)
  end
  show("received", body)
  print(("  status    %d after %d attempt(s)%s"):format(res.status, res.attempts,
    res.idempotency_key and (", idempotency key " .. res.idempotency_key) or ""))
  return body
end

local external_id = "onesignal-lua-demo-" .. os.time()

local user = { identity = { external_id = external_id }, properties = { tags = { level = "7" }, language = "en" } }
local created = step("1. create_user", user, function() return client:create_user(nil, user) end)
print("  onesignal_id " .. tostring(created.identity and created.identity.onesignal_id))

local notification = {
  headings = { en = "Level up!" },
  contents = { en = "You reached level 7 🎉" },
  include_aliases = { external_id = { external_id } },
  target_channel = "push",
}
local sent = step("2. create_notification", notification,
  function() return client:create_notification(notification) end)
if onesignal.is_message_sent(sent) then
  print("  notification id " .. sent.id)
else
  -- `errors` is a list, a string or an object, depending on why: errors.messages flattens any of them
  print("  not sent: " .. table.concat(onesignal.errors.messages(sent), "; ")
    .. " (the demo user has no subscriptions)")
end

local read = step("3. get_user", nil, function() return client:get_user(nil, "external_id", external_id) end)
print("  tags.level = " .. tostring(read.properties and read.properties.tags and read.properties.tags.level))

step("4. delete_user", nil, function() return client:delete_user(nil, "external_id", external_id) end)

client:close()
if srv then srv:stop() end
