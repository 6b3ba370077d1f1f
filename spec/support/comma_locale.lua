--- Runs Lua code in a child process with the numeric locale set to one whose decimal point is a comma, for
-- the specs of code that writes or reads numbers (printf and strtod follow that locale); `check_in` runs
-- it under another locale (ps_AF, whose decimal point is the two-byte U+066B).
local files = require("support.files")
local runtime = require("support.runtime")
local shell = require("server.harness.shell")

local M = {}

local made = {} -- by locale source: its LOCPATH, or false when it cannot be made

-- A LOCPATH holding `source`.UTF-8 (made with localedef into a temporary directory: glibc reads LOCPATH
-- when a process starts), or nil and why it cannot be made.
local function locpath(source)
  if made[source] == nil then
    local dir = os.tmpname()
    os.remove(dir)
    made[source] = false
    -- (shell.run: LuaJIT's os.execute answers a number, true whatever the status, and it runs localedef
    -- without a preloaded sanitizer runtime, whose leak check would fail localedef at exit)
    if shell.run("mkdir " .. dir .. " && localedef -i " .. source .. " -f UTF-8 " .. dir
                  .. "/" .. source .. ".UTF-8 >/dev/null 2>&1") then
      made[source] = dir
    else
      os.execute("rm -rf " .. dir)
    end
  end
  if not made[source] then return nil, "localedef cannot make a " .. source .. " locale here" end
  return made[source]
end

local function run_script(dir, code)
  local script = files.temp(code)
  -- Under `make sanitize` the child has the sanitizers too, but not the leak check: glibc's setlocale
  -- leaks a little of what it reads from LOCPATH.
  local pipe = assert(io.popen("LOCPATH='" .. dir .. "' LUA_PATH='" .. package.path .. "' LUA_CPATH='"
    .. package.cpath .. "' ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0\" "
    .. runtime.command .. " " .. script .. " 2>&1"))
  local out = pipe:read("*a")
  pipe:close()
  os.remove(script)
  return out
end

--- Runs Lua code in the child (de_DE) and returns what it wrote, or nil and why it could not be run.
function M.run(code)
  local dir, why = locpath("de_DE")
  if not dir then return nil, why end
  return run_script(dir, 'assert(os.setlocale("de_DE.UTF-8", "numeric"), "no de_DE locale")\n'
    .. 'assert(tostring(0.5) == "0,5" or jit, "the locale is not in force")\n' .. code)
end

local function check_output(out, why, pending, where)
  if out == nil then return pending(why) end
  if out ~= "ok" then error("in a " .. where .. " locale: " .. out, 3) end
end

--- Runs code that writes "ok" when all its checks pass; fails the calling test with what it wrote
-- otherwise, and marks the test pending (busted's `pending`, passed in) where no such locale can be made.
function M.check(code, pending)
  local out, why = M.run(code)
  return check_output(out, why, pending, "de_DE")
end

--- `check` under the locale made from `source` (e.g. "ps_AF"), which the code sets itself, as
-- os.setlocale(source .. ".UTF-8", "numeric"): Lua's own reading of numbers follows the locale, so under
-- one whose decimal point is not a single byte the code must load what it needs first.
function M.check_in(source, code, pending)
  local dir, why = locpath(source)
  return check_output(dir and run_script(dir, code), why, pending, source)
end

--- Removes the locales made for the runs (call from a teardown).
function M.cleanup()
  for source, dir in pairs(made) do
    if dir then os.execute("rm -rf " .. dir) end
    made[source] = nil
  end
end

return M
