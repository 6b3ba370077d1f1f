-- Run by spec/integration/slow_resolver_spec.lua inside a private network and mount namespace
-- (`unshare -rnm`) whose /etc/resolv.conf names 127.0.0.53 with `options timeout:3 attempts:1`: this
-- binds UDP 127.0.0.53:53 and never reads it, so getaddrinfo waits out its 3 s for every name not in
-- /etc/hosts. Each case prints "NAME SECONDS" (the longest the program was held), then "done".
--
--   lua5.4 spec/support/slow_resolver.lua
local socket = require("socket")
local onesignal = require("onesignal")
local core = require("onesignal.core")

local sink = assert(socket.udp())
assert(sink:setsockname("127.0.0.53", 53))

local APP = "00000000-0000-0000-0000-000000000000"
local ID = "00000000-0000-0000-0000-000000000001"

local function new_client(options)
  local o = { base_url = "https://name-nobody-answers.example:8443/api/v1", rest_api_key = "slow-resolver-key",
    app_id = APP, max_retries = 0 }
  for k, v in pairs(options or {}) do o[k] = v end
  return onesignal.new(o)
end

local function report(name, seconds) io.write(string.format("%s %.3f\n", name, seconds)) io.flush() end

-- A game loop: poll(0) every 10 ms until the call's connect timeout ends it; the slowest poll counts.
local function ticks(name, options)
  local client = new_client(options)
  local done = false
  client:cancel_notification_async(nil, ID, function() done = true end)
  local worst, started = 0, core.monotonic()
  while not done and core.monotonic() - started < 10 do
    local t0 = core.monotonic()
    client:poll(0)
    local took = core.monotonic() - t0
    if took > worst then worst = took end
    core.sleep(0.01)
  end
  report(name, done and worst or 99)
end

ticks("poll_connect_timeout", { connect_timeout = 0.5 })
ticks("poll_deadline", { deadline = 0.5 })

-- close() while the lookup runs.
do
  local client = new_client()
  client:cancel_notification_async(nil, ID, function() end)
  client:poll(0)
  core.sleep(0.2)
  local t0 = core.monotonic()
  client:close()
  report("close", core.monotonic() - t0)
end

-- A blocking call keeps to its connect timeout.
do
  local client = new_client({ connect_timeout = 0.5 })
  local t0 = core.monotonic()
  client:cancel_notification(nil, ID)
  report("blocking_connect_timeout", core.monotonic() - t0)
end
io.write("done\n")
