-- Soak run (`make soak`, not a busted spec): 500,000 calls through one client against the local test
-- server with faults injected (503, 429, 500, dropped connections before and after reading, truncated
-- answers), blocking calls, non-blocking calls and coroutines under client:spawn mixed. After a
-- warm-up of a tenth of the calls, the process's resident memory may grow by less than 2 MiB and its
-- open descriptors (/proc/self/fd) may never exceed what the client is allowed to hold: the descriptors
-- the process had before the client, one per connection of a round's peak concurrency, the engine's
-- epoll descriptor and the socket pair libcurl's multi handle keeps for waking itself up.
--
--   lua5.4 spec/hardening/soak.lua [CALLS]        (from the repository root, with LUA_PATH/LUA_CPATH set)
local server = require("support.server")
local onesignal = require("onesignal")
local core = require("onesignal.core")

local CALLS = tonumber(arg and arg[1]) or 500000
local WARM_UP = math.floor(CALLS / 10)
local CHECKPOINTS = 10
local MAX_RSS_GROWTH_KB = 2048
local CONCURRENCY = 16 -- non-blocking calls in flight at once, at the peak of every round
local FAULT_RATE = 0.02

local function pid()
  local f = assert(io.open("/proc/self/stat"))
  local id = f:read("*l"):match("^(%d+)")
  f:close()
  return id
end
local PID = pid()

local function rss_kb()
  local f = assert(io.open("/proc/self/status"))
  local text = f:read("*a")
  f:close()
  return tonumber(text:match("VmRSS:%s*(%d+) kB"))
end

-- Open descriptors of this process, listed by a shell into a file: a pipe (io.popen) would itself be
-- open while it is listed, and for a moment both of its ends are.
local LISTING = os.tmpname()
local function descriptors()
  assert(os.execute("ls -l /proc/" .. PID .. "/fd > " .. LISTING .. " 2>/dev/null; ss -tanp 2>/dev/null"
    .. " | grep 'pid=" .. PID .. ",' | awk '{print \"state \" $1}' >> " .. LISTING))
  local n, targets, states = 0, {}, {}
  for line in io.lines(LISTING) do
    local target = line:match("%d+ %-> (.*)$")
    if target then
      n = n + 1
      targets[#targets + 1] = target
    elseif line:match("^state ") then
      local state = line:sub(7)
      states[state] = (states[state] or 0) + 1
    end
  end
  for state, count in pairs(states) do targets[#targets + 1] = "| TCP " .. state .. ": " .. count end
  return n, table.concat(targets, " ")
end

local function settle()
  collectgarbage("collect")
  collectgarbage("collect")
end

-- Connections the server closed (a fault, or nginx's keep-alive limit) stay open on our side until
-- libcurl next looks for dead ones, which it does at most once a second when it sets up a request. A
-- short pause and a burst of requests first, so a reading counts the live connections only.
local function quiesce(client, callback)
  core.sleep(1.1)
  for i = 1, CONCURRENCY do
    client:get_segments_async(nil, { offset = i, limit = 1 }, callback)
  end
  assert(client:run(60), "requests still pending after 60 s")
  settle()
end

local srv = server.start({})
srv:set({ record = false })
srv:random_faults({ rate = FAULT_RATE, seed = 6, steps = {
  { status = 503 }, { status = 429, headers = { ["Retry-After"] = "0" } }, { status = 500 },
  { drop = "before_read" }, { drop = "after_read" }, { truncate = true },
} })

settle()
local fds_before = descriptors()
local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id,
  retry_base_delay = 0.001, retry_max_delay = 0.01 })
local patient = client:with({ max_retries = 5 }) -- the same connections, other settings

local calls, answers, outcomes, surprises = 0, 0, {}, 0
-- Outcomes by kind. Every call is safe to repeat but the PATCH (update_user): those are retried through
-- any fault, so anything but an answer (a 404 for the users that do not exist) is a surprise.
local function counter(repeatable)
  return function(body, err)
    answers = answers + 1
    local key = body and "ok" or (err.kind .. (err.reason and ("/" .. err.reason) or "") .. (err.status and
      ("/" .. err.status) or ""))
    if not repeatable then key = key .. " (PATCH, not repeated)" end
    outcomes[key] = (outcomes[key] or 0) + 1
    if repeatable and not body and err.status ~= 404 then surprises = surprises + 1 end
  end
end
local count, count_patch = counter(true), counter(false)

local NOTIFICATION_KEYS = {}
for i = 1, 64 do NOTIFICATION_KEYS[i] = core.uuid4() end
local function notification(i)
  -- "Empty Segment" sends to nobody; a key from a small set makes most of them replays
  return { contents = { en = "soak " .. i }, included_segments = { "Empty Segment" },
    idempotency_key = NOTIFICATION_KEYS[i % #NOTIFICATION_KEYS + 1] }
end

-- One call of each kind, by number: GETs that succeed, 404s, POSTs with keys, a PATCH that is not safe
-- to repeat (a dropped connection after reading leaves it "maybe sent").
local function blocking(i)
  local kind = i % 4
  if kind == 0 then return client:get_segments(nil, { limit = 1 }) end
  if kind == 1 then return client:create_notification(notification(i)) end
  if kind == 2 then return client:get_user(nil, "external_id", "nobody-" .. i) end
  return patient:update_user(nil, "external_id", "nobody-" .. i, { properties = { tags = { n = tostring(i) } } })
end

local function non_blocking(i, callback)
  local kind = i % 3
  if kind == 0 then return client:get_segments_async(nil, { offset = i % 50, limit = 2 }, callback) end
  if kind == 1 then return client:create_notification_async(notification(i), callback) end
  return client:get_user_async(nil, "external_id", "nobody-" .. i, callback)
end

-- A round: blocking calls one after another, then coroutines (each a blocking call that suspends),
-- then non-blocking calls, CONCURRENCY of them started before anything drives them.
local function round()
  for _ = 1, 8 do
    calls = calls + 1
    local tally = calls % 4 == 3 and count_patch or count
    tally(blocking(calls))
  end
  for _ = 1, CONCURRENCY / 2 do
    calls = calls + 1
    local i = calls
    local tally = i % 4 == 3 and count_patch or count
    client:spawn(function() tally(blocking(i)) end)
  end
  assert(client:run(60), "coroutines still pending after 60 s")
  for _ = 1, CONCURRENCY do
    calls = calls + 1
    non_blocking(calls, count)
  end
  assert(client:run(60), "requests still pending after 60 s")
end

local started = core.monotonic()
local rows = {}
local warm_rss, warm_fds
local worst_fds, worst_listing = 0, ""
local limit_fds = fds_before + CONCURRENCY + 3
local next_checkpoint = WARM_UP
print(string.format("%10s %9s %10s %12s %5s", "calls", "seconds", "rss KiB", "lua heap KiB", "fds"))
while calls < CALLS do
  round()
  if calls >= next_checkpoint or calls >= CALLS then
    quiesce(client, function() end)
    local fds, listing = descriptors()
    local row = { calls = calls, seconds = core.monotonic() - started, rss = rss_kb(),
      heap = collectgarbage("count"), fds = fds }
    rows[#rows + 1] = row
    print(string.format("%10d %9.1f %10d %12.0f %5d", row.calls, row.seconds, row.rss, row.heap, row.fds))
    io.stdout:flush()
    if not warm_rss then warm_rss, warm_fds = row.rss, row.fds end
    if row.fds > worst_fds then worst_fds, worst_listing = row.fds, listing end
    next_checkpoint = next_checkpoint + (CALLS - WARM_UP) / (CHECKPOINTS - 1)
  end
end
local elapsed = core.monotonic() - started - 1.1 * #rows -- without the pauses of the readings
local last = rows[#rows]
local stats = srv:stats()
client:close()
srv:stop()
os.remove(LISTING)

local kinds = {}
for k in pairs(outcomes) do kinds[#kinds + 1] = k end
table.sort(kinds)
print(string.format("\n%d calls in %.1f s (%.0f calls/s), %d requests seen by the server (retries included)",
  calls, elapsed, calls / elapsed, stats.requests))
for _, k in ipairs(kinds) do print(string.format("  %-28s %d", k, outcomes[k])) end
print(string.format("resident memory after warm-up %d KiB, at the end %d KiB: %+d KiB (limit %+d)",
  warm_rss, last.rss, last.rss - warm_rss, MAX_RSS_GROWTH_KB))
print(string.format("descriptors: %d before the client, %d after warm-up, %d at the end, at most %d (limit %d)",
  fds_before, warm_fds, last.fds, worst_fds, limit_fds))

assert(answers == calls, "calls without an answer: " .. (calls - answers))
assert(stats.requests > calls, "no retries happened: were faults injected?")
assert(surprises <= calls / 10000, surprises .. " repeatable calls failed despite retries")
assert(last.rss - warm_rss < MAX_RSS_GROWTH_KB, "resident memory grew by " .. (last.rss - warm_rss) .. " KiB")
assert(worst_fds <= limit_fds, "descriptors grew to " .. worst_fds .. ": " .. worst_listing)
print("soak: ok")
