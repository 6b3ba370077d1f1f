-- Small process and file helpers for the harness (plain Lua 5.4 / LuaJIT, no C modules).
local shell = {}

function shell.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- The tools the harness runs (curl, nginx, openssl) are infrastructure, not code under test: a
-- sanitizer runtime preloaded into the test process (make sanitize-core) must not reach them
-- (curl hangs with ASan preloaded).
local CLEAN_ENV = "unset LD_PRELOAD; "

-- Runs a command; returns true when it exited with status 0.
function shell.run(cmd)
  local a, _, code = os.execute(CLEAN_ENV .. cmd)
  if type(a) == "number" then return a == 0 end -- Lua 5.1 style: the raw status
  return a == true and (code == nil or code == 0)
end

-- Runs a command and returns its standard output and exit status.
function shell.capture(cmd)
  local p = assert(io.popen(CLEAN_ENV .. "{ " .. cmd .. "\n}; echo \"__exit=$?\""))
  local out = p:read("*a")
  p:close()
  local body, code = out:match("^(.-)__exit=(%d+)%s*$")
  return body or out, tonumber(code)
end

function shell.read_file(path)
  local fh = io.open(path, "rb")
  if not fh then return nil end
  local s = fh:read("*a")
  fh:close()
  return s
end

function shell.write_file(path, content, mode)
  local fh = assert(io.open(path, mode or "wb"))
  fh:write(content)
  fh:close()
end

function shell.sleep(seconds)
  shell.run("sleep " .. string.format("%.3f", seconds))
end

-- Whether a process exists and is not a zombie (a container's PID 1 may never reap one).
function shell.alive(pid)
  if not pid then return false end
  local stat = shell.read_file("/proc/" .. pid .. "/stat")
  if not stat then return false end
  local state = stat:match("%)%s+(%a)")
  return state ~= "Z" and state ~= "X"
end

-- The pid of the running Lua process.
function shell.self_pid()
  local stat = assert(shell.read_file("/proc/self/stat"), "needs /proc (Linux)")
  return tonumber(stat:match("^(%d+)"))
end

-- Child pids of a process (nginx workers of a master).
function shell.children(pid)
  local out = {}
  local list = shell.read_file("/proc/" .. pid .. "/task/" .. pid .. "/children") or ""
  for c in list:gmatch("%d+") do out[#out + 1] = tonumber(c) end
  return out
end

-- TERM a process, wait for it to go (up to `timeout` s), then KILL it and its children.
function shell.terminate(pid, timeout)
  if not shell.alive(pid) then return end
  local children = shell.children(pid)
  shell.run("kill -TERM " .. pid .. " 2>/dev/null")
  local waited = 0
  while shell.alive(pid) and waited < (timeout or 5) do
    shell.sleep(0.02)
    waited = waited + 0.02
  end
  if shell.alive(pid) then
    shell.run("kill -KILL " .. pid .. " 2>/dev/null")
  end
  for _, c in ipairs(children) do
    if shell.alive(c) then shell.run("kill -KILL " .. c .. " 2>/dev/null") end
  end
end

return shell
