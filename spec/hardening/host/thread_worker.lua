-- Run by lua_host in each of its threads (spec/hardening/threads_spec.lua): one client per thread, the
-- same number of blocking and non-blocking calls, each tagged with the thread in its User-Agent and
-- its offset. Returns "ok <answers> <first send> <last answer>" (monotonic seconds, comparable across
-- threads) or raises.
local base_url, key, app_id, count = ...
count = tonumber(count)
local onesignal = require("onesignal")
local core = require("onesignal.core")

local thread = host.thread -- luacheck: ignore (global of lua_host)
local client = onesignal.new({ base_url = base_url, rest_api_key = key, app_id = app_id,
  user_agent = "thread-" .. thread })
local answers = 0
local function check(body, err)
  if not body then error("thread " .. thread .. ": " .. tostring(err), 0) end
  answers = answers + 1
end

local started = core.monotonic()
for i = 1, count do
  local query = { offset = thread * 100000 + i, limit = 1 }
  if i % 2 == 0 then
    check(client:get_segments(app_id, query))
  else
    client:get_segments_async(app_id, query, check)
  end
  client:poll(0)
end
assert(client:run(60), "requests still pending after 60 s")
local finished = core.monotonic()
client:close()
return string.format("ok %d %.6f %.6f", answers, started, finished)
