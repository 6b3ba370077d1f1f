--- HTTP/1.1 on a cosocket: the request text, and the response read back (status line, headers, and a
-- body framed by Content-Length, chunked encoding or the end of the connection).
--
-- No policy here. Failures come back as a transport class of docs/design.md and a message; the caller
-- decides about retries and keep-alive. `arm(sock)` is called before every read from the socket: it sets
-- the time left for the attempt and returns false when none is left.
-- @module onesignal.transport.ngx_http

local M = {}

local MAX_HEAD = 100 * 1024 -- bytes of status line and headers accepted (libcurl's limit too)
local PIECE = 65536         -- largest single read of body bytes

--- The request as a list of strings for `sock:send`, its headers in this order: Host, User-Agent,
-- Accept-Encoding, the request's own lines, the standard lines, Authorization, Content-Length (libcurl
-- sends User-Agent among the standard lines; no server reads meaning into the order).
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

-- A failed read: the class depends on where it happened and on what the socket (or the reader) said.
-- `limited`: what a line too long was part of.
local function read_failure(err, in_body, what, limited)
  if err == "timeout" then return "timeout", "timed out while reading " .. what end
  if err == "too long" then return "other", (limited or what) .. " larger than " .. MAX_HEAD .. " bytes" end
  if err == "closed" then
    if in_body then return "partial", "the connection closed before the whole " .. what .. " arrived" end
    return "reset", "the connection closed before the " .. what .. " arrived"
  end
  return "reset", "error while reading " .. what .. ": " .. tostring(err)
end

-- The response is read through a Reader. Every read from the socket is `receiveany`, which returns as
-- soon as any byte is there, and `arm` gives it only the attempt's time left: nginx restarts a cosocket's
-- timeout on every byte that arrives, so a read waiting for a whole line or length (`receive("*l")`,
-- `receive(n)`) would last as long as a server trickles bytes, and a line would be buffered without
-- limit before its length could be checked. Bytes read past what was asked wait in `buf` (from `pos`).
local Reader = {}
Reader.__index = Reader

--- A reader of `sock`; `arm(sock)` sets the time left before each read (false: none left).
function M.reader(sock, arm)
  return setmetatable({ sock = sock, arm = arm, buf = "", pos = 1, got = false }, Reader)
end

-- One read from the socket: the bytes, or nil and "timeout", "closed" or the socket's error.
function Reader:fill()
  if not self.arm(self.sock) then return nil, "timeout" end
  local data, err = self.sock:receiveany(PIECE)
  if data then self.got = true end
  return data, err
end

--- The next bytes, at most `max`: what is buffered, or else what one read brings. Returns them, or nil
-- and the error.
function Reader:piece(max)
  local buf, pos = self.buf, self.pos
  if pos > #buf then
    local err
    buf, err = self:fill()
    if not buf then return nil, err end
    pos = 1
  end
  local last = math.min(#buf, pos + max - 1)
  self.buf, self.pos = buf, last + 1
  if pos == 1 and last == #buf then return buf end
  return buf:sub(pos, last)
end

--- The next line without its end (LF, or CR LF: libcurl takes both), when it is at most `limit` bytes.
-- Returns the line, or nil and "too long" (as soon as the limit is passed), "timeout", "closed" or the
-- socket's error.
function Reader:line(limit)
  local buf, pos = self.buf, self.pos
  local parts, size -- a line spread over several reads
  while true do
    local stop = buf:find("\n", pos, true)
    local last = stop and stop - 1 or #buf
    local length = (size or 0) + last - pos + 1
    if length > limit + 1 then return nil, "too long" end -- + 1: the CR before the LF
    if stop then
      self.buf, self.pos = buf, stop + 1
      local line
      if parts then
        parts[#parts + 1] = buf:sub(pos, last)
        line = table.concat(parts)
      else
        line = buf:sub(pos, last)
      end
      if line:byte(-1) == 13 then line = line:sub(1, -2) end
      if #line > limit then return nil, "too long" end
      return line
    end
    parts = parts or {}
    if pos <= last then parts[#parts + 1] = buf:sub(pos) end
    size = length
    local err
    buf, err = self:fill()
    if not buf then
      self.buf, self.pos = "", 1
      return nil, err
    end
    pos = 1
  end
end

--- Whether bytes arrived past the end of the response (the connection cannot carry another one).
function Reader:leftover() return self.pos <= #self.buf end

-- `line` from byte `from` on, without the spaces and tabs around it. Scanned by hand: a pattern such as
-- "^%s*(.-)%s*$" takes quadratic time on a value full of spaces (seconds of a worker for 100 KB).
local function trimmed(line, from)
  local first = line:find("[^ \t]", from)
  if not first then return "" end
  local last = #line
  while line:byte(last) == 32 or line:byte(last) == 9 do last = last - 1 end
  return line:sub(first, last)
end

-- A header name: one or more token characters (RFC 9110 5.1).
local TOKEN = "^[%w!#$%%&'*+.^_`|~-]+$"

-- Whether a status line begins the final answer rather than an interim one: 2xx and above, or a 101,
-- which would switch protocols; this client never asks for that, and libcurl takes it as the final answer
-- (os_status_is_final in the C engine).
local function is_final(status)
  return status >= 200 or status == 101
end

-- A failure after the status line: a final status stays known, as the C engine reports it; an interim
-- one is no answer.
local function head_failure(head, class, message)
  local status = head.status
  return nil, class, message, is_final(status) and status or nil
end

-- Adds `text` after `sep` to header `name`. A value that grows (a repeated name, a folded line) becomes
-- a list of its parts, joined once by `join_parts`: joining as they come would copy the growing value
-- again for every piece, quadratic in a hostile server's thousands of repeats.
local function add_part(headers, name, sep, text)
  local value = headers[name]
  if type(value) == "table" then
    value[#value + 1] = sep
    value[#value + 1] = text
  else
    headers[name] = { value, sep, text }
  end
end

local function join_parts(headers)
  for name, value in pairs(headers) do
    if type(value) == "table" then headers[name] = table.concat(value) end -- an existing key: allowed
  end
end

--- Reads the status line and headers of the final response (1xx responses are skipped, as libcurl
-- keeps only the last block) from reader `r`. Returns head = { status, version, headers (lower-cased
-- names; repeated names joined with ", "), count, retry_after, replayed }, or nil, class, message and the
-- status when the status line was read. retry_after (text) and replayed (boolean) come from the last
-- Retry-After and Idempotent-Replayed, as the C engine reads them (src/headers.c): the joined text of
-- repeats ("1, 1") would be misread.
function M.read_head(r)
  while true do
    local line, err = r:line(MAX_HEAD)
    if not line then return nil, read_failure(err, false, "response", "response headers") end
    local major, minor, digits = line:match("^HTTP/(%d)%.?(%d?)%s+(%d+)")
    if not major then
      return nil, "other", "not an HTTP response: " .. line:sub(1, 60):gsub("[%c]", "?")
    end
    -- As libcurl: three digits, not a longer number cut short, and nothing below 100.
    local status = tonumber(digits)
    if #digits ~= 3 or status < 100 then return nil, "other", "Unsupported response code in HTTP response" end
    local head = { status = status, version = major .. "." .. (minor ~= "" and minor or "0"), headers = {},
      count = 0 }
    local headers, size, grown = head.headers, #line, false
    -- The newest field kept (its name and the length of its value so far: a fold onto an empty value
    -- adds no space), and the parts of the last Retry-After and Idempotent-Replayed, which the engine reads.
    local last, last_len, retry_after, replayed = nil, 0, nil, nil
    while true do
      -- MAX_HEAD counts the whole block: a line may have what the lines before it left
      line, err = r:line(MAX_HEAD - size)
      if not line then return head_failure(head, read_failure(err, false, "response headers")) end
      if line == "" then
        if grown then join_parts(headers) end
        if retry_after then head.retry_after = table.concat(retry_after) end
        if replayed then head.replayed = table.concat(replayed):lower() == "true" end
        break
      end
      size = size + #line + 2
      if size > MAX_HEAD then return head_failure(head, read_failure("too long", false, "response headers")) end
      local first = line:byte(1)
      if first == 32 or first == 9 then
        -- an obsolete folded line continues the previous header (a value has no leading space, RFC 9110 5.5)
        local more = trimmed(line, 1)
        if last and more ~= "" then
          local sep = last_len > 0 and " " or ""
          add_part(headers, last, sep, more)
          grown = true
          last_len = last_len + #sep + #more
          local parts = last == "retry-after" and retry_after or last == "idempotent-replayed" and replayed
          if parts then
            parts[#parts + 1] = sep
            parts[#parts + 1] = more
          end
        end
      else
        local colon = line:find(":", 1, true)
        if not colon then return head_failure(head, "other", "Header without colon") end -- libcurl's words
        local name, value = line:sub(1, colon - 1):lower(), trimmed(line, colon + 1)
        if not name:find(TOKEN) then
          -- A name that is not a token ("Bad Name", "X-B "): the line is left out, and the folded lines
          -- after it with it, as the C engine does (src/headers.c).
          last = nil
        else
          if headers[name] == nil then
            headers[name] = value
          else
            add_part(headers, name, ", ", value)
            grown = true
          end
          if name == "retry-after" then
            retry_after = { value }
          elseif name == "idempotent-replayed" then
            replayed = { value }
          end
          head.count = head.count + 1
          last, last_len = name, #value
        end
      end
    end
    if is_final(status) then return head end
  end
end

-- Reads exactly `length` bytes into the sink.
local function read_exact(r, sink, length)
  while length > 0 do
    local data, err = r:piece(length)
    if not data then return nil, read_failure(err, true, "response body") end
    length = length - #data
    local ok, class, message = sink:put(data)
    if not ok then return nil, class, message end
  end
  return true
end

local function read_chunked(r, sink)
  while true do
    local line, err = r:line(MAX_HEAD)
    if not line then return nil, read_failure(err, true, "response body", "chunk size line") end
    local hex = line:match("^%s*(%x+)")
    if not hex or #hex > 15 then return nil, "other", "bad chunk size line in the response body" end
    local size = tonumber(hex, 16)
    if size == 0 then
      local left = MAX_HEAD
      repeat -- trailer fields, up to the empty line; their limit is the headers'
        line, err = r:line(left)
        if not line then return nil, read_failure(err, true, "response body", "response trailers") end
        left = math.max(left - #line - 2, 0)
      until line == ""
      return true
    end
    local ok, class, message = read_exact(r, sink, size)
    if not ok then return nil, class, message end
    line, err = r:line(0)
    if not line then
      if err == "too long" then return nil, "other", "a chunk of the response body is longer than announced" end
      return nil, read_failure(err, true, "response body")
    end
  end
end

local function read_to_close(r, sink)
  while true do
    local data, err = r:piece(PIECE)
    if not data then
      if err == "closed" then return true end
      return nil, read_failure(err, true, "response body")
    end
    local ok, class, message = sink:put(data)
    if not ok then return nil, class, message end
  end
end

-- The first element of a Transfer-Encoding value other than chunked and identity (any case), without the
-- spaces around it; nil when there is none. No request says TE, so chunked is the only transfer coding an
-- answer may use (RFC 9110 10.1.4); the C engine refuses the others alike (os_header_unasked_coding).
local function unasked_coding(te)
  for element in te:gmatch("[^,]+") do
    local coding = trimmed(element, 1)
    local lower = coding:lower()
    if coding ~= "" and lower ~= "chunked" and lower ~= "identity" then return coding end
  end
end

--- How the body of a response is framed: "none", "chunked", "length" (with the length) or "close".
-- Returns nil, class, message for a Content-Length that is not a number or exceeds `max`, and for a
-- transfer coding that was not asked for.
function M.framing(head, max)
  local status, headers = head.status, head.headers
  local te = headers["transfer-encoding"]
  local coding = te and unasked_coding(te)
  if coding then
    return nil, "other", "Transfer-Encoding '" .. coding:sub(1, 40)
      .. "' in the response, which was not asked for (only chunked is accepted)"
  end
  -- An unasked-for 101 ends as libcurl ends it: its body is what comes until the connection closes, whatever
  -- Content-Length says, so the connection is never used again.
  if status == 101 then return "close" end
  if status == 204 or status == 304 or status < 200 then return "none" end
  if te and te:lower():find("chunked", 1, true) then return "chunked" end
  local cl = headers["content-length"]
  if cl then
    -- Repeats (joined with ", ") must all say the same: lengths that disagree leave the body's end unknown.
    local text = cl:match("^%s*(%d+)%s*$") or cl:match("^%s*(%d+)%s*,")
    if text and cl:find(",", 1, true) then
      for value in cl:gmatch("[^,]+") do
        if tonumber(value:match("^%s*(%d+)%s*$")) ~= tonumber(text) then text = nil break end
      end
    end
    local length = text and #text <= 15 and tonumber(text)
    if not length then return nil, "other", "bad Content-Length in the response: " .. cl:sub(1, 40) end
    if length > max then
      return nil, "too_large", "response body larger than max_body_size (" .. max .. " bytes)"
    end
    return "length", length
  end
  return "close"
end

--- Reads the body as `framing` says from reader `r` into the sink. Returns true, or nil, class, message.
function M.read_body(r, sink, framing, length)
  if framing == "none" then return true end
  if framing == "length" then return read_exact(r, sink, length) end
  if framing == "chunked" then return read_chunked(r, sink) end
  return read_to_close(r, sink)
end

--- Whether the connection may carry another request after this response was read completely.
function M.reusable(head, framing)
  if framing == "close" then return false end
  local connection = (head.headers.connection or ""):lower()
  if head.version == "1.0" then return connection:find("keep-alive", 1, true) ~= nil end
  return connection:find("close", 1, true) == nil
end

return M
