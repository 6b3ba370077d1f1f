-- Response envelopes of the API's two error families.
local json = require("server.json")

local reply = {}

-- Classic endpoints (notifications, apps, templates, ...): {"errors": ["message"]}
function reply.errors(status, message)
  return status, { errors = json.array({ message }) }
end

-- User model endpoints (users, aliases, subscriptions): {"errors": [{"code": ..., "title": ...}]}
function reply.v1_error(status, code, title, meta)
  return status, { errors = json.array({ { code = code, title = title, meta = meta } }) }
end

-- Integer query argument with a default, clamped into [min, max]; nil, message when not a number.
function reply.int_arg(args, name, default, min, max)
  local v = args[name]
  if type(v) == "table" then v = v[#v] end
  if v == nil or v == true or v == "" then return default end
  local n = tonumber(v)
  if not n or n ~= math.floor(n) then return nil, name .. " must be an integer" end
  if min and n < min then n = min end
  if max and n > max then n = max end
  return n
end

-- One string query argument (the last one when repeated).
function reply.str_arg(args, name)
  local v = args[name]
  if type(v) == "table" then v = v[#v] end
  if type(v) ~= "string" or v == "" then return nil end
  return v
end

-- A slice of a list for offset/limit pagination.
function reply.page(items, offset, limit)
  local out = json.array()
  for i = offset + 1, math.min(#items, offset + limit) do out[#out + 1] = items[i] end
  return out
end

-- Copies the public fields of an internal record (internal ones start with "_").
function reply.public(record)
  local out = {}
  for k, v in pairs(record) do
    if type(k) ~= "string" or k:sub(1, 1) ~= "_" then out[k] = v end
  end
  return out
end

return reply
