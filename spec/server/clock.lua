-- Time stamps in the formats the API uses (unix seconds, ISO 8601 UTC), independent of the local
-- time zone of the machine running the tests.
local clock = {}

local floor = math.floor

function clock.now()
  return ngx and ngx.now() or os.time()
end

-- Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + floor(yoe / 4) - floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end

function clock.iso(t)
  t = t or clock.now()
  local secs = floor(t)
  local ms = floor((t - secs) * 1000 + 0.5)
  if ms >= 1000 then secs, ms = secs + 1, 0 end
  return os.date("!%Y-%m-%dT%H:%M:%S", secs) .. string.format(".%03dZ", ms)
end

-- Parses "2025-01-01T00:00:00Z", "2025-01-01 00:00:00+00:00", with optional fraction and offset.
function clock.parse_iso(s)
  if type(s) ~= "string" then return nil end
  local y, mo, d, h, mi, sec, rest = s:match("^(%d%d%d%d)-(%d%d)-(%d%d)[T ](%d%d):(%d%d):(%d%d)(.*)$")
  if not y then
    y, mo, d = s:match("^(%d%d%d%d)-(%d%d)-(%d%d)$")
    if not y then return nil end
    h, mi, sec, rest = 0, 0, 0, "Z"
  end
  local t = days_from_civil(tonumber(y), tonumber(mo), tonumber(d)) * 86400
    + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(sec)
  local frac, zone = rest:match("^(%.%d+)(.*)$")
  if frac then t = t + tonumber("0" .. frac) else zone = rest end
  if zone == "Z" or zone == "" or zone == "z" then return t end
  local sign, zh, zm = zone:match("^([-+])(%d%d):?(%d%d)$")
  if not sign then return nil end
  local offset = tonumber(zh) * 3600 + tonumber(zm) * 60
  return sign == "+" and t - offset or t + offset
end

return clock
