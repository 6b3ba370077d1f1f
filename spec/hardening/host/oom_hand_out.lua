-- Run by oom_spec.lua in lua_host: out-of-memory errors at every allocation of session:poll while it
-- hands out results. Every request must still be answered exactly once, by a later poll: an error may
-- delay results, never lose them. Returns "answered N of N, failed polls F".
--
--   lua_host spec/hardening/host/oom_hand_out.lua URL REST_KEY APP_ID
local core = require("onesignal.core")
local url, key, app_id = ...
local fail_allocations = host.fail_allocations -- luacheck: ignore (global of lua_host)
local N = 30

local s = core.session({ base_url = url, rest_key = key, user_agent = "oom-spec/1", timeout = 10 })
for i = 1, N do
  s:submit({ method = "GET", path = "/apps/" .. app_id .. "/segments?offset=" .. i, credential = "rest" }, i)
end
local answered, count, failed, k = {}, 0, 0, 0
local started = core.monotonic()
while count < N and core.monotonic() - started < 20 do
  fail_allocations(k % 80) -- the poll's allocations fail from the (k % 80 + 1)th on
  local ok, results, contexts = pcall(s.poll, s, 0.05)
  fail_allocations(nil)
  k = k + 1
  if not ok then
    if not tostring(results):find("memory") then error(results, 0) end
    failed = failed + 1
  elseif results then
    for i, result in ipairs(results) do
      local context = contexts[i]
      if answered[context] then error("answered twice: " .. tostring(context)) end
      if type(result.status) ~= "number" then error("a result without status") end
      answered[context] = true
      count = count + 1
    end
  end
  if count < N and s:pending() == 0 then
    error(string.format("nothing pending, yet %d of %d requests were never answered", N - count, N))
  end
end
s:close()
return string.format("answered %d of %d, failed polls %d", count, N, failed)
