--- JSON text for the command line: answers are re-indented as text, never decoded and re-encoded, so key
-- order, numbers and `[]` versus `{}` stay exactly as the server sent them; `--json` input is decoded
-- keeping `[]` apart from `{}`, which a decoded Lua table alone cannot tell.
-- @module onesignal.cli.json_text

local json = require("onesignal.json")

local M = {}

-- Index of the quote that closes the string opening at `from`, or nil when the text ends first.
local function string_end(text, from)
  local at = from + 1
  while true do
    local k = text:find('["\\]', at)
    if not k then return nil end
    if text:byte(k) == 92 then at = k + 2 else return k end
  end
end

--- Lays out JSON text with `indent` (e.g. "  ") per level, or on one line when `indent` is nil; a control
-- character raw in a string becomes its \u escape. Text that is not JSON comes back unchanged.
function M.format(text, indent)
  local out, depth, at, n = {}, 0, 1, #text
  local function newline()
    if indent then out[#out + 1] = "\n" .. string.rep(indent, depth) end
  end
  while at <= n do
    local s = text:find('[{}%[%],:"]', at)
    local literal = text:sub(at, (s or n + 1) - 1):gsub("%s+", "")
    if literal ~= "" then out[#out + 1] = literal end
    if not s then break end
    local c = text:sub(s, s)
    if c == '"' then
      local e = string_end(text, s)
      if not e then return text end
      -- A control character left raw is not JSON, though decoders take it: written as its escape, it
      -- cannot move a terminal's cursor, and `| jq` reads the answer.
      out[#out + 1] = text:sub(s, e):gsub("[%z\1-\31]", function(raw) return string.format("\\u%04x", raw:byte()) end)
      at = e + 1
    elseif c == "{" or c == "[" then
      local close = c == "{" and "}" or "]"
      local k = text:find("%S", s + 1)
      if k and text:sub(k, k) == close then
        out[#out + 1] = c .. close
        at = k + 1
      else
        depth = depth + 1
        out[#out + 1] = c
        newline()
        at = s + 1
      end
    elseif c == "}" or c == "]" then
      depth = depth - 1
      newline()
      out[#out + 1] = c
      at = s + 1
    elseif c == "," then
      out[#out + 1] = ","
      newline()
      at = s + 1
    else
      out[#out + 1] = indent and ": " or ":"
      at = s + 1
    end
  end
  return table.concat(out)
end

--- The texts of the items of the array in field `field` of the JSON object `text`, as the server wrote
-- them (a list of strings), or nil when the object has no such array (`null` there, say). Used by --all,
-- which prints the items of every page without decoding and encoding them again.
function M.items(text, field)
  local name = '"' .. field .. '"'
  local depth, at, last, key = 0, 1, nil, nil
  local found, current, from -- current: the items of the field's array while the scan is inside it
  while true do
    local s = text:find('[{}%[%],:"]', at)
    if not s then return found end
    local c = text:sub(s, s)
    at = s + 1
    if c == '"' then
      local e = string_end(text, s)
      if not e then return nil end
      if depth == 1 then last = text:sub(s, e) end
      at = e + 1
    elseif c == ":" then
      if depth == 1 then key = last end
    elseif c == "{" or c == "[" then
      depth = depth + 1
      if depth == 2 and c == "[" and key == name then current, from = {}, s + 1 end
    elseif c == "," or c == "}" or c == "]" then
      if current and depth == 2 then
        local item = text:sub(from, s - 1):match("^%s*(.-)%s*$")
        if item ~= "" then current[#current + 1] = item end
        from = s + 1
        if c == "]" then found, current = current, nil end -- the last one wins, as in a decoder
      end
      if c ~= "," then depth = depth - 1 elseif depth == 1 then key = nil end
    end
  end
end

--- Decodes JSON text; an empty array comes back marked as one (`json.array_mt`: json.decode marks it), so
-- it is sent as `[]`. Returns the value, or nil and a message naming the byte of the text given.
M.decode = json.decode

return M
