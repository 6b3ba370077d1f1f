-- `make examples`: starts the local test server, then runs every examples/*.lua (but demo.lua, which
-- `make demo` runs) under each interpreter named on the command line, and every examples/*/run.lua
-- (under the first), each against a freshly reset server through the environment variables the
-- examples document. Prints one line per run, the output of a failed one, and exits 1 if any failed.
-- Like a live app, the server has sent a notification before each run (exports.lua exports its events).
--
--   lua5.4 mk/run_examples.lua lua5.4 luajit       (from the repository root, spec/ on package.path)
local server = require("support.server")

local LIMIT = 120 -- seconds one example may take before it counts as failed
local CPATH = { ["lua5.4"] = "./build/5.4/?.so", ["lua5.3"] = "./build/5.3/?.so", luajit = "./build/luajit/?.so" }

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function list(command)
  local out = {}
  local pipe = assert(io.popen(command))
  for line in pipe:lines() do out[#out + 1] = line end
  pipe:close()
  table.sort(out)
  return out
end

local interpreters = { ... }
if #interpreters == 0 then interpreters = { "lua5.4" } end

local runs = {}
for _, file in ipairs(list("ls examples/*.lua")) do
  if file ~= "examples/demo.lua" then
    for _, lua in ipairs(interpreters) do runs[#runs + 1] = { file = file, lua = lua } end
  end
end
-- The checkers of examples that need more than a Lua interpreter (OpenResty) see spec/ as well.
for _, file in ipairs(list("ls examples/*/run.lua 2>/dev/null")) do
  runs[#runs + 1] = { file = file, lua = interpreters[1], checker = true }
end

local srv = server.start({})
-- templates.lua copies its template to this other app (the test server takes any app id and key).
local OTHER_APP_ID = "00000000-0000-4000-8000-00000000a99b"
local failed = 0
for _, run in ipairs(runs) do
  srv:reset()
  srv:seed({ kind = "notifications", count = 1 })
  local path = "./lua/?.lua;./lua/?/init.lua;" .. (run.checker and "./spec/?.lua;" or "") .. ";"
  local cpath = (CPATH[run.lua] or CPATH["lua5.4"]) .. ";;"
  local command = table.concat({
    "env",
    "ONESIGNAL_API_URL=" .. quote(srv.url),
    "ONESIGNAL_REST_API_KEY=" .. quote(srv.rest_key),
    "ONESIGNAL_ORGANIZATION_API_KEY=" .. quote(srv.org_key),
    "ONESIGNAL_APP_ID=" .. quote(srv.app_id),
    "ONESIGNAL_OTHER_APP_ID=" .. quote(OTHER_APP_ID),
    "ONESIGNAL_OTHER_REST_API_KEY=" .. quote(srv.rest_key),
    "EXPORT_POLL_INTERVAL=0.05",
    "LUA_PATH=" .. quote(path), "LUA_CPATH=" .. quote(cpath),
    "timeout", tostring(LIMIT), run.lua, quote(run.file), "2>&1",
  }, " ")
  local pipe = assert(io.popen(command))
  local output = pipe:read("*a")
  local ok, _, code = pipe:close()
  if ok then
    print(("ok      %-34s (%s)"):format(run.file, run.lua))
  else
    failed = failed + 1
    print(("FAILED  %-34s (%s, exit %s)"):format(run.file, run.lua, tostring(code)))
    io.write((output:gsub("[^\n]+", "        | %0")), "\n")
  end
end
srv:stop()

print(("%d of %d example runs passed"):format(#runs - failed, #runs))
os.exit(failed == 0 and 0 or 1)
