-- The request log behind GET /__control/requests.
local json = require("server.json")

local recorder = { enabled = true, entries = json.array() }

function recorder.clear()
  recorder.entries = json.array()
end

-- Appends an entry and returns it (the caller fills in the body once it has been read), or nil
-- when recording is off.
function recorder.record(entry)
  if not recorder.enabled then return nil end
  recorder.entries[#recorder.entries + 1] = entry
  return entry
end

return recorder
