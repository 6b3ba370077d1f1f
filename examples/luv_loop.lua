-- Driving the client from a luv (libuv) event loop, as a server built on luv would.
--
-- The client tells the loop what it waits on: client:fd(), a descriptor that becomes readable when any
-- of its connections has something to do, and client:timeout(), the seconds until it must be polled
-- anyway (libcurl's timeouts, retry backoff, coroutines asleep in client:sleep). The loop calls
-- client:poll(0) when either fires; poll runs the callbacks. Where the C core has no single descriptor
-- (builds without epoll) client:fd() is nil, and a short repeating timer stands in for it.
--
-- Needs luv (Debian: lua-luv). Runs against the local test server; with ONESIGNAL_REST_API_KEY and
-- ONESIGNAL_APP_ID set it talks to the live API instead.
-- Reaches nobody: every notification is aimed at an external id nobody has; creates nothing.
local uv = require("luv")
local onesignal = require("onesignal")

local function env(name)
  local v = os.getenv(name)
  if v ~= "" then return v end
end

local srv, client
if env("ONESIGNAL_REST_API_KEY") and env("ONESIGNAL_APP_ID") then
  client = onesignal.new{}
else
  srv = require("support.server").start{}
  client = onesignal.new{ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id }
end

-- Hooks a client into luv's loop. Returns `kick`: call it after starting requests from outside a
-- callback of this client (inside one, the hook re-arms itself). Returns `detach` too.
local function attach(c)
  local timer = uv.new_timer()
  local watcher
  local function step()
    c:poll(0)
    local t = c:timeout()
    if t then timer:start(math.ceil(t * 1000), 0, step) else timer:stop() end
  end
  local fd = c:fd()
  if fd then
    watcher = uv.new_poll(fd)
    watcher:start("r", step)
    -- While anything is pending the timer is armed and keeps the loop alive; the watcher never does.
    watcher:unref()
  else
    watcher = uv.new_timer()
    watcher:start(5, 5, step)
    watcher:unref()
  end
  return step, function()
    timer:close()
    watcher:close()
    uv.run() -- lets libuv finish closing them, before the client closes its descriptor
  end
end

local kick, detach = attach(client)

local TOTAL = 10
local sent = 0
-- Something else the program does meanwhile: a luv timer starting one notification every 20 ms.
local started = 0
local ticker = uv.new_timer()
ticker:start(0, 20, function()
  started = started + 1
  local player = "onesignal-lua-example-luv-" .. started
  client:create_notification_async({
    contents = { en = "Hello from a luv loop" },
    include_aliases = { external_id = { player } },
    target_channel = "push",
  }, function(body, err)
    if body then sent = sent + 1 else print("  " .. player .. ": " .. tostring(err)) end
  end)
  kick()
  if started == TOTAL then ticker:close() end
end)

uv.run() -- returns once the ticker is done and nothing is pending
detach()
print(("sent %d of %d notifications from a luv loop"):format(sent, TOTAL))
client:close()
if srv then srv:stop() end
if sent < TOTAL then os.exit(1) end
