--- Bulk sends: `client:send_many`, a method of the client (client.lua's EXTENSIONS), so the reference shows
-- it on the client's page (config.ld's `merge`: hence the module's name below).
--
-- Only the client's methods are used here (`_submit`, `_waiter`, `_can_drive`, `_closed`, `_pace`,
-- `_hold_429`, `poll`), never a transport directly, so the same code runs on libcurl and on OpenResty's
-- cosockets.
-- @module onesignal.client

--- Bulk sends.
-- `send_many` makes many create_notification requests, a bounded number in flight at a time.
-- Every notification is checked and encoded before the first one is sent, so a bad item raises (naming
-- its position) and nothing at all goes out. Each request carries its own idempotency key and the
-- client's whole retry policy; while one waits for a retry, the others go on. A 429 (rate limited) to a
-- create_notification of the client, one of the batch's or any other, is the exception: the whole batch
-- then starts no new item until the wait that answer asked for has passed (`pause_on_429`), as new items
-- would only be refused too and burn their retries. README, "Bulk sends", says more.
-- @section bulk

local core = require("onesignal.core")
local config = require("onesignal.config")
local operations = require("onesignal.operations")
local request = require("onesignal.request")
local quote = require("onesignal.quote")
local order = require("onesignal.order")
local usage = require("onesignal.usage")

local NAME = "onesignal.send_many"
local OPTIONS = { concurrency = true, rate = true, burst = true, on_progress = true, pause_on_429 = true }

local function positive_integer(v)
  return type(v) == "number" and v >= 1 and v == math.floor(v) and v < math.huge
end

local function check_options(self, options)
  if options == nil then options = {} end
  if type(options) ~= "table" then usage.raise(NAME .. ": argument 'options' must be a table") end
  local unknown = order.first_unknown(options, OPTIONS)
  if unknown ~= nil then usage.raise(NAME .. ": unknown option '" .. quote.key(unknown, self.redact) .. "'") end
  -- (`~= nil`, not `or`: false is a wrong value, not a missing one)
  local concurrency = options.concurrency
  if concurrency == nil then concurrency = self.max_concurrency or 64 end
  if not positive_integer(concurrency) then
    usage.raise(NAME .. ": option 'concurrency' must be an integer >= 1")
  end
  local rate = options.rate
  -- The wait for a token is at most 1 / rate, and a wait is at most config.MAX_SECONDS (the poll that
  -- waits for it refuses more): a smaller rate (a denormal's 1 / rate is even infinite) let the first
  -- item go out and then failed the batch on that wait, naming neither.
  if rate ~= nil and (type(rate) ~= "number" or rate ~= rate or rate <= 0 or rate == math.huge
      or 1 / rate > config.MAX_SECONDS) then
    usage.raise(NAME .. ": option 'rate' must be a positive number (requests per second), at least 1 / "
      .. config.MAX_SECONDS .. " (one per 24.8 days)")
  end
  local burst = options.burst
  if burst == nil then burst = 1 end
  if not positive_integer(burst) then usage.raise(NAME .. ": option 'burst' must be an integer >= 1") end
  if options.burst ~= nil and rate == nil then usage.raise(NAME .. ": option 'burst' needs option 'rate'") end
  local on_progress = options.on_progress
  if on_progress ~= nil and type(on_progress) ~= "function" then
    usage.raise(NAME .. ": option 'on_progress' must be a function")
  end
  local pause_on_429 = options.pause_on_429
  if pause_on_429 == nil then pause_on_429 = true end
  if type(pause_on_429) ~= "boolean" then usage.raise(NAME .. ": option 'pause_on_429' must be true or false") end
  return concurrency, rate, burst, on_progress, pause_on_429
end

-- Whether `k` is a position in a list: an integer from 1 (a float one too, as LuaJIT has no others).
local function is_position(k)
  return type(k) == "number" and k >= 1 and k == math.floor(k) and k < math.huge
end

-- The length of the list `notifications`, refusing a key that is no position. A hole (refused by build_all)
-- is said the same way wherever `#` finds its border: it was named as "notification #2 must be a table, got
-- nil" when # found the end, as a stray "key '3'" past "keys 1..1" when it found the hole. `#` still counts:
-- a proxy list (__index, __len) has its items where pairs does not see them.
local function list_length(self, notifications)
  local last, stray = #notifications, nil
  for k in pairs(notifications) do
    if is_position(k) then
      if k > last then last = k end
    elseif stray == nil or order.before(k, stray) then
      stray = k
    end
  end
  if stray ~= nil then
    usage.raise(NAME .. ": argument 'notifications' must be a list (keys 1 to n), found key '"
      .. quote.key(stray, self.redact) .. "'")
  end
  return last
end

-- Every request, built before anything is sent. Usage errors name the item. Requests of one batch differ
-- only in body and idempotency key, so those are kept per item and one built request serves as the
-- template of the rest: a long batch waiting to be sent holds a string and a key per item, not a table.
local function build_all(self, notifications)
  if type(notifications) ~= "table" then
    usage.raise(NAME .. ": argument 'notifications' must be a list of tables, got " .. type(notifications))
  end
  local op = operations.by_name.create_notification
  local total = list_length(self, notifications)
  local bodies, keys, template, seen = {}, {}, nil, {}
  for i = 1, total do
    local n = notifications[i]
    if n == nil and i < total then -- a hole (list_length)
      usage.raise(NAME .. ": argument 'notifications' must be a list without holes: notification #" .. i
        .. " is nil (the list goes up to #" .. total .. ")")
    end
    if type(n) ~= "table" then
      usage.raise(NAME .. ": notification #" .. i .. " must be a table, got " .. type(n))
    end
    local ok, req = pcall(request.build, op, self, 1, n)
    if not ok then
      if type(req) == "table" and req.usage then req.usage = NAME .. ": notification #" .. i .. ": " .. req.usage end
      usage.rethrow(req, self.redact)
    end
    -- The same key twice would make the second a replay of the first: almost surely a mistake.
    local key = req.idempotency_key
    if key and seen[key] then
      usage.raise(NAME .. ": notifications #" .. seen[key] .. " and #" .. i .. " have the same idempotency_key")
    end
    if key then seen[key] = i end
    bodies[i], keys[i], template = req.body, key or false, req
  end
  return bodies, keys, template, total
end

-- The request for item i: the template with the item's body and key.
local function request_for(template, bodies, keys, i)
  local req = {}
  for k, v in pairs(template) do req[k] = v end
  req.body, req.idempotency_key = bodies[i], keys[i] or nil
  bodies[i], keys[i] = false, false
  return req
end

-- A token bucket: `burst` tokens at most, `rate` new ones a second. take() spends one and returns nil,
-- or returns the seconds until one is there. hold() and resume() bracket a hold after a 429: the time
-- between earns no token, and at most one is left from before, so no burst of starts follows the hold
-- (the server has just said this app sends too fast).
local function token_bucket(rate, burst)
  local tokens, last = burst, core.monotonic()
  local function refill()
    local now = core.monotonic()
    tokens = math.min(burst, tokens + (now - last) * rate)
    last = now
  end
  local function take()
    refill()
    if tokens >= 1 then
      tokens = tokens - 1
      return nil
    end
    return (1 - tokens) / rate
  end
  local function hold()
    refill()
    tokens = math.min(tokens, 1)
  end
  local function resume() last = core.monotonic() end
  return take, hold, resume
end

--- Sends every notification of the list (create_notification bodies) and returns the results in input
-- order, then a summary. A bad item (not a table, a hole in the list, a value JSON cannot carry, two items
-- with the same `idempotency_key`) raises, naming it, before anything is sent; a failed request never
-- stops the others.
--
-- Options (all optional):
--
-- * `concurrency`: items under way at most, an item waiting for a retry included (default: the client's
--   `max_concurrency`)
-- * `rate`: items started per second at most (default: no limit), from a token bucket holding `burst`
--   tokens; an item's retries take no token: the engine times them by the retry policy
-- * `burst`: the bucket's size, so how many items may start at once (default 1; only with `rate`)
-- * `on_progress`: `function(done, total, i, item)`, run after each item finishes, in the order they
--   finish, where `send_many` was called (an error it raises comes out of `send_many`)
-- * `pause_on_429`: true (the default): when an attempt of a create_notification of the client, an
--   item's or any other call's, is answered 429, no new item starts until the wait that answer asked for
--   has passed (its retry's wait, or when not retried its Retry-After up to `retry_max_delay`); items
--   under way go on by their own retry policy. false: new items go on meanwhile.
--
-- Blocks while it drives the client (other callbacks run meanwhile); inside `client:spawn` it suspends.
-- @function Client:send_many
-- @tparam table notifications the list of create_notification bodies
-- @tparam[opt] table options
-- @treturn table the results: `results[i]` is `{ body = ..., response = ... }` for `notifications[i]`, or
-- `{ err = ... }` when it failed
-- @treturn table the summary `{ total, succeeded, failed, elapsed, paused }`: `elapsed` is the seconds the
-- batch took, `paused` the seconds it held off starting items because of 429 answers (0 when none)
local function send_many(self, notifications, options)
  local concurrency, rate, burst, on_progress, pause_on_429 = check_options(self, options)
  -- Every create_notification request is marked note_429 (operations.lua), so the engine notes the hold
  -- a 429 to any of them asks for, this batch's or any other call's of the client (read below by
  -- _hold_429): noted there rather than reported here, as a report per attempt would cost every request.
  local bodies, keys, template, total = build_all(self, notifications)
  local wait, wake = self:_waiter()
  -- Blocking, this drives the client once the first items are out. Where it cannot (inside the on_attempt
  -- hook, while the engine drives the call that ran it) poll would refuse only then, the items sent and
  -- their results lost: refused here instead, before anything goes out.
  if not wait then
    local can, in_hook = self:_can_drive()
    if not can then
      usage.cannot_drive("send_many", in_hook, "run it in client:spawn there instead, where it suspends")
    end
  end
  local started = core.monotonic()
  local results = {}
  local summary = { total = total, succeeded = 0, failed = 0, paused = 0 }
  local take, hold_bucket, resume_bucket
  if rate then take, hold_bucket, resume_bucket = token_bucket(rate, burst) end
  local held_since -- when a 429's hold last kept an item from starting, until it starts; or nil
  local next_item, in_flight, done = 1, 0, 0
  local finished, reported = {}, 0 -- items finished, in order, and how many of them were reported

  local function start(i)
    in_flight = in_flight + 1
    self:_submit(request_for(template, bodies, keys, i), function(body, res)
      results[i] = body ~= nil and { body = body, response = res } or { err = res }
      in_flight = in_flight - 1
      finished[#finished + 1] = i
      if wake then wake() end
    end)
  end

  -- The seconds left of a 429's hold that keeps the next item back, or nil. It counts in summary.paused
  -- only while it keeps one back (an item is waiting and a slot is free), and the bucket earns nothing
  -- meanwhile. A closed client holds nothing (_hold_429 says none): what is left fails at once.
  local function held()
    local left = pause_on_429 and self:_hold_429()
    if left then
      if not held_since then
        held_since = core.monotonic()
        if hold_bucket then hold_bucket() end
      end
      return left
    end
    if held_since then
      summary.paused = summary.paused + (core.monotonic() - held_since)
      held_since = nil
      if resume_bucket then resume_bucket() end
    end
    return nil
  end

  -- Starts what the cap, a 429's hold and the bucket allow; returns the seconds to wait for the hold to
  -- end or a token, if either blocks.
  local function start_more()
    while next_item <= total and in_flight < concurrency do
      local left = held()
      if left then return left end
      -- A closed client sends nothing: what is left fails at once, not at `rate` items a second.
      local delay = take and not self:_closed() and take()
      if delay then return delay end
      local i = next_item
      next_item = i + 1
      start(i)
    end
    return nil
  end

  -- Reports progress from this loop, not from the callbacks: on_progress then runs where send_many was
  -- called (its errors surface there, and inside spawn it may itself make calls that suspend).
  local function report()
    while reported < #finished do
      reported = reported + 1
      local i = finished[reported]
      done = done + 1
      local item = results[i]
      if item.err then summary.failed = summary.failed + 1 else summary.succeeded = summary.succeeded + 1 end
      if on_progress then on_progress(done, total, i, item) end
    end
  end

  while done < total do
    -- Report before refilling: on_progress may suspend (inside spawn) while the requests in flight finish,
    -- and their slots must be refilled before this waits, or nothing would be left to wake it.
    report()
    local delay = start_more()
    if done < total and reported == #finished then
      if wait then
        -- Suspended until a request finishes, or the bucket's next token or the hold's end (whichever
        -- comes first: a finished item is reported at once, not a token later).
        wait(delay)
      elseif delay and in_flight == 0 then
        self:_pace(delay)
      else
        -- poll returns as soon as callbacks ran, so a finished request is refilled at once.
        self:poll(delay or 1)
      end
    end
  end
  summary.elapsed = core.monotonic() - started
  return results, summary
end

return { send_many = send_many }
