-- A game server's main loop: 60 ticks a second, each one calling client:poll(0) once, while
-- notifications go out in the background. Every call is started with an _async method and finishes
-- in a later tick's poll, so a slow answer never stalls a tick. Prints the slowest tick.
--
-- Runs against the local test server, which holds every notification 0.2 s (a slow round trip); with
-- ONESIGNAL_REST_API_KEY and ONESIGNAL_APP_ID set it talks to the live API instead.
-- Reaches nobody: every notification is aimed at an external id nobody has; creates nothing.
local onesignal = require("onesignal")
local core = require("onesignal.core")

local TICK = 1 / 60
local GAME_TICKS = 120   -- two seconds of play; then the loop goes on only until the answers are in
local NOTIFY_EVERY = 10  -- a player levels up every 10th tick

local function env(name)
  local v = os.getenv(name)
  if v ~= "" then return v end
end

local srv, client
if env("ONESIGNAL_REST_API_KEY") and env("ONESIGNAL_APP_ID") then
  client = onesignal.new{}
else
  srv = require("support.server").start{}
  local steps = {}
  for i = 1, math.floor(GAME_TICKS / NOTIFY_EVERY) do steps[i] = { delay = 0.2 } end
  srv:fault{ match = { operation = "create_notification" }, steps = steps }
  client = onesignal.new{ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id }
end

local answered, failed = 0, 0
local function level_up(tick)
  local player = "onesignal-lua-example-player-" .. tick
  client:create_notification_async({
    contents = { en = "You reached level " .. math.floor(tick / NOTIFY_EVERY) .. "!" },
    include_aliases = { external_id = { player } },
    target_channel = "push",
  }, function(body, err)
    if body then answered = answered + 1 else
      failed = failed + 1
      print("  notification for " .. player .. " failed: " .. tostring(err))
    end
  end)
end

local worst, tick = 0, 0
local next_tick = core.monotonic()
while tick < GAME_TICKS or client:pending() > 0 do
  local started = core.monotonic()
  tick = tick + 1
  if tick <= GAME_TICKS and tick % NOTIFY_EVERY == 0 then level_up(tick) end
  -- ... the game's own work for this tick goes here ...
  client:poll(0) -- transfers, retries and callbacks; never waits
  local took = core.monotonic() - started
  if took > worst then worst = took end
  next_tick = next_tick + TICK
  local left = next_tick - core.monotonic()
  if left > 0 then core.sleep(left) end
end

print(("%d ticks at 60 Hz, worst tick: %.2f ms (a tick has %.1f ms)"):format(tick, worst * 1000, TICK * 1000))
print(("sent %d notifications (%d answered, %d failed)"):format(answered + failed, answered, failed))
client:close()
if srv then srv:stop() end
if failed > 0 then os.exit(1) end
