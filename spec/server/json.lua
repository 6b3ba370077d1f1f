-- JSON for the test server.
--
-- Debian's lua-cjson 2.1.0 cannot tell an empty array from an empty object, and the server echoes
-- stored documents back (tags, nodes, filters...), so arrays and objects must survive a round trip.
-- decode() marks every table it builds with ARRAY or OBJECT; encode() honours the marks and guesses
-- only for unmarked tables built by handlers (empty unmarked tables become objects: use
-- json.array() where an empty array is meant).
local json = {}

local ARRAY = { __jsontype = "array" }
local OBJECT = { __jsontype = "object" }

-- JSON null: a unique value, so `{"tag": null}` can be told from an absent key.
json.null = setmetatable({}, { __tostring = function() return "null" end, __jsontype = "null" })

function json.array(t)
  return setmetatable(t or {}, ARRAY)
end

function json.object(t)
  return setmetatable(t or {}, OBJECT)
end

function json.is_array(v)
  return type(v) == "table" and getmetatable(v) == ARRAY
end

function json.is_object(v)
  return type(v) == "table" and v ~= json.null and getmetatable(v) ~= ARRAY
end

---------------------------------------------------------------------------------------------------
-- decoding

local byte, sub, find, char = string.byte, string.sub, string.find, string.char
local tonumber = tonumber

local escapes = {
  [34] = '"', [92] = "\\", [47] = "/", [98] = "\b", [102] = "\f", [110] = "\n", [114] = "\r", [116] = "\t",
}

local function utf8_char(cp)
  if cp < 0x80 then
    return char(cp)
  elseif cp < 0x800 then
    return char(0xC0 + math.floor(cp / 0x40), 0x80 + cp % 0x40)
  elseif cp < 0x10000 then
    return char(0xE0 + math.floor(cp / 0x1000), 0x80 + math.floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
  end
  return char(0xF0 + math.floor(cp / 0x40000), 0x80 + math.floor(cp / 0x1000) % 0x40,
    0x80 + math.floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
end

local function fail(_, pos, what)
  error({ json_error = string.format("%s at byte %d", what, pos) }, 0)
end

local function skip_ws(s, pos)
  local _, e = find(s, "^[ \t\r\n]*", pos)
  return e + 1
end

local decode_value -- forward

local function decode_string(s, pos)
  -- pos is just after the opening quote
  local parts, n = {}, 0
  while true do
    local i = find(s, '["\\%c]', pos)
    if not i then fail(s, pos, "unterminated string") end
    if i > pos then n = n + 1; parts[n] = sub(s, pos, i - 1) end
    local c = byte(s, i)
    if c == 34 then
      return table.concat(parts), i + 1
    elseif c == 92 then
      local e = byte(s, i + 1)
      if e == 117 then
        local hex = sub(s, i + 2, i + 5)
        if not find(hex, "^%x%x%x%x$") then fail(s, i, "bad \\u escape") end
        local cp = tonumber(hex, 16)
        pos = i + 6
        if cp >= 0xD800 and cp <= 0xDBFF then
          local lo = find(s, "^\\u[dD][c-fC-F]%x%x", pos) and tonumber(sub(s, pos + 2, pos + 5), 16)
          if not lo then fail(s, pos, "lone surrogate") end
          cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
          pos = pos + 6
        end
        n = n + 1; parts[n] = utf8_char(cp)
      elseif e and escapes[e] then
        n = n + 1; parts[n] = escapes[e]
        pos = i + 2
      else
        fail(s, i, "bad escape")
      end
    elseif c == 127 then -- DEL is a legal string character; %c merely matched it
      n = n + 1; parts[n] = "\127"
      pos = i + 1
    else
      fail(s, i, "control character in string")
    end
  end
end

local function decode_number(s, pos)
  local _, e = find(s, "^-?%d+", pos)
  if not e then fail(s, pos, "unexpected character") end
  if find(s, "^-?0%d", pos) then fail(s, pos, "leading zero") end
  local _, fe = find(s, "^%.%d+", e + 1)
  if fe then e = fe end
  local _, ee = find(s, "^[eE][-+]?%d+", e + 1)
  if ee then e = ee end
  return tonumber(sub(s, pos, e)), e + 1
end

local literals = { t = { "true", true }, f = { "false", false }, n = { "null", json.null } }

local function decode_array(s, pos, depth)
  local out, n = setmetatable({}, ARRAY), 0
  pos = skip_ws(s, pos)
  if byte(s, pos) == 93 then return out, pos + 1 end
  while true do
    local v
    v, pos = decode_value(s, pos, depth)
    n = n + 1; out[n] = v
    pos = skip_ws(s, pos)
    local c = byte(s, pos)
    if c == 93 then return out, pos + 1 end
    if c ~= 44 then fail(s, pos, "expected ',' or ']'") end
    pos = pos + 1
  end
end

local function decode_object(s, pos, depth)
  local out = setmetatable({}, OBJECT)
  pos = skip_ws(s, pos)
  if byte(s, pos) == 125 then return out, pos + 1 end
  while true do
    if byte(s, pos) ~= 34 then fail(s, pos, "expected string key") end
    local k
    k, pos = decode_string(s, pos + 1)
    pos = skip_ws(s, pos)
    if byte(s, pos) ~= 58 then fail(s, pos, "expected ':'") end
    local v
    v, pos = decode_value(s, pos + 1, depth)
    out[k] = v
    pos = skip_ws(s, pos)
    local c = byte(s, pos)
    if c == 125 then return out, pos + 1 end
    if c ~= 44 then fail(s, pos, "expected ',' or '}'") end
    pos = skip_ws(s, pos + 1)
  end
end

decode_value = function(s, pos, depth)
  if depth > 200 then fail(s, pos, "nesting too deep") end
  pos = skip_ws(s, pos)
  local c = byte(s, pos)
  if c == 123 then return decode_object(s, pos + 1, depth + 1) end
  if c == 91 then return decode_array(s, pos + 1, depth + 1) end
  if c == 34 then return decode_string(s, pos + 1) end
  local lit = c and literals[char(c)]
  if lit then
    if sub(s, pos, pos + #lit[1] - 1) ~= lit[1] then fail(s, pos, "bad literal") end
    return lit[2], pos + #lit[1]
  end
  if not c then fail(s, pos, "unexpected end") end
  return decode_number(s, pos)
end

-- Returns value or nil, message. Never raises.
function json.decode(s)
  if type(s) ~= "string" then return nil, "not a string" end
  local ok, v, pos = pcall(decode_value, s, 1, 0)
  if not ok then
    return nil, type(v) == "table" and v.json_error or tostring(v)
  end
  pos = skip_ws(s, pos)
  if pos <= #s then return nil, string.format("trailing data at byte %d", pos) end
  return v
end

---------------------------------------------------------------------------------------------------
-- encoding

local function escape_char(c)
  local map = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
    ["\b"] = "\\b", ["\f"] = "\\f" }
  return map[c] or string.format("\\u%04x", byte(c))
end

local function encode_string(s)
  return '"' .. s:gsub('[%c"\\]', escape_char) .. '"'
end

local function encode_number(n)
  if n ~= n or n == math.huge or n == -math.huge then return "null" end
  if n == math.floor(n) and n > -2 ^ 53 and n < 2 ^ 53 then
    return string.format("%d", n)
  end
  local s = string.format("%.14g", n)
  if tonumber(s) ~= n then s = string.format("%.17g", n) end
  return s
end

local function looks_like_array(t)
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local encode_value -- forward

local function encode_table(t, out, depth)
  if depth > 200 then error("json.encode: nesting too deep") end
  local mt = getmetatable(t)
  local is_array
  if mt == ARRAY then is_array = true elseif mt == OBJECT then is_array = false
  else is_array = looks_like_array(t) end
  if is_array then
    out[#out + 1] = "["
    for i = 1, #t do
      if i > 1 then out[#out + 1] = "," end
      encode_value(t[i], out, depth + 1)
    end
    out[#out + 1] = "]"
    return
  end
  local keys = {}
  for k in pairs(t) do
    if type(k) == "string" then keys[#keys + 1] = k
    elseif type(k) == "number" then keys[#keys + 1] = tostring(k) end
  end
  table.sort(keys)
  out[#out + 1] = "{"
  for i, k in ipairs(keys) do
    if i > 1 then out[#out + 1] = "," end
    out[#out + 1] = encode_string(k)
    out[#out + 1] = ":"
    local v = t[k]
    if v == nil then v = t[tonumber(k)] end
    encode_value(v, out, depth + 1)
  end
  out[#out + 1] = "}"
end

encode_value = function(v, out, depth)
  local tv = type(v)
  if v == nil or v == json.null then out[#out + 1] = "null"
  elseif tv == "string" then out[#out + 1] = encode_string(v)
  elseif tv == "number" then out[#out + 1] = encode_number(v)
  elseif tv == "boolean" then out[#out + 1] = v and "true" or "false"
  elseif tv == "table" then encode_table(v, out, depth)
  else out[#out + 1] = "null" end
end

function json.encode(v)
  local out = {}
  encode_value(v, out, 0)
  return table.concat(out)
end

-- Deep copy that keeps the array/object marks (stored documents must not alias request bodies).
function json.copy(v)
  if type(v) ~= "table" or v == json.null then return v end
  local out = setmetatable({}, getmetatable(v))
  for k, x in pairs(v) do out[k] = json.copy(x) end
  return out
end

return json
