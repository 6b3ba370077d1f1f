--- A monotonic clock for the bounds of timing checks in specs (os.clock is CPU time, os.time whole
-- seconds). luasystem comes with busted, so it is there wherever the specs run.
local system = require("system")

local M = {}

--- Seconds from an arbitrary origin; only differences mean anything.
function M.now() return system.monotime() end

--- Calls fn(...) and returns the seconds it took, then everything fn returned.
function M.timed(fn, ...)
  local started = system.monotime()
  local function finish(...) return system.monotime() - started, ... end
  return finish(fn(...))
end

return M
