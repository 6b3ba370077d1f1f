--- Values typed on the command line. Every positional argument of the API is text (ids, labels, tokens),
-- so positional arguments are passed on as given. Query options that the API declares as integers or
-- booleans are checked here, so `--query limit=ten` is a usage error rather than a 400 from the server.
-- @module onesignal.cli.typed

local config = require("onesignal.config")
local quote = require("onesignal.quote")

local M = {}

--- Query options with a type other than text (OneSignal's OpenAPI spec), by wire name.
M.QUERY = require("onesignal.operations").query_types

local function fail(message) error({ usage = message }, 0) end

-- A word of the command line as a message quotes it (onesignal.quote), made only for the message.
local function quoted(text) return "'" .. quote.word(text) .. "'" end

--- The value of query option `name` from its text.
function M.query_value(name, text)
  local kind = M.QUERY[name]
  if kind == "integer" then
    if not text:match("^%-?%d+$") then fail("--query " .. name .. " must be an integer, got " .. quoted(text)) end
    -- Longer ones become floats (in Lua 5.4 past 2^63, in LuaJIT past 2^53) and would be sent as 1e+20.
    if #text:match("^%-?0*(%d+)$") > 15 then
      fail("--query " .. name .. " must be an integer of at most 15 digits, got " .. quoted(text))
    end
    return tonumber(text)
  elseif kind == "boolean" then
    if text ~= "true" and text ~= "false" then
      fail("--query " .. name .. " must be true or false, got " .. quoted(text))
    end
    return text == "true"
  end
  return text
end

--- A number flag, written in decimal digits (README): a count when `integer` (no fraction, at most `max`),
-- else seconds, which may have a fraction and are checked as the library checks every time it is given
-- (onesignal.config); `positive` refuses zero. tonumber alone took 1e1, 0x10 and " 5 ".
function M.number_flag(name, text, integer, positive, max)
  if integer then
    if not text:match("^%d+$") or (positive and tonumber(text) == 0) then
      fail("--" .. name .. " must be a " .. (positive and "positive " or "non-negative ")
        .. "integer (decimal digits), got " .. quoted(text))
    end
    -- Past 15 digits it is a float, which the library would name as one.
    if max and (#text:match("^0*(%d*)$") > 15 or tonumber(text) > max) then
      fail("--" .. name .. " must be at most " .. max .. ", got " .. quoted(text))
    end
    return tonumber(text)
  end
  -- A minus sign is taken for the range's message (a positive number of seconds).
  if not (text:match("^%-?%d+%.?%d*$") or text:match("^%-?%.%d+$")) then
    fail("--" .. name .. " must be a number of seconds in decimal digits (30 or 2.5), got " .. quoted(text))
  end
  local value = tonumber(text)
  local problem = config.seconds_problem(value, positive, quoted(text))
  if problem then fail("--" .. name .. " " .. problem) end
  return value
end

return M
