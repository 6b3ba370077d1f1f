-- One personalised notification to each of many players with client:send_many: a bounded number in
-- flight, a client-side rate limit, progress as it goes, and one result per player in input order.
--
-- Runs against the local test server, which answers every fifth request 503 once (the item is
-- retried while the others go on); with ONESIGNAL_REST_API_KEY and ONESIGNAL_APP_ID set it talks to the
-- live API instead.
-- Reaches nobody: every notification is aimed at an external id nobody has; creates nothing.
local onesignal = require("onesignal")

local PLAYERS = 200

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
  for i = 1, PLAYERS do steps[i] = (i % 5 == 0) and { status = 503 } or { pass = true } end
  srv:fault{ match = { operation = "create_notification" }, steps = steps }
  -- The script faults every fifth request, retries included, so an unlucky item can meet several 503s in
  -- a row: allow it more retries than the default 3.
  client = onesignal.new{ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id,
    retry_base_delay = 0.1, max_retries = 8 }
end

-- Every body is checked and encoded before the first is sent: a mistake in item 137 raises here,
-- with nothing sent.
local notifications = {}
for i = 1, PLAYERS do
  notifications[i] = {
    headings = { en = "Season 3 is here" },
    contents = { en = ("Player %d, your rank is waiting for you"):format(i) },
    include_aliases = { external_id = { "onesignal-lua-example-player-" .. i } },
    target_channel = "push",
  }
end

local results, summary = client:send_many(notifications, {
  concurrency = 32,     -- items under way at most (default: max_concurrency of onesignal.new, 64)
  rate = 500,           -- items started per second at most (their retries are not counted)
  on_progress = function(done, total)
    if done % 50 == 0 or done == total then print(("  %d/%d done"):format(done, total)) end
  end,
})

local retried = 0
for i, item in ipairs(results) do
  if item.err then
    print(("  player %d failed: %s"):format(i, tostring(item.err)))
  elseif item.response.attempts > 1 then
    retried = retried + 1
  end
end
print(("%d sent, %d failed, %d needed a retry, in %.2f s"):format(summary.succeeded, summary.failed, retried,
  summary.elapsed))
client:close()
if srv then srv:stop() end
if summary.failed > 0 then os.exit(1) end
