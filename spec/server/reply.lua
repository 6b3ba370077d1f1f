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

-- Creation the API deduplicates by the body's idempotency_key (create_notification, start_live_activity):
-- a key seen before gets the stored answer again, with Idempotent-Replayed: true, and nothing is applied
-- twice. `create()` applies the request and returns status, response; errors (>= 400) are not stored.
-- Keys are kept per app (`space`) and per operation (`scope`).
function reply.idempotent(space, scope, body, create)
  local key = body.idempotency_key
  if key ~= nil and type(key) ~= "string" then
    return reply.errors(400, "idempotency_key must be a string")
  end
  local slot = key and (scope .. ":" .. key)
  local original = slot and space.idempotency[slot]
  if original then return original.status, original.body, { ["Idempotent-Replayed"] = "true" } end
  local status, response = create()
  if status >= 400 then return status, response end
  local encoded = json.encode(response)
  if slot then space.idempotency[slot] = { status = status, body = encoded } end
  return status, encoded
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
