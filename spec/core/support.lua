--- Helpers shared by the engine specs of onesignal.core (not a spec itself).
local core = require("onesignal.core")

local M = {}

M.STANDARD_HEADERS = { "Accept: application/json", "OS-Usage-Data: kind=sdk, sdk=lua-core-spec" }
M.BODY_HEADERS = { "Content-Type: application/json; charset=utf-8" }

--- A session against srv with both keys and fast retries; `overrides` replaces any option.
function M.session(srv, overrides)
  local config = {
    base_url = srv.url,
    rest_key = srv.rest_key,
    organization_key = srv.org_key,
    user_agent = "onesignal-lua-core-spec/1",
    headers = M.STANDARD_HEADERS,
    body_headers = M.BODY_HEADERS,
    retry_base_delay = 0.01,
    retry_max_delay = 2,
    timeout = 10,
  }
  for k, v in pairs(overrides or {}) do config[k] = v end
  return core.session(config)
end

--- For the describe block it is called in: one test server (started with `server_opts`) for the whole
-- block, and before each test the server reset and a fresh session on it (M.session), closed after the
-- test. `set_locals(srv, s)` hands both to the block's locals, once the server is up and again for each
-- test. busted is required here, not at the top: finalizer_rounds.lua loads this module outside busted.
function M.server_and_session(set_locals, server_opts)
  local busted = require("busted")
  local server = require("support.server")
  local srv, s
  busted.setup(function()
    srv = server.start(server_opts or {})
    set_locals(srv, nil)
  end)
  busted.teardown(function() if srv then srv:stop() end end)
  busted.before_each(function()
    srv:reset()
    s = M.session(srv)
    set_locals(srv, s)
  end)
  busted.after_each(function() s:close() end)
end

function M.segments_path(srv, query)
  return "/apps/" .. srv.app_id .. "/segments" .. (query and ("?" .. query) or "")
end

--- A GET of the segment list: a cheap real route that echoes `offset` in its body.
function M.get_segments(srv, query, extra)
  local req = { method = "GET", path = M.segments_path(srv, query), credential = "rest", operation = "get_segments" }
  for k, v in pairs(extra or {}) do req[k] = v end
  return req
end



--- Polls until every id in `ids` has a result; returns results by id.
function M.collect(session, ids, limit)
  local wanted, results, left = {}, {}, 0
  for _, id in ipairs(ids) do
    wanted[id] = true
    left = left + 1
  end
  local deadline = os.time() + (limit or 30)
  while left > 0 do
    assert(os.time() <= deadline, "results did not arrive in time")
    for _, r in ipairs(session:poll(1) or {}) do
      assert(wanted[r.id], "unexpected result id " .. tostring(r.id))
      assert(results[r.id] == nil, "result handed out twice: " .. r.id)
      results[r.id] = r
      left = left - 1
    end
  end
  return results
end

--- Every string reachable from a value, concatenated (to look for keys in hook tables).
function M.flatten(value, out)
  out = out or {}
  if type(value) == "table" then
    for k, v in pairs(value) do
      M.flatten(k, out)
      M.flatten(v, out)
    end
  else
    out[#out + 1] = tostring(value)
  end
  return table.concat(out, "\n")
end

-- Forking from Lua needs LuaJIT's FFI; the fork specs are pending on Lua 5.4 and run under
-- `make test-core-luajit`.
local has_ffi, ffi = pcall(require, "ffi")
if has_ffi then
  pcall(ffi.cdef, [[
    int fork(void);
    int waitpid(int pid, int *status, int options);
    void _exit(int status);
  ]])
end
M.can_fork = has_ffi

--- Runs fn in a forked child and returns its exit code: 0 when fn returned a true value, 128 + the signal
-- when a signal killed it (as a shell says). The child never returns into busted.
function M.in_child(fn)
  local pid = ffi.C.fork()
  assert(pid >= 0, "fork failed")
  if pid == 0 then
    local ok, good = pcall(fn)
    ffi.C._exit((ok and good) and 0 or 1)
  end
  local status = ffi.new("int[1]")
  assert(ffi.C.waitpid(pid, status, 0) == pid)
  -- The low 7 bits are the signal that killed the child (WTERMSIG), the next byte its exit code: read as
  -- the exit code alone, a child that crashed (SIGSEGV, SIGABRT) counted as one that exited 0.
  local signal = status[0] % 128
  if signal ~= 0 then return 128 + signal end
  return math.floor(status[0] / 256) % 256
end

--- The pattern of the message luaL_argerror and luaL_checktype give for argument #n of a C function, whatever
-- name the Lua version finds for it ("onesignal.core.sleep" on 5.4, "?" under pcall on LuaJIT); `problem`
-- is the part in parentheses, matched as it is. For assert.error_matches: any other error (an index of nil
-- inside the function, say) does not match.
function M.bad_argument(n, problem)
  return "^bad argument #" .. n .. " to '[^']*' %(" .. problem:gsub("%p", "%%%0") .. "%)$"
end

--- A monotonic-enough clock for elapsed-time checks in specs (os.clock is CPU time).
function M.now()
  local ok, socket = pcall(require, "socket")
  if ok and socket.gettime then return socket.gettime() end
  return os.time()
end

return M
