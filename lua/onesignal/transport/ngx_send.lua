--- One call over cosockets, retries included: attempts, the retry policy of the C core
-- (`core.policy`, the single copy the libcurl engine uses too), backoff waits with `ngx.sleep`, the
-- on_attempt hook, and the `result` of docs/design.md.
-- @module onesignal.transport.ngx_send

local core = require("onesignal.core")
local exchange = require("onesignal.transport.ngx_exchange")
local http = require("onesignal.transport.ngx_http")
local target_of = require("onesignal.transport.ngx_target")
local closed = require("onesignal.response").closed

local M = {}

local METHODS = { GET = true, POST = true, PUT = true, PATCH = true, DELETE = true }
local SAFE = { GET = true, PUT = true, DELETE = true }

--- Seconds on a clock that only moves forward (nginx's cached time, refreshed first).
function M.now()
  ngx.update_time()
  return ngx.now()
end

-- Returns the body's text: cosockets send Lua strings, so a large text (json.encode_body) is copied out,
-- once per call.
local function check(req)
  if not METHODS[req.method] then error("onesignal.ngx: 'method' must be one of GET, POST, PUT, PATCH, DELETE", 0) end
  if (req.path == nil) == (req.url == nil) then
    error("onesignal.ngx: a request needs exactly one of 'path' and 'url'", 0)
  end
  local path = req.path
  if path ~= nil and (type(path) ~= "string" or path:sub(1, 1) ~= "/" or path:find("[%c ]")) then
    error("onesignal.ngx: 'path' must start with '/' and be encoded (no spaces or control characters)", 0)
  end
  local url = req.url
  if url ~= nil and (type(url) ~= "string" or not url:find("^[Hh][Tt][Tt][Pp][Ss]?://") or url:find("[%c ]")) then
    error("onesignal.ngx: 'url' must be an encoded absolute http(s) URL", 0)
  end
  local body = req.body
  if body ~= nil then
    body = core.json_text(body)
    if not body then error("onesignal.ngx: 'body' must be a string", 0) end
  end
  if req.on_body ~= nil and type(req.on_body) ~= "function" then
    error("onesignal.ngx: 'on_body' must be a function", 0)
  end
  local idle = req.idle_timeout
  if idle ~= nil and (type(idle) ~= "number" or idle ~= idle or idle <= 0) then
    error("onesignal.ngx: 'idle_timeout' must be a number of seconds > 0", 0)
  end
  return body
end

-- Where a request goes: the client's base URL and the path after it, or an absolute URL of its own (an
-- export's file), whose host gets the same TLS checks. Returns the target, the request target (path and
-- query) and the URL for the hook: that of an export's file may be presigned, its query then a credential
-- for as long as it lives, so the hook sees it as "?[REDACTED]" (as from the C engine, src/transfer.c).
local function destination(t, req)
  if not req.url then return t.target, t.target.prefix .. req.path, t.base_url .. req.path end
  local origin = req.url:match("^%a+://[^/?#]+")
  local rest = req.url:sub(#origin + 1):gsub("#.*$", "")
  if rest:sub(1, 1) ~= "/" then rest = "/" .. rest end
  t.origins = t.origins or {}
  local target = t.origins[origin]
  if not target then
    local problem
    target, problem = target_of.parse(origin, t.target.verify)
    if not target then error("onesignal.ngx: 'url': " .. problem, 0) end
    t.origins[origin] = target
  end
  return target, rest, (req.url:gsub("%?.*$", "?[REDACTED]"))
end

-- The request text, the same bytes for every attempt of the call.
local function request_text(t, req, body, authorization, target, request_target)
  local method = req.method
  local lines = {}
  for _, line in ipairs(t.lines) do lines[#lines + 1] = line end
  if body then
    for _, line in ipairs(t.body_lines) do lines[#lines + 1] = line end
  end
  return http.request({
    method = method,
    target = request_target,
    host = target.host_header,
    user_agent = t.user_agent,
    accept_encoding = t.accept_encoding,
    extra = req.headers,
    lines = lines,
    authorization = authorization,
    body = body,
    -- As libcurl: methods that carry a body always say how long it is (0 when empty); GET and DELETE
    -- only when they have one.
    send_length = body ~= nil or method == "POST" or method == "PUT" or method == "PATCH",
  })
end

--- Whether a call `close` abandons (see `progress` in M.run) may have reached the server and been
-- applied: the same rule as the C engine's (os_session_may_have_sent).
function M.may_have_sent(progress)
  return progress.applied == true or (progress.exchange ~= nil and progress.exchange.sent == true)
end

-- An error raised by the hook is no error of the call: it goes to nginx's error log, with the client's
-- keys removed as from every message (the hook may quote what it was given or had at hand).
local function call_hook(t, info)
  local ok, err = pcall(t.hook, info)
  if not ok then ngx.log(ngx.WARN, "onesignal: error in on_attempt hook (ignored): ", t:redact(tostring(err))) end
end

-- A 429 to a request marked note_429 (every create_notification) holds send_many's new items for as long as
-- the policy says the answer asked (its `hold`); the latest end of several (as note_hold in
-- src/session_attempt.c).
local function note_hold(t, hold, now)
  if hold > 0 and now + hold > t.hold_429_until then t.hold_429_until = now + hold end
end

--- Sends `req` for transport `t` (fields: target, settings, lines, body_lines, user_agent, accept_encoding,
-- base_url, hook, and a redact method) with the Authorization line `authorization` (or nil). Returns the result.
-- `progress` (optional) is a table that follows the call, for a `close` that abandons it to tell how far
-- it got: `attempts` started, `applied` (an attempt done may have been applied, as the policy says) and
-- `exchange` (the attempt under way, whose `sent` ngx_exchange sets once the request goes on the wire).
function M.run(t, req, authorization, progress)
  local body = check(req)
  local s = t.settings
  local started = M.now()
  local timeout = req.timeout or s.timeout
  local deadline = req.deadline
  local max_retries = req.max_retries or s.max_retries
  local base_delay = req.retry_base_delay or s.retry_base_delay
  local max_delay = req.retry_max_delay or s.retry_max_delay
  local safe = SAFE[req.method] or req.idempotency_key ~= nil
  local target, request_target, url = destination(t, req)
  local text = request_text(t, req, body, authorization, target, request_target)
  local attempt, out, decision = 0, nil, nil -- luacheck: ignore 311
  local applied = false -- an attempt so far may have been applied (the policy carries it over)
  local function report(info) -- the on_attempt hook, with what every report carries
    if not t.hook then return end
    info.operation, info.method, info.url = req.operation, req.method, t:redact(url)
    call_hook(t, info)
  end
  while true do
    -- `close` can stop only the threads that `submit` started; a call in a thread of `client:spawn` (or
    -- anywhere else) stops here: no attempt starts on a closed client.
    if t.closed then return closed(attempt, applied, M.now() - started) end
    attempt = attempt + 1
    if progress then progress.attempts = attempt end
    local attempt_started = M.now()
    local limit = timeout
    if deadline then limit = math.min(limit, deadline - (attempt_started - started)) end
    local a = { target = target, request = text, now = M.now, ends = attempt_started + math.max(limit, 0.001),
      connect_timeout = s.connect_timeout, max_body = s.max_body, keepalive = s.keepalive, pool_size = s.pool_size,
      on_body = req.on_body, idle_timeout = req.idle_timeout }
    if progress then progress.exchange = a end
    out = exchange.run(a)
    -- A kept-alive connection the server had closed fails before any answer. libcurl then sends once more
    -- by itself when the request is safe to repeat, and as the server may have seen both, the C engine
    -- counts that as an attempt of its own, shown to the hook as a reset retried at once
    -- (src/session_attempt.c, count_resends); so does this.
    if out.error == "reset" and out.reused and not out.got then
      if safe then
        -- A copy that went out may have been applied, whatever the resend is answered (a 429 included).
        if out.sent then applied = true end
        local now = M.now()
        report({ attempt = attempt, error = "reset", retry = true, wait = 0, elapsed = now - started,
          attempt_elapsed = now - attempt_started,
          message = "the reused connection closed before an answer; the request was sent again" })
        attempt = attempt + 1
        if progress then progress.attempts = attempt end
        out = exchange.run(a)
      else
        out.message = "connection lost while sending; not resent because the request is not safe to repeat"
      end
    end
    if out.message then out.message = t:redact(out.message) end
    local now = M.now()
    local retry_after = out.retry_after_text and core.parse_retry_after(out.retry_after_text)
    out.retry_after = retry_after
    local retry, wait, maybe_sent, gave_up, hold
    retry, wait, maybe_sent, gave_up, applied, hold = core.policy({
      status = out.status, error = out.error, sent = out.sent, safe = safe, attempt = attempt,
      max_retries = max_retries, retry_after = retry_after, base_delay = base_delay, max_delay = max_delay,
      elapsed = now - started, deadline = deadline, applied_before = applied, body_refused = out.refused,
    })
    if progress then progress.applied, progress.exchange = applied, nil end
    if req.note_429 then note_hold(t, hold, now) end
    report({ attempt = attempt, status = out.status > 0 and out.status or nil, error = out.error,
      message = out.error and out.message or nil, retry = retry, wait = retry and wait or nil,
      elapsed = now - started, attempt_elapsed = now - attempt_started })
    if not retry then
      decision = { maybe_sent = maybe_sent, gave_up = gave_up }
      break
    end
    if t.closed then return closed(attempt, applied, M.now() - started) end
    if wait > 0 then ngx.sleep(wait) end
    if deadline and M.now() - started >= deadline then
      -- Woken after the deadline (a busy worker): no attempt starts past it. The call ends with the last
      -- attempt's outcome, one to retry and so never a 2xx.
      decision = { maybe_sent = applied, gave_up = "deadline" }
      break
    end
  end
  return {
    status = out.status,
    headers = out.headers,
    body = out.body or "",
    streamed = out.streamed,
    attempts = attempt,
    replayed = out.replayed == true,
    retry_after = out.retry_after,
    error = out.error,
    message = out.error and out.message or nil,
    maybe_sent = decision.maybe_sent,
    gave_up = decision.gave_up,
    elapsed = M.now() - started,
  }
end

return M
