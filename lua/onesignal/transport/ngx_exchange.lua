--- One attempt over a cosocket: connect (or take a kept-alive connection), TLS, write the request, read
-- the response, and give the connection back to the pool when it can carry another request.
--
-- The outcome is what the retry policy needs: { status, headers, retry_after_text and replayed (from the
-- last of those headers), body, error, message, sent, got (any response byte arrived), reused (the
-- connection came from the pool), streamed (bytes of a 2xx body handed to on_body), refused (on_body
-- stopped it) }.
-- @module onesignal.transport.ngx_exchange

local http = require("onesignal.transport.ngx_http")
local body_sink = require("onesignal.transport.ngx_body")
local target_of = require("onesignal.transport.ngx_target")

local M = {}

-- Errors of `sock:connect` → transport class. Anything else (refused, unreachable, …) is "connect".
local function connect_failure(err, where)
  if err == "timeout" then return "timeout", "connecting to " .. where .. " timed out" end
  if err:find("no resolver defined", 1, true) then
    -- A configuration problem: repeating cannot help, so it is not a retried class.
    return "other", "cannot resolve " .. where .. ": nginx.conf has no `resolver` directive"
      .. " (add one, e.g. `resolver 127.0.0.53 ipv6=off;`, or list the host in /etc/hosts)"
  end
  if err:find("could not be resolved", 1, true) or err:find("failed to parse host name", 1, true) then
    return "resolve", "cannot resolve " .. where .. ": " .. err
  end
  return "connect", "cannot connect to " .. where .. ": " .. err
end

-- Errors of `sock:sslhandshake`: verification problems are "tls" (never retried); a handshake that
-- failed otherwise is "connect", as libcurl classes a TLS connect error.
local function tls_failure(err, where)
  if err == "timeout" then return "timeout", "TLS handshake with " .. where .. " timed out" end
  if err:find("^%d+:") or err:find("certificate", 1, true) then
    return "tls", "TLS certificate of " .. where .. " not accepted: " .. err
      .. " (nginx checks it against lua_ssl_trusted_certificate)"
  end
  return "connect", "TLS handshake with " .. where .. " failed: " .. err
end

-- Connects `sock` to a name for nginx's resolver within `seconds`. The resolver waits `resolver_timeout`
-- (30 s unless nginx.conf says otherwise) whatever the socket's timeout, and a coroutine cannot stop its
-- own wait, while libcurl's connect timeout covers the name lookup. So the connect runs in a light thread
-- that a watcher thread kills when the time is up (ngx_lua then aborts a pending lookup or connect), and
-- this coroutine goes on with the socket, which ngx_lua allows within one request.
-- The watcher waits on a semaphore that the connect posts when it ends, and so does `close` (`a.abort`):
-- close kills the thread of a call it abandons, and only a thread's parent may kill it, so the connect's
-- thread is the watcher's, not this coroutine's. A child of this one, it went on after the close for the
-- whole lookup, and the request (or timer) could not end before it did.
-- Cosockets look in the pool before resolving (ngx_lua documents it), and an empty host fails at once
-- after that, with no I/O and nothing logged: so a pooled connection is taken without any thread, and the
-- two threads (some memory of the request's each, until it ends) are only for new connections.
local function connect_in_time(sock, host, port, options, seconds, a)
  if sock:connect("", port, options) then return true end
  local ok, err, finished, closing
  local done = require("ngx.semaphore").new(0)
  a.abort = done
  local watcher = ngx.thread.spawn(function()
    local connector = ngx.thread.spawn(function()
      ok, err = sock:connect(host, port, options)
      finished = true
      done:post(1)
    end)
    if not finished then done:wait(seconds) end
    if finished then
      ngx.thread.wait(connector) -- reaped
    else
      closing = a.closing
      ngx.thread.kill(connector)
    end
  end)
  ngx.thread.wait(watcher)
  a.abort = nil
  if closing then return nil, "closed" end
  if not finished then return nil, "timeout" end
  return ok, err
end

-- A cosocket's timeout in ms: at least 1, and below 2^31, which ngx_lua refuses ("bad timeout value").
-- `arm` sets the time left again before every read, so only one read idle for 24.8 days stops short.
local LONGEST = 2 ^ 31 - 1

local function ms(seconds)
  local v = math.ceil(seconds * 1000)
  if v < 1 then v = 1 end
  if v > LONGEST then v = LONGEST end
  return v
end

-- The request goes out in sends of at most SEND_PIECE bytes, the time left set before each: nginx
-- restarts a cosocket's send timeout whenever a write makes progress, so one send of a large request
-- lasted as long as the server kept taking a little of it, far past the call's timeout and deadline.
-- (A piece this small fits whatever room the socket's buffer has when it opens up again.)
local SEND_PIECE = 16384

local split = setmetatable({}, { __mode = "k" }) -- request (list of strings) → its pieces, for every attempt

-- The request's strings in pieces of at most SEND_PIECE bytes: lists of strings, small ones sharing one.
local function pieces(request)
  local out = split[request]
  if out then return out end
  out = {}
  local batch, size = {}, 0
  for _, part in ipairs(request) do
    local from = 1
    while from <= #part do
      local take = math.min(#part - from + 1, SEND_PIECE - size)
      batch[#batch + 1] = (from == 1 and take == #part) and part or part:sub(from, from + take - 1)
      size, from = size + take, from + take
      if size == SEND_PIECE then
        out[#out + 1] = batch
        batch, size = {}, 0
      end
    end
  end
  if size > 0 then out[#out + 1] = batch end
  split[request] = out
  return out
end

--- Runs one attempt. `a`: target (ngx_target), request (list of strings), method, now (clock function),
-- ends (clock value when the attempt's time is up), connect_timeout, max_body, keepalive (seconds),
-- pool_size, on_body (the request's, or nil), idle_timeout (the request's, or nil: the longest wait for
-- the next byte). Sets `a.sent` once the request starts out, for a `close` that abandons the attempt
-- midway.
function M.run(a)
  local t = a.target
  local where = t.host_header
  local out = { status = 0, body = "", sent = false, got = false, reused = false }
  local sock = ngx.socket.tcp()
  local function left() return a.ends - a.now() end
  local idle = a.idle_timeout or math.huge
  -- Each send or read gets what is left of the attempt, but no more than the idle limit: a read returns
  -- as soon as any byte is there (ngx_http), so one that waits that long means the transfer stalled.
  local function arm(s)
    local remaining = left()
    if remaining <= 0 then return false end
    s:settimeout(ms(math.min(remaining, idle)))
    return true
  end
  local function fail(class, message)
    out.error, out.message = class, message
    sock:close()
    return out
  end

  if t.tls and t.verify and not t.server_name then
    -- nginx checks a certificate's names against a host name only (ngx_ssl_check_host), and with no name
    -- to send it would check none: nothing could prove the server at this address is the one meant.
    out.error, out.message = "tls", "TLS certificate of " .. where .. " cannot be checked: nginx checks"
      .. " certificates by host name, not IP address (name the host in the URL, or set insecure)"
    return out
  end
  local connect_time = math.max(math.min(a.connect_timeout, left()), 0.001)
  local connect_ends = a.now() + connect_time
  sock:settimeout(ms(connect_time))
  local host, by_resolver = target_of.connect_host(t)
  local options = { pool = t.pool }
  local ok, err
  if by_resolver then
    ok, err = connect_in_time(sock, host, t.port, options, connect_time, a)
  else
    ok, err = sock:connect(host, t.port, options)
  end
  if not ok then
    if a.closing then
      out.error, out.message = "closed", "the client was closed" -- during a lookup (connect_in_time)
    else
      out.error, out.message = connect_failure(err, where)
    end
    return out
  end
  out.reused = (sock:getreusedtimes() or 0) > 0
  if t.tls and not out.reused then
    -- The connect timeout covers the handshake too, as in libcurl: what the lookup and the connect left.
    local remaining = connect_ends - a.now()
    if remaining <= 0 then return fail(tls_failure("timeout", where)) end
    sock:settimeout(ms(remaining))
    ok, err = sock:sslhandshake(false, t.server_name, t.verify)
    if ok and not sock:getreusedtimes() then
      -- ngx_lua 0.10.23 answers true for a certificate it rejected when the handshake finishes at once
      -- (a resumed TLS session): the socket is closed then, which is how the rejection shows.
      ok, err = nil, "certificate rejected (nginx's error.log has the reason)"
    end
    if not ok then return fail(tls_failure(err, where)) end
  end

  for i, piece in ipairs(pieces(a.request)) do
    if not arm(sock) then
      return fail("timeout", i == 1 and "no time left to send the request" or "timed out while sending the request")
    end
    out.sent, a.sent = true, true
    ok, err = sock:send(piece)
    if not ok then
      if err == "timeout" then return fail("timeout", "timed out while sending the request") end
      return fail("reset", "the connection failed while sending the request: " .. tostring(err))
    end
  end

  local reader = http.reader(sock, arm)
  local head, class, message, status = http.read_head(reader)
  out.got = reader.got
  if not head then
    out.status = status or 0
    return fail(class, message)
  end
  out.status = head.status
  out.headers = head.count > 0 and head.headers or nil
  out.retry_after_text, out.replayed = head.retry_after, head.replayed
  -- A 2xx body goes to the request's on_body, if it has one, and is not held here: no cap then.
  local on_body = head.status >= 200 and head.status < 300 and a.on_body or nil
  local framing, length, problem = http.framing(head, on_body and math.huge or a.max_body)
  if not framing then return fail(length, problem) end
  local sink
  sink, class, message = body_sink.new(head.headers["content-encoding"], a.max_body, on_body,
    framing == "length" and length or nil)
  if not sink then return fail(class, message) end
  ok, class, message = http.read_body(reader, sink, framing, length)
  local text
  if ok then text, class, message = sink:finish() end
  if not text then
    out.refused = sink.refused
    out.body = sink:text()
    sink:close()
    return fail(class, message)
  end
  sink:close()
  out.body = text
  if on_body then out.streamed = sink:streamed() end
  -- Bytes after the answer leave the connection out of step with the next request.
  if http.reusable(head, framing) and not reader:leftover() then
    -- ngx_lua refuses to pool a connection in a doubtful state (unread bytes after the answer) and then
    -- leaves it open until the request ends or the collector runs: close it now.
    if not sock:setkeepalive(ms(a.keepalive), a.pool_size) then sock:close() end
  else
    sock:close()
  end
  return out
end

return M
