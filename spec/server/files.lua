-- Export files (CSV of subscriptions, notification events, history) served under /__files/.
-- Like the real exports they are not ready at once: the first `export_ready_after` GETs answer 404.
local config = require("server.config")
local ids = require("server.ids")
local store = require("server.store")
local clock = require("server.clock")

local files = {}

local function subscriptions_csv(app_id)
  local rows = config.knobs.export_rows
  local lines = { "id,identifier,session_count,language,timezone,device_os,device_type,device_model,"
    .. "tags,last_active,amount_spent,created_at,external_user_id" }
  local space = store.space(app_id)
  local ids_sorted = {}
  for id in pairs(space.subscriptions) do ids_sorted[#ids_sorted + 1] = id end
  table.sort(ids_sorted)
  for _, id in ipairs(ids_sorted) do
    local sub = space.subscriptions[id]
    lines[#lines + 1] = string.format("%s,%s,%d,en,0,,%s,,{},%d,0.0,%d,",
      sub.id, tostring(sub.token or ""), sub.session_count or 0, sub.type or "", 0, 0)
  end
  for i = #lines, rows do
    lines[#lines + 1] = string.format("%08d-0000-4000-8000-%012d,token-%d,%d,en,-28800,17.2,0,iPhone14-2,"
      .. "\"{\"\"level\"\":\"\"%d\"\"}\",1700000000,%d.99,1690000000,user-%d", i, i, i, i % 7, i % 10, i % 5, i)
  end
  return table.concat(lines, "\n") .. "\n"
end

local function events_csv(app_id, kind)
  local event = kind == "history" and "clicked" or "sent"
  local lines = { "notification_id,subscription_id,event,timestamp,app_id" }
  for i = 1, config.knobs.export_rows do
    lines[#lines + 1] = string.format("%08d-1111-4111-8111-%012d,%08d-2222-4222-8222-%012d,%s,%d,%s",
      i, i, i, i, event, 1700000000 + i, app_id)
  end
  return table.concat(lines, "\n") .. "\n"
end

-- Registers a new export and returns its URL on this server, under the host name the knob files_host names
-- when set (the same server under another name: a file on another host than the API's, as on S3).
function files.create(ctx, kind, app_id)
  local name = kind .. "-" .. ids.uuid()
  store.files[name] = { kind = kind, app_id = app_id, hits = 0,
    ready_after = config.knobs.export_ready_after, created_at = clock.now() }
  local base, host = ctx.base_url, config.knobs.files_host
  if host ~= "" then base = base:gsub("^(%a+://)[^:/]+", "%1" .. host:gsub("%%", "%%%%")) end
  return base .. "/__files/" .. name .. ".csv"
end

-- GET /__files/<name>.csv
function files.serve(path)
  local name = path:match("^/__files/([%w%-]+)%.csv$")
  local file = name and store.files[name]
  local missing = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    .. "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"
  if not file then return 404, missing, "application/xml" end
  file.hits = file.hits + 1
  if file.hits <= file.ready_after then return 404, missing, "application/xml" end
  if not file.content then
    file.content = file.kind == "subscriptions" and subscriptions_csv(file.app_id)
      or events_csv(file.app_id, file.kind)
  end
  return 200, file.content, "text/csv"
end

return files
