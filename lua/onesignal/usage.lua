--- Errors for mistakes in calling the library ("usage errors"), raised at the caller's line.
--
-- Checks deep inside the library raise `{ usage = message }`; the public entry points catch that and
-- re-raise the message as an ordinary Lua error pointing at the first frame outside this library, so the
-- position in the message is the caller's, however many library frames lie in between.
-- @module onesignal.usage

local M = {}

-- Sources of this library's own files: ".../onesignal.lua" and ".../onesignal/*.lua".
local OWN_DIR = debug.getinfo(1, "S").source:match("^(.*[/\\])usage%.lua$") or "\0"
local OWN_ROOT = OWN_DIR:gsub("[/\\]$", "") .. ".lua"

local function is_own(source)
  return source:sub(1, #OWN_DIR) == OWN_DIR or source == OWN_ROOT
end

--- Raises `message` at the first caller outside the library.
function M.raise(message)
  local level = 2
  while true do
    local info = debug.getinfo(level, "S")
    if not info then level = 1 break end
    if info.what ~= "C" and not is_own(info.source) then break end
    level = level + 1
  end
  error(message, level)
end

-- The refusal of a call that would have to drive the client, made from its on_attempt hook, which runs
-- while the client is being driven. `instead`: what works there.
local function from_hook(name, instead)
  M.raise("onesignal." .. name .. ": cannot be called from an on_attempt hook (it would have to drive the"
    .. " client, which is running the hook); " .. instead)
end

-- The refusal of a call made while the client receives an answer (download_export's progress function,
-- which runs inside libcurl's write callback): the client cannot be driven there until then, but requests
-- can start (they go out once the callback has returned). `instead` (optional): how to start it there.
local function while_receiving(name, instead)
  M.raise("onesignal." .. name .. ": cannot be called while the client receives an answer, as from"
    .. " download_export's progress function (the client is busy with that answer); make the call once"
    .. " download_export has returned" .. (instead and (", or " .. instead) or ""))
end

-- What works in a hook in place of the client methods that drive the client (poll, run, sleep) or end it.
local INSTEAD_OF_DRIVING = {
  close = "close it once the hook has returned (after the call, or from a callback)",
}
local START_THERE = "start requests there (_async calls, or calls in client:spawn): the poll, run or call"
  .. " that runs the hook drives them"

--- Raises the refusal of `name` (a client method, an operation, send_many) called where the client is
-- being driven: from its on_attempt hook (`in_hook`), else while it receives an answer. `instead`
-- (optional): what works there (a way to start requests); by default what works in the hook in place of
-- poll, run, sleep or close.
function M.cannot_drive(name, in_hook, instead)
  if not in_hook then while_receiving(name, instead) end
  from_hook(name, instead or INSTEAD_OF_DRIVING[name] or START_THERE)
end

--- Re-raises what a protected call caught: usage errors at the caller, anything else unchanged.
-- `redact` (optional): removes the client's keys from a message that quotes the caller's option or field
-- names (`quoted`), where a key given by mistake would show. Other messages are the library's own words,
-- left whole (a short test key such as "k" would otherwise turn "key" into "[REDACTED]ey").
function M.rethrow(err, redact)
  if type(err) == "table" and err.usage then M.raise(redact and err.quoted and redact(err.usage) or err.usage) end
  error(err, 0)
end

return M
