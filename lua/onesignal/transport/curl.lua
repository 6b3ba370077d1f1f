--- The libcurl transport: a thin shell over a C core session (`onesignal.core`).
--
-- The engine (connections, retries, timers) is in C. This shell keeps the callbacks of non-blocking
-- requests and hands finished results to them, one at a time, so that an error raised by one callback
-- leaves the others queued for the next `poll`.
-- @module onesignal.transport.curl

local core = require("onesignal.core")
local config = require("onesignal.config")
local request = require("onesignal.request")
local response = require("onesignal.response")
local usage = require("onesignal.usage")
local operations = require("onesignal.operations")

local M = {}
local Transport = {}
Transport.__index = Transport

-- Keys stay out of the transport table, so printing or dumping it shows none.
local secrets = setmetatable({}, { __mode = "k" })

--- The User-Agent this transport sends: the caller's product (optional) first, then this library and libcurl.
function M.user_agent(custom)
  return request.user_agent(custom, core.curl_version:match("^%S+") or "libcurl")
end

-- The error of a blocking call, or of a poll, made while the engine runs: it cannot drive the engine there.
-- The core refuses it before anything is sent and calls this (session:set_refusal) with the request, or
-- the name of the session's method, so that the error names the call and what works there, at the
-- caller's line, and the ordinary call pays nothing for the check. (The client checks run, sleep and close
-- itself, to name them: they reach the session as poll or finished.)
-- Requests started meanwhile go out (an _async call, or one in client:spawn): from the hook, which runs
-- between transfers, at once; from download_export's progress function, which runs inside libcurl's
-- write callback, where libcurl adds no transfer, once that callback has returned (the engine puts it off).
local function refuse_blocking(req, in_hook)
  if type(req) == "string" then usage.cannot_drive(req == "finished" and "close" or req, in_hook) end
  local name = type(req) == "table" and req.operation or "request"
  -- Only the operations have an _async form (a download, say, is no operation).
  local async = operations.by_name[name] and ("use " .. name .. "_async there, or ") or ""
  usage.cannot_drive(name, in_hook, async .. "make the call in client:spawn, where it suspends")
end

--- Opens a session for a resolved configuration (see onesignal.config).
function M.new(cfg)
  -- libcurl 7.88 fails every request after a connection's first in this mode, retries included, for as long
  -- as the connection lives (src/curl_info.h): refused here rather than failing at random later.
  if cfg.http_version == "2-prior-knowledge" and cfg.base_url:match("^[Hh][Tt][Tt][Pp]:") and core.features.http2
    and not core.features.h2c then
    usage.raise("onesignal.new: option 'http_version' \"2-prior-knowledge\" over plain http fails every request"
      .. " after a connection's first with this libcurl (7.88; fixed in 8.0.0): use https, or \"1.1\"")
  end
  -- A proxy variable of a scheme libcurl cannot use: every attempt would fail, retried, as a connection
  -- not made. Said now, as an unusable option 'proxy' is (config.lua).
  local proxy_problem = config.environment_proxy_problem(cfg)
  if proxy_problem then
    usage.raise("onesignal.new: " .. proxy_problem .. ", or set option 'proxy' (\"\" for none)")
  end
  local session = core.session({
    base_url = cfg.base_url,
    rest_key = cfg.rest_api_key,
    organization_key = cfg.organization_api_key,
    user_agent = M.user_agent(cfg.user_agent),
    headers = request.HEADERS,
    body_headers = request.BODY_HEADERS,
    timeout = cfg.timeout,
    connect_timeout = cfg.connect_timeout,
    ca_file = cfg.ca_file,
    verify = not cfg.insecure,
    proxy = cfg.proxy,
    http_version = cfg.http_version,
    max_body = cfg.max_body_size,
    max_retries = cfg.max_retries,
    retry_base_delay = cfg.retry_base_delay,
    retry_max_delay = cfg.retry_max_delay,
    max_connections = cfg.max_connections,
  })
  if cfg.on_attempt then session:set_hook(cfg.on_attempt) end
  session:set_refusal(refuse_blocking)
  -- Results ready for their callbacks: a queue of (result, callback) pairs from head to tail. The engine
  -- keeps each callback with its request until then (a table keyed by ever-new request ids would be
  -- rehashed over and over as entries come and go).
  -- closed is present (false) rather than absent: every call reads it, and a miss goes on to the metatable.
  local self = setmetatable({ name = "curl", session = session, ready = {}, ready_callbacks = {}, head = 1,
    tail = 0, round = 0, closed = false }, Transport)
  secrets[self] = { cfg.rest_api_key, cfg.organization_api_key }
  return self
end

--- Removes this client's keys from text that came from outside.
function Transport:redact(text)
  local keys = secrets[self]
  return core.redact(text, keys[1] or "", keys[2] or "")
end

--- Why the file of an export at `url` (another host than the API's) cannot be fetched through the proxy
-- libcurl would take from the environment for it, as a message; nil when nothing is in the way. Asked by
-- exports.lua before the first GET: the check onesignal.new makes for the base URL (config.lua). Only when
-- the engine's transfers read the variables at all (session:env_proxy): not with option 'proxy', which wins
-- for every host, nor when none was set as the client was made, whatever was set since.
function Transport:file_proxy_problem(url)
  if self.closed or not self.session:env_proxy() then return nil end
  return config.file_proxy_problem(url, function(text) return self:redact(text) end)
end

-- What a request gets once the client is closed: nothing more will happen to it. `maybe_sent`: it may
-- have reached the server (the engine tells, see os_session_may_have_sent). `attempts`: those it made.
local function closed_result(id, maybe_sent, attempts)
  local result = response.closed(attempts or 0, maybe_sent, 0)
  result.id = id
  return result
end

local function enqueue(self, result, callback)
  local tail = self.tail + 1
  self.ready[tail] = result
  self.ready_callbacks[tail] = callback or false
  self.tail = tail
end

--- Sends and waits (blocking).
function Transport:request(req)
  if self.closed then return closed_result(nil, false) end
  return self.session:request(req)
end

--- Starts a request; `callback(result)` runs inside a later `poll`.
function Transport:submit(req, callback)
  if not self.closed then return self.session:submit(req, callback) end
  -- Ids of the engine count up from 1; these count down, so the two never meet.
  local id = (self.closed_ids or 0) - 1
  self.closed_ids = id
  enqueue(self, closed_result(id, false), callback)
  return id
end

local function enqueue_all(self, done, callbacks)
  if done then
    for i = 1, #done do enqueue(self, done[i], callbacks[i]) end
  end
end

-- Moves finished results, with the callbacks the engine kept for them, to the ready queue.
local function collect(self, timeout)
  enqueue_all(self, self.session:poll(timeout))
end

-- Runs the callbacks of the results queued now, one at a time: one that raises leaves the rest queued.
-- Results queued by these callbacks wait for the next call, so a callback that starts a request every
-- time it runs cannot keep one call going forever.
local function deliver(self)
  local ran, last, round = 0, self.tail, self.round
  local ready, callbacks = self.ready, self.ready_callbacks
  -- A callback may poll or close, and so deliver the rest itself: then head passes tail and this stops.
  -- That delivery may also have emptied the queue and started it again at 1 (a new round), where a
  -- callback of it or this one then queues a result (an _async call on the closed client): that waits for
  -- the next call too, not for this one to reach it at an index it had not got to.
  while self.round == round and self.head <= last and self.head <= self.tail do
    local head = self.head
    local result, callback = ready[head], callbacks[head]
    ready[head], callbacks[head] = nil, nil
    self.head = head + 1
    if callback then
      ran = ran + 1
      callback(result)
    end
  end
  -- An empty queue starts again at 1, so its keys stay few and in the tables' array parts.
  if self.head > self.tail then self.head, self.tail, self.round = 1, 0, self.round + 1 end
  return ran
end

--- Drives transfers and timers for at most `timeout` seconds, then runs the callbacks of finished
-- requests. Returns how many callbacks ran. Results left over by a callback that raised run first.
function Transport:poll(timeout)
  if self.head > self.tail and not self.closed then collect(self, timeout or 0) end
  return deliver(self)
end

--- Whether a caller may drive the engine (poll) now: not from inside the on_attempt hook, which runs while
-- the engine is being driven (session:driving), and then whether it is the hook (else download_export's
-- progress function) that runs. A closed transport has no engine to drive.
function Transport:can_drive()
  if self.closed then return true end
  local driving, in_hook = self.session:driving()
  return not driving, in_hook
end

--- Seconds left of the hold that 429 answers to requests marked `note_429` (create_notification's) asked for, or
-- nil: none. The engine keeps the latest end of those waits itself (src/session_attempt.c, note_hold), so
-- a request pays nothing for it unless it is answered 429. Asked only of an open client (client.lua's
-- _hold_429 answers nil for a closed one).
function Transport:hold_429()
  return self.session:hold_429()
end

--- Requests started and not yet handed to their callback.
function Transport:pending()
  local queued = self.tail - self.head + 1
  if self.closed then return queued end
  return self.session:pending() + queued
end

--- The descriptor an outside event loop watches (client:fd): the session's epoll set; nil in a build
-- without epoll, and once closed.
function Transport:fd()
  if self.closed then return nil end
  return self.session:fd()
end

--- The seconds until poll is due (client:timeout): 0 while finished results wait to be handed out; nil
-- once closed, or when nothing is in flight; else the session's next timer (src/session.c).
function Transport:timeout()
  if self.head <= self.tail then return 0 end
  if self.closed then return nil end
  return self.session:timeout()
end

--- Closes the session. Results that had finished keep their answers; requests still under way finish with
-- error "closed". Their callbacks run now, after those of results already collected. Closed again, it
-- hands out what is queued (the callbacks after one that raised in the first close, those of calls made
-- since), as poll does and as close does on OpenResty: a program that closed its client may never poll it.
function Transport:close()
  if self.closed then
    deliver(self)
    return
  end
  enqueue_all(self, self.session:finished())
  -- raises from a hook, and then the client stays open
  local ids, callbacks, attempts, maybe_sent = self.session:close()
  self.closed = true
  for i = 1, #ids do enqueue(self, closed_result(ids[i], maybe_sent[i], attempts[i]), callbacks[i]) end
  deliver(self)
end

return M
