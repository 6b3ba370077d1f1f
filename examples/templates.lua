-- Templates: create one, send a notification with it, edit it, list templates, copy it to another app
-- (with an Organization API key) and delete it and its copy.
--
--   ONESIGNAL_REST_API_KEY=… ONESIGNAL_APP_ID=… lua5.4 examples/templates.lua
-- To copy it too, also ONESIGNAL_ORGANIZATION_API_KEY=…, and ONESIGNAL_OTHER_APP_ID=… with that app's
-- ONESIGNAL_OTHER_REST_API_KEY=… (another app of the same organization; the copy is deleted there).
-- Reaches nobody (an external id nobody has); creates a template (and its copy) and deletes them.
local onesignal = require("onesignal")

local function check(body, err)
  if not body then error(tostring(err), 2) end
  return body
end

-- An empty variable counts as unset, as it does for onesignal.new.
local function env(name)
  local v = os.getenv(name)
  if v ~= "" then return v end
end

local client = onesignal.new{}

-- create_template fills in the client's app_id; the other template calls take it as an argument (nil:
-- the default).
local name = "Order shipped " .. os.time()
local template = check(client:create_template{
  name = name,
  headings = { en = "Your order has shipped" },
  contents = { en = "It arrives on Friday." },
})
print("created template " .. template.id)

local sent = check(client:create_notification{
  target_channel = "push",
  include_aliases = { external_id = { "onesignal-lua-example-user-42" } },
  template_id = template.id,
})
print(onesignal.is_message_sent(sent) and ("sent with the template: " .. sent.id)
  or ("the template reached nobody: " .. table.concat(onesignal.errors.messages(sent), "; ")))

check(client:update_template(template.id, nil, { contents = { en = "It arrives on Thursday." } }))
print("now reads: " .. check(client:view_template(template.id, nil)).content.contents.en)

local page = check(client:view_templates(nil, { limit = 10, channel = "push" }))
print(#page.templates .. " push template(s) on the first page")

-- Copying takes the Organization API key; the copy then belongs to the other app, whose own REST API key
-- deletes it (a REST API key opens one app only).
local other_app, other_key = env("ONESIGNAL_OTHER_APP_ID"), env("ONESIGNAL_OTHER_REST_API_KEY")
if env("ONESIGNAL_ORGANIZATION_API_KEY") and other_app and other_key then
  local copy = check(client:copy_template_to_app(template.id, nil, { target_app_id = other_app }))
  local other = onesignal.new{ rest_api_key = other_key, app_id = other_app }
  -- The answer is the copy; should it carry no id (OneSignal's docs show {"success": true}), find the copy
  -- by its name.
  local copy_id = copy.id
  if not copy_id then
    for t, err in other:each_template() do
      if not t then error(tostring(err)) end
      if t.name == name then copy_id = t.id break end
    end
  end
  print("copied to app " .. other_app .. " as " .. tostring(copy_id))
  check(other:delete_template(copy_id, nil))
  other:close()
  print("deleted the copy")
else
  print("not copied to another app (that takes ONESIGNAL_ORGANIZATION_API_KEY, ONESIGNAL_OTHER_APP_ID and"
    .. " ONESIGNAL_OTHER_REST_API_KEY)")
end

check(client:delete_template(template.id, nil))
print("deleted " .. template.id)
client:close()
