--- Error values returned by calls (`nil, err`), and the API's known messages: `onesignal.errors`.
--
-- An error is a plain table with a metatable: fields `kind` (`"api"`, `"network"`, `"timeout"`, `"tls"`,
-- `"decode"`, `"io"`), `status`, `messages` (flat list of strings), `body`, `headers`, `attempts`,
-- `retry_after`, `maybe_sent`, `gave_up`, `idempotency_key`, `reason`, `operation`, `method`, `path`,
-- `message` (README, Errors, says what each holds). `tostring(err)` gives one line without any key, the
-- server's words cut after 500 bytes; `err:has(message)` looks for one of the messages below.
-- @module onesignal.errors

local json = require("onesignal.json")

local M = {}

--- Known messages.
-- Messages the live API returns verbatim, by name, for tests like `err:has(errors.INVALID_API_KEY)`.
-- @section messages

--- The API's answer to a request whose key is missing or wrong.
M.INVALID_API_KEY = "Access denied.  Please include an 'Authorization: ...' header with a valid API key"
  .. " (https://documentation.onesignal.com/docs/en/keys-and-ids#api-keys)."
--- The API's answer about a notification id it does not know (`get_notification`,
-- `cancel_notification`, ...).
M.NOTIFICATION_NOT_FOUND = "Notification not found"
--- Not an error's message but one of the `errors` of a create_notification answer that sent nothing (a 200
-- with an empty `id`): none of the recipients it targeted is subscribed. `onesignal.errors.messages(body)`
-- lists it.
M.NO_SUBSCRIBERS = "All included players are not subscribed"
--- The API's answer to a create_notification that names no recipients (no segments, aliases,
-- subscriptions or filters).
M.NO_TARGETING_SPECIFIED = "You must include which players, segments, or tags you wish to send this"
  .. " notification to."
--- The API's message when it refuses requests for a while (503 Service Unavailable, which calls retry).
M.SERVICE_UNAVAILABLE = "Service temporarily unavailable"

--- Functions.
-- @section functions

local Error = {}
Error.__index = Error

--- Whether `message` is one of the error's messages: `err:has(onesignal.errors.INVALID_API_KEY)`.
-- @string message
-- @treturn boolean
function Error:has(message)
  for _, m in ipairs(self.messages) do
    if m == message then return true end
  end
  return false
end

local function plural(n, word) return n .. " " .. word .. (n == 1 and "" or "s") end

-- Seconds as people write them, to a tenth: "120", "1.5" (the core hands every duration over as a float,
-- which Lua 5.4 would print as "120.0"; %.1f would print "1,5" under a decimal-comma C locale).
local function seconds(n) return json.number_text(n, 1) end

-- (one_line below; local, as tostring(err) calls it.)
local function one_line(text)
  -- Named bytes rather than %c, whose meaning follows the C locale.
  return (text:gsub("\194[\128-\159]", "\0"):gsub("[%z\1-\31\127]+", " "))
end
--- Text from outside (the server's messages) as part of one line, as `tostring(err)` prints it: each run of
-- control characters becomes one space, the C0 ones and DEL and, encoded in UTF-8, the C1 ones
-- (U+0080-U+009F: U+009B is CSI, which starts an escape sequence on terminals that honour it).
-- @function one_line
-- @string text
-- @treturn string the text on one line
M.one_line = one_line

-- `line` cut to at most `max` bytes and "…": before a character, not inside one (a message that is not
-- UTF-8 could not go into a JSON log or a body, and shows as a broken character). A character has at most
-- three continuation bytes (text that is not UTF-8 may have any number in a row).
local function shorten(line, max)
  if #line <= max then return line end
  local cut = max
  while cut > max - 3 and line:byte(cut + 1) >= 0x80 and line:byte(cut + 1) < 0xC0 do cut = cut - 1 end
  return line:sub(1, cut) .. "…"
end

-- tostring(err) is a log line: the server's words are cut there (a 400 can list thousands of invalid ids),
-- and kept whole in err.messages and err.body.
local MAX_DETAIL = 500

function Error:__tostring()
  local parts = { "onesignal: ", self.operation or "request", " failed: " }
  if self.kind == "api" then
    parts[#parts + 1] = "HTTP " .. tostring(self.status)
  else
    parts[#parts + 1] = self.kind .. " error"
    if self.reason then parts[#parts + 1] = " (" .. self.reason .. ")" end
  end
  local detail = self.messages[1] and table.concat(self.messages, "; ") or self.message
  if detail and detail ~= "" then
    parts[#parts + 1] = ": " .. shorten(one_line(detail), MAX_DETAIL)
  end
  parts[#parts + 1] = " [" .. plural(self.attempts or 1, "attempt")
  if self.retry_after then parts[#parts + 1] = "; retry after " .. seconds(self.retry_after) .. " s" end
  if self.maybe_sent then parts[#parts + 1] = "; the request may have been applied" end
  parts[#parts + 1] = "]"
  return table.concat(parts)
end

--- Makes an error value from its fields (the library's own errors).
-- @local
function M.new(fields)
  fields.messages = fields.messages or {}
  return setmetatable(fields, Error)
end

--- Whether `value` is an error value of this library, such as a call's `err`.
-- @param value anything
-- @treturn boolean
function M.is_error(value)
  return getmetatable(value) == Error
end

-- A message is always a string: decoded JSON may hold null (a userdata), numbers or tables where text is
-- expected, and anything but a string in `messages` would make tostring(err) raise.
local function scalar(value)
  local t = type(value)
  if t == "string" then return value end
  if t == "number" or t == "boolean" then return tostring(value) end
end

local function describe(value)
  if type(value) == "table" then
    return scalar(value.title) or scalar(value.message) or scalar(value.detail) or scalar(value.code)
  end
  return scalar(value)
end

local function add_all(out, list)
  for _, item in ipairs(list) do
    local text = describe(item)
    if text then out[#out + 1] = text end
  end
end

local function sorted_keys(map)
  local keys = {}
  for k in pairs(map) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  return keys
end

-- The text of one value under a key of an errors map: a list as its items, a map (such as
-- `{"invalid_aliases": {"external_id": ["a", "b"]}}`) as its own keys and values, a few levels deep.
local function entry(value, depth)
  local text = describe(value)
  if text or type(value) ~= "table" or depth > 3 then return text end
  local texts = {}
  if value[1] ~= nil then
    add_all(texts, value)
    return texts[1] and table.concat(texts, ", ") or nil
  end
  for _, k in ipairs(sorted_keys(value)) do
    local inner = entry(value[k], depth + 1)
    if inner then texts[#texts + 1] = k .. ": " .. inner end
  end
  return texts[1] and table.concat(texts, "; ") or nil
end

-- Text of an HTML or plain-text page, squeezed to one short line.
local function page_summary(text)
  local title = text:match("<[Tt][Ii][Tt][Ll][Ee]>(.-)</[Tt][Ii][Tt][Ll][Ee]>")
  local line = (title or text):gsub("<[^>]*>", " "):gsub("%s+", " "):match("^%s*(.-)%s*$")
  return shorten(line, 200)
end

-- Fields of one error object (`{"message": …, "code": …}`, as the items of an errors list are).
local ERROR_OBJECT_FIELDS = { title = true, message = true, detail = true, code = true, status = true,
  type = true, id = true, meta = true, source = true, reference = true }

-- Whether a map under `errors` or `error` is one error object rather than a map of keys to their errors:
-- it has words (a title, message or detail) and only the fields an error object has.
local function is_error_object(map)
  if not (scalar(map.title) or scalar(map.message) or scalar(map.detail)) then return false end
  for k in pairs(map) do
    if not ERROR_OBJECT_FIELDS[k] then return false end
  end
  return true
end

-- Adds the messages of one envelope's value (`errors` or `error`) to `out`.
local function add_envelope(out, errs)
  if type(errs) == "string" then
    if errs ~= "" then out[#out + 1] = errs end
  elseif type(errs) == "table" then
    if errs[1] ~= nil then
      add_all(out, errs)
    elseif is_error_object(errs) then
      out[#out + 1] = describe(errs)
    else
      for _, k in ipairs(sorted_keys(errs)) do
        out[#out + 1] = k .. ": " .. (entry(errs[k], 1) or "invalid")
      end
    end
  end
end

--- Flattens every error envelope the API uses into a list of strings:
-- `{"errors":["…"]}`, `{"errors":"…"}`, `{"errors":[{"code":…,"title":…}]}`, `{"errors":{key: value}}`,
-- the same under `"error"` (an object with a `title`, `message` or `detail` as one error),
-- `{"message": …}` and `{"success":false}` without errors, as `err.messages` is made. For a page of HTML
-- or text, its title, or else its text cut to 200 bytes.
-- @param body a decoded body (a table), or the raw text when it is not JSON
-- @treturn {string,...} the messages, an empty list when there are none
function M.messages(body)
  local out = {}
  if type(body) == "string" then
    if body ~= "" then out[1] = page_summary(body) end
    return out
  end
  if type(body) ~= "table" then return out end
  -- `error` when `errors` says nothing: `{"errors":null,"error":"…"}`, `{"errors":[],"error":"…"}`, "".
  add_envelope(out, body.errors)
  if #out == 0 then add_envelope(out, body.error) end
  if #out == 0 and type(body.message) == "string" then out[1] = body.message end
  if #out == 0 and body.success == false then out[1] = "the API answered success: false" end
  return out
end

return M
