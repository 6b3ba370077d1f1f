--- What the json specs share: encoding a body as the SDK does, and the usage error of a refused one.
local json = require("onesignal.json")

local M = {}

--- json.encode with the label a request body gets.
function M.encode(v) return json.encode(v, "onesignal.op: argument 'x'") end

--- Runs fn, which must raise a usage error (`{ usage = message }`); returns the message.
function M.usage_of(fn)
  local ok, err = pcall(fn)
  assert(not ok, "expected a usage error, got none")
  assert(type(err) == "table", "expected a usage error, got: " .. tostring(err))
  return err.usage
end

--- The UTF-8 bytes of code point cp (utf8.char is not in LuaJIT).
function M.utf8_char(cp)
  if cp < 0x80 then return string.char(cp) end
  if cp < 0x800 then return string.char(0xC0 + math.floor(cp / 0x40), 0x80 + cp % 0x40) end
  if cp < 0x10000 then
    return string.char(0xE0 + math.floor(cp / 0x1000), 0x80 + math.floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
  end
  return string.char(0xF0 + math.floor(cp / 0x40000), 0x80 + math.floor(cp / 0x1000) % 0x40,
    0x80 + math.floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
end

return M
