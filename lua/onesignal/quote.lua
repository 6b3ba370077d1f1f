--- How an error message shows a name the caller gave: a table's key (an option's, a setting's, a body
-- field's) or an operation's name. Messages go to logs and terminals, and the name is the caller's bytes.
--
-- * One line: control characters are escaped as in a Lua string (\n, \r, \t, \xHH; the C1 ones,
--   U+0080-U+009F, as \u{HH}: U+009B starts escape sequences on terminals that honour it; the bytes
--   errors.one_line takes out of server text). Text that is not UTF-8 has each byte above 0x7F escaped
--   as \xHH (a JSON log could not carry it, and a lone 0x9B is that CSI on 8-bit terminals).
-- * A name longer than MAX bytes is shown by its length alone: any part of it could be part of an API key
--   put there by mistake, which redaction takes out only whole.
-- * `redact` (optional, the client's): takes a whole key shown out of the name.
--
-- It requires only the C core: json.lua, which errors.lua and config.lua require, uses it too.
-- @module onesignal.quote

local utf8_error = require("onesignal.core").utf8_error

local M = {}

--- The longest name shown as it is.
M.MAX = 64

local NAMED_CONTROL = { ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
local function control_escape(c) return NAMED_CONTROL[c] or string.format("\\x%02X", c:byte()) end
local function c1_escape(c) return string.format("\\u{%X}", c:byte(2)) end
local function byte_escape(c) return string.format("\\x%02X", c:byte()) end

-- `text` on one line (see above), whatever its length.
local function escaped(text)
  if utf8_error(text) then text = text:gsub("[\128-\255]", byte_escape) end
  return (text:gsub("[%z\1-\31\127]", control_escape):gsub("\194[\128-\159]", c1_escape))
end

-- `length`: the caller's text's own, when `text` is an escaped form of it.
local function shown(text, noun, redact, length)
  length = length or #text
  if length > M.MAX then return "<a " .. noun .. " of " .. length .. " bytes>" end
  text = escaped(text)
  if redact then text = redact(text) end
  return text
end

--- A table's key as a message shows it. A number or boolean is shown as Lua writes it; any other value
-- that is no string by its type alone (a table's __tostring is the caller's code, and may return anything).
function M.key(k, redact)
  local t = type(k)
  if t == "string" then return shown(k, "key", redact) end
  if t == "number" or t == "boolean" then return tostring(k) end
  return "<a " .. t .. ">"
end

--- A string key as one step of a body path after `.`, or in brackets and quotes where it would read as
-- more than one step, an index or nothing: `a.b` is the key "b" of the key "a", `["a.b"]` one key.
-- Returns the text and whether it is bracketed (then no `.` goes before it). `\` and `"` inside the
-- quotes are escaped as in a Lua string, before the control characters.
function M.path_key(k)
  if #k <= M.MAX and (k == "" or k:find('[%.%[%]"\\%s]')) then
    return '["' .. shown((k:gsub('[\\"]', "\\%0")), "key", nil, #k) .. '"]', true
  end
  return shown(k, "key"), false
end

--- A name given as a string argument (an operation's), as a message shows it; by its type when it is none.
function M.name(name, redact)
  if type(name) == "string" then return shown(name, "name", redact) end
  return M.key(name)
end

--- A word of the command line (an operation's or a flag's name, a value), as the CLI's usage errors show
-- it. The CLI takes its keys out of the whole message, so none is given here.
function M.word(word)
  return shown(word, "word")
end

--- A file's name as the CLI's messages show it: on one line, as a word is, but whole however long (a path is
-- no place for a key, and a long one is still the one to fix).
M.file_name = escaped

return M
