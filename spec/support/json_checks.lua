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

return M
