-- Non-blocking calls and coroutines against the test server: callbacks run by poll, poll(0) never
-- waits, retries go on while the caller does other things, spawned coroutines interleave, and what
-- closing the client does to requests and coroutines still waiting.
local onesignal = require("onesignal")
local server = require("support.server")
local clock = require("support.clock")
local cjson = require("cjson")

local function notification(text)
  return { contents = { en = text }, included_segments = { "All" } }
end

describe("non-blocking calls", function()
  local srv, client

  server.with_client(function(new_srv, new_client) srv, client = new_srv, new_client end,
    { retry_base_delay = 0.05, retry_max_delay = 0.1 })

  it("run callbacks inside poll only, with what the blocking call would return", function()
    local calls = {}
    assert.is_true(client:create_notification_async(notification("a"), function(body, res)
      calls[#calls + 1] = { name = "create", body = body, res = res }
    end))
    client:call_async("get_segments", nil, { limit = 5 }, function(body, res)
      calls[#calls + 1] = { name = "segments", body = body, res = res }
    end)
    client:get_user_async(nil, "external_id", "nobody", function(body, err)
      calls[#calls + 1] = { name = "user", body = body, res = err }
    end)
    assert.are.equal(0, #calls)
    assert.are.equal(3, client:pending())

    local ran = 0
    -- (a lost callback leaves nothing pending: the loop ends and the counts below fail, rather than spin)
    while #calls < 3 and client:pending() > 0 do ran = ran + client:poll(0.5) end
    assert.are.equal(3, ran)
    assert.are.equal(0, client:pending())
    local by_name = {}
    for _, c in ipairs(calls) do by_name[c.name] = c end
    assert.is_true(onesignal.is_message_sent(by_name.create.body))
    assert.is_string(by_name.create.res.idempotency_key)
    assert.are.equal(201, by_name.segments.res.status)
    assert.is_nil(by_name.user.body)
    assert.are.equal("api", by_name.user.res.kind)
    assert.are.equal(404, by_name.user.res.status)
    assert.are.equal(1, srv:stats().notifications_created)
  end)

  it("poll(0) returns at once while a request waits on a slow route", function()
    srv:fault({ match = { operation = "create_notification" }, steps = { { delay = 1.5 } } })
    local done = false
    client:create_notification_async(notification("slow"), function() done = true end)
    local took = clock.timed(function()
      for _ = 1, 20 do assert.are.equal(0, client:poll(0)) end
    end)
    -- the answer needs 1.5 s; twenty polls that each waited would never fit
    assert.is_true(took < 0.75, "20 × poll(0) took " .. took .. " s")
    assert.is_false(done)
    assert.are.equal(1, client:pending())
    assert.is_true(client:run(10))
    assert.is_true(done)
  end)

  it("retry on their own timers while the caller keeps polling with 0", function()
    srv:fault({ match = { operation = "create_notification" }, steps = { { status = 503 }, { status = 503 } } })
    local body, res
    client:create_notification_async(notification("retried"), function(b, r) body, res = b, r end)
    local polls = 0
    local started = clock.now()
    while not res and clock.now() - started < 10 do
      client:poll(0)
      polls = polls + 1
    end
    assert.is_table(body, tostring(res))
    assert.are.equal(3, res.attempts)
    -- the backoff waited at least 2 × 0.025 s, and the caller was never held up meanwhile
    assert.is_true(polls > 2, "polls: " .. polls)
    assert.are.equal(1, srv:stats().notifications_created)
  end)

  it("raise a callback's error from poll, and still run the other callbacks later", function()
    local ran = 0
    client:get_segments_async(nil, function() error("boom in a callback") end)
    client:get_segments_async(nil, function() ran = ran + 1 end)
    local ok, err = pcall(client.run, client, 10)
    assert.is_false(ok)
    assert.matches("boom in a callback", err)
    assert.is_true(client:run(10))
    assert.are.equal(1, ran)
    assert.are.equal(0, client:pending())
  end)

  it("count each callback once in poll's return, also when a callback polls again", function()
    local ran, inner = 0, nil
    for i = 1, 3 do
      client:get_segments_async(nil, function()
        ran = ran + 1
        if i == 1 then inner = client:poll(0) end -- runs the other two
      end)
    end
    srv:fault({ match = { operation = "get_user" }, steps = { { delay = 0.3 } } })
    client:get_user(nil, "external_id", "nobody") -- drives the engine: the three finish meanwhile
    local outer = client:poll(0)
    assert.are.equal(3, ran)
    assert.are.equal(2, inner)
    assert.are.equal(1, outer)
  end)

  it("let a callback start calls, spawn and run the client: every callback runs once, inside that run", function()
    local got, inner = {}, nil
    client:get_segments_async(nil, function()
      got[#got + 1] = "first"
      client:get_segments_async(nil, function() got[#got + 1] = "started there" end)
      client:spawn(function()
        client:sleep(0.05)
        assert(client:get_segments(nil))
        got[#got + 1] = "spawned there"
      end)
      inner = client:run(10)
    end)
    client:get_segments_async(nil, function() got[#got + 1] = "second" end)
    assert.is_true(client:run(10))
    assert.is_true(inner)
    table.sort(got)
    assert.are.same({ "first", "second", "spawned there", "started there" }, got)
    assert.are.equal(0, client:pending())
  end)

  it("refuse a missing callback and bad timeouts at the caller's line", function()
    local ok, err = pcall(function() client:create_notification_async(notification("x")) end)
    assert.is_false(ok)
    assert.matches("async_spec%.lua:%d+: onesignal%.create_notification_async: the last argument must be a "
      .. "callback", err)
    ok, err = pcall(function() client:poll(-1) end)
    assert.is_false(ok)
    assert.matches("async_spec%.lua:%d+: onesignal%.poll: argument 'timeout' must be a non%-negative number", err)
    ok, err = pcall(function() client:run("soon") end)
    assert.is_false(ok)
    assert.matches("async_spec%.lua:%d+: onesignal%.run: argument 'timeout' must be a non%-negative number of"
      .. " seconds, at most 2147483 %(24%.8 days%), got string$", err)
    ok, err = pcall(function() client:sleep(0 / 0) end)
    assert.is_false(ok)
    assert.matches("async_spec%.lua:%d+: onesignal%.sleep: argument 'seconds' must be a non%-negative number of"
      .. " seconds, at most 2147483 %(24%.8 days%), got nan$", err)
    assert.are.equal(0, client:pending())
  end)

  it("let run give up after its timeout and finish later", function()
    srv:fault({ match = { operation = "create_notification" }, steps = { { delay = 1 } } })
    local done = false
    client:create_notification_async(notification("late"), function() done = true end)
    assert.is_false(client:run(0.2))
    assert.is_false(done)
    assert.is_true(client:run(10))
    assert.is_true(done)
  end)

  it("let run(0) poll once: what has finished is handed out, nothing is waited for", function()
    local done = false
    client:get_segments_async(nil, function() done = true end)
    srv:fault({ match = { operation = "get_user" }, steps = { { delay = 0.3 } } })
    client:get_user(nil, "external_id", "nobody") -- drives the engine: the segments finish meanwhile
    assert.is_false(done)
    assert.is_true(client:run(0))
    assert.is_true(done)
    srv:fault({ match = { operation = "get_segments" }, steps = { { delay = 0.5 } } })
    client:get_segments_async(nil, function() end)
    local took, finished = clock.timed(client.run, client, 0)
    assert.is_false(finished)
    assert.is_true(took < 0.25, "run(0) took " .. took .. " s")
    assert.is_true(client:run(10))
  end)

  it("tell an outside loop what to wait on", function()
    assert.is_nil(client:timeout())
    client:get_segments_async(nil, function() end)
    local t = client:timeout()
    assert.is_number(t)
    assert.is_true(t >= 0 and t <= 1)
    if require("onesignal.core").features.epoll then assert.is_number(client:fd()) end
    assert.is_true(client:run(10))
    assert.is_nil(client:timeout())
  end)
end)

describe("coroutines run by client:spawn", function()
  local srv, client

  server.with_client(function(new_srv, new_client) srv, client = new_srv, new_client end,
    { retry_base_delay = 0.05, retry_max_delay = 0.1 })

  it("interleave: two calls on a 0.3 s route are both in flight at once", function()
    srv:fault({ match = { operation = "create_notification" }, steps = { { delay = 0.3 }, { delay = 0.3 } } })
    local order = {}
    local function worker(name)
      order[#order + 1] = name .. " starts"
      local body, res = client:create_notification(notification(name))
      assert(body, tostring(res))
      order[#order + 1] = name .. " done"
    end
    client:spawn(worker, "a")
    client:spawn(worker, "b")
    -- both started and suspended in their call: two requests in flight, nothing finished
    assert.are.same({ "a starts", "b starts" }, order)
    assert.are.equal(2, client:pending())
    assert.is_true(client:run(10))
    assert.are.equal(4, #order)
    -- the server had both before it answered either
    local seen = srv:requests()
    assert.are.equal(2, #seen)
    assert.is_true(math.abs(seen[2].time - seen[1].time) < 0.3, "arrivals " .. seen[1].time .. ", " .. seen[2].time)
    assert.are_not.equal(seen[1].connection, seen[2].connection)
  end)

  -- A blocking call builds its request in the table its client's previous call used (client.lua's
  -- invoke); one that starts while another is suspended in its call must not write into that table.
  it("two calls in flight at once each keep their own request", function()
    local keys = {}
    local function worker(name)
      local body, res = client:create_notification(notification(name))
      assert(body, tostring(res))
      keys[name] = res.idempotency_key
    end
    assert(client:create_notification(notification("before"))) -- the table to reuse exists
    srv:reset()
    srv:fault({ match = { operation = "create_notification" }, steps = { { delay = 0.2 }, { delay = 0.2 } } })
    client:spawn(worker, "a")
    client:spawn(worker, "b")
    assert.is_true(client:run(10))
    local sent = {}
    for _, r in ipairs(srv:requests()) do
      local body = cjson.decode(r.body)
      sent[body.contents.en] = body.idempotency_key
    end
    assert.is_string(keys.a)
    assert.are.equal(sent.a, keys.a)
    assert.are.equal(sent.b, keys.b)
    assert.are_not.equal(keys.a, keys.b)
  end)

  it("suspend in every call style, also through client:with and call", function()
    local results = {}
    client:spawn(function()
      results.segments = select(2, client:with({ max_retries = 1 }):get_segments(nil))
      results.user = select(2, client:call("get_user", nil, "external_id", "nobody"))
    end)
    assert.are.equal(1, client:pending())
    assert.is_true(client:run(10))
    assert.are.equal(201, results.segments.status)
    assert.are.equal(404, results.user.status)
  end)

  it("nest: a coroutine spawned inside another runs beside it", function()
    local order = {}
    client:spawn(function()
      order[#order + 1] = "outer starts"
      client:spawn(function()
        order[#order + 1] = "inner starts"
        assert(client:get_segments(nil))
        order[#order + 1] = "inner done"
      end)
      order[#order + 1] = "outer goes on"
      assert(client:get_segments(nil))
      order[#order + 1] = "outer done"
    end)
    assert.are.same({ "outer starts", "inner starts", "outer goes on" }, order)
    assert.are.equal(2, client:pending())
    assert.is_true(client:run(10))
    assert.are.equal(5, #order)
  end)

  it("raise a coroutine's error, with its traceback, from whatever resumed it", function()
    local ok, err = pcall(client.spawn, client, function() error("before any call") end)
    assert.is_false(ok)
    assert.matches("a coroutine run by client:spawn failed: .*before any call", err)

    client:spawn(function()
      client:get_segments(nil)
      error("after a call")
    end)
    ok, err = pcall(client.run, client, 10)
    assert.is_false(ok)
    assert.matches("client:spawn failed: .*after a call", err)
    assert.matches("stack traceback", err)
    assert.are.equal(0, client:pending())
  end)

  -- A program's error object (a table, or the library's own err raised by assert) came out as
  -- tostring(err) with a traceback: `pcall(client.run, client)` could no longer tell what failed. A value
  -- that is no string is raised as it is; a message keeps the traceback that says where.
  it("raise an error value that is no string as it is, from whatever resumed the coroutine", function()
    local problem = { code = 42 }
    local ok, err = pcall(client.spawn, client, function() error(problem) end)
    assert.is_false(ok)
    assert.are.equal(problem, err)

    client:spawn(function()
      client:get_segments(nil)
      error(problem)
    end)
    ok, err = pcall(client.run, client, 10)
    assert.is_false(ok)
    assert.are.equal(problem, err)
    assert.are.equal(0, client:pending())

    -- the library's own error, raised as Lua's assert raises it (busted's assert formats its own message)
    client:spawn(function()
      local user, user_err = client:get_user(nil, "external_id", "nobody")
      if not user then error(user_err) end
    end)
    ok, err = pcall(client.run, client, 10)
    assert.is_false(ok)
    assert.are.equal("table", type(err))
    assert.are.equal(404, err.status)
    assert.are.equal("get_user", err.operation)

    -- nil and numbers hold nothing to look into: said as a message, with the traceback, as strings are
    -- (Lua's own error handler takes a number for a message too)
    ok, err = pcall(client.spawn, client, function() error() end)
    assert.is_false(ok)
    assert.matches("a coroutine run by client:spawn failed: nil\nstack traceback", err)
    ok, err = pcall(client.spawn, client, function() error(42) end)
    assert.is_false(ok)
    assert.matches("a coroutine run by client:spawn failed: [^\n]*42\nstack traceback", err) -- (LuaJIT adds a position)
  end)

  -- Only the client resumes a spawned coroutine, and only where one of its calls suspended it. One that
  -- yields by itself waited for nothing the client knows of: it was left suspended for good, pending() said
  -- 0 and run() returned true with the rest of its work never done.
  it("raise, from whatever resumed it, a coroutine that yields by itself: nothing would resume it", function()
    local after = false
    local ok, err = pcall(client.spawn, client, function()
      coroutine.yield("to a scheduler")
      after = true
    end)
    assert.is_false(ok)
    assert.matches("a coroutine run by client:spawn yielded by itself %(coroutine.yield%)", err)
    assert.matches("client:sleep%(0%)", err)
    assert.matches("stack traceback", err)

    client:spawn(function()
      assert(client:get_segments(nil))
      coroutine.yield()
      after = true
    end)
    ok, err = pcall(client.run, client, 10)
    assert.is_false(ok)
    assert.matches("a coroutine run by client:spawn yielded by itself", err)
    assert.is_false(after)
    assert.are.equal(0, client:pending())
  end)

  it("sleep without holding the others up", function()
    local order = {}
    local started = clock.now()
    client:spawn(function()
      client:sleep(0.2)
      order[#order + 1] = "slept 0.2"
    end)
    client:spawn(function()
      client:sleep(0.05)
      order[#order + 1] = "slept 0.05"
      assert(client:get_segments(nil))
      order[#order + 1] = "called"
    end)
    assert.are.equal(2, client:pending())
    local t = client:timeout()
    assert.is_true(t >= 0 and t <= 0.05, tostring(t))
    assert.is_true(client:run(10))
    assert.are.same({ "slept 0.05", "called", "slept 0.2" }, order)
    assert.is_true(clock.now() - started >= 0.2)
  end)

  -- run() in a spawned coroutine counts requests and sleepers, not the coroutines: two that each call
  -- run() both return, and one waits for the other's sleep. spec/openresty/concurrency_spec.lua: the same.
  it("run() in coroutines that each call run() returns, once the others' requests and sleeps are done", function()
    local runs = {}
    local function worker(i, pause)
      assert(client:get_segments(nil))
      if pause > 0 then client:sleep(pause) end
      local t0 = clock.now()
      runs[i] = { run = client:run() }
      runs[i].took = clock.now() - t0
    end
    client:spawn(worker, 1, 0)
    client:spawn(worker, 2, 0.3)
    assert.is_true(client:run(3))
    assert.is_true(runs[1].run)
    assert.is_true(runs[1].took >= 0.25, "run returned after " .. runs[1].took .. " s")
    assert.is_true(runs[2].run)
  end)

  -- README: a sleeper is woken by the first poll that ends after it is due, one begun earlier included.
  it("a poll(timeout) begun before a sleeper is due returns with it woken when it falls due", function()
    local woke = false
    client:spawn(function()
      client:sleep(0.1)
      woke = true
    end)
    local ran
    local took = clock.timed(function() ran = client:poll(5) end)
    assert.is_true(woke)
    assert.are.equal(1, ran)
    assert.is_true(took >= 0.1 and took < 2, tostring(took))
  end)

  it("sleep(0) in a loop lets the callbacks run: each poll wakes a sleeper once at most", function()
    local done, spins = false, 0
    client:get_segments_async(nil, function() done = true end)
    client:spawn(function()
      while not done do
        spins = spins + 1
        if spins > 100000 then error("woken over and over inside one poll") end
        client:sleep(0)
      end
    end)
    local polls = 0
    while not done and client:pending() > 0 do
      polls = polls + 1
      client:poll(0.01)
    end
    assert.is_true(done, "the callback never ran")
    assert.is_true(client:run(5))
    assert.is_true(spins <= polls + 1, spins .. " wake-ups in " .. polls .. " polls")
  end)

  -- Lua 5.4's coroutine.close is how a program cancels a task it no longer wants.
  it("let a coroutine closed by its owner go: nothing resumes it and nothing waits for it", function()
    if not coroutine.close then return pending("Lua 5.3 cannot close a coroutine") end
    local went_on = {}
    local caller = client:spawn(function()
      client:get_segments(nil)
      went_on[#went_on + 1] = "caller"
    end)
    local sleeper = client:spawn(function()
      client:sleep(3600)
      went_on[#went_on + 1] = "sleeper"
    end)
    assert.is_true(coroutine.close(caller))
    assert.is_true(coroutine.close(sleeper))
    local took = clock.timed(function() assert.is_true(client:run(5)) end)
    assert.is_true(took < 2, "run took " .. took .. " s")
    assert.are.same({}, went_on)
    assert.are.equal(0, client:pending())
    assert.is_nil(client:timeout())
  end)

  it("do not suspend in a coroutine the client did not start", function()
    local co = coroutine.create(function() return client:get_segments(nil) end)
    local ok, body, res = coroutine.resume(co)
    assert.is_true(ok)
    assert.is_table(body)
    assert.are.equal(201, res.status)
    assert.are.equal("dead", coroutine.status(co))
  end)

  -- string.gsub's replacement function, table.sort's comparator: Lua code called by C, where no
  -- coroutine can yield. A call there used to send its request, fail to yield (the caller got "attempt
  -- to yield across a C-call boundary" for a notification that was created) and leave its wake-up armed:
  -- the request's answer later resumed the coroutine inside its next call, which returned nothing.
  it("block where the coroutine cannot yield, and keep the calls after it whole", function()
    local ids, after, err_after
    local co = client:spawn(function()
      local replaced = ("a b"):gsub("%w+", function(w)
        local body, err = client:create_notification(notification(w))
        return body and body.id or tostring(err)
      end)
      ids = replaced
      local body, err = client:get_segments(nil)
      after, err_after = body, err
    end)
    assert.is_true(client:run(10))
    assert.are.equal("dead", coroutine.status(co))
    assert.matches("^[%x-]+ [%x-]+$", ids)
    assert.is_table(after, tostring(err_after))
    assert.is_table(after.segments)
    assert.are.equal(2, srv:stats().notifications_created)
    assert.are.equal(0, client:pending())
  end)

  it("sleep the whole time where the coroutine cannot yield, and the sleeps after it too", function()
    local slept
    client:spawn(function()
      table.sort({ 2, 1 }, function(a, b)
        client:sleep(0.05)
        return a < b
      end)
      local from = clock.now()
      client:sleep(0.3)
      slept = clock.now() - from
    end)
    assert.is_true(client:run(10))
    assert.is_true(slept >= 0.3, "sleep(0.3) returned after " .. tostring(slept) .. " s")
  end)
end)

describe("closing a client", function()
  local srv

  setup(function() srv = server.start({}) end)
  teardown(function() srv:stop() end)
  before_each(function() srv:reset() end)

  it("fails what is pending with reason 'closed' and resumes the coroutines waiting on it", function()
    local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id })
    srv:fault({ match = { operation = "create_notification" }, steps = { { delay = 3 }, { delay = 3 } } })
    local outcome = {}
    client:spawn(function()
      local body, err = client:create_notification(notification("never answered"))
      outcome.co_body, outcome.co_err = body, err
      -- later calls in the coroutine fail the same way, at once (nothing is left to drive them)
      outcome.later_body, outcome.later_err = client:get_segments(nil)
    end)
    client:create_notification_async(notification("async"), function(body, err)
      outcome.cb_body, outcome.cb_err = body, err
    end)
    assert.are.equal(2, client:pending())
    -- both on the wire, so both may have been applied
    local started = clock.now()
    while #srv:requests() < 2 and clock.now() - started < 5 do client:poll(0.02) end
    assert.are.equal(2, #srv:requests())
    client:close()

    assert.is_nil(outcome.co_body)
    assert.are.equal("network", outcome.co_err.kind)
    assert.are.equal("closed", outcome.co_err.reason)
    assert.is_true(outcome.co_err.maybe_sent)
    assert.is_string(outcome.co_err.idempotency_key)
    assert.is_nil(outcome.cb_body)
    assert.are.equal("closed", outcome.cb_err.reason)
    assert.is_true(outcome.cb_err.maybe_sent)
    assert.are.equal("closed", outcome.later_err.reason)
    assert.is_falsy(outcome.later_err.maybe_sent)

    local body, err = client:get_segments(nil)
    assert.is_nil(body)
    assert.are.equal("closed", err.reason)
    assert.matches("closed", tostring(err))
    assert.are.equal(0, client:pending())
    assert.is_nil(client:fd())
    client:close() -- twice is fine
  end)

  it("closes a client held in a Lua 5.4 <close> variable when its block ends, by an error too", function()
    if _VERSION ~= "Lua 5.4" then return pending(_VERSION .. " has no to-be-closed variables") end
    srv:fault({ match = { operation = "create_notification" }, steps = { { delay = 3 } } })
    -- Compiled at run time: Lua 5.3 and LuaJIT, which run this file too, cannot parse `<close>`.
    local scoped = assert(load([[
      local onesignal, options, n, record = ...
      local client <close> = onesignal.new(options)
      record.client = client
      client:create_notification_async(n, function(body, err) record.body, record.err = body, err end)
      error("the block ends here")
    ]]))
    local record = {}
    local ok, message = pcall(scoped, onesignal, { base_url = srv.url, rest_api_key = srv.rest_key,
      app_id = srv.app_id }, notification("scoped"), record)
    assert.is_false(ok)
    assert.matches("the block ends here", message)
    assert.is_nil(record.body)
    assert.are.equal("closed", record.err.reason)
    assert.is_true(record.client:_closed())
    assert.are.equal(0, record.client:pending())
  end)

  -- A program that closes its client stops polling it: a call that waited for the next poll would leave
  -- its coroutine suspended for ever. The blocking call outside spawn fails at once; this one must too.
  it("fails a call made in a spawned coroutine after the close at once, without a poll", function()
    local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id })
    client:close()
    local got, co_err
    local co = client:spawn(function()
      got, co_err = client:get_segments(nil)
      local _, again = client:view_template("t-1", nil)
      return again
    end)
    assert.are.equal("dead", coroutine.status(co))
    assert.is_nil(got)
    assert.are.equal("closed", co_err.reason)
    assert.are.equal(0, co_err.attempts)
    assert.are.equal(0, client:pending())
    assert.are.equal(0, #srv:requests())
  end)

  -- A program with a scheduler of its own may resume every coroutine it sees. One the client parked then had
  -- no result ("attempt to index a nil value" deep inside), and the client later resumed it again at
  -- whatever it waited for by then, handing that wait nothing too.
  for _, case in ipairs({
    { "a request", function(c) return c:get_segments(nil) end },
    { "client:sleep", function(c) return c:sleep(0.2) end },
  }) do
    it("says so when something else resumes a spawned coroutine waiting for " .. case[1], function()
      local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id })
      local caught, after
      local co = client:spawn(function()
        caught = select(2, pcall(case[2], client))
        coroutine.yield("the program's own") -- its scheduler's business now
        after = "resumed by the client"
      end)
      assert.are.same({ true, "the program's own" }, { coroutine.resume(co) })
      assert.matches("onesignal: a coroutine run by client:spawn was resumed by something other than the client"
        .. " while it waited for " .. case[1]:gsub("%p", "%%%0"), caught)
      assert.is_true(client:run(5))
      assert.is_nil(after)
      assert.are.equal("suspended", coroutine.status(co))
    end)
  end

  -- A sleep is the caller's own wait, not a request: close leaves it to run its course (README, Closing).
  it("leaves a coroutine asleep in client:sleep asleep through close, to a later poll", function()
    local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id })
    local err
    local co = client:spawn(function()
      client:sleep(0.3)
      err = select(2, client:get_segments(nil))
    end)
    client:close()
    assert.are.equal("suspended", coroutine.status(co))
    assert.are.equal(1, client:pending())
    assert.is_true(client:run(5))
    assert.are.equal("dead", coroutine.status(co))
    assert.are.equal("closed", err.reason)
    assert.are.equal(0, #srv:requests())
  end)

  -- Callers decide from maybe_sent whether sending again could duplicate a notification, so a request that
  -- never reached the server must not say it may have.
  it("says maybe_sent only for the requests that may have reached the server", function()
    local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id,
      max_connections = 1, retry_base_delay = 10, retry_max_delay = 10 })
    srv:fault({ match = { operation = "create_notification" }, steps = { { status = 429 }, { delay = 3 } } })
    local errs = {}
    local function keep(name) return function(_, err) errs[name] = err end end
    client:create_notification_async(notification("refused, waits to retry"), keep("refused"))
    local started = clock.now()
    while #srv:requests() < 1 and clock.now() - started < 5 do client:poll(0.02) end
    client:create_notification_async(notification("on the wire"), keep("in_flight"))
    while #srv:requests() < 2 and clock.now() - started < 5 do client:poll(0.02) end
    client:create_notification_async(notification("behind max_connections"), keep("queued"))
    client:poll(0.1) -- the queued one had its chance to go out, had the cap let it
    assert.are.equal(2, #srv:requests())
    client:close()
    for name, attempts in pairs({ refused = 1, in_flight = 1, queued = 1 }) do
      assert.are.equal("closed", errs[name].reason, name)
      assert.are.equal(attempts, errs[name].attempts, name)
    end
    assert.is_nil(errs.refused.maybe_sent)
    assert.is_true(errs.in_flight.maybe_sent)
    assert.is_nil(errs.queued.maybe_sent)
    assert.is_nil(tostring(errs.queued):find("may have been applied", 1, true))
  end)

  it("raises a callback's error from close, and leaves the callbacks after it to the next poll", function()
    local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id })
    srv:fault({ match = { operation = "get_segments" }, steps = { { delay = 3 }, { delay = 3 } } })
    local ran = 0
    client:get_segments_async(nil, function() error("boom while closing") end)
    client:get_segments_async(nil, function() ran = ran + 1 end)
    local ok, err = pcall(client.close, client)
    assert.is_false(ok)
    assert.matches("boom while closing", err)
    assert.are.equal(0, ran)
    assert.are.equal(1, client:pending())
    assert.is_true(client:run(1))
    assert.are.equal(1, ran)
    assert.are.equal(0, client:pending())
  end)

  -- README: every close hands out what is queued, as it does on OpenResty (spec/openresty/concurrency_spec.lua):
  -- a program that closed its client may never poll it again, and a client made <close> is closed twice.
  it("hands the callbacks a raise in close left queued, and those of calls after it, to the next close too",
    function()
      local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id })
      srv:fault({ match = { operation = "get_segments" }, steps = { { delay = 3 }, { delay = 3 } } })
      local ran = 0
      for _ = 1, 2 do
        client:get_segments_async(nil, function()
          ran = ran + 1
          if ran == 1 then error("boom while closing") end
        end)
      end
      assert.is_false(pcall(client.close, client))
      assert.are.equal(1, ran)
      client:close()
      assert.are.equal(2, ran)
      assert.are.equal(0, client:pending())
      local err
      client:get_segments_async(nil, function(_, e) err = e end)
      client:close()
      assert.are.equal("closed", err and err.reason)
      assert.are.equal(0, client:pending())
    end)

  -- README: after close an _async call's callback runs in the next poll. One started by a callback that
  -- closed the client, while a poll was handing out results, ran in that same poll instead: the close
  -- handed out the rest and emptied the queue, and the poll went on to the new entry in its place.
  it("runs the callback of an _async call made after the close in the next poll, also from a callback", function()
    local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id })
    local log = {}
    for i = 1, 3 do
      client:get_segments_async(nil, function()
        log[#log + 1] = "answer " .. i
        if i == 1 then
          client:close()
          client:get_segments_async(nil, function(_, err) log[#log + 1] = "after close: " .. err.reason end)
        end
      end)
    end
    srv:fault({ match = { operation = "get_user" }, steps = { { delay = 0.3 } } })
    client:get_user(nil, "external_id", "nobody") -- drives the engine: the three finish meanwhile
    assert.are.equal(1, client:poll(0)) -- answer 1; 2 and 3 ran inside the close
    assert.are.same({ "answer 1", "answer 2", "answer 3" }, log)
    assert.are.equal(1, client:pending())
    assert.are.equal(1, client:poll(0))
    assert.are.same({ "answer 1", "answer 2", "answer 3", "after close: closed" }, log)
    assert.are.equal(0, client:pending())
  end)

  it("counts the attempts a request made before the close ended it", function()
    local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id,
      retry_base_delay = 0.01, retry_max_delay = 0.02 })
    srv:fault({ match = { operation = "create_notification" }, steps = { { status = 503 }, { delay = 3 } } })
    srv:fault({ match = { operation = "get_segments" }, steps = { { status = 503 }, { status = 503 } } })
    local errs = {}
    client:create_notification_async(notification("second attempt in flight"), function(_, err) errs.n = err end)
    client:with({ retry_base_delay = 10, retry_max_delay = 10 }):get_segments_async(nil, function(_, err)
      errs.s = err
    end)
    -- until the notification's second attempt is on the wire and the segments wait for their second
    local started = clock.now()
    while #srv:requests() < 3 and clock.now() - started < 5 do client:poll(0.05) end
    assert.are.equal(3, #srv:requests())
    client:close()
    assert.are.equal("closed", errs.n.reason)
    assert.are.equal(2, errs.n.attempts)
    assert.matches("[2 attempts; the request may have been applied]", tostring(errs.n), 1, true)
    assert.are.equal("closed", errs.s.reason)
    assert.are.equal(1, errs.s.attempts)
    -- and one started after the close made none
    local _, err = client:get_segments(nil)
    assert.are.equal(0, err.attempts)
  end)

  it("hands a request that finished before the close its real answer", function()
    local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id })
    srv:fault({ match = { operation = "get_segments" }, steps = { { delay = 0.3 } } })
    local got_body, got_err
    client:create_notification_async(notification("done early"), function(body, err)
      got_body, got_err = body, err
    end)
    -- The blocking call drives the engine for 0.3 s: the notification finishes meanwhile, unpolled.
    assert(client:get_segments(nil))
    assert.is_nil(got_body)
    client:close()
    assert.is_table(got_body, tostring(got_err))
    assert.is_string(got_body.id)
    assert.are.equal(1, srv:stats().notifications_created)
  end)

  -- An outside loop watches the descriptor for as long as the client lives: it must not go stale as
  -- connections are dropped and opened again behind it.
  it("keeps one descriptor while connections come and go, and closes it with the client", function()
    if not require("onesignal.core").features.epoll then return pending("a build without epoll has none") end
    local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id,
      retry_base_delay = 0.05, retry_max_delay = 0.1 })
    local fd = client:fd()
    assert.is_number(fd)
    local drop = { drop = "before_read" }
    srv:fault({ match = { operation = "get_segments" }, steps = { drop, drop } })
    local body, err
    client:get_segments_async(nil, function(b, e) body, err = b, e end)
    while client:pending() > 0 do
      client:poll(0.5)
      assert.are.equal(fd, client:fd())
    end
    assert.is_table(body, tostring(err))
    assert.are.equal(3, #srv:recorded("get_segments"))
    assert.is_true(client.transport.session:stats().connects >= 3)
    client:close()
    assert.is_nil(client:fd())
    assert.is_nil(client:timeout())
  end)

  it("lets the garbage collector close a client let go of with requests pending: no callback runs", function()
    srv:fault({ match = { operation = "create_notification" }, steps = { { delay = 0.5 }, { delay = 0.5 } } })
    local weak = setmetatable({}, { __mode = "v" })
    local called = 0
    do
      local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id })
      for i = 1, 2 do
        client:create_notification_async(notification("let go " .. i), function() called = called + 1 end)
      end
      client:spawn(function()
        client:get_user(nil, "external_id", "nobody")
        called = called + 1
      end)
      client:poll(0)
      assert.are.equal(3, client:pending())
      weak[1] = client
    end
    collectgarbage()
    collectgarbage()
    assert.is_nil(weak[1])
    assert.are.equal(0, called)
  end)
end)
