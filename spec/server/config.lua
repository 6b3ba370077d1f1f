-- Start-time settings of this server (keys, ids, mode) and the knobs /__control/set may change.
-- /__control/reset puts the knobs back to their start-time values.
local config = { settings = nil, knobs = nil }

local function default_knobs(settings)
  return {
    record = not settings.bench,     -- bench mode does not record
    export_ready_after = 2,          -- GETs of an export file answered 404 before it is ready
    export_rows = 40,                -- rows of an export's CSV file made after this is set ("a few KB")
    delay = settings.delay or 0,     -- bench mode: seconds before create_notification answers
    files_host = "",                 -- host name in export file URLs made after this is set ("": the request's)
  }
end

function config.init(settings)
  config.settings = settings
  config.knobs = default_knobs(settings)
end

function config.reset_knobs()
  config.knobs = default_knobs(config.settings)
end

-- Applies {name = value} from /__control/set; returns nil, message on unknown names or bad types.
function config.set(changes)
  for k, v in pairs(changes) do
    local current = config.knobs[k]
    if current == nil then return nil, string.format("unknown setting %q", tostring(k)) end
    if type(v) ~= type(current) then
      return nil, string.format("setting %q must be a %s", k, type(current))
    end
  end
  for k, v in pairs(changes) do config.knobs[k] = v end
  return true
end

return config
