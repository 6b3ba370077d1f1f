--- Runs Lua code in a child process with the numeric locale set to one whose decimal point is a comma, for
-- the specs of code that writes or reads numbers (printf and strtod follow that locale).
local files = require("support.files")
local runtime = require("support.runtime")

local M = {}

local comma_locale -- its LOCPATH, or false when it cannot be made

--- Runs Lua code in the child (de_DE, made with localedef into a temporary directory: glibc reads LOCPATH
-- when a process starts) and returns what it wrote, or nil and why it could not be run.
function M.run(code)
  if comma_locale == nil then
    local dir = os.tmpname()
    os.remove(dir)
    comma_locale = false
    -- (without a preloaded sanitizer runtime, whose leak check would fail localedef at exit)
    if os.execute("mkdir " .. dir .. " && env -u LD_PRELOAD localedef -i de_DE -f UTF-8 " .. dir
                  .. "/de_DE.UTF-8 >/dev/null 2>&1") then
      comma_locale = dir
    else
      os.execute("rm -rf " .. dir)
    end
  end
  if not comma_locale then return nil, "localedef cannot make a de_DE locale here" end
  local script = files.temp('assert(os.setlocale("de_DE.UTF-8", "numeric"), "no de_DE locale")\n'
    .. 'assert(tostring(0.5) == "0,5" or jit, "the locale is not in force")\n' .. code)
  -- Under `make sanitize` the child has the sanitizers too, but not the leak check: glibc's setlocale
  -- leaks a little of what it reads from LOCPATH.
  local pipe = assert(io.popen("LOCPATH='" .. comma_locale .. "' LUA_PATH='" .. package.path .. "' LUA_CPATH='"
    .. package.cpath .. "' ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0\" "
    .. runtime.command .. " " .. script .. " 2>&1"))
  local out = pipe:read("*a")
  pipe:close()
  os.remove(script)
  return out
end

--- Runs code that writes "ok" when all its checks pass; fails the calling test with what it wrote
-- otherwise, and marks the test pending (busted's `pending`, passed in) where no such locale can be made.
function M.check(code, pending)
  local out, why = M.run(code)
  if out == nil then return pending(why) end
  if out ~= "ok" then error("in a de_DE locale: " .. out, 2) end
end

--- Removes the locale made for the runs (call from a teardown).
function M.cleanup()
  if comma_locale then os.execute("rm -rf " .. comma_locale) end
  comma_locale = nil
end

return M
