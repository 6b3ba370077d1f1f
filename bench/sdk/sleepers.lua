--- How the libcurl-transport client scales with many coroutines asleep in client:sleep: the time to put N
-- of them to sleep (random due times), the time of one poll(0) while all N sleep, and the time of the
-- poll that wakes them all. No server: nothing is sent. Run by hand (see bench/README.md):
--
--   LUA_PATH='./lua/?.lua;./lua/?/init.lua;;' LUA_CPATH='./build/5.4/?.so;;' lua5.4 bench/sdk/sleepers.lua [N ...]
--
-- It times with the client's own monotonic clock (wall time: nothing else waits here).
local onesignal = require("onesignal")
local core = require("onesignal.core")

local function measure(n)
  local client = onesignal.new{ rest_api_key = "bench-key", app_id = "00000000-0000-4000-8000-000000000000",
    base_url = "http://127.0.0.1:9", allow_http = true } -- never contacted
  math.randomseed(n)
  local function sleeper(seconds) client:sleep(seconds) end

  -- Asleep far in the future, at random times: what poll(0) must step over.
  local t0 = core.monotonic()
  for _ = 1, n do client:spawn(sleeper, 1000 + math.random() * 1000) end
  local add = core.monotonic() - t0

  local polls = 200
  t0 = core.monotonic()
  for _ = 1, polls do client:poll(0) end
  local per_poll = (core.monotonic() - t0) / polls
  assert(client:pending() == n)

  -- Another n due within 50 ms, at random times, woken by one poll once all are due.
  local client2 = onesignal.new{ rest_api_key = "bench-key", app_id = "00000000-0000-4000-8000-000000000000",
    base_url = "http://127.0.0.1:9", allow_http = true }
  local woke = 0
  for _ = 1, n do
    client2:spawn(function() client2:sleep(math.random() * 0.05); woke = woke + 1 end)
  end
  core.sleep(0.06)
  t0 = core.monotonic()
  local ran = client2:poll(0)
  local wake = core.monotonic() - t0
  assert(ran == n and woke == n and client2:pending() == 0)
  client:close()
  client2:close()
  return add, per_poll, wake
end

local counts = {}
for i = 1, #arg do counts[i] = assert(tonumber(arg[i]), "counts of coroutines") end
if #counts == 0 then counts = { 10000, 100000 } end
print(string.format("%s", _VERSION))
print(string.format("%9s  %14s  %14s  %14s", "sleepers", "spawn+sleep all", "one poll(0)", "poll waking all"))
for _, n in ipairs(counts) do
  local add, per_poll, wake = measure(n)
  print(string.format("%9d  %12.1f ms  %11.1f µs  %11.1f ms", n, add * 1e3, per_poll * 1e6, wake * 1e3))
end
