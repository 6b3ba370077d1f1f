--- Paths to the read-only material beside the repository (../shared), for specs.
local shell = require("server.harness.shell")
local runtime = require("support.runtime")

local M = {}

local here = debug.getinfo(1, "S").source:match("^@(.*)/spec/support/shared%.lua$") or "."
M.root = here
M.dir = os.getenv("ONESIGNAL_SHARED") or (here .. "/../shared")

function M.path(relative) return M.dir .. "/" .. relative end

--- The text of a file of the repository, by its path from the repository's root.
function M.read_repo_file(path)
  return assert(shell.read_file(M.root .. "/" .. path), "cannot read " .. path)
end

--- Runs a Lua script under the Lua running the specs, from the repository's root as a user would (the
-- library from lua/ and build/, spec/ for the test server), with `environment` given to env(1)
-- (`"A= B=x"`, `"-u A"`), for at most two minutes; `open_files` (optional) lowers its limit of open files
-- (ulimit -n); `dir` (optional) is the directory to run it in instead of the root (`script` then a full path).
-- Returns whether it exited 0, and what it printed on stdout and stderr.
function M.run_lua(environment, script, open_files, dir)
  local limit = open_files and string.format("ulimit -n %d && ", open_files) or ""
  -- the library's paths from the root, wherever the script runs
  local into, from = "", "."
  if dir then into, from = string.format('R="$PWD" && cd %q && ', dir), "$R" end
  -- The shell prints the exit status after the output: LuaJIT's pipe:close() returns true whatever the
  -- status, so a failed script would pass there. (Not shell.capture: that drops LD_PRELOAD, which the
  -- sanitizer build of the core needs in the child.)
  local pipe = assert(io.popen(string.format("{ cd %q && %s%senv %s LUA_PATH=\"%s/lua/?.lua;%s/spec/?.lua;;\""
    .. " LUA_CPATH=\"%s/build/%s/?.so;;\" timeout 120 %s %q 2>&1\n}; echo \"__exit=$?\"", M.root, into, limit,
    environment, from, from, from, runtime.flavour, runtime.command, script)))
  local text = pipe:read("*a")
  pipe:close()
  local out, code = text:match("^(.-)__exit=(%d+)%s*$")
  return code == "0", out or text
end

--- The rows of api/operations.tsv: { name, method, path, credential, params = { {name, where, optional} } }.
function M.operations()
  local rows = {}
  local f = assert(io.open(M.path("api/operations.tsv")))
  local first = true
  for line in f:lines() do
    if first then first = false elseif line ~= "" then
      local cols = {}
      for col in (line .. "\t"):gmatch("([^\t]*)\t") do cols[#cols + 1] = col end
      local params = {}
      for spec in (cols[5] or ""):gmatch("%S+") do
        local opt, name, where = spec:match("^(%??)([^:]+):(%a+)$")
        params[#params + 1] = { name = name, where = where, optional = opt == "?" }
      end
      rows[#rows + 1] = { name = cols[1], method = cols[2], path = cols[3], credential = cols[4], params = params }
    end
  end
  f:close()
  return rows
end

--- The rows of api/error-catalog.tsv: { name, status, retryable, message }.
function M.error_catalog()
  local rows = {}
  local f = assert(io.open(M.path("api/error-catalog.tsv")))
  local first = true
  for line in f:lines() do
    if first then first = false elseif line ~= "" then
      local name, status, retryable, message = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      rows[#rows + 1] = { name = name, status = status, retryable = retryable, message = message }
    end
  end
  f:close()
  return rows
end

return M
