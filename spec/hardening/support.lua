--- Helpers of the hardening specs (not a spec itself): child processes that run with this process's
-- module paths (so under `make sanitize` they load the sanitized C core too) and the programs that
-- mk/hardening.mk builds.
local M = {}

M.root = debug.getinfo(1, "S").source:match("^@(.*)/spec/hardening/support%.lua$") or "."

function M.quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function slurp(path)
  local f = io.open(path, "rb")
  local text = f and f:read("*a") or ""
  if f then f:close() end
  os.remove(path)
  return text
end

--- "LUA_PATH=… LUA_CPATH=…" for a child that should load exactly what this process loads.
function M.lua_env()
  return "LUA_PATH=" .. M.quote(package.path) .. " LUA_CPATH=" .. M.quote(package.cpath)
end

--- Runs a shell command from the repository root; returns { code, stdout, stderr }.
function M.run(cmd)
  local out, err = os.tmpname(), os.tmpname()
  local ok, _, code = os.execute("cd " .. M.quote(M.root) .. " && { " .. cmd .. "\n} >" .. out .. " 2>" .. err)
  if type(ok) == "number" then code = ok / 256 end -- Lua 5.1: the raw status
  return { code = code or (ok and 0 or 1), stdout = slurp(out), stderr = slurp(err) }
end

--- The path of a program built by mk/hardening.mk; fails the spec when it was not built.
function M.program(name)
  local path = M.root .. "/build/hardening/" .. name
  local f = io.open(path, "rb")
  assert(f, path .. " is missing: build it with `make " .. "build/hardening/" .. name .. "` (make specs does)")
  f:close()
  return path
end

--- Runs a Lua script in the embedding host (spec/hardening/lua_host.c) with `threads` OS threads.
-- Set by mk/hardening.mk: $HARDENING_HOST_WRAPPER is put in front of the host (`make valgrind` runs it
-- under memcheck); $HARDENING_HOST and $HARDENING_HOST_CPATH replace the host and its C module path
-- (`make tsan` runs a ThreadSanitizer host with a ThreadSanitizer core).
function M.host(threads, script, ...)
  local env = M.lua_env()
  local cpath = os.getenv("HARDENING_HOST_CPATH")
  if cpath then env = env .. " LUA_CPATH=" .. M.quote(cpath) end
  local program = os.getenv("HARDENING_HOST") or M.program("lua_host")
  local words = { env, os.getenv("HARDENING_HOST_WRAPPER") or "", M.quote(program), "-t", tostring(threads),
    M.quote(script) }
  for _, a in ipairs({ ... }) do words[#words + 1] = M.quote(a) end
  return M.run(table.concat(words, " "))
end

return M
