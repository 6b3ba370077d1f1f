--- JSON for request and response bodies: encoded with lua-cjson, decoded by the C core.
--
-- Plain Lua tables cannot say whether an empty table is `[]` or `{}`, and Debian's lua-cjson (2.1.0) has no
-- way to mark one, prints integers beyond 14 digits in exponent form and decodes every number as a float.
-- This module closes those gaps:
--   * an empty table is sent as `[]` where the API declares an array (field names in ARRAY_FIELDS, the values
--     of MAP_OF_ARRAYS fields such as `include_aliases`), or when it carries `array_mt`; `{}` otherwise;
--   * integers stay integers both ways (on Lua 5.4 decoded integral numbers come back as integers);
--   * bad values (functions, userdata, cycles, NaN, infinities, odd keys) are refused with the path to them.
-- Bodies are decoded by onesignal.core's json_decode (src/json_decode.c): lua-cjson's reading, strict about
-- numbers, with the integers made in the same pass.
-- @module onesignal.json

local cjson = require("cjson")
local core = require("onesignal.core")
local json_quick_walk, json_decode = core.json_quick_walk, core.json_decode

local M = {}

--- The value that stands for JSON `null`, both ways.
M.null = cjson.null

--- Metatable marking a table as a JSON array even when it is empty: `setmetatable({}, json.array_mt)`.
M.array_mt = { __name = "onesignal.array" }

-- Body fields the OpenAPI spec declares as arrays (any depth). An empty table in one of them is `[]`.
local ARRAY_FIELDS = {}
for name in ([[
  included_segments excluded_segments include_subscription_ids include_player_ids include_external_user_ids
  include_email_tokens include_phone_numbers include_ios_tokens include_wp_wns_uris include_amazon_reg_ids
  include_chrome_reg_ids include_chrome_web_reg_ids include_android_reg_ids email_to email_bcc filters buttons
  web_buttons sms_media_urls subscriptions events purchases ip_allowlist extra_fields included_segment_ids
  excluded_segment_ids entry_event_match_attributes attributes windows outcome_names app_ids actions actor_ids
  actor_emails target_types target_ids ip_addresses
]]):gmatch("%S+") do ARRAY_FIELDS[name] = true end

-- Object fields whose every value is an array (`include_aliases = { external_id = {...} }`).
local MAP_OF_ARRAYS = { include_aliases = true }

local encoder = cjson.new()

local math_type = math.type          -- nil on LuaJIT, where every number is a double
local huge = math.huge
local array_mt = M.array_mt
local MAX_DEPTH = 64

-- Values cjson cannot write as we need (empty arrays, numbers beyond its 14 digits, long string lists) are
-- swapped for a placeholder string while cjson encodes, then the placeholder's JSON text is replaced by the
-- exact text.
-- The NUL bytes make a placeholder impossible to meet in ordinary text; the random tag makes it unguessable.
local TAG = "onesignal." .. tostring({}):match("0x(%x+)") .. tostring(os.time())
-- cjson writes a NUL as \u0000, so a placeholder reads `"\u0000<TAG>.<n>\u0000"` in its output.
local PLACEHOLDER_PATTERN = '"\\u0000' .. TAG:gsub("%.", "%%.") .. '%.(%d+)\\u0000"'

local function placeholder(i) return "\0" .. TAG .. "." .. i .. "\0" end

-- The shortest text that reads back as exactly this number (cjson stops at 14 significant digits).
local function exact_number(n)
  if math_type and math_type(n) == "integer" then return string.format("%d", n) end
  for digits = 15, 17 do
    local text = string.format("%." .. digits .. "g", n)
    if tonumber(text) == n then return text end
  end
end

local function fits_14_digits(n)
  if math_type and math_type(n) == "integer" then return n < 1e14 and n > -1e14 end
  return tonumber(string.format("%.14g", n)) == n
end

-- "data.items[2].name" for the value at `depth` of the walk, "" for the top.
local function path_string(stack, depth)
  local parts = {}
  for i = 1, depth do
    local key = stack[i]
    if type(key) == "number" then
      parts[i] = "[" .. key .. "]"
    elseif type(key) ~= "string" then
      parts[i] = "[" .. type(key) .. " key]"
    else
      parts[i] = (i > 1 and "." or "") .. tostring(key)
    end
  end
  return table.concat(parts)
end

-- The careful walk, run only when something is wrong: finds the first value JSON cannot carry and raises
-- with the path to it. Returns normally when it finds nothing (then cjson's own message is used).
local function explain(value, state, depth)
  local t = type(value)
  if t == "table" then
    if state.open[value] then
      state.fail("is a cyclic table (it contains itself)", depth)
    end
    if depth > MAX_DEPTH then state.fail("is nested too deeply (more than " .. MAX_DEPTH .. " levels)", depth) end
    state.open[value] = true
    local stack = state.stack
    for k, v in pairs(value) do
      local kt = type(k)
      stack[depth + 1] = k
      if kt ~= "string" and kt ~= "number" then
        state.fail("has a key of type " .. kt .. " (JSON keys are strings)", depth + 1)
      end
      explain(v, state, depth + 1)
    end
    state.open[value] = nil
  elseif t == "number" then
    if value ~= value then state.fail("is NaN (not a number), which JSON cannot carry", depth) end
    if value == huge or value == -huge then state.fail("is infinite, which JSON cannot carry", depth) end
  elseif not (t == "string" or t == "boolean" or value == M.null) then
    state.fail("is a " .. t .. ", which JSON cannot carry", depth)
  end
end

local function fail_with_path(value, where, fallback)
  local state = { open = {}, stack = {} }
  function state.fail(problem, depth)
    local at = depth > 0 and (": field " .. path_string(state.stack, depth)) or ""
    error({ usage = where .. at .. " " .. problem }, 0)
  end
  explain(value, state, 0)
  error({ usage = where .. " cannot be encoded as JSON: " .. tostring(fallback) }, 0)
end

-- The quick walk, on every body (in C: onesignal.core's json_quick_walk): finds what cjson cannot write as
-- meant (empty tables that are arrays, numbers beyond 14 digits) and what it writes slowly (lists of 256
-- strings or more, such as a large audience, which the walk writes itself) and returns them as (table,
-- key, value, replacement JSON or false for a number) quadruples, or nil when there is none. Everything else cjson
-- checks itself while encoding. Returns false when it meets something wrong (NaN, infinity, more than
-- MAX_DEPTH levels — which is also what a cycle looks like), so the careful walk can say what.
local function quick_walk(value)
  local ok, swaps = json_quick_walk(value, ARRAY_FIELDS, MAP_OF_ARRAYS, array_mt, MAX_DEPTH)
  if swaps then
    for i = 4, #swaps, 4 do
      if not swaps[i] then swaps[i] = exact_number(swaps[i - 1]) end
    end
  end
  return ok, swaps
end

--- Encodes a request body. Raises `{ usage = message }` naming `where` (e.g. "create_notification: argument
-- 'notification'") and the path to the bad value when the value cannot be sent.
function M.encode(value, where)
  local vt = type(value)
  if vt ~= "table" then
    if vt == "number" and not fits_14_digits(value) then
      if value ~= value or value == huge or value == -huge then fail_with_path(value, where) end
      return exact_number(value)
    end
    local ok, text = pcall(encoder.encode, value)
    if not ok then fail_with_path(value, where, text) end
    return text
  end
  if next(value) == nil then return getmetatable(value) == array_mt and "[]" or "{}" end
  local ok, swaps = quick_walk(value)
  if not ok then fail_with_path(value, where) end
  local text
  if not swaps then
    ok, text = pcall(encoder.encode, value)
    if not ok then fail_with_path(value, where, text) end
    return text
  end
  -- Swap in the placeholders for the time of one encode (cjson calls no Lua code in between), then put
  -- the caller's own values back, whatever happened.
  local n = #swaps
  for i = 1, n, 4 do rawset(swaps[i], swaps[i + 1], placeholder(i)) end
  ok, text = pcall(encoder.encode, value)
  for i = 1, n, 4 do rawset(swaps[i], swaps[i + 1], swaps[i + 2]) end
  if not ok then fail_with_path(value, where, text) end
  return (text:gsub(PLACEHOLDER_PATTERN, function(i) return swaps[tonumber(i) + 3] end))
end

--- Decodes a response body. Returns the value, or nil and a message naming what is wrong and the byte where
-- it is. JSON `null` is `json.null`; on Lua 5.4 numbers with an integral value are integers.
function M.decode(text)
  local value, problem = json_decode(text)
  if problem then return nil, problem end
  return value
end

return M
