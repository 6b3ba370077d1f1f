-- client:send_many against the test server: input order, the concurrency cap, the rate limit, retries
-- that go on while other items proceed, progress, per-item failures, bad input refused before anything
-- is sent, and the same inside a coroutine run by client:spawn.
local onesignal = require("onesignal")
local server = require("support.server")
local cjson = require("cjson")
local shared = require("support.shared")
local core = require("onesignal.core")

local function notifications(n, prefix)
  local list = {}
  for i = 1, n do list[i] = { contents = { en = (prefix or "n") .. i }, included_segments = { "All" } } end
  return list
end

-- The recorded create_notification requests with the idempotency key each carried.
local function recorded(srv)
  local out = {}
  for _, r in ipairs(srv:requests()) do
    if r.operation == "create_notification" then
      r.key = cjson.decode(r.body).idempotency_key
      out[#out + 1] = r
    end
  end
  return out
end

-- The most requests that arrived within any window of `width` seconds.
local function most_arrivals_within(requests, width)
  local most = 0
  for _, a in ipairs(requests) do
    local n = 0
    for _, b in ipairs(requests) do
      if b.time >= a.time and b.time - a.time < width then n = n + 1 end
    end
    if n > most then most = n end
  end
  return most
end

-- A 429 with Retry-After: 1 for the first create_notification request to arrive, then `slow` more that
-- the server holds back 0.25 s each: they are answered well after the 429, so the hold is known before
-- their items finish and free their slots.
local function one_429_then_slow(srv, slow)
  local steps = { { status = 429, headers = { ["Retry-After"] = "1" } } }
  for i = 1, slow do steps[i + 1] = { delay = 0.25 } end
  srv:fault({ match = { operation = "create_notification" }, steps = steps })
end

-- What the server saw of a batch begun by one 429: the time of that 429, the keys of the first `wave`
-- items (started before it was answered), and the time each other item's first request arrived.
local function after_the_429(srv, wave)
  local seen = recorded(srv)
  local at, first_wave, firsts = nil, {}, {}
  for n, r in ipairs(seen) do
    if r.fault and r.fault.status == 429 then at = r.time end
    if n <= wave then first_wave[r.key] = true end
  end
  local known = {}
  for _, r in ipairs(seen) do
    if not known[r.key] then
      known[r.key] = true
      if not first_wave[r.key] then firsts[#firsts + 1] = r end
    end
  end
  return assert(at, "no 429 was recorded"), firsts
end

local function delays(n, seconds)
  local steps = {}
  for i = 1, n do steps[i] = { delay = seconds } end
  return { match = { operation = "create_notification" }, steps = steps }
end

describe("client:send_many", function()
  local srv, client

  server.with_client(function(new_srv, new_client) srv, client = new_srv, new_client end,
    { retry_base_delay = 0.2, retry_max_delay = 0.4 })

  it("returns the results in input order, whatever order they finish in", function()
    srv:fault({ match = { operation = "create_notification" }, steps = { { delay = 1 } } })
    local list = notifications(12)
    local finished = {}
    local results, summary = client:send_many(list, { concurrency = 4, on_progress = function(_, _, i)
      finished[#finished + 1] = i
    end })
    assert.are.equal(12, #results)
    assert.are.same({ total = 12, succeeded = 12, failed = 0 },
      { total = summary.total, succeeded = summary.succeeded, failed = summary.failed })
    local slow
    for _, r in ipairs(recorded(srv)) do if r.fault then slow = r.key end end
    for i, item in ipairs(results) do
      assert.is_nil(item.err)
      assert.is_true(onesignal.is_message_sent(item.body))
      assert.are.equal("n" .. i, assert(client:get_notification(nil, item.body.id)).contents.en)
      if item.response.idempotency_key == slow then slow = i end
    end
    -- the item whose request the server held for a second finished last, yet sits at its own place
    assert.is_number(slow)
    assert.are.equal(slow, finished[12])
    assert.are.equal(12, srv:stats().notifications_created)
  end)

  it("never has more than `concurrency` requests in flight", function()
    srv:fault(delays(12, 0.25))
    local most_pending = 0
    local results, summary = client:send_many(notifications(12), { concurrency = 3, on_progress = function()
      most_pending = math.max(most_pending, client:pending())
    end })
    for _, item in ipairs(results) do assert.is_nil(item.err, tostring(item.err)) end
    -- 12 requests of at least 0.25 s, 3 at a time: at least 4 rounds
    assert.is_true(summary.elapsed >= 1.0, "elapsed " .. summary.elapsed)
    assert.is_true(most_pending <= 3, "pending " .. most_pending)
    local stats = srv:stats()
    assert.is_true(stats.connections <= 3, "connections " .. stats.connections)
    -- a fourth request could only start once one of the first three had its answer, 0.25 s later
    assert.is_true(most_arrivals_within(recorded(srv), 0.15) <= 3)
  end)

  it("takes its default concurrency from max_concurrency", function()
    local narrow = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id,
      max_concurrency = 2 })
    srv:fault(delays(6, 0.2))
    local _, summary = narrow:send_many(notifications(6))
    narrow:close()
    assert.are.equal(6, summary.succeeded)
    assert.is_true(summary.elapsed >= 0.6, "elapsed " .. summary.elapsed)
    assert.is_true(srv:stats().connections <= 2)
    assert.is_true(most_arrivals_within(recorded(srv), 0.1) <= 2)
  end)

  it("starts at most `rate` requests a second", function()
    local _, summary = client:send_many(notifications(6), { rate = 10 })
    assert.are.equal(6, summary.succeeded)
    -- 6 items at 10/s: 5 gaps of at least 0.1 s
    assert.is_true(summary.elapsed >= 0.5, "elapsed " .. summary.elapsed)
    local seen = recorded(srv)
    assert.is_true(seen[6].time - seen[1].time >= 0.45, "server saw them over " .. (seen[6].time - seen[1].time))
    assert.is_true(most_arrivals_within(seen, 0.05) <= 1)
  end)

  it("lets `burst` requests go at once under a rate", function()
    local _, summary = client:send_many(notifications(7), { rate = 10, burst = 3 })
    assert.are.equal(7, summary.succeeded)
    assert.is_true(summary.elapsed >= 0.4, "elapsed " .. summary.elapsed)
  end)

  it("spaces the items' first requests by `rate`; an item's retries keep the retry policy's timing", function()
    -- Item 1 is declined twice with Retry-After: 0, so it is sent three times at once. The bucket (one
    -- token every 0.5 s) holds back item 2, not item 1's retries: those are the engine's, after the item
    -- started (README, Bulk sends). A small retry_base_delay keeps the spread on top of Retry-After small.
    srv:fault_on("create_notification", server.times(2, { status = 429, headers = { ["Retry-After"] = "0" } }))
    local results, summary = client:with({ retry_base_delay = 0.01 }):send_many(notifications(2), { rate = 2 })
    assert.are.equal(2, summary.succeeded)
    assert.are.equal(3, results[1].response.attempts)
    assert.are.equal(1, results[2].response.attempts)
    local seen = recorded(srv)
    assert.are.equal(4, #seen)
    local first, second = results[1].response.idempotency_key, results[2].response.idempotency_key
    for i = 1, 3 do assert.are.equal(first, seen[i].key) end
    assert.are.equal(second, seen[4].key)
    assert.is_true(seen[3].time - seen[1].time < 0.3, "item 1's retries waited for the bucket")
    assert.is_true(seen[4].time - seen[1].time >= 0.45, "item 2 went out after " .. (seen[4].time - seen[1].time))
  end)

  it("counts an item waiting for a retry among the `concurrency` in flight", function()
    -- One slot: item 2 waits until item 1, declined with Retry-After: 1, has been retried and answered.
    local patient = client:with({ retry_max_delay = 2 })
    srv:fault_on("create_notification", { { status = 429, headers = { ["Retry-After"] = "1" } } })
    local results = patient:send_many(notifications(2), { concurrency = 1 })
    local seen = recorded(srv)
    local first, second = results[1].response.idempotency_key, results[2].response.idempotency_key
    assert.are.same({ first, first, second }, { seen[1].key, seen[2].key, seen[3].key })
    assert.is_true(seen[2].time - seen[1].time >= 0.99, "the retry came early")
    -- Two slots: item 2 goes out while item 1 waits for its retry.
    srv:reset()
    srv:fault_on("create_notification", { { status = 429, headers = { ["Retry-After"] = "1" } } })
    results = patient:send_many(notifications(2), { concurrency = 2 })
    seen = recorded(srv)
    first, second = results[1].response.idempotency_key, results[2].response.idempotency_key
    assert.are.same({ first, second, first }, { seen[1].key, seen[2].key, seen[3].key })
    assert.is_true(seen[3].time - seen[2].time >= 0.5, "item 2 waited for item 1's retry")
  end)

  it("bounds each item by the deadline from its first request, not the whole batch", function()
    -- One slot: item 1 stalls past the deadline; items 2 and 3 then take 0.4 s each, 1.4 s into the batch.
    srv:fault({ match = { operation = "create_notification" },
      steps = { { delay = 1 }, { delay = 0.4 }, { delay = 0.4 } } })
    local results, summary = client:with({ deadline = 0.6 }):send_many(notifications(3), { concurrency = 1 })
    assert.are.equal("timeout", results[1].err.kind)
    assert.is_true(results[1].err.maybe_sent)
    assert.is_true(onesignal.is_message_sent(results[2].body), tostring(results[2].err))
    assert.is_true(onesignal.is_message_sent(results[3].body), tostring(results[3].err))
    assert.are.equal(2, summary.succeeded)
    assert.is_true(summary.elapsed >= 1.3, "elapsed " .. summary.elapsed)
  end)

  it("holds no more than `burst` tokens while the concurrency cap keeps requests back", function()
    -- The first two requests take a second, filling the cap. A bucket that kept filling meanwhile would
    -- send the four after them at once; the rate allows two (the burst), then one every 0.1 s.
    srv:fault(delays(2, 1))
    local _, summary = client:send_many(notifications(6), { concurrency = 2, rate = 10, burst = 2 })
    assert.are.equal(6, summary.succeeded)
    local later = {}
    for _, r in ipairs(recorded(srv)) do if not r.fault then later[#later + 1] = r end end
    assert.are.equal(4, #later)
    assert.is_true(most_arrivals_within(later, 0.05) <= 2)
    local first, last = math.huge, 0
    for _, r in ipairs(later) do first, last = math.min(first, r.time), math.max(last, r.time) end
    assert.is_true(last - first >= 0.15, "the last four went out within " .. (last - first) .. " s")
  end)

  it("retries an item while the others proceed, and creates each notification once", function()
    srv:fault({ match = { operation = "create_notification" },
      steps = { { status = 503 }, { drop = "after_read" }, { status = 429 } } })
    -- (a 429 holds back new items by default: see the pause_on_429 tests below)
    local results, summary = client:send_many(notifications(10), { concurrency = 4, pause_on_429 = false })
    assert.are.equal(10, summary.succeeded)
    local attempts = 0
    for _, item in ipairs(results) do attempts = attempts + item.response.attempts end
    -- (libcurl itself may resend once, unseen, on a reused connection that died: hence >=)
    assert.is_true(attempts >= 12, "attempts " .. attempts)
    -- the dropped attempt had been applied: its retry was answered as a replay, not a second message
    assert.are.equal(10, srv:stats().notifications_created)
    local seen = recorded(srv)
    assert.is_true(#seen >= 13)
    -- between a 503/429 and its retry (a timer in the engine), other items' requests went out
    for at, r in ipairs(seen) do
      if r.fault and r.fault.status then
        local retry_at
        for later = at + 1, #seen do if seen[later].key == r.key then retry_at = later break end end
        assert.is_number(retry_at)
        local others = 0
        for between = at + 1, retry_at - 1 do if seen[between].key ~= r.key then others = others + 1 end end
        assert.is_true(others > 0, "nothing went out while item " .. r.key .. " waited to retry")
      end
    end
  end)

  -- A 429 holds back the whole batch: items not yet started wait for the end of the wait it asked for
  -- (here its retry's: Retry-After 1 plus a spread of at most 0.1 s); those under way go on.
  local function paused_batch(inside_spawn)
    local patient = client:with({ retry_max_delay = 2 })
    one_429_then_slow(srv, 2)
    local results, summary
    local function send() results, summary = patient:send_many(notifications(7), { concurrency = 3 }) end
    if inside_spawn then
      patient:spawn(send)
      assert.is_true(client:run(20))
    else
      send()
    end
    assert.are.equal(7, summary.succeeded)
    for _, item in ipairs(results) do assert.is_nil(item.err, tostring(item.err)) end
    local at, firsts = after_the_429(srv, 3)
    assert.are.equal(4, #firsts)
    for _, r in ipairs(firsts) do
      assert.is_true(r.time - at >= 0.9, "a new item went out " .. (r.time - at) .. " s after the 429")
    end
    -- held from when the slow items freed their slots (0.25 s) to the hold's end (1 to 1.1 s)
    assert.is_true(summary.paused >= 0.5 and summary.paused < 5, "paused " .. summary.paused)
  end

  it("starts no new item until a 429's Retry-After has passed (blocking)", function()
    paused_batch(false)
  end)

  it("starts no new item until a 429's Retry-After has passed (inside client:spawn)", function()
    paused_batch(true)
  end)

  it("holds for a 429 that is not retried: its Retry-After, up to retry_max_delay", function()
    -- The shared client's retry_max_delay (0.4 s) is below Retry-After: 1, so the item fails at once
    -- (retry_after_too_long) and the batch is held for 0.4 s.
    one_429_then_slow(srv, 0)
    local results, summary = client:send_many(notifications(3), { concurrency = 1 })
    assert.are.equal("retry_after_too_long", results[1].err.gave_up)
    assert.are.equal(2, summary.succeeded)
    local at, firsts = after_the_429(srv, 1)
    assert.are.equal(2, #firsts)
    assert.is_true(firsts[1].time - at >= 0.35, "item 2 went out " .. (firsts[1].time - at) .. " s after the 429")
    assert.is_true(firsts[1].time - at < 0.9, "item 2 held for " .. (firsts[1].time - at) .. " s")
    assert.is_true(summary.paused >= 0.3 and summary.paused < 0.9, "paused " .. summary.paused)
  end)

  -- The limit is the app's: a 429 to a create_notification outside the batch holds it too; a 429 to
  -- another operation (another limit) holds nothing.
  it("holds for a 429 to any create_notification of the client, and not for a 429 to another operation", function()
    one_429_then_slow(srv, 0)
    local _, err = client:create_notification({ contents = { en = "alone" }, included_segments = { "All" } })
    assert.are.equal("retry_after_too_long", err.gave_up)
    local _, summary = client:send_many(notifications(2), { concurrency = 1 })
    assert.are.equal(2, summary.succeeded)
    local at, firsts = after_the_429(srv, 1)
    assert.are.equal(2, #firsts)
    assert.is_true(firsts[1].time - at >= 0.35, "item 1 went out " .. (firsts[1].time - at) .. " s after the 429")
    assert.is_true(summary.paused >= 0.3 and summary.paused < 0.9, "paused " .. summary.paused)

    srv:fault({ match = { operation = "get_segments" },
      steps = { { status = 429, headers = { ["Retry-After"] = "1" } } } })
    _, err = client:get_segments(srv.app_id)
    assert.are.equal(429, err.status)
    _, summary = client:send_many(notifications(2), { concurrency = 1 })
    assert.are.equal(2, summary.succeeded)
    assert.are.equal(0, summary.paused)
  end)

  it("goes on starting items during a 429's wait with pause_on_429 = false", function()
    local patient = client:with({ retry_max_delay = 2 })
    one_429_then_slow(srv, 2)
    local _, summary = patient:send_many(notifications(7), { concurrency = 3, pause_on_429 = false })
    assert.are.equal(7, summary.succeeded)
    local at, firsts = after_the_429(srv, 3)
    assert.are.equal(4, #firsts)
    assert.is_true(firsts[1].time - at < 0.9, "a new item waited " .. (firsts[1].time - at) .. " s")
    assert.are.equal(0, summary.paused)
  end)

  it("with a rate, starts no burst of items when a 429's hold ends", function()
    -- Three tokens at first: items 1 to 3 go at once, the first to arrive is declined for a second.
    -- A bucket that filled during that second would send the next three at once as it ends.
    local patient = client:with({ retry_max_delay = 2 })
    one_429_then_slow(srv, 0)
    local _, summary = patient:send_many(notifications(7), { rate = 5, burst = 3 })
    assert.are.equal(7, summary.succeeded)
    local at, firsts = after_the_429(srv, 3)
    assert.are.equal(4, #firsts)
    for _, r in ipairs(firsts) do
      assert.is_true(r.time - at >= 0.9, "a new item went out " .. (r.time - at) .. " s after the 429")
    end
    assert.is_true(most_arrivals_within(firsts, 0.1) <= 1, "a burst after the hold")
    assert.is_true(summary.paused >= 0.5, "paused " .. summary.paused)
  end)

  it("reports progress once per item: done, total, index and item", function()
    local calls = {}
    local results = client:send_many(notifications(5), { concurrency = 2, on_progress = function(done, total, i, item)
      calls[#calls + 1] = { done = done, total = total, i = i, item = item }
    end })
    assert.are.equal(5, #calls)
    local indexes = {}
    for n, c in ipairs(calls) do
      assert.are.equal(n, c.done)
      assert.are.equal(5, c.total)
      assert.are.equal(results[c.i], c.item)
      indexes[c.i] = true
    end
    for i = 1, 5 do assert.is_true(indexes[i]) end
  end)

  -- README: the error comes out of send_many as raised and ends the batch; the items in flight still
  -- finish (pending until then), unreported, and the rest are never sent.
  it("ends the batch when on_progress raises: its error as raised, the items in flight finish, no more go", function()
    srv:fault({ match = { operation = "create_notification" }, steps = { {}, { delay = 0.3 } } })
    local problem = { stop = true }
    local ok, err = pcall(client.send_many, client, notifications(6), { concurrency = 2, on_progress = function()
      error(problem)
    end })
    assert.is_false(ok)
    assert.are.equal(problem, err)
    assert.are.equal(1, client:pending(), "the second item, still in flight")
    assert.is_true(client:run(10))
    assert.are.equal(2, #srv:recorded("create_notification"))
  end)

  it("reports a failed item as { err = … } and goes on with the rest", function()
    local list = notifications(4)
    list[3] = { contents = { en = "nobody targeted" } } -- the API answers 400
    local results, summary = client:send_many(list)
    assert.are.equal(3, summary.succeeded)
    assert.are.equal(1, summary.failed)
    assert.is_nil(results[3].body)
    assert.are.equal("api", results[3].err.kind)
    assert.are.equal(400, results[3].err.status)
    for _, i in ipairs({ 1, 2, 4 }) do assert.is_true(onesignal.is_message_sent(results[i].body)) end
  end)

  it("keeps keys given by the caller and adds one to the others", function()
    local list = notifications(3)
    list[2].idempotency_key = onesignal.new_idempotency_key()
    local results = client:send_many(list)
    assert.are.equal(list[2].idempotency_key, results[2].response.idempotency_key)
    assert.is_nil(list[1].idempotency_key) -- the caller's tables are not changed
    assert.are_not.equal(results[1].response.idempotency_key, results[3].response.idempotency_key)
  end)

  it("refuses bad input before sending anything, naming the item", function()
    local function refused(pattern, list, options)
      local ok, err = pcall(function() client:send_many(list, options) end)
      assert.is_false(ok)
      assert.matches("bulk_spec%.lua:%d+: onesignal%.send_many: " .. pattern, err)
    end
    local list = notifications(4)
    list[3] = "not a table"
    refused("notification #3 must be a table, got string", list)
    list = notifications(4)
    list[2].data = { callback = print }
    refused("notification #2: onesignal%.create_notification: .*function", list)
    list = notifications(3)
    list[1].idempotency_key, list[3].idempotency_key = "same-key", "same-key"
    refused("notifications #1 and #3 have the same idempotency_key", list)
    list = notifications(3)
    list[3].external_id = "" -- found before #1 and #2 are sent
    refused("notification #3: onesignal%.create_notification: argument 'notification': field external_id", list)
    refused("argument 'notifications' must be a list", { a = {} })
    -- A hole was named as "notification #2 must be a table, got nil" or as a stray "key '3'" past "keys
    -- 1..1", whichever border # happened to find: one message, whichever it finds.
    local hole = "argument 'notifications' must be a list without holes: notification #2 is nil %(the list goes"
      .. " up to #3%)$"
    refused(hole, { notifications(1)[1], nil, notifications(1)[1] })
    list = {}
    list[1], list[3] = notifications(1)[1], notifications(1)[1]
    refused(hole, list)
    list = notifications(3)
    list[2] = nil
    refused(hole, list)
    list = { [3] = notifications(1)[1] }
    refused("argument 'notifications' must be a list without holes: notification #1 is nil %(the list goes up to"
      .. " #3%)$", list)
    list = { notifications(1)[1], [2 ^ 60] = notifications(1)[1] }
    refused("argument 'notifications' must be a list without holes: notification #2 is nil", list)
    -- a proxy list (its items behind __index, its length from __len) is still a list (where # reads __len:
    -- not on LuaJIT)
    local proxied = notifications(2, "proxied")
    local proxy = setmetatable({}, { __index = proxied, __len = function() return 2 end })
    if #proxy == 2 then
      local results = client:send_many(proxy)
      assert.are.equal(2, #results)
      assert.is_table(results[2].body)
      srv:clear()
    end
    refused("argument 'notifications' must be a list of tables, got nil", nil)
    refused("unknown option 'concurency'", notifications(1), { concurency = 2 })
    refused("option 'concurrency' must be an integer >= 1", notifications(1), { concurrency = 0 })
    -- false is no number either: it was taken for "not given" and the default used
    refused("option 'concurrency' must be an integer >= 1", notifications(1), { concurrency = false })
    refused("option 'burst' must be an integer >= 1", notifications(1), { rate = 10, burst = false })
    refused("option 'rate' must be a positive number", notifications(1), { rate = 0 })
    -- so small that the wait for a second token would be infinite
    refused("option 'rate' must be a positive number", notifications(2), { rate = 1e-320 })
    -- so small that the wait for a second token is longer than any wait the client takes (its poll
    -- refused it once the first item was out)
    refused("option 'rate' must be a positive number %(requests per second%), at least 1 / 2147483",
      notifications(2), { rate = 1 / 3000000 })
    refused("option 'burst' needs option 'rate'", notifications(1), { burst = 2 })
    refused("option 'on_progress' must be a function", notifications(1), { on_progress = true })
    refused("option 'pause_on_429' must be true or false", notifications(1), { pause_on_429 = "no" })
    refused("option 'pause_on_429' must be true or false", notifications(1), { pause_on_429 = 0 })
    assert.are.equal(0, #srv:requests())
    local results, summary = client:send_many({})
    assert.are.same({}, results)
    assert.are.equal(0, summary.total)
  end)

  it("takes the smallest rate, one item per the longest wait (2147483 s)", function()
    local _, summary = client:send_many(notifications(1), { rate = 1 / 2147483 })
    assert.are.equal(1, summary.succeeded)
  end)

  -- The hook runs while the engine drives a request, and a blocking send_many must drive it too. Refused
  -- only once it had started its first `concurrency` items: those were created, and the caller, told
  -- only "poll, wait and close cannot be called from a hook", never learnt of them.
  it("refuses to run from the on_attempt hook, before sending anything", function()
    local hooked, tried
    hooked = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id,
      on_attempt = function(a)
        if a.operation == "get_segments" and not tried then
          tried = { pcall(hooked.send_many, hooked, notifications(3), { concurrency = 2 }) }
        end
      end })
    assert(hooked:get_segments(nil))
    assert.is_true(hooked:run(5))
    hooked:close()
    assert.is_false(tried[1])
    assert.matches("bulk_spec%.lua:%d+: onesignal%.send_many: cannot be called from an on_attempt hook", tried[2])
    assert.are.equal(0, #srv:recorded("create_notification"))
    -- Inside client:spawn, as the error says, it suspends rather than drive: started from the hook, it runs.
    local spawned
    tried = nil
    hooked = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id,
      on_attempt = function(a)
        if a.operation == "get_segments" and not tried then
          tried = true
          hooked:spawn(function() spawned = select(2, hooked:send_many(notifications(3), { concurrency = 2 })) end)
        end
      end })
    assert(hooked:get_segments(nil))
    assert.is_true(hooked:run(5))
    hooked:close()
    assert.are.equal(3, spawned.succeeded)
    srv:reset()
    -- Another client's hook is no obstacle: only the client being driven is busy.
    tried = nil
    local other = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id,
      on_attempt = function(a)
        if a.operation == "get_segments" and not tried then
          tried = { pcall(client.send_many, client, notifications(3), { concurrency = 2 }) }
        end
      end })
    assert(other:get_segments(nil))
    other:close()
    assert.is_true(tried[1], tostring(tried[2]))
    assert.are.equal(3, tried[3].succeeded)
  end)

  it("suspends inside client:spawn while other coroutines go on", function()
    srv:fault(delays(4, 0.2))
    local order, results = {}, nil
    client:spawn(function()
      order[#order + 1] = "bulk starts"
      results = client:send_many(notifications(4), { concurrency = 2, rate = 20 })
      order[#order + 1] = "bulk done"
    end)
    client:spawn(function()
      order[#order + 1] = "other starts"
      assert(client:get_segments(nil))
      order[#order + 1] = "other done"
    end)
    assert.are.same({ "bulk starts", "other starts" }, order)
    assert.is_true(client:run(10))
    assert.are.same({ "bulk starts", "other starts", "other done", "bulk done" }, order)
    assert.are.equal(4, #results)
    for _, item in ipairs(results) do assert.is_nil(item.err) end
  end)

  -- Waiting for a token, the coroutine heard no request finish: item 1, answered at once, was reported
  -- only when the token for item 2 came, a whole 1 / rate later (blocking, it was reported at once).
  it("inside client:spawn with a rate, reports an item when it finishes, not at the next token", function()
    local reported, results = {}, nil
    local started = core.monotonic()
    client:spawn(function()
      results = client:send_many(notifications(2), { rate = 1, on_progress = function(_, _, i)
        reported[i] = core.monotonic() - started
      end })
    end)
    assert.is_true(client:run(10))
    assert.are.equal(2, #results)
    assert.is_true(reported[1] < 0.5, "item 1 was reported after " .. reported[1] .. " s")
    -- and the token still held item 2 back
    assert.is_true(reported[2] >= 0.95, "item 2 was reported after " .. reported[2] .. " s")
    assert.are.equal(2, #srv:recorded("create_notification"))
  end)

  -- README: pending() counts a coroutine waiting in send_many for a token (run waits for it, an outside
  -- loop's timeout() says when it is due), as it counts one asleep in client:sleep.
  it("inside client:spawn with a rate, counts the coroutine waiting for a token as pending until it is due", function()
    local summary
    client:spawn(function() summary = select(2, client:send_many(notifications(2), { rate = 2 })) end)
    assert.are.equal(2, client:pending()) -- item 1 in flight, and the wait for item 2's token
    client:poll(0.4) -- item 1's answer (the token for item 2 is 0.5 s away)
    assert.are.equal(1, client:pending()) -- only the wait is left
    local t = client:timeout()
    assert.is_true(t > 0 and t <= 0.5, "timeout " .. tostring(t))
    assert.is_true(client:run(10))
    assert.are.equal(2, summary.succeeded)
  end)

  it("inside client:spawn, finishes the list when on_progress itself makes a call that suspends", function()
    -- The call in on_progress outlasts the requests in flight, so they finish while it is suspended.
    srv:fault({ match = { operation = "view_templates" }, steps = server.times(6, { delay = 0.3 }) })
    local results, summary
    client:spawn(function()
      results, summary = client:send_many(notifications(6), { concurrency = 2, on_progress = function()
        assert(client:view_templates(nil))
      end })
    end)
    assert.is_true(client:run(10))
    assert.is_table(summary, "send_many never returned")
    assert.are.equal(6, summary.succeeded)
    for i = 1, 6 do assert.is_table(results[i].body) end
    assert.are.equal(6, #srv:recorded("create_notification"))
  end)

  it("fails the rest with reason 'closed' when the client is closed midway", function()
    local doomed = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id })
    srv:fault(delays(6, 2))
    local results
    doomed:spawn(function() results = doomed:send_many(notifications(6), { concurrency = 2 }) end)
    assert.are.equal(2, doomed:pending())
    -- the first two on the wire, so they may have been applied; the rest were never sent
    local started = os.time()
    while #srv:requests() < 2 and os.time() - started < 5 do doomed:poll(0.02) end
    assert.are.equal(2, #srv:requests())
    doomed:close()
    -- all six answered inside close: a program that closed its client does not poll it again
    assert.is_table(results, "send_many still waits after the close")
    assert.are.equal(0, doomed:pending())
    assert.are.equal(6, #results)
    for _, item in ipairs(results) do assert.are.equal("closed", item.err.reason) end
    assert.is_true(results[1].err.maybe_sent)
    assert.is_falsy(results[6].err.maybe_sent)
  end)

  -- With a rate too: a closed client sends nothing, so there is nothing left to pace. Waiting for tokens
  -- only delayed the "closed" failures (at `rate` items a second), and inside spawn needed polls nobody
  -- makes after close.
  it("inside client:spawn on a closed client, fails every item at once, without a poll", function()
    for _, options in ipairs({ { concurrency = 2 }, { rate = 2 } }) do
      local closed = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id })
      closed:close()
      local results, summary
      closed:spawn(function() results, summary = closed:send_many(notifications(5), options) end)
      assert.is_table(summary, "send_many still waits")
      assert.are.equal(5, summary.failed)
      for _, item in ipairs(results) do assert.are.equal("closed", item.err.reason) end
      assert.are.equal(0, closed:pending())
      assert.are.equal(0, #srv:requests())
    end
  end)

  it("with a rate, ends inside close when closed while waiting for a token", function()
    local doomed = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id })
    local results, summary
    doomed:spawn(function() results, summary = doomed:send_many(notifications(6), { rate = 2 }) end)
    -- the first item out and answered; the coroutine now waits half a second for the second token
    local started = os.time()
    while #srv:requests() < 1 and os.time() - started < 5 do doomed:poll(0.02) end
    doomed:close()
    assert.is_table(summary, "send_many still waits for a token after the close")
    assert.are.equal(0, doomed:pending())
    assert.are.equal(6, #results)
    for i = 2, 6 do assert.are.equal("closed", results[i].err.reason) end
    assert.are.equal(1, #srv:recorded("create_notification"))
  end)

  it("with a rate, when one batch raises inside close, ends the other by the next poll", function()
    local doomed = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id })
    local summaries = {}
    -- a's next token is due in 2 s, b's in 4 s: close wakes a first
    doomed:spawn(function()
      local on_progress = function(_, _, _, item) if item.err then error("a gives up") end end
      summaries.a = select(2, doomed:send_many(notifications(3, "a"), { rate = 0.5, on_progress = on_progress }))
    end)
    doomed:spawn(function() summaries.b = select(2, doomed:send_many(notifications(3, "b"), { rate = 0.25 })) end)
    local started = os.time()
    while doomed:pending() > 2 and os.time() - started < 5 do doomed:poll(0.02) end
    assert.are.equal(2, doomed:pending(), "the first item of each batch is answered, both wait for a token")
    local ok, err = pcall(doomed.close, doomed)
    assert.is_false(ok)
    assert.matches("a gives up", err)
    doomed:poll(0) -- (a's own wait, inside close, may have ended b already)
    assert.is_table(summaries.b, "the other batch waits out its token after the close")
    assert.are.equal(2, summaries.b.failed)
    assert.are.equal(0, doomed:pending())
  end)

  it("with a rate, blocking, fails the rest at once when on_progress closes the client", function()
    local doomed = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id })
    local started = core.monotonic()
    local results, summary = doomed:send_many(notifications(6), { rate = 2, on_progress = function(done)
      if done == 1 then doomed:close() end
    end })
    -- five more tokens at 2 a second would have taken 2.5 s, for items that are never sent
    assert.is_true(core.monotonic() - started < 1, "the failures were paced by the rate")
    assert.are.equal(5, summary.failed)
    for i = 2, 6 do assert.are.equal("closed", results[i].err.reason) end
    assert.are.equal(1, #srv:recorded("create_notification"))
  end)

  it("with a rate, blocking, stops waiting for a token when another callback closes the client", function()
    local doomed = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id })
    srv:fault({ match = { operation = "view_templates" }, steps = { { delay = 0.5 } } })
    doomed:view_templates_async(nil, function() doomed:close() end)
    local started = core.monotonic()
    -- the second token is due in 5 s; the close comes after about 0.5 s, while send_many waits for it
    local _, summary = doomed:send_many(notifications(3), { rate = 0.2 })
    assert.is_true(core.monotonic() - started < 2.5, "send_many waited out the token after the close")
    assert.are.equal(2, summary.failed)
  end)

  it("describes every request in a dry run, sending nothing", function()
    local dry = onesignal.new({ dry_run = true, rest_api_key = "k", app_id = srv.app_id })
    local results = dry:send_many(notifications(3), { rate = 1000 })
    for i, item in ipairs(results) do
      assert.is_true(item.body.dry_run)
      assert.are.equal("n" .. i, cjson.decode(item.body.body).contents.en)
    end
    assert.are.equal(0, #srv:requests())
  end)

  -- Past the process's limit of open files, libcurl said only "Couldn't connect to server".
  it("says an item failed because the process ran out of file descriptors, and what to do", function()
    srv:fault(delays(80, 1))
    local script = require("support.files").temp([[
      local onesignal = require("onesignal")
      local client = onesignal.new({ base_url = os.getenv("URL"), rest_api_key = os.getenv("KEY"),
        app_id = os.getenv("APP"), max_retries = 0 })
      local list = {}
      for i = 1, 80 do list[i] = { contents = { en = "n" .. i }, included_segments = { "All" } } end
      local results, summary = client:send_many(list, { concurrency = 80 })
      for _, item in ipairs(results) do
        if item.err and item.err.reason == "connect" then print(tostring(item.err)) break end
      end
      print(summary.succeeded .. " sent")
    ]])
    local ok, out = shared.run_lua(string.format("URL=%s KEY=%s APP=%s", srv.url, srv.rest_key, srv.app_id),
      script, 48)
    os.remove(script)
    assert.is_true(ok, out)
    assert.matches("this process has reached its limit of open files (EMFILE); send fewer requests at once "
      .. "(concurrency) or raise the limit (ulimit -n)", out, 1, true)
    local sent = tonumber(out:match("(%d+) sent"))
    assert.is_true(sent > 0 and sent < 80, out)
  end)

  it("runs examples/bulk_send.lua: 200 sent, the 503s retried", function()
    local ok, out = shared.run_lua("ONESIGNAL_REST_API_KEY= ONESIGNAL_APP_ID=", "examples/bulk_send.lua")
    assert.is_true(ok, out)
    assert.matches("200/200 done", out)
    local retried = tonumber(out:match("200 sent, 0 failed, (%d+) needed a retry"))
    assert.is_number(retried, out)
    assert.is_true(retried > 0, out)
  end)
end)
