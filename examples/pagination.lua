-- Pagination: walk every item of a paged list without handling offsets or cursors.
--
--   ONESIGNAL_REST_API_KEY=… ONESIGNAL_APP_ID=… lua5.4 examples/pagination.lua
-- Sends nothing; creates seven templates to page through and deletes them.
local onesignal = require("onesignal")

local function check(body, err)
  if not body then error(tostring(err), 2) end
  return body
end

local client = onesignal.new{}

-- A few templates to page through, three per page.
local created = {}
for i = 1, 7 do
  created[i] = check(client:create_template{ name = "Pagination example " .. i,
    contents = { en = "Template " .. i } }).id
end

-- Items: the loop ends after the last page. A failed page yields `false, err` once, then the loop ends.
local count = 0
for template, err in client:each_template(nil, { limit = 3 }) do
  if not template then error("listing templates failed: " .. tostring(err)) end
  count = count + 1
end
print(count .. " templates")

-- Pages, with their responses, when you want the page boundaries.
for page, response in client:each_page("view_templates", nil, { limit = 3 }) do
  if not page then error(tostring(response)) end
  print(("a page of %d, HTTP %d"):format(#page.templates, response.status))
end

-- The other lists work the same way: each_notification (offset; `kind = 1` for messages sent from the
-- API), each_segment, each_journey (cursor) and each_audit_log (cursor, Organization API key).
local sent = 0
for notification, err in client:each_notification(nil, { kind = 1, limit = 50 }) do
  if not notification then error("listing notifications failed: " .. tostring(err)) end
  sent = sent + 1
end
print(sent .. " notifications sent through the API")

for _, id in ipairs(created) do check(client:delete_template(id, nil)) end
client:close()
