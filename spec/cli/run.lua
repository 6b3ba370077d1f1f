-- Runs bin/onesignal as a real process (its own exit code, stdout and stderr), from the repository root,
-- with an environment that holds only the ONESIGNAL_* variables a spec gives.
--
--   local run = require("cli.run")
--   local r = run.cli({ "get_user", "external_id", "u-1" }, run.env_for(srv))   -- r.code, r.stdout, r.stderr
local shared = require("support.shared")
local runtime = require("support.runtime")

local M = {}

local VARIABLES = { "ONESIGNAL_API_URL", "ONESIGNAL_REST_API_KEY", "ONESIGNAL_ORGANIZATION_API_KEY",
  "ONESIGNAL_APP_ID", "ONESIGNAL_DEBUG" }

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
M.quote = quote

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("*a")
  f:close()
  os.remove(path)
  return text
end

--- The environment of a CLI run against `srv` (every key and the app id), plus `extra` (false unsets).
function M.env_for(srv, extra)
  local env = {
    ONESIGNAL_API_URL = srv.url, ONESIGNAL_REST_API_KEY = srv.rest_key,
    ONESIGNAL_ORGANIZATION_API_KEY = srv.org_key, ONESIGNAL_APP_ID = srv.app_id,
  }
  for k, v in pairs(extra or {}) do env[k] = v or nil end
  return env
end

--- Runs the command line `words` with `env`; `options.stdin` is text for standard input (false: closed),
-- `options.lua` the interpreter (default lua5.4), `options.stdout` a file for standard output instead (e.g.
-- /dev/full; then r.stdout is ""). Returns { code, stdout, stderr }.
function M.cli(words, env, options)
  options = options or {}
  local out, err, input = os.tmpname(), os.tmpname(), os.tmpname()
  local f = assert(io.open(input, "wb"))
  f:write(options.stdin or "")
  f:close()
  local parts = { "cd", quote(shared.root), "&& env" }
  for _, name in ipairs(VARIABLES) do parts[#parts + 1] = "-u " .. name end
  for name, value in pairs(env or {}) do parts[#parts + 1] = quote(name .. "=" .. value) end
  parts[#parts + 1] = options.lua or runtime.command
  parts[#parts + 1] = "bin/onesignal"
  for _, word in ipairs(words) do parts[#parts + 1] = quote(word) end
  parts[#parts + 1] = (options.stdin == false and "<&-" or "<" .. quote(input)) .. " >" .. quote(options.stdout or out)
    .. " 2>" .. quote(err)
  local ok, how, code = os.execute(table.concat(parts, " "))
  os.remove(input)
  if type(ok) == "number" then code = ok >= 256 and math.floor(ok / 256) or ok end -- Lua 5.1 / LuaJIT
  assert(how == "exit" or type(ok) == "number", "the CLI was killed by a signal")
  local stdout = slurp(out)
  return { code = code, stdout = options.stdout and "" or stdout, stderr = slurp(err) }
end

return M
