-- Run by lua_host (one thread) for spec/hardening/fork_spec.lua: a client used across fork().
--   reuse:     parent sends (offset 1), the child sends (offset 2), the parent sends again (offset 3)
--   in_flight: a request is in flight when the process forks; the child's copy must end "closed"
--              without touching the parent's connection, and the parent must still get its answer
--   read_only: likewise, and the child's first calls only ask: timeout() must say the ended request is
--              ready to hand out (0), pending() count it until its callback runs, and fd() be the child's
-- Returns "ok <child exit status>" or raises.
local mode, base_url, key, app_id = ...
local onesignal = require("onesignal")
local fork, wait, exit = host.fork, host.wait, host.exit -- luacheck: ignore (global of lua_host)

local client = onesignal.new({ base_url = base_url, rest_api_key = key, app_id = app_id })
local function get(offset) return client:get_segments(app_id, { offset = offset, limit = 1 }) end

if mode == "reuse" then
  assert(get(1))
  local pid = fork()
  if pid == 0 then
    local ok, body = pcall(get, 2)
    exit((ok and body) and 0 or 1)
  end
  local status = wait(pid)
  assert(get(3))
  client:close()
  return "ok " .. status
end

assert(mode == "in_flight" or mode == "read_only", "unknown mode " .. tostring(mode))
local parent_result
client:get_segments_async(app_id, { offset = 10, limit = 1 }, function(body, err) parent_result = { body, err } end)
client:poll(0) -- the request is on the wire (the server delays its answer)
if mode == "read_only" then client:poll(0.1) end -- and waits for the answer: libcurl's next timer is far off
local pid = fork()
if pid == 0 and mode == "read_only" then
  -- An outside event loop asks these before it polls: a timeout() of the parent's timers would keep the
  -- child waiting that long for a result that is ready now.
  local timeout, pending = client:timeout(), client:pending()
  local ran = client:poll(0)
  local ended = parent_result and parent_result[1] == nil and parent_result[2].reason == "closed"
  local good = timeout == 0 and pending == 1 and ran == 1 and ended and client:pending() == 0
    and client:timeout() == nil
  if not good then
    io.stderr:write(string.format("child: timeout %s, pending %s, ran %s, ended %s\n", tostring(timeout),
      tostring(pending), tostring(ran), tostring(ended)))
  end
  exit(good and 0 or 1)
end
if pid == 0 then
  local result
  local ok = pcall(function()
    client:get_segments_async(app_id, { offset = 11, limit = 1 }, function() end)
    client:run(10)
  end)
  -- the inherited request's callback ran in the child too: it must say the request was the parent's
  result = parent_result
  local closed = result and result[1] == nil and result[2].reason == "closed"
  exit((ok and closed) and 0 or 1)
end
local status = wait(pid)
assert(client:run(10), "the parent's request did not finish")
assert(parent_result and parent_result[1],
  "the parent's request failed: " .. tostring(parent_result and parent_result[2]))
client:close()
return "ok " .. status
