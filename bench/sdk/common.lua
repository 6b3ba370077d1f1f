--- What the Lua SDK's benchmark modes share: settings from the environment (the same BENCH_* variables
-- every peer reads, see bench/README.md), the client, the notification, the clocks and the result line.
local onesignal = require("onesignal")
local probe = require("benchprobe")
local cjson = require("cjson")

local M = {}

local function setting(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then
    if default == nil then error("bench peer: missing setting " .. name, 0) end
    return default
  end
  return v
end

local function count(name, default)
  local n = tonumber(setting(name, tostring(default)))
  if not n or n < 0 or n ~= math.floor(n) then error("bench peer: " .. name .. " must be a count", 0) end
  return n
end

--- The settings of this run.
function M.settings()
  return {
    url = setting("BENCH_URL"),
    key = setting("BENCH_KEY"),
    app_id = setting("BENCH_APP_ID"),
    ca_file = os.getenv("BENCH_CA_FILE") ~= "" and os.getenv("BENCH_CA_FILE") or nil,
    count = count("BENCH_COUNT", 1000),
    warmup = count("BENCH_WARMUP", 100),
    inflight = count("BENCH_INFLIGHT", 1),
    audience = count("BENCH_AUDIENCE", 20000),
  }
end

--- A client as a user would make one, aimed at the test server.
function M.client(s)
  return onesignal.new{ rest_api_key = s.key, app_id = s.app_id, base_url = s.url, ca_file = s.ca_file }
end

--- The small notification every peer sends (the SDK adds app_id and a fresh idempotency key per call).
function M.notification()
  return {
    contents = { en = "Benchmark message" },
    include_aliases = { external_id = { "bench-user-1" } },
    target_channel = "push",
  }
end

--- Raises unless a create_notification answer is a sent notification: failures are never counted.
function M.check(body, res)
  if not body then error("bench peer: request failed: " .. tostring(res), 0) end
  if not onesignal.is_message_sent(body) then error("bench peer: the server sent no notification id", 0) end
end

--- Wall clock and CPU time of this process now.
function M.mark()
  return { wall = probe.now(), cpu = probe.cpu() }
end

--- "lua5.4" or "luajit", plus a suffix naming the driver when it is not the default.
function M.peer_name(driver)
  local name = rawget(_G, "jit") and "luajit" or _VERSION:gsub("^Lua ", "lua")
  if driver then name = name .. "/" .. driver end
  return name
end

--- Prints the result line every peer prints.
function M.report(peer, mode, n, from, to)
  io.write(cjson.encode({
    peer = peer, mode = mode, count = n, wall_s = to.wall - from.wall, cpu_s = to.cpu - from.cpu,
    maxrss_kib = probe.maxrss_kib(),
  }), "\n")
  io.flush()
end

return M
