--- Concurrent mode: BENCH_INFLIGHT create_notification requests in flight on one client.
--
--   async       create_notification_async + poll; a finished request's callback starts the next one
--   send_many   client:send_many(list, { concurrency = BENCH_INFLIGHT }) over a list made beforehand
local M = {}

-- Sends n notifications with at most `inflight` in flight through callbacks, driving with poll.
local function run_async(client, n, inflight, notification, check)
  local started, finished = 0, 0
  local on_done
  local function start_one()
    started = started + 1
    client:create_notification_async(notification, on_done)
  end
  on_done = function(body, res)
    check(body, res)
    finished = finished + 1
    if started < n then start_one() end
  end
  for _ = 1, math.min(n, inflight) do start_one() end
  while finished < n do client:poll(1) end
end

local function check_all(results, n, check)
  for i = 1, n do
    local item = results[i]
    if not item then error("bench peer: send_many gave no result for item " .. i, 0) end
    if item.err then check(nil, item.err) end
    check(item.body, item.response)
  end
end

-- Returns a function sending n notifications, with what a caller prepares (the list) made now.
local function prepare(client, s, common, driver, n)
  if driver == "async" then
    local notification = common.notification()
    return function() run_async(client, n, s.inflight, notification, common.check) end
  end
  -- send_many: one table per notification, as a caller with a list of messages has them
  local list = {}
  for i = 1, n do list[i] = common.notification() end
  return function() check_all(client:send_many(list, { concurrency = s.inflight }), n, common.check) end
end

function M.run(client, s, common, driver)
  driver = driver or "async"
  if driver ~= "async" and driver ~= "send_many" then error("bench peer: unknown driver " .. driver, 0) end
  if driver == "send_many" and type(client.send_many) ~= "function" then
    error("bench peer: this SDK has no client:send_many yet", 0)
  end
  if s.warmup > 0 then prepare(client, s, common, driver, s.warmup)() end
  local send = prepare(client, s, common, driver, s.count)
  local from = common.mark()
  send()
  local to = common.mark()
  common.report(common.peer_name(driver ~= "async" and driver or nil), "concurrent", s.count, from, to)
end

return M
