-- Templates: create one, send a notification with it, edit it, list templates, copy it to another app
-- (with an Organization API key) and delete it.
--
--   ONESIGNAL_REST_API_KEY=… ONESIGNAL_APP_ID=… [ONESIGNAL_ORGANIZATION_API_KEY=…] lua5.4 examples/templates.lua
local onesignal = require("onesignal")

local function check(body, err)
  if not body then error(tostring(err), 2) end
  return body
end

local client = onesignal.new{}

-- create_template fills in the client's app_id; the other template calls take it as an argument (nil:
-- the default).
local template = check(client:create_template{
  name = "Order shipped " .. os.time(),
  headings = { en = "Your order has shipped" },
  contents = { en = "It arrives on Friday." },
})
print("created template " .. template.id)

local sent = check(client:create_notification{
  target_channel = "push",
  included_segments = { "Subscribed Users" },
  template_id = template.id,
})
print("sent with the template: " .. tostring(sent.id))

check(client:update_template(template.id, nil, { contents = { en = "It arrives on Thursday." } }))
print("now reads: " .. check(client:view_template(template.id, nil)).content.contents.en)

local page = check(client:view_templates(nil, { limit = 10, channel = "push" }))
print(#page.templates .. " push template(s) on the first page")

-- An empty variable counts as unset, as it does for onesignal.new.
local organization_key = os.getenv("ONESIGNAL_ORGANIZATION_API_KEY")
if organization_key and organization_key ~= "" then
  -- Another app of the organization would go here; the test server accepts any app id.
  local app_id = os.getenv("ONESIGNAL_APP_ID")
  local other_app = os.getenv("ONESIGNAL_OTHER_APP_ID") or app_id
  local copy = check(client:copy_template_to_app(template.id, app_id, { target_app_id = other_app }))
  print("copied to app " .. other_app .. " as " .. tostring(copy.id))
end

check(client:delete_template(template.id, nil))
print("deleted " .. template.id)
client:close()
