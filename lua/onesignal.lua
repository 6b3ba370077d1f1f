--- OneSignal's REST API for Lua: `local onesignal = require("onesignal")`.
--
--     local client = onesignal.new{ rest_api_key = ..., app_id = ... }
--     local body, res = client:create_notification{
--       contents = { en = "Hi" }, included_segments = { "Active" },
--     }
--     if not body then print(res) end  -- res is the error; tostring gives one line
--
-- `onesignal.new` makes a client, whose methods do the work (@{onesignal.client|the client's page}; the
-- @{operations.md|Operations} page lists the API's operations); the rest of this module helps with what
-- they take and return.
-- @module onesignal

-- Plain Lua 5.1 (Debian's luarocks runs the `onesignal` command with it after a 5.1 install) cannot load
-- the C core, whose 5.1 build is LuaJIT's, and Lua 5.2 has no build: said here, before an "undefined
-- symbol" from the loader.
if (_VERSION == "Lua 5.1" and not rawget(_G, "jit")) or _VERSION == "Lua 5.2" then
  error("onesignal needs Lua 5.3, 5.4 or LuaJIT; this is plain " .. _VERSION .. " (see README, Install)", 2)
end

local client = require("onesignal.client")
local json = require("onesignal.json")
local errors = require("onesignal.errors")
local operations = require("onesignal.operations")
local core = require("onesignal.core")
local usage = require("onesignal.usage")

local M = {}

--- The library's version, such as `"0.1.0"`.
M._VERSION = require("onesignal.version")

--- Makes a client. Options: rest_api_key, organization_api_key, app_id, base_url, timeout,
-- connect_timeout, deadline, max_retries, retry_base_delay, retry_max_delay, user_agent, proxy, ca_file,
-- insecure, allow_http, http_version, max_body_size, max_concurrency, max_connections, on_attempt,
-- transport, dry_run.
M.new = client.new

--- JSON null: send it to clear a field; decoded nulls come back as this value.
M.null = json.null

--- Marks a table as a JSON array, so that it is sent as `[]` even when empty. Decoded empty arrays carry
-- the same mark.
-- @tparam[opt] table t the table to mark (its metatable is replaced); nil: a new empty one
-- @treturn table `t`, marked
function M.array(t)
  if t == nil then return setmetatable({}, json.array_mt) end
  if type(t) ~= "table" then usage.raise("onesignal.array: argument must be a table or nil, got " .. type(t)) end
  return setmetatable(t, json.array_mt)
end

--- The @{onesignal.errors} module: the API's known error messages as constants
-- (`err:has(onesignal.errors.INVALID_API_KEY)`), `onesignal.errors.is_error(value)`,
-- `onesignal.errors.messages(body)` (any error envelope as a list of strings) and
-- `onesignal.errors.one_line(text)` (the server's text without control characters).
M.errors = errors

--- A new random idempotency key (UUIDv4), for callers who store the key before sending: put it in the
-- body's `idempotency_key` (create_notification, start_live_activity), and the API creates the message
-- at most once however often that body is sent (it keeps keys for 30 days).
-- @function new_idempotency_key
-- @treturn string
M.new_idempotency_key = core.uuid4

--- The names of all operations, in the operations table's order (the @{operations.md|Operations} page
-- describes each).
M.operations = {}
for i, op in ipairs(operations.list) do M.operations[i] = op.name end

--- Whether a create_notification answer means the message went out: POST /notifications answers 200
-- with an empty `id` (and `errors`) when nothing was sent.
-- @param body the answer's body
-- @treturn boolean
function M.is_message_sent(body)
  return type(body) == "table" and type(body.id) == "string" and body.id ~= ""
end

--- Whether a create_notification answer says nothing was sent: a table that `is_message_sent` does not
-- accept (false for anything but a table); `onesignal.errors.messages(body)` says why.
-- @param body the answer's body
-- @treturn boolean
function M.is_message_not_sent(body)
  return type(body) == "table" and not M.is_message_sent(body)
end

return M
