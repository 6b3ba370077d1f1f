-- Exports: ask for a CSV of all subscriptions, wait until OneSignal has written it, and save it; then the
-- events of the app's latest notification, read into memory.
--
--   ONESIGNAL_REST_API_KEY=… ONESIGNAL_APP_ID=… lua5.4 examples/exports.lua [FILE]
-- Reaches nobody and changes nothing in the app: it only reads (OneSignal writes the export files).
local onesignal = require("onesignal")

local function check(body, err)
  if not body then error(tostring(err), 2) end
  return body
end

local client = onesignal.new{}
local file = arg[1] or os.tmpname()
local interval = tonumber(os.getenv("EXPORT_POLL_INTERVAL")) or 2   -- `make examples` makes it short

local export = check(client:export_subscriptions(nil, { extra_fields = { "country", "location" } }))
print("export requested: " .. export.csv_file_url)

-- Polls with doubling waits (2 s, 4 s, … up to 30 s) for at most `timeout` seconds, then saves the file
-- byte for byte (from OneSignal, gzip-compressed CSV). The key is not sent to the file's host.
local saved = check(client:download_export(export.csv_file_url, file, {
  timeout = 300,
  interval = interval,
  progress = function(event)
    if event.phase == "waiting" then
      print(("  not ready yet (check %d, HTTP %d); next check in %g s"):format(event.polls, event.status,
        event.wait))
    elseif event.phase == "writing" then
      -- total is nil when the host sends no length, or a Content-Encoding decoded on the way (gzip)
      print(("  writing %d of %s bytes"):format(event.bytes, event.total or "?"))
    end
  end,
}))
print(("saved %d bytes to %s after %d checks"):format(saved.bytes, saved.path, saved.polls))

-- The latest notification that went out (the list is newest first; one still scheduled has no completed_at).
local latest
for _, n in ipairs(check(client:get_notifications(nil, { limit = 50 })).notifications) do
  if type(n.completed_at) == "number" and not n.canceled then latest = n break end
end
if latest then
  local events = check(client:export_events(latest.id, nil))
  local csv = check(client:fetch_export(events.csv_file_url, { interval = interval }))
  -- OneSignal stores exports gzip-compressed (.csv.gz) and the file comes as stored, unless its host
  -- sends it with Content-Encoding: gzip (then it is decoded on the way): look before reading it as text.
  if csv:sub(1, 2) == "\31\139" then
    print(("events of %s: %d bytes of gzip-compressed CSV (decompress them to read it)"):format(latest.id, #csv))
  else
    local lines = select(2, csv:gsub("\n", ""))
    print(("events of %s: %d lines of CSV"):format(latest.id, lines))
  end
else
  print("no notification has gone out yet: no events to export")
end

if not arg[1] then os.remove(file) end
client:close()
