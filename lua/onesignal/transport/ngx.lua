--- The cosocket transport, for OpenResty / nginx with ngx_lua (LuaJIT): HTTP/1.1 over `ngx.socket.tcp`,
-- non-blocking for nginx's event loop, with the same requests, results and retry policy as the libcurl
-- transport (see docs/design.md).
--
-- A blocking call (`request`) runs in the caller's coroutine; cosockets suspend it while nginx serves
-- others. `submit` runs the request in a light thread (`ngx.thread.spawn`) and `poll` hands finished
-- results to their callbacks. Threads belong to the request (or timer) that started them, so the
-- queue of finished results is kept per request: a client shared by a whole worker serves concurrent
-- requests without one of them running another's callbacks.
-- @module onesignal.transport.ngx

local core = require("onesignal.core")
local request = require("onesignal.request")
local usage = require("onesignal.usage")
local target_of = require("onesignal.transport.ngx_target")
local body = require("onesignal.transport.ngx_body")
local send = require("onesignal.transport.ngx_send")
local closed = require("onesignal.response").closed

local M = {}
local Transport = {}
Transport.__index = Transport

-- Other light threads and requests run while one waits: any of them may close the client meanwhile
-- (client.lua's drive_for then looks for that as it waits).
Transport.others_run = true

local unpack = table.unpack or unpack

-- Keys stay out of the transport table, so printing or dumping it shows none.
local secrets = setmetatable({}, { __mode = "k" })

-- Phases in which ngx_lua allows cosockets (and light threads, semaphores and ngx.sleep).
local COSOCKET_PHASES = {
  rewrite = true, server_rewrite = true, access = true, content = true, timer = true,
  ssl_cert = true, ssl_session_fetch = true, ssl_client_hello = true, preread = true,
}

local KEEPALIVE = 60 -- seconds an idle connection stays in nginx's pool

local function lua_module_version()
  local v = ngx.config.ngx_lua_version or 0
  return string.format("ngx_lua/%d.%d.%d", math.floor(v / 1000000), math.floor(v / 1000) % 1000, v % 1000)
end

local warned_insecure = false

--- Whether this Lua runs inside nginx with ngx_lua's cosocket API.
function M.available()
  return type(ngx) == "table" and type(ngx.config) == "table" and ngx.config.ngx_lua_version ~= nil
    and type(ngx.socket) == "table" and ngx.socket.tcp ~= nil
end

local function check_available()
  if not M.available() then
    usage.raise("onesignal.new: transport \"ngx\" needs OpenResty / nginx with ngx_lua (cosockets)")
  end
end

--- The User-Agent this transport sends: the caller's product (optional) first, then this library and ngx_lua.
-- (A dry run asks for it, and is refused outside nginx as a client that sends would be.)
function M.user_agent(custom)
  check_available()
  return request.user_agent(custom, lua_module_version())
end

--- Makes the transport for a resolved configuration (see onesignal.config). Creating it does no I/O, so
-- it may happen in any phase, init_by_lua included; sending needs a phase with cosockets.
function M.new(cfg)
  check_available()
  if cfg.proxy then
    usage.raise("onesignal.new: option 'proxy' is not supported by the ngx transport (cosockets connect directly)")
  end
  if cfg.http_version == "2-prior-knowledge" then
    usage.raise("onesignal.new: the ngx transport speaks HTTP/1.1 only; http_version \"2-prior-knowledge\""
      .. " needs the curl transport")
  end
  local target, problem = target_of.parse(cfg.base_url, not cfg.insecure)
  if not target then usage.raise("onesignal.new: " .. problem) end
  if cfg.insecure and not warned_insecure then
    -- Once per worker, as the C core warns once per process: a warning per client would drown the log.
    warned_insecure = true
    ngx.log(ngx.WARN, "onesignal: TLS certificate verification is off (insecure = true); anyone between this"
      .. " worker and the API can read and change the traffic, keys included")
  end
  if cfg.ca_file then
    -- Cosockets trust what nginx.conf says; a file named here would be a false sense of pinning.
    ngx.log(ngx.WARN, "onesignal: option 'ca_file' has no effect on the ngx transport; nginx verifies"
      .. " certificates against lua_ssl_trusted_certificate")
  end
  local self = setmetatable({
    name = "ngx",
    base_url = cfg.base_url,
    target = target,
    settings = {
      timeout = cfg.timeout, connect_timeout = cfg.connect_timeout, max_retries = cfg.max_retries,
      retry_base_delay = cfg.retry_base_delay, retry_max_delay = cfg.retry_max_delay,
      max_body = cfg.max_body_size, keepalive = KEEPALIVE, pool_size = cfg.max_concurrency,
    },
    lines = request.HEADERS,
    body_lines = request.BODY_HEADERS,
    user_agent = M.user_agent(cfg.user_agent),
    accept_encoding = body.accept_encoding(),
    hook = cfg.on_attempt,
    hold_429_until = 0, -- see hold_429 (M.now's clock)
    state_key = {},   -- this transport's entry in ngx.ctx
    fallback = nil,   -- its per-request state where ngx.ctx is unavailable
    closed = false,
  }, Transport)
  secrets[self] = { rest = cfg.rest_api_key, organization = cfg.organization_api_key }
  return self
end

--- Removes this client's keys from text that came from outside.
function Transport:redact(text)
  local keys = secrets[self]
  return core.redact(text, keys.rest, keys.organization)
end

-- Refuses, with the way out, to send where nginx has no cosockets: libcurl there would block the worker.
local function check_phase(what)
  local phase = ngx.get_phase()
  if not COSOCKET_PHASES[phase] then
    usage.raise(what .. ": nginx allows no network I/O (cosockets) in the " .. phase
      .. " phase; send from rewrite_by_lua, access_by_lua or content_by_lua, or from a timer: "
      .. "ngx.timer.at(0, function(premature) ... end)")
  end
end

local function name_of(req) return "onesignal." .. tostring(req.operation or "request") end

local function authorization(self, req)
  local credential = req.credential
  if credential == nil then return nil end
  local key = secrets[self][credential]
  if not key then error("onesignal.ngx: this client has no " .. tostring(credential) .. " key", 0) end
  return "Authorization: Key " .. key
end

-- Runs the call; an error inside (a bug, or memory) still ends in a result rather than a lost callback.
-- `progress`: see ngx_send.run.
local function run(self, req, progress)
  if self.closed then return closed(0, false, 0) end
  local ok, result = pcall(function() return send.run(self, req, authorization(self, req), progress) end)
  if ok then return result end
  return { status = 0, body = "", attempts = 1, replayed = false, error = "other",
    message = self:redact("internal error: " .. tostring(result)), maybe_sent = true, elapsed = 0 }
end

--- Seconds left of the hold that 429 answers to requests marked `note_429` (create_notification's) asked for, or
-- nil: none. ngx_send notes the latest end of those waits on the transport (per client, not per nginx
-- request: the limit is the app's), as the C engine does for libcurl.
function Transport:hold_429()
  local left = self.hold_429_until - send.now()
  if left > 0 then return left end
  return nil
end

--- Sends and waits. The caller's coroutine is suspended, never the nginx worker.
function Transport:request(req)
  check_phase(name_of(req))
  return run(self, req)
end

-- The state of a request (or timer): results waiting for `poll` (ready, head, tail), requests and spawned
-- threads still running, the threads of requests (by id), the coroutines of spawned threads, those of
-- requests (`calls`, whose hook runs in them), the errors of spawned threads not yet raised, and those of
-- the spawned and call threads waiting in client:run (`in_run`: how many runs deep, see enter_run).
local function new_state()
  return { ready = {}, head = 1, tail = 0, running = 0, threads = {},
    spawned = setmetatable({}, { __mode = "k" }), calls = setmetatable({}, { __mode = "k" }), failures = {},
    in_run = setmetatable({}, { __mode = "k" }) }
end

-- The state of the current request (or timer).
local function state(self)
  local ok, ctx = pcall(function() return ngx.ctx end)
  local st
  if ok and ctx then
    st = ctx[self.state_key]
    if not st then
      st = new_state()
      ctx[self.state_key] = st
    end
  else
    self.fallback = self.fallback or new_state()
    st = self.fallback
  end
  return st
end

-- A spawned thread's error is raised by the request's own poll or run, never inside another spawned
-- thread: that one (polling within client:sleep or send_many) would take it for its own.
local function in_spawned_thread(st)
  return st.spawned[coroutine.running()] == true
end

-- Wakes every coroutine of the request waiting in poll, not one: the first to run hands out what is ready,
-- and the others return having run nothing, their callers looking again at what they wait for. Woken one
-- at a time, a waiter whose result another's poll handed out (an outer run, waiting too, took the wake-up)
-- slept on for the rest of its timeout. With nobody waiting the post stays, for the next poll to take.
-- (count() is the posts not taken less the coroutines waiting.) `only_waiting`: no post stays for a later
-- poll, which has nothing new to hand out (see enter_run).
local function signal(st, only_waiting)
  local semaphore = st.semaphore
  if semaphore then
    local count = semaphore:count()
    if count < 0 then
      semaphore:post(-count)
    elseif not only_waiting then
      semaphore:post(1)
    end
  end
end

local function push(st, entry)
  st.tail = st.tail + 1
  st.ready[st.tail] = entry
  signal(st)
end

local next_id = 0

--- Starts a request in a light thread; `callback(result)` runs inside a later `poll`.
function Transport:submit(req, callback)
  check_phase(name_of(req))
  local st = state(self)
  next_id = next_id + 1
  local id = next_id
  local finished = false
  local progress = { attempts = 0 }
  st.running = st.running + 1
  local thread, err = ngx.thread.spawn(function()
    st.calls[coroutine.running()] = true
    local result = run(self, req, progress)
    result.id = id
    finished = true
    st.threads[id] = nil
    if st.abandoned and st.abandoned[id] then return end -- close answered it, and counted it out
    st.running = st.running - 1
    push(st, { result = result, callback = callback })
  end)
  if not thread then
    st.running = st.running - 1
    error("onesignal: could not start a light thread: " .. tostring(err), 0)
  end
  -- The thread may have finished already (a refused connection needs no waiting).
  if not finished then st.threads[id] = { thread = thread, callback = callback, progress = progress } end
  return id
end

-- A spawned thread's error as poll raises it: a message (a string, a number, nil) with the thread's
-- traceback, an error object as it is (as on libcurl, client.lua's resume). LuaJIT's debug.traceback hands
-- nil back as it is, which the list of failures could not hold: the failure was lost, run went on as if
-- the thread had ended well.
local function with_traceback(problem)
  if problem == nil then problem = "nil" end
  return debug.traceback(problem, 1) -- (a tail call: the traceback starts where the error was raised)
end

--- Runs `fn(...)` in a light thread: its calls suspend only that thread. Errors inside it are raised by
-- the next `poll`: a message with the thread's traceback, an error object as it is. Returns the thread.
function Transport:spawn(fn, ...)
  check_phase("onesignal.spawn")
  local st = state(self)
  local args = { n = select("#", ...), ... }
  st.running = st.running + 1
  local thread, err = ngx.thread.spawn(function()
    st.spawned[coroutine.running()] = true
    local ok, problem = xpcall(function() return fn(unpack(args, 1, args.n)) end, with_traceback)
    st.running = st.running - 1
    if ok then
      push(st, {})
    else
      -- Logged too: a caller that never polls again would otherwise never hear of it. The log, unlike the
      -- caller, gets it with the client's keys removed, as every line this library logs.
      ngx.log(ngx.ERR, "onesignal: a thread run by client:spawn failed: ", self:redact(tostring(problem)))
      st.failures[#st.failures + 1] = problem
      signal(st)
    end
  end)
  if not thread then
    st.running = st.running - 1
    error("onesignal: could not start a light thread: " .. tostring(err), 0)
  end
  return thread
end

-- The longest wait ngx.semaphore takes: it passes the ms to C as an int, and 2^31 ms or more wrapped
-- round into a wait that ended at once. A poll may end before its timeout anyway.
local LONGEST_WAIT = (2 ^ 31 - 1) / 1000

local function wait(st, timeout)
  if timeout > 0 then
    if not st.semaphore then st.semaphore = require("ngx.semaphore").new(0) end
    -- In whole ms, rounded up: the semaphore cuts off the rest, and a wait cut to 0 returns at once
    -- without yielding, so the last fraction of a ms of client:run(timeout) was a loop of such polls.
    st.semaphore:wait(math.min(math.ceil(timeout * 1000) / 1000, LONGEST_WAIT))
  else
    -- Let the threads move even when called in a loop with timeout 0.
    ngx.sleep(0)
  end
end

-- Runs the callbacks of the finished requests, in the order they finished; returns how many ran.
local function deliver(st)
  local semaphore, ran = st.semaphore, 0
  while st.head <= st.tail do
    local head = st.head
    local entry = st.ready[head]
    st.ready[head] = nil
    st.head = head + 1
    ran = ran + 1
    if semaphore and semaphore:count() > 0 then semaphore:wait(0) end -- this entry's post
    if entry.callback then entry.callback(entry.result) end
  end
  return ran
end

--- Waits at most `timeout` seconds (default 0) for requests to finish, then runs the callbacks of the
-- finished ones. Returns how many callbacks ran (finished spawned threads count too). Results left over
-- by a callback that raised run first.
function Transport:poll(timeout)
  timeout = timeout or 0
  local st = state(self)
  local raises = not in_spawned_thread(st)
  if st.head > st.tail and st.running > 0 and not (raises and st.failures[1]) then wait(st, timeout) end
  local semaphore = st.semaphore
  if raises and st.failures[1] then
    if semaphore and semaphore:count() > 0 then semaphore:wait(0) end -- its post
    -- An error value that is no string (an error object) is raised as it is, as on libcurl (client.lua).
    local problem = table.remove(st.failures, 1)
    if type(problem) ~= "string" then error(problem, 0) end
    error("onesignal: a thread run by client:spawn failed: " .. problem, 0)
  end
  return deliver(st)
end

--- Requests (and spawned threads) of the current request not yet handed to `poll`, and the errors of
-- spawned threads that this coroutine's `poll` would raise. The thread calling, when it is one of them (a
-- spawned thread, or a request's running its on_attempt hook), is left out: it cannot finish while it
-- waits, and `run` there would wait for itself for ever. So are, for such a thread, the others of them
-- that wait in client:run themselves (enter_run): each would wait for the other for ever.
function Transport:pending()
  local st = state(self)
  local co = coroutine.running()
  local spawned = st.spawned[co] == true
  local itself = (spawned or st.calls[co]) and 1 or 0
  local failures = spawned and 0 or #st.failures
  local waiting = 0
  if itself == 1 then
    for other in pairs(st.in_run) do
      if other ~= co then waiting = waiting + 1 end
    end
  end
  return st.running - itself - waiting + (st.tail - st.head + 1) + failures
end

--- Called by client:run as it starts. In a spawned thread (or a request's, whose hook calls run) run waits
-- for the requests and for the threads still at work, as on libcurl, where run counts transfers and
-- sleepers, never coroutines; a thread itself waiting in run does no work and is not waited for there (two
-- threads each calling run waited for each other for ever). The request's own run still waits for every
-- thread. Returns what leave_run takes.
function Transport:enter_run()
  local st = state(self)
  local co = coroutine.running()
  if not (st.spawned[co] or st.calls[co]) then return nil end
  local depth = st.in_run[co]
  st.in_run[co] = (depth or 0) + 1
  -- The threads waiting in poll may now have nothing left to wait for: they look again.
  if not depth then signal(st, true) end
  return co
end

--- Called by client:run as it ends, however it ends, with what enter_run returned.
function Transport:leave_run(co)
  if co == nil then return end
  local st = state(self)
  local depth = st.in_run[co]
  if depth then st.in_run[co] = depth > 1 and depth - 1 or nil end
end

--- No descriptor to watch: nginx's event loop drives cosockets.
function Transport.fd() return nil end

--- Seconds until `poll` is worth calling: nil when nothing is pending.
function Transport:timeout()
  if self:pending() == 0 then return nil end
  local st = state(self)
  return st.head <= st.tail and 0 or 0.01
end

--- Waits without blocking the worker (client:sleep outside spawned threads). ngx.sleep counts whole ms,
-- and its timers fire by nginx's cached clock, a little before the monotonic one that client:sleep reads:
-- the sub-ms rest of a wait would be ngx.sleep(0), again and again until that clock caught up (a warning
-- each time where nginx lacks OpenResty's delayed-events patch). Rounded up, the rest is one 1 ms timer.
function Transport.sleep(_, seconds)
  check_phase("onesignal.sleep")
  ngx.sleep(math.ceil(seconds * 1000) / 1000)
end

-- A dry-run client inside nginx sends nothing but waits as this transport does (client:sleep, send_many's
-- rate): client.lua gives its stand-in transport these two, or it would sleep in C, holding the worker.
M.sleep, M.others_run = Transport.sleep, Transport.others_run

--- Closes the client: later calls fail with reason "closed", and the requests this request (or timer)
-- still has running are abandoned: their callbacks run now with reason "closed", after those of the
-- results that had finished. Calls running in other
-- threads (client:spawn, other requests) start no further attempt and end with reason "closed" too
-- (ngx_send). So does the request whose on_attempt hook closes the client, in whose thread this runs:
-- it goes on to its end (its answer, when the attempt reported was its last), as a blocking call does.
-- Kept-alive connections stay in nginx's pool, which closes them when idle.
function Transport:close()
  self.closed = true
  local ok, st = pcall(state, self)
  if not ok then return end
  st.abandoned = st.abandoned or {}
  local ids, me = {}, coroutine.running()
  for id, entry in pairs(st.threads) do
    if entry.thread ~= me then ids[#ids + 1] = id end
  end
  table.sort(ids)
  for _, id in ipairs(ids) do
    local entry = st.threads[id]
    st.threads[id] = nil
    st.abandoned[id] = true
    st.in_run[entry.thread] = nil -- its hook's run ends with it
    -- A name lookup under way ends too: its thread is not this one's to kill (ngx_exchange).
    local attempt = entry.progress.exchange
    if attempt and attempt.abort then
      attempt.closing = true
      attempt.abort:post(1)
    end
    -- Only the coroutine that spawned a thread may kill it; any other finishes unheard. Either way it is
    -- no longer pending: its callback gets "closed" now, and run must not wait for it. Nor is it a call's
    -- thread any more, which pending would leave out a second time when its last hook asks.
    ngx.thread.kill(entry.thread)
    st.running = st.running - 1
    st.calls[entry.thread] = nil
    local result = closed(entry.progress.attempts, send.may_have_sent(entry.progress), 0)
    result.id = id
    push(st, { result = result, callback = entry.callback })
  end
  -- Results that finished before the close get their callbacks now too, as on libcurl: a program that
  -- closed its client may never poll it again. Not through poll, which would first raise a spawned
  -- thread's failure that waits for the next poll or run, and leave these callbacks for that one.
  deliver(st)
end

return M
