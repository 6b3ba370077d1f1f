--- Exit codes of the command line: a script can tell "fix the command", "the API said no" and "try
-- again later" apart without reading the output.
-- @module onesignal.cli.exit

local M = {
  OK = 0,
  INTERNAL = 1,
  USAGE = 2,
  API = 3,
  NETWORK = 4,
  DECODE = 5,
}

--- The documented table, in order: { code, meaning }.
M.TABLE = {
  { M.OK, "success" },
  { M.INTERNAL, "internal error, or the output or a downloaded file could not be written" },
  { M.USAGE, "usage error: bad flags, arguments or JSON, or a missing key; nothing was sent" },
  { M.API, "API error: the server answered a status outside 2xx (3xx included: no redirect is followed), or"
    .. " that a message reached nobody" },
  { M.NETWORK, "network error: no answer (connect, DNS, reset, timeout, TLS), or an export never ready" },
  { M.DECODE, "the server's answer could not be read (not JSON, too large, no export URL)" },
}

local BY_KIND = { api = M.API, network = M.NETWORK, timeout = M.NETWORK, tls = M.NETWORK, decode = M.DECODE }

--- The exit code for a call's error value.
function M.for_error(err)
  return BY_KIND[err.kind] or M.INTERNAL
end

return M
