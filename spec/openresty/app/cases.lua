-- luacheck: globals ngx
-- What the OpenResty specs ask the app to do. Each case takes the app's settings and the JSON arguments
-- of the spec, drives the SDK inside nginx, and returns a table that goes back as JSON.
local cjson = require("cjson")
local onesignal = require("onesignal")

local M = {}

local unpack = table.unpack or unpack

local function now()
  ngx.update_time()
  return ngx.now()
end

-- base: nil / "http" (the test server), "https" (its TLS port by name, for certificate checks),
-- "https_ip" (the TLS port by address), "/path" (a location of this app), or a whole URL.
local function base_url(settings, base)
  if base == nil or base == "http" then return settings.url end
  if base == "https" then return (settings.https_url:gsub("127%.0%.0%.1", "localhost")) end
  if base == "https_ip" then return settings.https_url end
  if base:sub(1, 1) == "/" then return settings.self_url .. base end
  return base
end

local function new_client(settings, args, hooks)
  local options = {
    base_url = base_url(settings, args.base),
    rest_api_key = settings.rest_key,
    organization_api_key = settings.org_key,
    app_id = settings.app_id,
  }
  for k, v in pairs(args.options or {}) do options[k] = v end
  if hooks then
    options.on_attempt = function(info)
      local copy = {}
      for k, v in pairs(info) do copy[k] = v end
      hooks[#hooks + 1] = copy
      -- `hook_busy`: the first attempt's hook keeps the worker busy that long (a late wake-up after it)
      if args.hook_busy and #hooks == 1 then
        local until_t = os.clock() + args.hook_busy
        repeat until os.clock() >= until_t
      end
    end
  end
  local client = onesignal.new(options)
  if args.with then client = client:with(args.with) end
  -- `as_name`: the base URL's address is connected to as a name for nginx's resolver would be (the specs
  -- have no DNS server; an address there needs no lookup, so the connection still succeeds)
  if args.as_name then client.transport.target.literal = false end
  return client
end

-- JSON has no holes in arrays: null stands for an argument left out (nil).
-- `big`: a string value "<big>" anywhere in them becomes that many bytes (the app's request bodies are
-- kept in memory only up to 1 MB).
local function call_args(list, big)
  local function fill(v)
    if v == "<big>" and big then return string.rep("x", big) end
    if type(v) == "table" then
      for k, item in pairs(v) do v[k] = fill(item) end
    end
    return v
  end
  local out, n = {}, 0
  for i, v in ipairs(list or {}) do
    if v ~= cjson.null then out[i] = fill(v) end
    n = i
  end
  return out, n
end

--- A call's outcome as plain data.
function M.outcome(body, res)
  if body then
    local fields = {}
    for k in pairs(res) do fields[#fields + 1] = k end
    table.sort(fields)
    return { ok = true, body = body, status = res.status, attempts = res.attempts, replayed = res.replayed,
      idempotency_key = res.idempotency_key, headers = res.headers, fields = table.concat(fields, " ") }
  end
  return { ok = false, kind = res.kind, reason = res.reason, status = res.status, attempts = res.attempts,
    maybe_sent = res.maybe_sent, gave_up = res.gave_up, retry_after = res.retry_after, message = res.message,
    messages = res.messages, text = tostring(res), body = type(res.body) == "string" and res.body or nil }
end

--- One operation, `times` times in a row: { operation, args = [...], options, with, base, as_name, hook,
-- hook_busy, times, linger, big (see call_args) }. `linger`: seconds the app's request stays after the
-- calls (a socket the transport left open stays open until the request ends).
function M.call(settings, args)
  local hooks = args.hook and {} or nil
  local client = new_client(settings, args, hooks)
  local list, n = call_args(args.args, args.big)
  local results = {}
  local started = now()
  for i = 1, args.times or 1 do
    local t0 = now()
    local out = M.outcome(client[args.operation](client, unpack(list, 1, n)))
    out.elapsed = now() - t0
    results[i] = out
  end
  if args.linger then ngx.sleep(args.linger) end
  return { results = results, hooks = hooks, transport = client.transport.name,
    user_agent = client.transport.user_agent, elapsed = now() - started }
end

--- One operation whose arguments the SDK must refuse: { operation, args = [...] } -> { ok, err }.
function M.refused(settings, args)
  local client = new_client(settings, args)
  local list, n = call_args(args.args)
  local ok, err = pcall(client[args.operation], client, unpack(list, 1, n))
  return { ok = ok, err = not ok and tostring(err) or nil }
end

--- Every operation with the shared samples (spec/support/samples.lua), in name order.
function M.samples(settings, args)
  local samples = require("support.samples")
  local client = new_client(settings, args)
  local all = samples.all(args.ctx)
  local names = {}
  for name in pairs(all) do names[#names + 1] = name end
  table.sort(names)
  local outcomes = {}
  for i, name in ipairs(names) do
    local body, res = samples.call(client, name, all[name])
    outcomes[i] = { name = name, ok = body ~= nil, status = body and res.status or res.status }
  end
  return { transport = client.transport.name, outcomes = outcomes }
end

--- `count` calls of one operation started with `_async`, then `client:run()`: { operation, args, count }.
function M.async(settings, args)
  local client = new_client(settings, args)
  local list, n = call_args(args.args)
  local results, order = {}, {}
  local pending_after_submit
  for i = 1, args.count do
    list[n + 1] = function(body, res)
      results[i] = M.outcome(body, res)
      order[#order + 1] = i
    end
    client[args.operation .. "_async"](client, unpack(list, 1, n + 1))
  end
  pending_after_submit = client:pending()
  local done = client:run(args.run_timeout)
  return { results = results, order = order, pending_after_submit = pending_after_submit, done = done,
    pending_after_run = client:pending() }
end

--- A spawned thread fails and a call finishes, both unpolled; then client:close() and client:poll(0):
-- what each raised, and whether the call's callback had run when close returned.
function M.close_after_failure(settings, args)
  local client = new_client(settings, args)
  local list, n = call_args(args.args)
  local result
  client:spawn(function() error("deliberate failure in a spawned thread") end)
  list[n + 1] = function(body, res) result = M.outcome(body, res) end
  client[args.operation .. "_async"](client, unpack(list, 1, n + 1))
  ngx.sleep(0.3) -- both are over by now; the failure and the answer wait for a poll
  local close_ok, close_err = pcall(client.close, client)
  local at_close = result
  local poll_ok, poll_err = pcall(client.poll, client, 0)
  return { close_ok = close_ok, close_err = not close_ok and tostring(close_err) or nil, at_close = at_close,
    poll_ok = poll_ok, poll_err = not poll_ok and tostring(poll_err) or nil }
end

--- `count` blocking calls, each in a thread of `client:spawn`, then `client:run()`; with `fail`, then a
-- thread that fails (quoting the REST key with `quote_key`) and the error run raises.
function M.spawn(settings, args)
  local client = new_client(settings, args)
  local list, n = call_args(args.args)
  local results = {}
  for i = 1, args.count do
    client:spawn(function()
      results[i] = M.outcome(client[args.operation](client, unpack(list, 1, n)))
    end)
  end
  local pending = client:pending()
  client:run()
  local failure, failure_value
  if args.fail then
    local with_key = args.quote_key and (" with key " .. settings.rest_key) or ""
    -- `fail_with`: the thread raises instead of a message an error object, { code = 42 } ("table"), or nil
    local problem = "deliberate failure in a spawned thread" .. with_key
    if args.fail_with == "table" then problem = { code = 42 } elseif args.fail_with == "nil" then problem = nil end
    client:spawn(function() error(problem) end)
    local ok, err = pcall(client.run, client)
    failure = not ok and tostring(err) or "no error"
    if type(err) == "table" then failure_value = { same = err == problem, code = err.code } end
  end
  return { results = results, pending_after_spawn = pending, failure = failure, failure_value = failure_value }
end

--- A spawned thread fails while another one sleeps in client:sleep (which drives the client meanwhile):
-- the failure is for the request's own run to raise, not for the sleeping thread.
function M.spawn_failure_elsewhere(settings, args)
  local client = new_client(settings, args)
  local sleeper = {}
  client:spawn(function()
    client:sleep(0.05)
    error("deliberate failure in a spawned thread")
  end)
  client:spawn(function()
    sleeper.ok, sleeper.err = pcall(client.sleep, client, 0.3)
    sleeper.err = sleeper.err and tostring(sleeper.err)
  end)
  local t0 = now()
  local ok, err = pcall(client.run, client, 3)
  local took = now() - t0
  client:run(3) -- the sleeper goes on after run raised: its outcome once it is done
  return { sleeper = sleeper, run_ok = ok, run_err = not ok and tostring(err) or nil, run_took = took }
end

--- client:send_many (issue 4) on cosockets: { notifications, send_options, options (the client's) }; the
-- items' outcomes, how many on_progress saw, and the summary.
function M.send_many(settings, args)
  local client = new_client(settings, args)
  -- `before`: a notification sent alone first (its 429 holds the batch as well)
  local before = args.before and M.outcome(client:create_notification(args.before))
  local progress = 0
  local options = {}
  for k, v in pairs(args.send_options or {}) do options[k] = v end
  options.on_progress = function() progress = progress + 1 end
  local items, summary = client:send_many(args.notifications, options)
  local out = {}
  for i, item in ipairs(items) do
    out[i] = item.err and M.outcome(nil, item.err) or M.outcome(item.body, item.response)
  end
  return { items = out, progress = progress, summary = summary, before = before }
end

--- Two requests (or `count`) started, then the client closed before they finish (`close_after` seconds
-- later, if given, or after `unpolled` seconds of ngx.sleep, which hands no result out); and a call after
-- closing.
function M.close(settings, args)
  local client = new_client(settings, args)
  local list, n = call_args(args.args)
  local results = {}
  for i = 1, args.count or 2 do
    list[n + 1] = function(body, res) results[i] = M.outcome(body, res) end
    client[args.operation .. "_async"](client, unpack(list, 1, n + 1))
  end
  if args.close_after then client:sleep(args.close_after) end
  if args.unpolled then ngx.sleep(args.unpolled) end
  client:close()
  local after = M.outcome(client[args.operation](client, unpack(list, 1, n)))
  return { results = results, after = after, pending = client:pending() }
end

--- Callbacks that raise, close and call again: three `_async` calls of one operation (the server holds the
-- last one back); the first callback to run raises, the second closes the client twice and starts one
-- more call. What run raised, what each callback got (in the order they ran), and what is left pending.
function M.callbacks(settings, args)
  local client = new_client(settings, args)
  local list, n = call_args(args.args)
  local got = {}
  local function record(name, body, res)
    local outcome = M.outcome(body, res)
    got[#got + 1] = { name = name, ok = outcome.ok, reason = outcome.reason }
  end
  for i = 1, 3 do
    list[n + 1] = function(body, res)
      record("call " .. i, body, res)
      if #got == 1 then error("deliberate failure in a callback", 0) end
      if #got == 2 then
        client:close()
        client:close()
        list[n + 1] = function(b, r) record("after close", b, r) end
        client[args.operation .. "_async"](client, unpack(list, 1, n + 1))
      end
    end
    client[args.operation .. "_async"](client, unpack(list, 1, n + 1))
  end
  local ok, err = pcall(client.run, client, 10)
  local raised = not ok and tostring(err) or nil
  local done = client:run(10)
  return { raised = raised, done = done, got = got, pending = client:pending(), timeout = client:timeout() }
end

--- Two `_async` calls of one operation under way (the server holds them back), the first callback to run
-- raising; close (which raises it), close again, then one more `_async` call and close. How many callbacks
-- had run after each close, and what is left pending.
function M.close_twice(settings, args)
  local client = new_client(settings, args)
  local list, n = call_args(args.args)
  local ran = 0
  list[n + 1] = function()
    ran = ran + 1
    if ran == 1 then error("deliberate failure in a callback", 0) end
  end
  for _ = 1, 2 do client[args.operation .. "_async"](client, unpack(list, 1, n + 1)) end
  local ok, err = pcall(client.close, client)
  local out = { raised = not ok and tostring(err) or nil, after_first = ran }
  client:close()
  out.after_second = ran
  client[args.operation .. "_async"](client, unpack(list, 1, n + 1))
  client:close()
  out.after_third, out.pending = ran, client:pending()
  return out
end

--- `count` _async calls of one operation, and a thread of client:spawn that closes the client
-- `close_after` seconds later (ngx.sleep) while they are under way; then client:run(). What each callback
-- got, what was pending just after the close, how long run took, and what client:pending() said in the
-- on_attempt hooks of the attempts that ended after the close (`linger` seconds are given them).
function M.close_in_thread(settings, args)
  local client
  local in_hooks, closed = {}, false
  local options = { on_attempt = function()
    if closed then in_hooks[#in_hooks + 1] = client:pending() end
  end }
  for k, v in pairs(args.options or {}) do options[k] = v end
  client = new_client(settings, { options = options })
  local list, n = call_args(args.args)
  local results = {}
  for i = 1, args.count do
    list[n + 1] = function(body, res) results[i] = M.outcome(body, res) end
    client[args.operation .. "_async"](client, unpack(list, 1, n + 1))
  end
  local pending_after_close
  client:spawn(function()
    ngx.sleep(args.close_after)
    closed = true
    client:close()
    pending_after_close = client:pending()
  end)
  local t0 = now()
  local done = client:run(10)
  local took = now() - t0
  if args.linger then ngx.sleep(args.linger) end
  return { results = results, pending_after_close = pending_after_close, done = done, took = took,
    pending = client:pending(), in_hooks = in_hooks }
end

--- A blocking call in a thread of client:spawn, and the client closed `close_after` seconds later (while
-- the call waits to retry, or is in flight): { operation, args, options, close_after }.
function M.close_spawned(settings, args)
  local client = new_client(settings, args)
  local list, n = call_args(args.args)
  local result
  client:spawn(function() result = M.outcome(client[args.operation](client, unpack(list, 1, n))) end)
  client:sleep(args.close_after)
  client:close()
  local finished = client:run(10)
  return { result = result, finished = finished }
end

--- A send_many pacing its items (`rate`) in a thread of client:spawn, and the client closed `close_after`
-- seconds later, while the thread waits for its next token: { notifications, rate, close_after, busy }.
-- `busy`: another spawned thread is at work that long meanwhile (ngx.sleep), so that the pacing one has
-- something pending to poll for. How long after the close send_many returned, and its summary.
function M.send_many_close_pacing(settings, args)
  local client = new_client(settings, args)
  local summary, ended
  client:spawn(function()
    summary = select(2, client:send_many(args.notifications, { rate = args.rate }))
    ended = now()
  end)
  if args.busy then client:spawn(function() ngx.sleep(args.busy) end) end
  ngx.sleep(args.close_after)
  local closed_at = now()
  client:close()
  local done = client:run(10)
  return { summary = summary, done = done, took = ended and ended - closed_at }
end

--- A dry-run client's waits inside nginx: client:sleep(`seconds`), then a send_many of two items at `rate`
-- (a wait for the second token). A light thread of the request's own notes when its 0.05 s timer fired
-- meanwhile: only as late as the wait when the wait held the worker.
function M.dry_run_waits(settings, args)
  local client = new_client(settings, { options = { dry_run = true } })
  local out = {}
  for _, wait in ipairs({ "sleep", "send_many" }) do
    local t0, fired = now(), nil
    ngx.thread.spawn(function()
      ngx.sleep(0.05)
      fired = now() - t0
    end)
    if wait == "sleep" then
      client:sleep(args.seconds)
    else
      local items = { args.notification, args.notification }
      out.described = #client:send_many(items, { rate = 1 / args.seconds })
    end
    out[wait] = { fired = fired, took = now() - t0 }
  end
  return out
end

--- `times` calls of client:sleep(seconds) with nothing pending: how long they took in all.
function M.sleep(settings, args)
  local client = new_client(settings, args)
  local t0 = now()
  for _ = 1, args.times do client:sleep(args.seconds) end
  return { took = now() - t0 }
end

-- A client with one _async call of args.operation under way (its callback does nothing).
local function one_async(settings, args)
  local client = new_client(settings, args)
  local list, n = call_args(args.args)
  list[n + 1] = function() end
  client[args.operation .. "_async"](client, unpack(list, 1, n + 1))
  return client
end

--- One _async call, then client:run(args.timeout) while it is under way: how many polls that took.
function M.run_short(settings, args)
  local client = one_async(settings, args)
  local transport, polls = client.transport, 0
  local poll = transport.poll
  transport.poll = function(...) polls = polls + 1 return poll(...) end
  local finished = client:run(args.timeout)
  transport.poll = nil
  client:run(10)
  return { finished = finished, polls = polls }
end

--- One _async call, then one client:poll(args.wait): how long it waited and how many callbacks ran.
function M.poll_once(settings, args)
  local client = one_async(settings, args)
  local t0 = now()
  local ran = client:poll(args.wait)
  local waited = now() - t0
  client:run(10)
  return { ran = ran, waited = waited }
end

--- What the on_attempt hook can do on this transport: the hook of the first attempt of a get_segments
-- (blocking, or `_async` with `async`) tries `tries` in order (a blocking view_templates, poll, run
-- with `run_timeout`, sleep, send_many, close), each under pcall; `options` join the client's. Returns
-- what each returned (`value`) or raised (`err`) and took, the outcome of the call reported on, and the
-- seconds it all took.
function M.hook_calls(settings, args)
  local client
  local tried, done = {}, false
  local TRY = {
    blocking = function() return M.outcome(client:view_templates(nil)) end,
    poll = function() return client:poll(0) end,
    run = function() return client:run(args.run_timeout) end,
    sleep = function() return client:sleep(0.01) end,
    send_many = function()
      local items = client:send_many({ { contents = { en = "from a hook" }, included_segments = { "All" } } })
      return items[1].body ~= nil
    end,
    close = function() return client:close() end,
  }
  local options = { on_attempt = function(a)
    if done or a.operation ~= "get_segments" then return end
    done = true
    for i, name in ipairs(args.tries) do
      local t0 = now()
      local ok, value = pcall(TRY[name])
      tried[i] = { name = name, ok = ok, took = now() - t0 }
      if ok then tried[i].value = value else tried[i].err = tostring(value) end
    end
  end }
  for k, v in pairs(args.options or {}) do options[k] = v end
  client = new_client(settings, { options = options })
  local t0 = now()
  local outer
  if args.async then
    client:get_segments_async(nil, function(body, res) outer = M.outcome(body, res) end)
    client:run(10)
  else
    outer = M.outcome(client:get_segments(nil))
  end
  return { tried = tried, outer = outer, took = now() - t0, transport = client.transport.name }
end

--- client:run (no timeout) inside client:spawn, with an _async call of that thread pending: whether it
-- returned (`run`) or raised (`err`), the seconds it took and the call's body.
function M.spawn_run(settings)
  local client = new_client(settings, {})
  local out = {}
  client:spawn(function()
    client:view_templates_async(nil, function(body) out.body = body end)
    local t0 = now()
    local ok, value = pcall(client.run, client)
    out.ok, out.took = ok, now() - t0
    if ok then out.run = value else out.err = tostring(value) end
  end)
  client:run(10)
  return out
end

--- Threads of client:spawn that each make a blocking call, sleep `sleeps[i]` seconds (client:sleep) and
-- then call client:run() with no timeout; then the request's own client:run(`timeout`). Returns, per
-- thread, what its call got (`called`), what its run returned and took, and the request's run's answer
-- and time. Threads still waiting then are killed: they would hold the request for ever.
function M.spawn_runs(settings, args)
  local client = new_client(settings, {})
  local out, threads = { runs = {} }, {}
  for i, pause in ipairs(args.sleeps) do
    threads[i] = client:spawn(function()
      local run = { called = client:view_templates(nil) ~= nil }
      out.runs[i] = run
      if pause > 0 then client:sleep(pause) end
      local t0 = now()
      run.run = client:run()
      run.took = now() - t0
    end)
  end
  local t0 = now()
  out.done = client:run(args.timeout)
  out.took = now() - t0
  for _, thread in ipairs(threads) do ngx.thread.kill(thread) end
  return out
end

--- A thread of client:spawn that yields by itself (a bare coroutine.yield, `values` given to it) before
-- and between two blocking calls: what the yields returned, the calls' outcomes, what pending() said
-- after the spawn, and run's answer.
function M.spawn_yield(settings, args)
  local client = new_client(settings, args)
  local out = { yields = {}, calls = {} }
  client:spawn(function()
    out.yields[1] = { n = select("#", coroutine.yield(unpack(args.values or {}))) }
    out.calls[1] = M.outcome(client:view_templates(nil))
    out.yields[2] = { n = select("#", coroutine.yield()) }
    out.calls[2] = M.outcome(client:view_templates(nil))
    out.finished = true
  end)
  out.pending_after_spawn = client:pending()
  local t0 = now()
  out.done = client:run(args.timeout)
  out.took = now() - t0
  out.pending_after_run = client:pending()
  return out
end

--- A coroutine of the program's own (coroutine.create) resumed by the program, that makes a blocking call,
-- then an _async call and client:run(): how long resume took (the calls suspend the coroutine until they
-- are done, and resume returns only then), the coroutine's status after it, and the calls' outcomes.
function M.own_coroutine(settings, args)
  local client = new_client(settings, args)
  local out = {}
  local co = coroutine.create(function()
    local blocking = M.outcome(client:view_templates(nil))
    local async
    client:view_templates_async(nil, function(b, res) async = M.outcome(b, res) end)
    local done = client:run(args.timeout)
    return blocking, async, done
  end)
  local t0 = now()
  local ok, blocking, async, done = coroutine.resume(co)
  out.took = now() - t0
  out.resumed_ok, out.status = ok, coroutine.status(co)
  if not ok then
    out.err = tostring(blocking)
  else
    out.blocking, out.async, out.run_done = blocking, async, done
  end
  out.pending_after = client:pending()
  return out
end

--- Sends from a timer (the request that schedules it answers at once); `collect` reads the outcome.
function M.timer(settings, args)
  local ok, err = ngx.timer.at(0, function(premature)
    if premature then return end
    local out = M.call(settings, args)
    ngx.shared.results:set("timer:" .. args.key, cjson.encode(out))
  end)
  return { scheduled = ok and true or false, err = err }
end

function M.collect(_, args)
  local text = ngx.shared.results:get(args.key)
  return { found = text ~= nil, value = text and cjson.decode(text) or nil }
end

--- What the calls from nginx's phases reported (see phases.lua).
function M.phases()
  local out = {}
  for _, key in ipairs(ngx.shared.results:get_keys(0)) do
    local phase = key:match("^phase:(.+)$")
    if phase then out[phase] = cjson.decode(ngx.shared.results:get(key)) end
  end
  return out
end

--- Which transport a client made here gets, with and without asking.
function M.transport(settings, args)
  local chosen = new_client(settings, { options = args.options })
  return { name = chosen.transport.name, accept_encoding = chosen.transport.accept_encoding }
end

--- download_export inside nginx: { url, path, download = {options}, options (the client's), with,
-- raise_at_writing, calls_at_writing }. Returns the info or the error, the progress events, the
-- on_attempt reports (`hooks`) and the seconds the call took (`took`). `calls_at_writing`: the first
-- "writing" event makes a blocking get_segments, a get_segments_async and a view_templates in
-- client:spawn; their outcomes are in `calls`, once client:run has driven them.
function M.download(settings, args)
  local hooks = {}
  local client = new_client(settings, args, hooks)
  ngx.update_time()
  local started = ngx.now()
  local events, calls = {}, nil
  local options = { sleep = function() end }
  for k, v in pairs(args.download or {}) do options[k] = v end
  options.progress = function(event)
    events[#events + 1] = { phase = event.phase, bytes = event.bytes, total = event.total }
    if args.raise_at_writing and event.phase == "writing" then error("cancelled by the user", 0) end
    if args.calls_at_writing and event.phase == "writing" and not calls then
      calls = { blocking = M.outcome(client:get_segments(nil)) }
      client:get_segments_async(nil, function(body, res) calls.async = M.outcome(body, res) end)
      client:spawn(function() calls.spawned = M.outcome(client:view_templates(nil)) end)
    end
  end
  local ok, info, err = pcall(client.download_export, client, args.url, args.path, options)
  if calls then calls.run = client:run(5) end
  client:close()
  ngx.update_time()
  local took = ngx.now() - started
  if not ok then return { raised = tostring(info), events = events } end
  if not info then
    return { ok = false, kind = err.kind, reason = err.reason, attempts = err.attempts, text = tostring(err),
      events = events, hooks = hooks, took = took }
  end
  return { ok = true, bytes = info.bytes, status = info.status, events = events, hooks = hooks, took = took,
    calls = calls }
end

return M
