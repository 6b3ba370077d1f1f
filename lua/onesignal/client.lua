--- The client that `onesignal.new` returns, and its methods.
--
-- One generic dispatcher turns every row of the operations table into methods (the
-- @{operations.md|Operations} page lists them all with their arguments):
--
--     client:<operation>(...)           -- blocking (in client:spawn, suspends)
--     client:<operation>_async(..., cb) -- non-blocking: poll runs cb
--     client:call(name, ...)            -- by name; and client:call_async
--
-- A call returns `body, response`: the decoded JSON answer (a table; JSON `null` is `onesignal.null`) and
-- `{ status, headers, attempts, replayed, idempotency_key, elapsed }`; or `nil, err` when it failed (the
-- @{onesignal.errors} page describes `err`). An `_async` call's callback gets the same. A mistake in
-- calling (a missing or wrongly typed argument, an unknown option, a body JSON cannot carry) raises a Lua
-- error at the caller's line instead, before anything is sent. Below, `Client:name` stands for the method
-- `client:name(...)` of any client.
-- @module onesignal.client

local operations = require("onesignal.operations")
local request = require("onesignal.request")
local response = require("onesignal.response")
local config = require("onesignal.config")
local usage = require("onesignal.usage")
local core = require("onesignal.core")
local json = require("onesignal.json")
local quote = require("onesignal.quote")
local order = require("onesignal.order")
local sleepers = require("onesignal.sleepers")

local getmetatable = getmetatable

-- The spawned coroutines' waits and wakes (onesignal.sleepers), as locals: poll and a call in a coroutine
-- pay no table lookup for them.
local resume, waiter = sleepers.resume, sleepers.waiter
local wake_due, end_paces = sleepers.wake_due, sleepers.end_paces
local seconds_to_first_wake = sleepers.seconds_to_first_wake

local M = {}
local Client = {}

-- The coroutine run by this client's `spawn` that is running, if it can yield here. Lua code that C
-- called (string.gsub's replacement function, table.sort's comparator, ...) cannot: a call there blocks,
-- as in a coroutine the client did not start, rather than send its request and then fail to yield.
-- A client that never spawned (root.has_spawned) has none: then no coroutine.running per call.
local function in_spawned(self)
  local root = self.root
  if not root.has_spawned then return nil end
  local co, main = coroutine.running()
  if not main and root.spawned[co] and coroutine.isyieldable() then return co end
  return nil
end

-- Inside nginx (ngx_lua) the cosocket transport is the default whatever the phase the client is made
-- in: a libcurl call would block the whole worker. Where nginx allows no cosockets (init_by_lua, filters,
-- log_by_lua) that transport raises a clear error at call time rather than blocking.
-- Returns the transport's module (a dry run describes what that transport would send).
local function choose_transport(cfg)
  local name = cfg.transport
  if not name then
    local inside_nginx = type(ngx) == "table" and type(ngx.config) == "table" and ngx.config.ngx_lua_version ~= nil
    name = inside_nginx and "ngx" or "curl"
  end
  return require("onesignal.transport." .. name)
end

--- For code that waits for callbacks (client:send_many): inside a coroutine run by this client's `spawn`
-- returns its `wait([seconds])` and `wake` (onesignal.sleepers' waiter); elsewhere returns nothing, and the
-- caller drives the client with `poll` instead.
-- @local
function Client:_waiter()
  local co = in_spawned(self)
  if not co then return nil end
  local wait, wake = waiter(self.root.sleepers, co)
  local transport = self.transport
  -- Once the client is closed every request it is given is answered at once, but the libcurl transport
  -- holds the answers for the next poll, which a program that closed its client never makes: hand them
  -- out here instead of suspending for ever (the callbacks wake nobody: nothing is parked). Nor is
  -- there anything left to wait `seconds` for: what is paced now fails at once.
  return function(seconds)
    if transport.closed then self:poll(0) else wait(seconds) end
  end, wake
end

--- Sends a built request and returns the transport's raw `result` (docs/design.md). Inside a coroutine
-- run by this client the request goes out non-blocking and the coroutine waits for it; elsewhere it blocks.
-- @local
function Client:_perform(req)
  local transport = self.transport
  -- (in_spawned looks at has_spawned first too; asked here, the usual blocking call makes no call for it)
  local co = self.root.has_spawned and in_spawned(self)
  -- A closed client answers "closed" at once and sends nothing, so there is nothing to wait for. Through
  -- submit the libcurl transport would hold that answer for the next poll, which a program that closed
  -- its client never makes: the coroutine would stay suspended for ever.
  if not co or transport.closed then return transport:request(req) end
  local wait, wake = waiter(self.root.sleepers, co)
  local result
  -- A transport may call back before submit returns (the cosocket transport, whose thread runs at once,
  -- when nothing makes it wait): then there is nothing to wait for. The libcurl transport never does.
  transport:submit(req, function(r)
    result = r
    wake()
  end)
  if result == nil then wait() end
  return result
end

-- `client.op(...)` for `client:op(...)` makes the first argument the client: a body table would then be
-- "required" although given, an app_id would shift every argument by one (the error naming the wrong one)
-- and nil would fail inside the library. Said as it is instead, before anything else is looked at.
local function wrong_self(name)
  usage.raise("onesignal." .. name .. ": called with '.' instead of ':' (write client:" .. name .. "(...))")
end

-- (`suffix` is joined to the name only then: an _async call makes no string when all is well.)
local function check_self(self, name, suffix)
  if getmetatable(self) ~= Client then wrong_self(name .. (suffix or "")) end
end

-- Builds the request into `req` (nil: a new table; see request.build_into), raising a usage error at the
-- caller's line. (invoke writes the same two lines inline: through this vararg function a blocking call
-- cost ~1 k instructions more.)
local function build(self, req, op, n, ...)
  local ok, built = pcall(request.build_into, req, op, self, n, ...)
  if not ok then usage.rethrow(built, self.redact) end
  return built
end

local build_into = request.build_into
local release, LARGE = json.release, json.LARGE

-- A call is done with its request's body: a large text is freed now (json.release), not when the
-- collector, which does not see its size, gets to it. Asked by its length, which costs a string body no
-- call into C.
local function release_body(req)
  local text = req.body
  if text and #text >= LARGE then release(text) end
end

-- A dry run's answer to a built request: its description, or once the client is closed what a closed
-- client answers (error "closed", nothing sent), as the real transports do, marked `dry_run` as every
-- other result of a dry run is.
local function dry_answer(self, req)
  if self.transport.closed then
    release_body(req)
    local _, err = response.finish(req, response.closed(0, false, 0), self.redact)
    err.dry_run = true
    return nil, err
  end
  return self.dry_run(req)
end

-- Builds the request, sends it and returns what the call returns.
-- A client without overrides builds its request in the table of its previous call (`self.spare[1]`)
-- rather than a new one each time. The table is taken out while the call runs: a call that starts
-- meanwhile on the same client (from a hook, a finalizer, another coroutine or nginx thread) builds in a
-- table of its own instead of overwriting this one. It goes back once the call is done with it: not in
-- dry-run, whose answer may keep it, and not after an error (the next call makes a new one).
local function invoke(self, op, ...)
  if getmetatable(self) ~= Client then wrong_self(op.name) end -- check_self, inline: every blocking call
  if self.dry_run then return dry_answer(self, build(self, nil, op, select("#", ...), ...)) end
  local spare = not self.overrides and self.spare
  local req = spare and spare[1]
  if req then spare[1] = nil end
  local ok
  ok, req = pcall(build_into, req, op, self, select("#", ...), ...) -- build(), inline (see there)
  if not ok then usage.rethrow(req, self.redact) end
  local body, res = response.finish(req, self:_perform(req), self.redact)
  release_body(req)
  if spare then
    -- An idle client keeps no copy of its last body (up to a megabyte of JSON), nor of its path: a key
    -- passed as a path or query value would show in a dump of the client (the next call sets both).
    req.body, req.path = nil, nil
    spare[1] = req
  end
  return body, res
end

--- Starts a built request; `callback(body, response)` or `callback(nil, err)` runs in a later `poll`
-- (at once in dry-run). Used by the `_async` methods and by send_many.
-- @local
function Client:_submit(req, callback)
  if self.dry_run then
    callback(dry_answer(self, req))
    return
  end
  local redact = self.redact
  self.transport:submit(req, function(result)
    release_body(req)
    callback(response.finish(req, result, redact))
  end)
end

local function invoke_async(self, op, ...)
  check_self(self, op.name, "_async")
  local n = select("#", ...)
  local callback = n > 0 and select(n, ...) or nil
  if type(callback) ~= "function" then
    usage.raise("onesignal." .. op.name .. "_async: the last argument must be a callback function")
  end
  self:_submit(build(self, nil, op, n - 1, ...), callback)
  return true
end

-- One closure per operation and flavour, shared by all clients. Names that are no operation are
-- remembered as `false`: optional fields of a client (app_id, overrides, …) are read on every call, and a
-- miss must stay cheap.
local methods = {}
local function method_for(name)
  local method = methods[name]
  if method ~= nil then return method end
  local op = operations.by_name[name]
  if op then
    method = function(self, ...) return invoke(self, op, ...) end
  else
    op = operations.by_name[name:match("^(.+)_async$") or ""]
    method = op and function(self, ...) return invoke_async(self, op, ...) end or false
  end
  methods[name] = method
  return method
end

-- A client's fields, then Client's own methods, then the operations: the first call of an operation
-- stores its method in Client, so later calls find it by a plain table lookup.
Client.__index = Client
setmetatable(Client, { __index = function(_, name)
  if type(name) ~= "string" then return nil end
  local method = method_for(name)
  if not method then return nil end
  rawset(Client, name, method)
  return method
end })

local function lookup(self, how, name)
  local op = type(name) == "string" and operations.by_name[name]
  if not op then usage.raise("onesignal." .. how .. ": unknown operation '" .. quote.name(name, self.redact) .. "'") end
  return op
end

--- Operations by name.
-- Every operation is a method of its own (`client:get_user(...)`, `client:get_user_async(..., cb)`; the
-- @{operations.md|Operations} page lists them); these two take its name as a string instead, for code that
-- picks the operation at run time.
-- @section by_name

--- Calls an operation by name: `client:call("get_user", app_id, "external_id", "u-1")` is
-- `client:get_user(app_id, "external_id", "u-1")`. An unknown name raises.
-- @string name the operation's name (one of `onesignal.operations`)
-- @param ... the operation's arguments
-- @return `body, response`, or `nil, err`
function Client:call(name, ...)
  return invoke(self, lookup(self, "call", name), ...)
end

--- Starts an operation by name, as its `_async` method does: the last argument is the callback, which gets
-- `body, response` or `nil, err` in a later `poll` (in a dry run at once, inside this call).
-- @string name the operation's name
-- @param ... the operation's arguments, then the callback
-- @return true
function Client:call_async(name, ...)
  return invoke_async(self, lookup(self, "call_async", name), ...)
end

local function check_seconds(what, value)
  local problem = config.seconds_problem(value)
  if problem then usage.raise("onesignal." .. what .. " " .. problem) end
end

local function blocking_sleep(transport, seconds)
  if transport.sleep then return transport:sleep(seconds) end
  return core.sleep(seconds)
end

-- run, sleep and close cannot drive (or end) the client where it is being driven: from the libcurl
-- transport's on_attempt hook, or a download's progress function. Refused at the caller's line, naming the
-- method called (they would reach the engine as its poll) and what works there. poll is refused by the
-- transport itself (libcurl: its core, through set_refusal), so that once a tick it costs nothing.
local function check_can_drive(self, name)
  local can, in_hook = self:_can_drive()
  if not can then usage.cannot_drive(name, in_hook) end
end

--- Driving the client.
-- Callbacks, coroutines and outside event loops. A non-blocking call's callback and a sleeping
-- coroutine's wake-up run only while the client is driven: in `poll` and `run`, in `sleep` outside a
-- coroutine, in `close`, and in a blocking `send_many`. Inside `spawn` the ordinary blocking calls suspend
-- the coroutine instead of blocking. README, "Non-blocking calls, coroutines and bulk sends", has examples.
-- @section driving

--- Drives requests, retry timers, callbacks and sleeping coroutines. Waits at most `timeout` seconds for
-- something to finish; returns at once when nothing is pending. An error raised by a callback comes out of
-- `poll` (the other finished requests stay queued for the next one), and so does one raised inside a
-- coroutine that `poll` resumed.
-- @number[opt=0] timeout seconds to wait at most (0: return at once)
-- @treturn integer how many callbacks ran and coroutines woke
function Client:poll(timeout)
  if timeout == nil then timeout = 0 else check_seconds("poll: argument 'timeout'", timeout) end
  local sleeping, transport = self.root.sleepers, self.transport
  local ended = 0
  if transport.closed then ended = end_paces(sleeping) end
  local wake_in = seconds_to_first_wake(sleeping)
  if wake_in and wake_in < timeout then timeout = wake_in end
  local ran
  if wake_in and timeout > 0 and transport:pending() == 0 then
    -- Only sleepers: the transport would return at once, so wait here until the first is due.
    blocking_sleep(transport, timeout)
    ran = 0
  else
    ran = transport:poll(timeout)
  end
  return ran + ended + wake_due(sleeping)
end

-- Client:run's loop, once its arguments are checked.
local function run_until_done(self, timeout)
  local started, polled = core.monotonic(), false
  while self:pending() > 0 do
    local wait = 1
    if timeout then
      local left = timeout - (core.monotonic() - started)
      if left <= 0 then
        if polled then return false end
        left = 0
      end
      if left < wait then wait = left end
    end
    self:poll(wait)
    polled = true
  end
  return true
end

--- Drives the client until nothing is pending, or until `timeout` seconds have passed. It polls at least
-- once, so `run(0)` hands out what has finished, as `poll(0)` would.
-- @number[opt] timeout seconds at most (none: until nothing is pending)
-- @treturn boolean true when nothing is pending any more, false when `timeout` ran out first
function Client:run(timeout)
  if timeout ~= nil then check_seconds("run: argument 'timeout'", timeout) end
  check_can_drive(self, "run")
  local transport = self.transport
  if not transport.enter_run then return run_until_done(self, timeout) end
  -- The cosocket transport counts threads as pending: it is told which of them wait in run (enter_run).
  local marked = transport:enter_run()
  local ok, done = pcall(run_until_done, self, timeout)
  transport:leave_run(marked)
  if not ok then error(done, 0) end
  return done
end

--- How much is pending: the requests started and not yet handed to their callback or coroutine, plus the
-- coroutines asleep in `client:sleep` or waiting in `send_many` for a `rate` token or for a 429's hold to end.
-- @treturn integer
function Client:pending()
  return self.transport:pending() + self.root.sleepers.asleep
end

--- For outside event loops (luv, cqueues): a descriptor that becomes readable when any connection has
-- something to do. Watch it, arm a timer from `client:timeout()`, and call `client:poll(0)` when either
-- fires (then arm the timer again). The descriptor (an epoll set) stays the same for the client's whole
-- life, whatever connections come and go behind it; `close` closes it, so stop watching it first.
-- @treturn ?integer the descriptor; nil in builds without epoll, under OpenResty's cosockets (nginx drives
-- them), in a dry run and once the client is closed: then `client:timeout()` alone says when to poll
function Client:fd()
  if self.transport.fd then return self.transport:fd() end
  return nil
end

--- For outside event loops: the seconds until `poll` is due anyway, whatever the descriptor of `client:fd()`
-- says: the engine's next timer (libcurl's timeouts, retry backoff) or the first sleeping coroutine's
-- wake-up, whichever is sooner.
-- @treturn ?number seconds; 0 when finished requests wait to be handed out; nil when nothing is pending (a
-- closed client: once nothing is left to hand out). Where there is no descriptor, at most 0.01 while
-- requests are on the wire, since nothing else tells the loop that an answer came.
function Client:timeout()
  local transport = self.transport
  local t = transport.timeout and transport:timeout() or nil
  local wake_in = seconds_to_first_wake(self.root.sleepers)
  if wake_in and (t == nil or wake_in < t) then t = wake_in end
  return t
end

--- Runs `fn(...)` in a coroutine in which the ordinary blocking calls (and `send_many` and `sleep`)
-- suspend instead of blocking; `poll` or `run` drive it. It runs at once until its first request. An
-- error inside it is raised by whatever resumed it (spawn, poll, run or close; under OpenResty the next
-- poll or run): a message with the coroutine's traceback, any other value (an error object) as it is.
-- @tparam function fn the function to run
-- @param ... its arguments
-- @treturn thread the coroutine (under OpenResty, the light thread running it)
function Client:spawn(fn, ...)
  if type(fn) ~= "function" then
    usage.raise("onesignal.spawn: argument 'fn' must be a function, got " .. type(fn))
  end
  if self.transport.spawn then return self.transport:spawn(fn, ...) end
  local co = coroutine.create(fn)
  self.root.spawned[co] = true
  self.root.has_spawned = true
  resume(co, ...)
  return co
end

-- How often a wait that ends on close looks whether the client was closed, where something else may close
-- it meanwhile (see drive_for).
local CLOSE_CHECK = 0.05

-- Drives the client for `seconds` (callbacks run), sleeping when nothing is pending. `until_close`: returns
-- early once the client is closed. On libcurl only a callback run by a poll here can close it (with nothing
-- pending nothing runs during the sleep). On the cosocket transport (`others_run`) other light threads and
-- requests run while this one waits, and any of them may close the client without waking it: it looks
-- every CLOSE_CHECK seconds, or it would wait out a whole `rate` token after the close.
local function drive_for(self, seconds, until_close)
  local transport = self.transport
  local due = core.monotonic() + seconds
  while not (until_close and transport.closed) do
    local left = due - core.monotonic()
    if left <= 0 then return end
    if until_close and transport.others_run and left > CLOSE_CHECK then left = CLOSE_CHECK end
    if self:pending() > 0 then self:poll(left) else blocking_sleep(transport, left) end
  end
end

--- Waits `seconds`, letting the client work meanwhile. Inside a coroutine run by `spawn` it suspends that
-- coroutine (others go on) until the first `poll` that ends after it is due; `sleep(0)` lets the others
-- run. Elsewhere it drives this client meanwhile (callbacks run), and sleeps when nothing is pending.
-- @number seconds
function Client:sleep(seconds)
  check_seconds("sleep: argument 'seconds'", seconds)
  local co = in_spawned(self)
  if co then return sleepers.sleep(self.root.sleepers, co, seconds) end
  check_can_drive(self, "sleep")
  drive_for(self, seconds, false)
end

local OVERRIDES = {
  deadline = "number", timeout = "number", max_retries = "integer",
  retry_base_delay = "number", retry_max_delay = "number",
}
-- Their names in the order they are checked in: of several wrong settings the same one is named on every
-- run (see onesignal.order).
local OVERRIDE_NAMES = order.keys(OVERRIDES)

-- Raises unless `v` suits the per-call setting `setting`; `what` names it the way the caller wrote it.
-- The times are checked as onesignal.new checks them (zero would end every request before it starts).
local function check_override(what, setting, v)
  if OVERRIDES[setting] == "number" then
    local problem = config.seconds_problem(v, setting == "deadline" or setting == "timeout")
    if problem then usage.raise(what .. " " .. problem) end
    return
  end
  if type(v) ~= "number" or v ~= math.floor(v) or v < 0 then
    usage.raise(what .. " must be a non-negative integer")
  end
  if v > config.MAX_RETRIES then
    usage.raise(what .. " must be at most " .. config.MAX_RETRIES)
  end
end

--- Per-call settings, and closing.
-- @section settings

--- A client sharing this one's connections, with other per-call settings:
-- `client:with{ deadline = 5 }:create_notification(n)`. The settings it takes are `deadline`, `timeout`,
-- `max_retries`, `retry_base_delay` and `retry_max_delay` (as in `onesignal.new`); the others stay this
-- client's, and `with` on the new client adds to them. This client does not change.
-- @tparam table settings
-- @return the new client
function Client:with(settings)
  if type(settings) ~= "table" then
    usage.raise("onesignal.with: argument 'settings' must be a table, got " .. type(settings))
  end
  local unknown = order.first_unknown(settings, OVERRIDES)
  if unknown ~= nil then
    usage.raise("onesignal.with: unknown setting '" .. quote.key(unknown, self.redact) .. "'")
  end
  local merged = {}
  for k, v in pairs(self.overrides or {}) do merged[k] = v end
  for _, k in ipairs(OVERRIDE_NAMES) do
    local v = settings[k]
    if v ~= nil then
      check_override("onesignal.with: setting '" .. k .. "'", k, v)
      merged[k] = v
    end
  end
  local derived = {}
  for k, v in pairs(self) do derived[k] = v end
  derived.overrides = merged
  return setmetatable(derived, getmetatable(self))
end

-- create_notification_with_retry's options → the client:with settings they set.
local RETRY_OPTIONS = {
  max_retries = "max_retries", base_delay = "retry_base_delay", max_delay = "retry_max_delay", deadline = "deadline",
}
local RETRY_OPTION_NAMES = order.keys(RETRY_OPTIONS)

--- create_notification with explicit retry settings, for parity with the official SDKs. Every call
-- already retries safely; this only changes how much. `response.replayed` tells a replayed answer.
-- @tparam table notification the create_notification body
-- @tparam[opt] table options `max_retries`, `base_delay`, `max_delay` (seconds) and `deadline` (seconds for the
-- whole call): the client's `max_retries`, `retry_base_delay`, `retry_max_delay` and `deadline` for this call
-- @return `body, response`, or `nil, err`, as `client:create_notification` returns them
function Client:create_notification_with_retry(notification, options)
  if options ~= nil and type(options) ~= "table" then
    usage.raise("onesignal.create_notification_with_retry: argument 'options' must be a table")
  end
  options = options or {}
  local unknown = order.first_unknown(options, RETRY_OPTIONS)
  if unknown ~= nil then
    usage.raise("onesignal.create_notification_with_retry: unknown option '" .. quote.key(unknown, self.redact)
      .. "'")
  end
  local settings = {}
  for _, k in ipairs(RETRY_OPTION_NAMES) do
    local v = options[k]
    if v ~= nil then
      local setting = RETRY_OPTIONS[k]
      check_override("onesignal.create_notification_with_retry: option '" .. k .. "'", setting, v)
      settings[setting] = v
    end
  end
  return self:with(settings):create_notification(notification)
end

--- Closes the client's connections, and so every client sharing them (those made by `with`, and the one
-- `with` was called on). Requests that had finished get their answers; the others fail with
-- `err.reason == "closed"`. Their callbacks run now (so coroutines waiting on them resume with the
-- result), and later calls fail the same way. Closing a closed client runs the callbacks still waiting
-- (after one that raised, or of calls made since), as `poll` does. On Lua 5.4 a client is a to-be-closed
-- value: `local client <close> = onesignal.new{...}` closes it when the block ends, an error included.
function Client:close()
  check_can_drive(self, "close")
  if self.transport.close then self.transport:close() end
  end_paces(self.root.sleepers)
end

-- Lua 5.4's to-be-closed variables: `local client <close> = onesignal.new{…}` closes the client when its
-- block ends, by an error too (a client made by :with shares this metatable, and close closes the root's
-- transport, as :close does).
Client.__close = Client.close

--- Whether the client was closed: from then on every call fails with reason "closed" and sends nothing.
-- @local
function Client:_closed()
  return self.transport.closed == true
end

--- For code that starts requests and then drives the client (a blocking send_many, run, sleep, close):
-- whether it may drive it now, and if not whether because its on_attempt hook runs (else a download's
-- progress function). The libcurl transport cannot while either runs; a transport without the method
-- (the cosocket one, dry-run) always can.
-- @local
function Client:_can_drive()
  local transport = self.transport
  if not transport.can_drive then return true end
  return transport:can_drive()
end

--- For send_many: seconds left of the hold that 429 answers to the client's requests marked `note_429` asked
-- for, or nil when none is left (a closed client, or a transport without the method: dry-run, holds none).
-- @local
function Client:_hold_429()
  local transport = self.transport
  if transport.closed or not transport.hold_429 then return nil end
  return transport:hold_429()
end

--- For blocking code that waits only to pace requests (send_many's rate, with nothing in flight): drives
-- the client for `seconds` as `client:sleep` does, except that it ends when the client is closed (at once
-- on a closed client). Inside `spawn` the waiter's `wait(seconds)` does this job.
-- @local
function Client:_pace(seconds)
  if self:_closed() then return end
  drive_for(self, seconds, true)
end

-- Methods that live in modules of their own (one concern each) join the client here. Each module
-- returns a table of methods; add a module by adding its name.
local EXTENSIONS = { "onesignal.bulk", "onesignal.pages", "onesignal.exports" }
for _, name in ipairs(EXTENSIONS) do
  for method, fn in pairs(require(name)) do Client[method] = fn end
end

-- Every other public method checks `self` as the operations do (in invoke and invoke_async):
-- `client.poll(0)` failed inside the library with "attempt to index a number value".
for name, fn in pairs(Client) do
  if type(fn) == "function" and not name:find("^_") then
    Client[name] = function(self, ...)
      check_self(self, name)
      return fn(self, ...)
    end
  end
end

--- Makes a client: `onesignal.new` (documented there; README, Configuration, has every option).
-- @local
function M.new(options)
  local ok, cfg = pcall(config.resolve, options)
  if not ok then usage.rethrow(cfg) end
  local self = setmetatable({
    app_id = cfg.app_id,
    base_url = cfg.base_url,
    has_key = { rest = cfg.rest_api_key ~= nil, organization = cfg.organization_api_key ~= nil },
    max_concurrency = cfg.max_concurrency,
    sleepers = sleepers.new(), -- the spawned coroutines asleep, and how many (onesignal.sleepers)
    -- Coroutines started by `spawn` (weak: a finished one is collected). Kept per client, holding `true`:
    -- a module-wide table holding the client would, on LuaJIT (whose weak tables are no ephemerons), keep
    -- every client with a suspended coroutine alive for ever.
    spawned = setmetatable({}, { __mode = "k" }),
    has_spawned = false, -- whether spawn ever added to it (in_spawned looks no further when not)
    -- Read on every call: present (false) rather than absent, so the read stays a plain table hit.
    overrides = false,
    dry_run = false,
    spare = {}, -- the request table blocking calls reuse (see invoke)
    -- The per-attempt timeout (seconds): exports.lua makes it a download's idle limit.
    attempt_timeout = cfg.timeout,
  }, Client)
  self.root = self
  if cfg.deadline then self.overrides = { deadline = cfg.deadline } end
  if cfg.dry_run then
    local module = choose_transport(cfg)
    self.dry_run, self.redact = require("onesignal.dry_run").new(cfg, module)
    -- Nothing to send, so nothing pending; closed, it answers as a closed client does (dry_answer). It
    -- waits as the transport it stands for does (inside nginx ngx.sleep, not core.sleep: see blocking_sleep).
    self.transport = { name = "dry-run", closed = false, pending = function() return 0 end,
      poll = function() return 0 end, close = function(transport) transport.closed = true end,
      sleep = module.sleep, others_run = module.others_run }
  else
    local transport = choose_transport(cfg).new(cfg)
    self.transport = transport
    self.redact = function(text) return transport:redact(text) end
  end
  return self
end

M.Client = Client
return M
