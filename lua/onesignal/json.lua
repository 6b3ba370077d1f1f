--- JSON for request and response bodies.
--
-- Plain Lua tables cannot say whether an empty table is `[]` or `{}`, and Debian's lua-cjson (2.1.0) has no
-- way to mark one, prints integers beyond 14 digits in exponent form and decodes every number as a float.
-- Bodies are therefore written and read by the C core (onesignal.core's json_encode and json_decode), in
-- lua-cjson's shapes:
--   * an empty table is sent as `[]` where the API declares an array (field names in ARRAY_FIELDS, the values
--     of MAP_OF_ARRAYS fields such as `include_aliases`), or when it carries `array_mt`; `{}` otherwise;
--   * integers stay integers both ways (on Lua 5.4 decoded integral numbers come back as integers);
--   * bad values (functions, userdata, cycles, NaN, infinities, odd keys, strings and keys that are not
--     well-formed UTF-8) are refused with the path to them.
-- @module onesignal.json

local cjson = require("cjson")
local core = require("onesignal.core")
local json_encode = core.json_encode
local json_encode_body = core.json_encode_body
local utf8_error = core.utf8_error
local too_sparse = core.json_sparse -- lua-cjson's rule for arrays with holes, the one the writer applies
-- A string key as a path shows it (onesignal.quote: on one line, a long key by its length alone, one that
-- would read as more than one step in brackets; the client takes a whole API key out of the message,
-- usage.rethrow). A key that is not valid UTF-8 is never shown (explain stops above it).
local path_key = require("onesignal.quote").path_key
local order = require("onesignal.order")

local M = {}

--- The value that stands for JSON `null`, both ways.
M.null = cjson.null

--- Metatable marking a table as a JSON array even when it is empty: `setmetatable({}, json.array_mt)`.
M.array_mt = { __name = "onesignal.array" }

-- OpenResty's lua-cjson marks empty arrays its own ways, which its users write by habit: `cjson.empty_array`
-- (a light userdata) and tables with `cjson.array_mt` or `cjson.empty_array_mt`. Where the loaded cjson has
-- them, the writer takes them as `[]` too (Debian's lua-cjson 2.1.0 has none of them).
local function of_type(value, wanted) if type(value) == wanted then return value end end
local EMPTY_ARRAY = of_type(cjson.empty_array, "userdata")
core.json_cjson_marks(EMPTY_ARRAY, of_type(cjson.array_mt, "table"), of_type(cjson.empty_array_mt, "table"))

-- Body fields the OpenAPI spec declares as arrays (any depth). An empty table in one of them is `[]`.
local ARRAY_FIELDS = {}
for name in ([[
  included_segments excluded_segments include_subscription_ids include_player_ids include_external_user_ids
  include_email_tokens include_phone_numbers include_ios_tokens include_wp_wns_uris include_amazon_reg_ids
  include_chrome_reg_ids include_chrome_web_reg_ids include_android_reg_ids email_to email_bcc filters buttons
  web_buttons sms_media_urls subscriptions events purchases ip_allowlist extra_fields included_segment_ids
  excluded_segment_ids entry_event_match_attributes attributes windows outcome_names app_ids actions actor_ids
  actor_emails target_types target_ids ip_addresses nodes branches
]]):gmatch("%S+") do ARRAY_FIELDS[name] = true end

-- Object fields whose every value is an array (`include_aliases = { external_id = {...} }`).
local MAP_OF_ARRAYS = { include_aliases = true }

local huge = math.huge
local array_mt = M.array_mt
-- Arrays and objects inside one another, the outermost included: as many as json.decode reads
-- (src/json_decode.c's MAX_DEPTH), so that whatever an answer held can be sent back. The writer is told the
-- depth of the innermost, the outermost being at 0.
local MAX_NESTING = 1000
local MAX_DEPTH = MAX_NESTING - 1

-- The text the writer gives the number n (as a value, or as a key, which it writes as a string).
local function written(n)
  return json_encode(n, ARRAY_FIELDS, MAP_OF_ARRAYS, array_mt, MAX_DEPTH)
end

-- "data.items[2].name" for the value at `depth` of the walk, "" for the top.
local function path_string(stack, depth)
  local parts = {}
  for i = 1, depth do
    local key = stack[i]
    if type(key) == "number" then
      parts[i] = "[" .. (written(key) or tostring(key)) .. "]"
    elseif type(key) ~= "string" then
      parts[i] = "[" .. type(key) .. " key]"
    else
      local text, bracketed = path_key(key)
      parts[i] = (i > 1 and not bracketed and "." or "") .. text
    end
  end
  return table.concat(parts)
end

-- The careful walk, run only when something is wrong: finds the first value JSON cannot carry and raises
-- with the path to it. Returns normally when it finds nothing (then the writer's own reason is used).
local function explain(value, state, depth)
  local t = type(value)
  if t == "table" then
    if state.open[value] then
      state.fail("is a cyclic table (it contains itself)", depth)
    end
    if depth > MAX_DEPTH then
      state.fail("is nested too deeply (more than " .. MAX_NESTING .. " arrays and objects inside one another)", depth)
    end
    local last, items = too_sparse(value)
    if last then
      state.fail("is an array with too many holes (" .. items .. (items == 1 and " value" or " values")
        .. " up to index " .. M.number_text(last) .. "): fill them with onesignal.null, or use string keys",
        depth)
    end
    state.open[value] = true
    local stack = state.stack
    -- Raw, as the writer reads it (pairs would call a __pairs); in a fixed order (onesignal.order), so of two
    -- bad fields the same is named on every run (next's order changes with the string hash's seed).
    for _, k in ipairs(order.keys(value, true)) do
      local v = rawget(value, k)
      local kt = type(k)
      stack[depth + 1] = k
      if kt ~= "string" and kt ~= "number" then
        state.fail("has a key of type " .. kt .. " (JSON keys are strings)", depth + 1)
      end
      -- Named by where it breaks, never printed: its bytes are what is wrong (and the path stops above it).
      local bad = kt == "string" and utf8_error(k)
      if bad then state.fail("has a key that is not valid UTF-8 (byte " .. bad .. " of the key)", depth) end
      if k == huge or k == -huge then state.fail("has an infinite key, which JSON cannot carry", depth) end
      if kt == "number" then
        -- A number key is written as a string: one the table also has would be a name given twice.
        local text = written(k)
        if rawget(value, text) ~= nil then
          state.fail("has both the number key " .. text .. " and the string key \"" .. text .. "\", which JSON"
            .. " writes as the same name", depth)
        end
      end
      explain(v, state, depth + 1)
    end
    state.open[value] = nil
  elseif t == "number" then
    if value ~= value then state.fail("is NaN (not a number), which JSON cannot carry", depth) end
    if value == huge or value == -huge then state.fail("is infinite, which JSON cannot carry", depth) end
  elseif t == "string" then
    local bad = utf8_error(value)
    if bad then state.fail("is not valid UTF-8 (byte " .. bad .. "), which JSON cannot carry", depth) end
  elseif not (t == "boolean" or value == M.null or (value == EMPTY_ARRAY and value ~= nil)) then
    state.fail("is a " .. t .. ", which JSON cannot carry", depth)
  end
end

local function fail_with_path(value, where, fallback)
  local state = { open = {}, stack = {} }
  function state.fail(problem, depth)
    local at = depth > 0 and (": field " .. path_string(state.stack, depth)) or ""
    -- `quoted`: the message quotes the caller's field names (see usage.rethrow).
    error({ usage = where .. at .. " " .. problem, quoted = depth > 0 }, 0)
  end
  explain(value, state, 0)
  error({ usage = where .. " cannot be encoded as JSON: " .. tostring(fallback) }, 0)
end

--- Encodes a request body (in C: onesignal.core's json_encode, one pass that writes the text). Raises
-- `{ usage = message }` naming `where` (e.g. "create_notification: argument 'notification'") and the path to
-- the bad value when the value cannot be sent. Optional `name, value` string pairs after `where` are members
-- written in front of the table's own (a nil value leaves its pair out); the table itself is not changed.
function M.encode(value, where, ...)
  local text, problem = json_encode(value, ARRAY_FIELDS, MAP_OF_ARRAYS, array_mt, MAX_DEPTH, ...)
  if text then return text end
  fail_with_path(value, where, problem)
end

--- `encode` for a request's `body`: a text of 64 KiB or more comes out as a large text, a userdata owning
-- the text in C memory (`#` is its length in bytes, `tostring` the text; docs/design.md, `req`'s `body`),
-- which the libcurl transport sends without a Lua string of it ever being made. LuaJIT maps fresh memory for
-- every string of 128 KiB or more, and a large body is encoded afresh for every call.
function M.encode_body(value, where, ...)
  local text, problem = json_encode_body(value, ARRAY_FIELDS, MAP_OF_ARRAYS, array_mt, MAX_DEPTH, ...)
  if text then return text end
  fail_with_path(value, where, problem)
end

--- The length in bytes from which `encode_body` gives a large text (64 KiB).
M.LARGE = core.json_large

--- The text of a request body as a Lua string (a string as it is, a large text copied out); nil for
-- anything else.
M.body_text = core.json_text

--- Frees a large text now (anything else: nothing): a call is done with its body, and the collector, which
-- does not see the text's size, might keep it for long. Only once no transfer reads it any more.
M.release = core.json_release

--- A number for a message, as a JSON body writes it (the shortest text that reads back as it, with '.'
-- whatever the C locale: tostring and %g would write 1.5 as "1,5" under a decimal comma), an integral
-- one without a fraction; NaN and the infinities, which JSON has not, as Lua names them ("nan": Lua 5.3
-- and 5.4 print the sign of a NaN, which 0/0 has set on x86, and "got -nan" reads as a negative number).
-- `places` (optional): rounded to that many decimals first.
function M.number_text(n, places)
  if places then n = math.floor(n * 10 ^ places + 0.5) / 10 ^ places end
  if n ~= n then return "nan" end
  if n == math.huge or n == -math.huge then return tostring(n) end
  if n == math.floor(n) and n >= -2 ^ 63 and n < 2 ^ 63 then return string.format("%d", n) end
  return M.encode(n, "")
end

--- Decodes a response body (a string). Returns the value, or nil and a message naming what is wrong and the
-- byte where it is. JSON `null` is `json.null`; on Lua 5.4 numbers with an integral value are integers; an
-- empty array carries `array_mt`, so a decoded answer sent back (read, modify, write) writes `[]` where it
-- had `[]`, whatever the field's name (non-empty arrays are arrays by their keys already).
-- In C (onesignal.core's json_decode): lua-cjson's reading, strict about numbers, the integers made in the
-- same pass; a closure holding `array_mt`, made here once, so a call costs what core.json_decode costs.
M.decode = core.json_decoder(array_mt)

return M
