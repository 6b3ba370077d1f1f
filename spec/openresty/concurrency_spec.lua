-- Cosockets keep nginx serving: a handler waiting on a slow OneSignal does not hold up the worker; and
-- the non-blocking API (callbacks, spawn, send_many) runs its requests side by side in light threads.
-- Concurrency is read from the test server's connection count (every request in flight needs its own
-- HTTP/1.1 connection), not from timings, except in the single-worker check, whose point is a timing.
local openresty = require("support.openresty")
local shell = require("server.harness.shell")
local cjson = require("cjson")
local NULL = cjson.null

describe("concurrency on the ngx transport", function()
  local srv, app

  local NOTIFICATION = { contents = { en = "side by side" }, included_segments = { "All" } }

  openresty.server_and_app(function(new_srv, new_app) srv, app = new_srv, new_app end)
  before_each(function() srv:reset() end)

  describe("with one nginx worker", function()
    -- Starts a create_notification in the app that the server answers after 2 s, and returns once the
    -- server has it. `transport` picks the client's transport; the file gets the app's answer.
    local function start_slow_call(transport, file)
      srv:fault({ match = { operation = "create_notification" }, steps = { { delay = 2 } } })
      local body = app.prefix .. "/slow-call.json"
      shell.write_file(body, cjson.encode({ operation = "create_notification", args = { NOTIFICATION },
        options = { transport = transport } }))
      shell.run("curl -sS --noproxy '*' --max-time 30 -X POST -H 'Content-Type: application/json' --data-binary @"
        .. shell.quote(body) .. " " .. shell.quote(app.url .. "/case/call") .. " -o " .. shell.quote(file)
        .. " >/dev/null 2>&1 &")
      for _ = 1, 200 do
        if #srv:requests() > 0 then return end
        shell.sleep(0.02)
      end
      error("the slow call never reached the server:\n" .. app:error_log())
    end

    -- 100 concurrent requests to another location of the app: how many answered 200, and the seconds
    -- the whole burst took (curl's own clock, from before the first to after the last).
    local function burst()
      local out = shell.capture("s=$(date +%s.%N); curl -s --noproxy '*' --max-time 20 --parallel"
        .. " --parallel-immediate --parallel-max 100 -w '\\n%{http_code}\\n' "
        .. shell.quote(app.url .. "/ping?[1-100]") .. " 2>/dev/null; e=$(date +%s.%N); echo \"took $s $e\"")
      local ok = 0
      for code in out:gmatch("\n(%d%d%d)\n") do if code == "200" then ok = ok + 1 end end
      local s, e = out:match("took (%S+) (%S+)")
      return ok, tonumber(e) - tonumber(s)
    end

    local function wait_for(file)
      for _ = 1, 500 do
        local text = shell.read_file(file)
        if text and text ~= "" then return cjson.decode(text) end
        shell.sleep(0.02)
      end
      error("the slow call never finished:\n" .. app:error_log())
    end

    it("serves 100 concurrent requests in well under a second while a handler waits 2 s on OneSignal", function()
      local file = app.prefix .. "/slow-ngx.json"
      os.remove(file)
      start_slow_call(nil, file)
      local ok, took = burst()
      local slow_still_waiting = (shell.read_file(file) or "") == ""
      assert.are.equal(100, ok)
      assert.is_true(took < 1, "100 requests took " .. took .. " s")
      assert.is_true(slow_still_waiting, "the slow call had finished before the burst did")
      local slow = wait_for(file)
      assert.are.equal("ngx", slow.transport)
      assert.is_true(slow.results[1].ok, slow.results[1].text)
      assert.is_true(slow.results[1].elapsed >= 1.9)
    end)

    it("(the same check catches a blocking client: with libcurl the burst waits for the slow call)", function()
      local file = app.prefix .. "/slow-curl.json"
      os.remove(file)
      start_slow_call("curl", file)
      local ok, took = burst()
      local slow = wait_for(file)
      assert.are.equal("curl", slow.transport)
      assert.are.equal(100, ok)
      assert.is_true(took >= 1, "the burst was not held up (" .. took .. " s)")
    end)
  end)

  it("runs _async calls side by side and hands every result to its callback in client:run", function()
    srv:fault({ match = { operation = "view_templates" }, steps = { { delay = 0.3 }, { delay = 0.3 },
      { delay = 0.3 }, { delay = 0.3 }, { delay = 0.3 }, { delay = 0.3 } } })
    local out = app:case("async", { operation = "view_templates", args = { NULL }, count = 6 })
    assert.are.equal(6, out.pending_after_submit)
    assert.is_true(out.done)
    assert.are.equal(0, out.pending_after_run)
    assert.are.equal(6, #out.results)
    for _, r in ipairs(out.results) do assert.is_true(r.ok, r.text) end
    assert.are.equal(6, #out.order)
    assert.are.equal(6, srv:stats().connections)
  end)

  -- ngx.semaphore takes the wait in ms as a C int: 2^31 ms or more wrapped round and returned at once,
  -- so a loop of long polls spun instead of waiting. (The longest poll the library takes now, 2147483 s,
  -- is just under; a longer one is refused.)
  it("waits in client:poll for a result however long the timeout, as the curl transport does", function()
    for _, wait in ipairs({ 5, 2147483 }) do
      srv:fault({ match = { operation = "view_templates" }, steps = { { delay = 0.3 } } })
      local out = app:case("poll_once", { operation = "view_templates", args = { NULL }, wait = wait })
      assert.are.equal(1, out.ran, "poll(" .. wait .. ")")
      assert.is_true(out.waited >= 0.25, "poll(" .. wait .. ") waited " .. out.waited .. " s")
    end
  end)

  -- ngx.semaphore's wait takes whole ms too, cutting off the rest: the last fraction of a ms of a
  -- client:run(timeout) was a wait of 0, which returns at once without yielding, again and again.
  it("ends client:run(timeout) without polling in a loop through its last fraction of a ms", function()
    srv:fault({ match = { operation = "view_templates" }, steps = { { delay = 0.5 } } })
    local out = app:case("run_short", { operation = "view_templates", args = { NULL }, timeout = 0.0105 })
    assert.is_false(out.finished)
    assert.is_true(out.polls <= 3, out.polls .. " polls")
  end)

  -- ngx.sleep takes whole ms: a wait under 1 ms is ngx.sleep(0), which stock nginx (no delayed-events
  -- patch) logs as a warning each time. nginx's timers fire by its cached clock, a little before the
  -- monotonic one, so client:sleep ended each wait in a burst of such calls until the clock caught up.
  it("waits in client:sleep with timers of whole ms: no burst of ngx.sleep(0) at the end", function()
    local before = #app:error_log()
    local out = app:case("sleep", { seconds = 0.02, times = 10 })
    assert.is_true(out.took >= 0.2, "slept " .. out.took .. " s")
    local logged = app:error_log():sub(before + 1)
    assert.is_nil(logged:find("ngx.sleep(0)", 1, true), logged)
  end)

  it("suspends only the light thread of client:spawn, and raises a spawned thread's error from run", function()
    srv:fault({ match = { operation = "view_templates" }, steps = { { delay = 0.3 }, { delay = 0.3 },
      { delay = 0.3 }, { delay = 0.3 } } })
    local out = app:case("spawn", { operation = "view_templates", args = { NULL }, count = 4, fail = true })
    assert.are.equal(4, out.pending_after_spawn)
    assert.are.equal(4, #out.results)
    for _, r in ipairs(out.results) do assert.is_true(r.ok, r.text) end
    assert.are.equal(4, srv:stats().connections)
    assert.matches("a thread run by client:spawn failed: .*deliberate failure in a spawned thread", out.failure)
  end)

  -- As on libcurl: an error object (no string) is raised by run as it is, not as tostring(err) with a
  -- traceback, which lost what the program put in it.
  it("raises a spawned thread's error object from run as it is", function()
    local out = app:case("spawn", { operation = "view_templates", args = { NULL }, count = 1, fail = true,
      fail_with = "table" })
    assert.are.same({ same = true, code = 42 }, out.failure_value, out.failure)
  end)

  -- error() raises nil, which LuaJIT's debug.traceback hands back as it is: the failure was never listed
  -- (a nil appended to a list is nothing), only logged, and run returned as if the thread had ended well.
  it("raises from run a spawned thread's error() that raised nil, as a message", function()
    local out = app:case("spawn", { operation = "view_templates", args = { NULL }, count = 1, fail = true,
      fail_with = "nil" })
    assert.matches("^onesignal: a thread run by client:spawn failed: nil\nstack traceback", out.failure)
  end)

  -- The error is the program's own, raised back to it whole; the line in nginx's error log has the
  -- client's keys removed, as every line this library logs.
  it("logs a spawned thread's error with the client's keys removed", function()
    local before = #app:error_log()
    local out = app:case("spawn", { operation = "view_templates", args = { NULL }, count = 1, fail = true,
      quote_key = true })
    assert.matches("deliberate failure in a spawned thread with key " .. srv.rest_key, out.failure, 1, true)
    local logged = app:error_log():sub(before + 1)
    assert.matches("a thread run by client:spawn failed: .*deliberate failure in a spawned thread with key"
      .. " %[REDACTED%]", logged)
    assert.is_nil(logged:find(srv.rest_key, 1, true), logged)
  end)

  it("raises a spawned thread's error from run, not inside another thread that sleeps meanwhile", function()
    local out = app:case("spawn_failure_elsewhere", {})
    assert.is_true(out.sleeper.ok, out.sleeper.err)
    assert.is_false(out.run_ok)
    assert.matches("a thread run by client:spawn failed: .*deliberate failure in a spawned thread", out.run_err)
    -- once the thread fails (0.05 s in), not when the other ends its sleep (0.3 s): the failure wakes
    -- run's poll, though the sleeping thread polled too
    assert.is_true(out.run_took < 0.2, "run raised after " .. out.run_took .. " s")
  end)

  -- run() in a spawned thread waits for requests and for the threads still at work, not for those that
  -- wait in run() themselves, as with libcurl (where run counts transfers and sleepers, never coroutines):
  -- two such threads waited for each other for ever. The request's own run waits for every thread.
  it("returns from run() in spawned threads that each wait in run(), and from the request's run", function()
    local out = app:case("spawn_runs", { sleeps = { 0, 0 }, timeout = 3 })
    assert.is_true(out.done, "the request's run timed out after " .. out.took .. " s")
    assert.is_true(out.took < 1, "the request's run took " .. out.took .. " s")
    for i = 1, 2 do
      assert.is_true(out.runs[i].called)
      assert.is_true(out.runs[i].run, "thread " .. i .. "'s run did not return")
    end
  end)

  it("keeps run() in a spawned thread waiting for a thread that is still at work (client:sleep)", function()
    local out = app:case("spawn_runs", { sleeps = { 0, 0.3 }, timeout = 3 })
    assert.is_true(out.done, "the request's run timed out after " .. out.took .. " s")
    assert.is_true(out.runs[1].run)
    assert.is_true(out.runs[1].took >= 0.25, "run returned after " .. out.runs[1].took .. " s")
    assert.is_true(out.runs[2].run)
    assert.is_true(out.took >= 0.25 and out.took < 1, "the request's run took " .. out.took .. " s")
  end)

  -- On libcurl a spawned coroutine that yields by itself raises (nothing would resume it). Here the thread
  -- is ngx_lua's, for which a bare coroutine.yield gives the others a turn: it goes on (the yield returns
  -- nothing), its calls are made, and pending() and run() count it until it ends.
  it("lets a spawned thread that yields by itself (coroutine.yield) go on, counted until it ends", function()
    srv:fault({ match = { operation = "view_templates" }, steps = { { delay = 0.2 }, { delay = 0.2 } } })
    local out = app:case("spawn_yield", { values = { 1, "two" }, timeout = 5 })
    assert.is_true(out.finished, app:error_log())
    assert.are.same({ { n = 0 }, { n = 0 } }, out.yields)
    for i = 1, 2 do assert.is_true(out.calls[i].ok, out.calls[i].text) end
    assert.are.equal(2, #srv:requests())
    assert.are.equal(1, out.pending_after_spawn)
    assert.is_true(out.done)
    assert.is_true(out.took >= 0.35, "run returned after " .. out.took .. " s")
    assert.are.equal(0, out.pending_after_run)
  end)

  -- README: calls in coroutines the client did not start block. Here that coroutine is suspended (cosockets
  -- yield through it to nginx), and the program's coroutine.resume returns once they are done.
  it("makes the calls of a coroutine of the program's own: its resume returns once they are done", function()
    srv:fault({ match = { operation = "view_templates" }, steps = { { delay = 0.2 }, { delay = 0.2 } } })
    local out = app:case("own_coroutine", { timeout = 5 })
    assert.is_true(out.resumed_ok, out.err)
    assert.are.equal("dead", out.status)
    assert.is_true(out.blocking.ok, out.blocking.text)
    assert.is_true(out.async.ok, out.async and out.async.text)
    assert.is_true(out.run_done)
    assert.is_true(out.took >= 0.35, "resume returned after " .. out.took .. " s")
    assert.are.equal(0, out.pending_after)
    assert.are.equal(2, #srv:requests())
  end)

  it("sends a list with send_many, at most `concurrency` at a time", function()
    local list = {}
    for i = 1, 20 do list[i] = { contents = { en = "item " .. i }, included_segments = { "All" } } end
    local steps = {}
    for i = 1, 20 do steps[i] = { delay = 0.05 } end
    srv:fault({ match = { operation = "create_notification" }, steps = steps })
    local out = app:case("send_many", { notifications = list, send_options = { concurrency = 5 } })
    assert.are.equal(20, #out.items)
    for _, item in ipairs(out.items) do assert.is_true(item.ok, item.text) end
    assert.are.equal(20, out.progress)
    assert.are.equal(20, srv:stats().notifications_created)
    assert.are.equal(5, srv:stats().connections)
  end)

  -- As on libcurl (spec/integration/bulk_spec.lua): a 429 holds back the items not yet started until the
  -- wait it asked for has passed (its retry's: Retry-After 1 plus a spread of at most 0.1 s), unless
  -- pause_on_429 = false. The two others of the first wave are answered after the 429, so the hold is
  -- known before they free their slots.
  for _, pause in ipairs({ true, false }) do
    it("send_many " .. (pause and "starts no new item until a 429's Retry-After has passed"
        or "goes on starting items during a 429's wait with pause_on_429 = false"), function()
      local list = {}
      for i = 1, 7 do list[i] = { contents = { en = "item " .. i }, included_segments = { "All" } } end
      srv:fault({ match = { operation = "create_notification" }, steps = {
        { status = 429, headers = { ["Retry-After"] = "1" } }, { delay = 0.25 }, { delay = 0.25 } } })
      local out = app:case("send_many", { notifications = list, options = { retry_max_delay = 2 },
        send_options = { concurrency = 3, pause_on_429 = pause } })
      for _, item in ipairs(out.items) do assert.is_true(item.ok, item.text) end
      assert.are.equal(7, out.summary.succeeded)
      local seen = srv:recorded("create_notification")
      local at, first_wave, known, firsts = nil, {}, {}, {}
      for n, r in ipairs(seen) do
        local key = cjson.decode(r.body).idempotency_key
        if r.fault and r.fault.status == 429 then at = r.time end
        if n <= 3 then first_wave[key] = true end
        if not known[key] and not first_wave[key] then firsts[#firsts + 1] = r.time end
        known[key] = true
      end
      assert.is_number(at)
      assert.are.equal(4, #firsts)
      if pause then
        for _, t in ipairs(firsts) do
          assert.is_true(t - at >= 0.9, "a new item went out " .. (t - at) .. " s after the 429")
        end
        assert.is_true(out.summary.paused >= 0.5 and out.summary.paused < 5, "paused " .. out.summary.paused)
      else
        assert.is_true(firsts[1] - at < 0.9, "a new item waited " .. (firsts[1] - at) .. " s")
        assert.are.equal(0, out.summary.paused)
      end
    end)
  end

  it("send_many holds for a 429 to a create_notification outside the batch too", function()
    srv:fault({ match = { operation = "create_notification" }, steps = {
      { status = 429, headers = { ["Retry-After"] = "1" } } } })
    local list = { { contents = { en = "item 1" }, included_segments = { "All" } } }
    local out = app:case("send_many", { notifications = list, options = { retry_max_delay = 0.4 },
      before = { contents = { en = "alone" }, included_segments = { "All" } } })
    assert.are.equal("retry_after_too_long", out.before.gave_up)
    assert.is_true(out.items[1].ok, out.items[1].text)
    local seen = srv:recorded("create_notification")
    assert.are.equal(2, #seen)
    assert.is_true(seen[2].time - seen[1].time >= 0.35, "the item went out " .. (seen[2].time - seen[1].time)
      .. " s after the 429")
    assert.is_true(out.summary.paused >= 0.3 and out.summary.paused < 0.9, "paused " .. out.summary.paused)
  end)

  -- As on libcurl, close hands out the answers that had come: a program that closed its client may never
  -- poll it again. A spawned thread's failure waiting meanwhile is raised by the next poll, not by close
  -- before those answers (which then waited for a poll that may never come).
  it("runs the finished calls' callbacks at close, leaving a spawned thread's failure to the next poll", function()
    local out = app:case("close_after_failure", { operation = "view_templates", args = { NULL } })
    assert.is_true(out.close_ok, out.close_err)
    assert.is_table(out.at_close, "the callback had not run when close returned")
    assert.is_true(out.at_close.ok, out.at_close.text)
    assert.is_false(out.poll_ok)
    assert.matches("a thread run by client:spawn failed: .*deliberate failure in a spawned thread", out.poll_err)
  end)

  it("fails the requests still running when the client is closed, and every later call", function()
    srv:fault({ match = { operation = "view_templates" }, steps = { { delay = 1 }, { delay = 1 } } })
    local out = app:case("close", { operation = "view_templates", args = { NULL } })
    assert.are.equal(2, #out.results)
    for _, r in ipairs(out.results) do
      assert.is_false(r.ok)
      assert.are.equal("closed", r.reason)
    end
    assert.is_false(out.after.ok)
    assert.are.equal("closed", out.after.reason)
    assert.are.equal(0, out.pending)
  end)

  -- The same steps on both transports (libcurl blocks the worker here, which this case does not mind).
  for _, transport in ipairs({ "ngx", "curl" }) do
    it("hands every call one callback when callbacks raise, close twice and call again (" .. transport .. ")",
      function()
        srv:fault({ match = { operation = "view_templates" }, steps = { {}, {}, { delay = 1 } } })
        local out = app:case("callbacks", { operation = "view_templates", args = { NULL },
          options = { transport = transport } })
        assert.are.equal("deliberate failure in a callback", out.raised)
        assert.is_true(out.done)
        assert.are.equal(4, #out.got)
        assert.is_true(out.got[1].ok)
        assert.is_true(out.got[2].ok)
        -- (the one the server held back: whichever came third)
        assert.are.same({ ok = false, reason = "closed" }, { ok = out.got[3].ok, reason = out.got[3].reason })
        assert.matches("^call %d$", out.got[3].name)
        local calls = {}
        for i = 1, 3 do calls[out.got[i].name] = true end
        assert.are.same({ ["call 1"] = true, ["call 2"] = true, ["call 3"] = true }, calls)
        assert.are.same({ name = "after close", ok = false, reason = "closed" }, out.got[4])
        assert.are.equal(0, out.pending)
        assert.is_nil(out.timeout)
      end)
  end

  -- README (Closing): every close hands out what is queued, the first one's leftovers included.
  for _, transport in ipairs({ "ngx", "curl" }) do
    it("runs the callbacks a raise in close left queued, and later calls', in the next close (" .. transport .. ")",
      function()
        srv:fault({ match = { operation = "view_templates" }, steps = { { delay = 1 }, { delay = 1 } } })
        local out = app:case("close_twice", { operation = "view_templates", args = { NULL },
          options = { transport = transport } })
        assert.are.equal("deliberate failure in a callback", out.raised)
        assert.are.same({ 1, 2, 3, 0 }, { out.after_first, out.after_second, out.after_third, out.pending })
      end)
  end

  -- README: once the client is closed nothing is paced, the items not yet started fail at once. A thread
  -- waiting for its next token slept it out (ngx.sleep, or a poll that nothing woke) after the close.
  for _, busy in ipairs({ false, 3 }) do
    it("ends a send_many in a spawned thread at once when the client is closed while it waits for a token"
        .. (busy and " (another thread at work)" or ""), function()
      local out = app:case("send_many_close_pacing", { notifications = { NOTIFICATION, NOTIFICATION, NOTIFICATION },
        rate = 0.4, close_after = 0.3, busy = busy or nil })
      assert.is_table(out.summary)
      assert.are.equal(1, out.summary.succeeded)
      assert.are.equal(2, out.summary.failed)
      -- the next token was due 2.5 s after the first item
      assert.is_true(out.took < 1, "send_many returned " .. tostring(out.took) .. " s after the close")
      assert.are.equal(1, #srv:recorded("create_notification"))
    end)
  end

  -- A dry run sends nothing but waits as a client does (client:sleep, send_many's rate): inside nginx
  -- it slept in C (core.sleep), holding the whole worker, where a real client there uses ngx.sleep.
  it("lets a dry-run client wait (client:sleep, a send_many's rate) without holding the worker", function()
    local out = app:case("dry_run_waits", { seconds = 0.4, notification = NOTIFICATION })
    assert.are.equal(2, out.described)
    for _, wait in ipairs({ "sleep", "send_many" }) do
      assert.is_true(out[wait].took >= 0.35, wait .. " took " .. out[wait].took .. " s")
      assert.is_number(out[wait].fired, wait)
      assert.is_true(out[wait].fired < 0.3, "during " .. wait .. " the other thread ran after "
        .. out[wait].fired .. " s")
    end
  end)

  -- A spawned thread cannot kill the threads of the request's calls; close still ends them for the program.
  it("leaves nothing pending for run to wait on once a spawned thread's close answered the calls", function()
    srv:fault({ match = { operation = "view_templates" }, steps = { { delay = 1 }, { delay = 1 } } })
    local out = app:case("close_in_thread", { operation = "view_templates", args = { NULL }, count = 2,
      close_after = 0.2, linger = 1.5 })
    assert.are.equal(2, #out.results)
    for _, r in ipairs(out.results) do assert.are.equal("closed", r.reason) end
    assert.are.equal(0, out.pending_after_close)
    assert.is_true(out.done)
    assert.are.equal(0, out.pending)
    assert.is_true(out.took < 0.7, "run took " .. out.took .. " s")
    -- the calls' last hooks, after the close: neither call is pending any more, nor counted out twice
    assert.are.same({ 0, 0 }, out.in_hooks)
  end)

  -- As on libcurl: close hands every request its answer, so a program that polls no more loses none.
  it("hands a request that finished before the close, unpolled, its answer inside close", function()
    local out = app:case("close", { operation = "view_templates", args = { NULL }, count = 1, unpolled = 0.3 })
    assert.is_table(out.results[1])
    assert.is_true(out.results[1].ok, out.results[1].text)
    assert.are.equal(0, out.pending)
  end)

  it("counts the attempts a request made before the close ended it", function()
    srv:fault({ match = { operation = "view_templates" }, steps = { { status = 503 }, { delay = 2 } } })
    local out = app:case("close", { operation = "view_templates", args = { NULL }, count = 1, close_after = 0.5,
      options = { retry_base_delay = 0.01, retry_max_delay = 0.02 } })
    local r = out.results[1]
    assert.are.equal("closed", r.reason)
    assert.are.equal(2, r.attempts)
    assert.are.equal(2, #srv:recorded("view_templates"))
  end)

  -- maybe_sent after close follows the C engine's rule (os_session_may_have_sent): only a request that may
  -- have reached the server says so; one refused (429) and waiting to retry, or never sent, does not.
  for _, case in ipairs({
    { "refused and waiting to retry", { { status = 429 } }, 0.3, nil },
    { "on the wire", { { delay = 3 } }, 0.3, true },
  }) do
    it("says maybe_sent for a request close abandons only when it may have been sent (" .. case[1] .. ")", function()
      srv:fault({ match = { operation = "create_notification" }, steps = case[2] })
      local out = app:case("close", { operation = "create_notification", args = { NOTIFICATION }, count = 1,
        close_after = case[3], options = { retry_base_delay = 10, retry_max_delay = 10 } })
      local r = out.results[1]
      assert.are.equal("closed", r.reason)
      assert.are.equal(case[4], r.maybe_sent)
      assert.are.equal(1, #srv:recorded("create_notification"))
    end)
  end

  -- close() cannot kill a thread it did not start, but the call's retry loop sees the client closed: no
  -- attempt starts after close, and the call ends with what its attempts tell: a refusal (503) was not
  -- applied, a 500 may have been.
  for _, case in ipairs({ { "waiting to retry", { { status = 503 } }, 0.1, nil },
    { "in flight", { { status = 503, delay = 0.4 } }, 0.1, nil },
    { "in flight, then a 500", { { status = 500, delay = 0.4 } }, 0.1, true } }) do
    it("stops a call retrying in a spawned thread when the client is closed (" .. case[1] .. ")", function()
      srv:fault({ match = { operation = "create_notification" }, steps = case[2] })
      srv:fault({ match = { operation = "create_notification" }, steps = { { status = 503 }, { status = 503 },
        { status = 503 }, { status = 503 }, { status = 503 } } })
      local out = app:case("close_spawned", { operation = "create_notification", args = { NOTIFICATION },
        options = { max_retries = 5, retry_base_delay = 0.3, retry_max_delay = 0.3 }, close_after = case[3] })
      assert.is_true(out.finished)
      local r = out.result
      assert.is_false(r.ok)
      assert.are.equal("closed", r.reason)
      assert.are.equal(1, r.attempts)
      assert.are.equal(case[4], r.maybe_sent)
      assert.are.equal(1, #srv:recorded("create_notification"))
    end)
  end
end)
