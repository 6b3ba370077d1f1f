--- HTTP/1.1 on a cosocket: the request text, and the response read back (status line, headers, and a
-- body framed by Content-Length, chunked encoding or the end of the connection).
--
-- No policy here. Failures come back as a transport class of docs/design.md and a message; the caller
-- decides about retries and keep-alive. `arm(sock)` is called before every socket operation: it sets
-- the time left for the attempt and returns false when none is left.
-- @module onesignal.transport.ngx_http

local M = {}

local MAX_HEAD = 100 * 1024 -- bytes of status line and headers accepted (libcurl's limit too)
local PIECE = 65536         -- largest single read of body bytes

--- The request as a list of strings for `sock:send`, in libcurl's header order: Host, User-Agent,
-- Accept-Encoding, the request's own lines, the standard lines, Authorization, Content-Length.
-- r: method, target, host, user_agent, accept_encoding, extra (lines or nil), lines, authorization (line
-- or nil), body (text or nil), send_length (whether to send Content-Length).
function M.request(r)
  local out, n = {}, 0
  local function add(...)
    for i = 1, select("#", ...) do
      n = n + 1
      out[n] = (select(i, ...))
    end
  end
  -- A line of the request's own naming one of libcurl's generated headers replaces it, as in libcurl.
  local own = {}
  for _, line in ipairs(r.extra or {}) do own[line:match("^([^:]*)"):lower()] = true end
  add(r.method, " ", r.target, " HTTP/1.1\r\n")
  if not own.host then add("Host: ", r.host, "\r\n") end
  if not own["user-agent"] then add("User-Agent: ", r.user_agent, "\r\n") end
  if not own["accept-encoding"] and r.accept_encoding ~= "" then add("Accept-Encoding: ", r.accept_encoding, "\r\n") end
  for _, line in ipairs(r.extra or {}) do add(line, "\r\n") end
  for _, line in ipairs(r.lines) do add(line, "\r\n") end
  if r.authorization then add(r.authorization, "\r\n") end
  if r.send_length then add("Content-Length: ", tostring(#(r.body or "")), "\r\n") end
  add("\r\n")
  if r.body and r.body ~= "" then add(r.body) end
  return out
end

-- A failed read: the class depends on where it happened and on what the socket said.
local function read_failure(err, in_body, what)
  if err == "timeout" then return "timeout", "timed out while reading " .. what end
  if err == "closed" then
    if in_body then return "partial", "the connection closed before the whole " .. what .. " arrived" end
    return "reset", "the connection closed before the " .. what .. " arrived"
  end
  return "reset", "error while reading " .. what .. ": " .. tostring(err)
end

local function receive(sock, arm, pattern)
  if not arm(sock) then return nil, "timeout", "" end
  return sock:receive(pattern)
end

--- Reads the status line and headers of the final response (1xx responses are skipped, as libcurl
-- keeps only the last block). Returns head = { status, version, headers (lower-cased names; repeated
-- names joined with ", "), count }, or nil, class, message, got (whether any byte arrived).
function M.read_head(sock, arm)
  local got = false
  while true do
    local line, err, partial = receive(sock, arm, "*l")
    if not line then
      got = got or (partial ~= nil and partial ~= "")
      local class, message = read_failure(err, false, "response")
      return nil, class, message, got
    end
    got = true
    local major, minor, status = line:match("^HTTP/(%d)%.?(%d?)%s+(%d%d%d)")
    if not status then
      return nil, "other", "not an HTTP response: " .. line:sub(1, 60):gsub("[%c]", "?"), got
    end
    local head = { status = tonumber(status), version = major .. "." .. (minor ~= "" and minor or "0"),
      headers = {}, count = 0 }
    local size, last = #line, nil
    while true do
      line, err = receive(sock, arm, "*l")
      if not line then
        local class, message = read_failure(err, false, "response headers")
        return nil, class, message, got
      end
      if line == "" then break end
      size = size + #line + 2
      if size > MAX_HEAD then return nil, "other", "response headers larger than " .. MAX_HEAD .. " bytes", got end
      local headers = head.headers
      if line:find("^[ \t]") then
        -- an obsolete folded line continues the previous header
        local more = line:match("^%s*(.-)%s*$")
        if last and more ~= "" then headers[last] = headers[last] .. " " .. more end
      else
        local name, value = line:match("^([^:]+):%s*(.-)%s*$")
        if name then
          name = name:lower()
          headers[name] = headers[name] and (headers[name] .. ", " .. value) or value
          head.count = head.count + 1
          last = name
        end
      end
    end
    -- 101 would switch protocols, which this client never asks for: it is a final answer like any other.
    if head.status >= 200 or head.status == 101 or head.status < 100 then return head end
  end
end

-- Reads exactly `length` bytes into the sink.
local function read_exact(sock, arm, sink, length)
  while length > 0 do
    local data, err, partial = receive(sock, arm, length < PIECE and length or PIECE)
    if not data then
      if partial and partial ~= "" then sink:put(partial) end
      return nil, read_failure(err, true, "response body")
    end
    length = length - #data
    local ok, class, message = sink:put(data)
    if not ok then return nil, class, message end
  end
  return true
end

local function read_chunked(sock, arm, sink)
  while true do
    local line, err = receive(sock, arm, "*l")
    if not line then return nil, read_failure(err, true, "response body") end
    local hex = line:match("^%s*(%x+)")
    if not hex or #hex > 15 then return nil, "other", "bad chunk size line in the response body" end
    local size = tonumber(hex, 16)
    if size == 0 then
      repeat -- trailer fields, up to the empty line
        line, err = receive(sock, arm, "*l")
        if not line then return nil, read_failure(err, true, "response body") end
      until line == ""
      return true
    end
    local ok, class, message = read_exact(sock, arm, sink, size)
    if not ok then return nil, class, message end
    line, err = receive(sock, arm, "*l")
    if not line then return nil, read_failure(err, true, "response body") end
    if line ~= "" then return nil, "other", "a chunk of the response body is longer than announced" end
  end
end

local function read_to_close(sock, arm, sink)
  while true do
    if not arm(sock) then return nil, "timeout", "timed out while reading response body" end
    local data, err = sock:receiveany(PIECE)
    if not data then
      if err == "closed" then return true end
      return nil, read_failure(err, true, "response body")
    end
    local ok, class, message = sink:put(data)
    if not ok then return nil, class, message end
  end
end

--- How the body of a response is framed: "none", "chunked", "length" (with the length) or "close".
-- Returns nil, class, message for a Content-Length that is not a number or exceeds `max`.
function M.framing(head, max)
  local status = head.status
  if status == 204 or status == 304 or status < 200 then return "none" end
  local headers = head.headers
  local te = headers["transfer-encoding"]
  if te and te:lower():find("chunked", 1, true) then return "chunked" end
  local cl = headers["content-length"]
  if cl then
    local text = cl:match("^%s*(%d+)%s*$") or cl:match("^%s*(%d+)%s*,") -- repeated identical values
    local length = text and #text <= 15 and tonumber(text)
    if not length then return nil, "other", "bad Content-Length in the response: " .. cl:sub(1, 40) end
    if length > max then
      return nil, "too_large", "response body larger than max_body_size (" .. max .. " bytes)"
    end
    return "length", length
  end
  return "close"
end

--- Reads the body as `framing` says into the sink. Returns true, or nil, class, message.
function M.read_body(sock, arm, sink, framing, length)
  if framing == "none" then return true end
  if framing == "length" then return read_exact(sock, arm, sink, length) end
  if framing == "chunked" then return read_chunked(sock, arm, sink) end
  return read_to_close(sock, arm, sink)
end

--- Whether the connection may carry another request after this response was read completely.
function M.reusable(head, framing)
  if framing == "close" then return false end
  local connection = (head.headers.connection or ""):lower()
  if head.version == "1.0" then return connection:find("keep-alive", 1, true) ~= nil end
  return connection:find("close", 1, true) == nil
end

return M
