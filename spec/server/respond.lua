-- Writing responses, whole or deliberately broken.
-- luacheck: globals ngx (a response is written by assigning ngx.status and ngx.header fields)
local json = require("server.json")

local respond = {}

local JSON_TYPE = "application/json; charset=utf-8"

local function headers_out(status, headers, content_type, length)
  ngx.status = status
  if headers then
    for k, v in pairs(headers) do ngx.header[k] = v end
  end
  ngx.header["Content-Type"] = content_type or JSON_TYPE
  ngx.header["Content-Length"] = length
end

-- body: table (sent as JSON), string (sent as is) or nil (empty).
function respond.send(status, body, headers, content_type)
  if type(body) == "table" then body = json.encode(body) end
  body = body or ""
  headers_out(status, headers, content_type, #body)
  if body ~= "" then ngx.print(body) else ngx.send_headers() end
  return ngx.exit(ngx.HTTP_OK)
end

-- Announces the whole body's length (plus some) but sends only its first half, then drops the
-- connection: the client sees a partial transfer.
function respond.truncated(status, body, headers, content_type)
  if type(body) == "table" then body = json.encode(body) end
  body = body or ""
  local part = body:sub(1, math.floor(#body / 2))
  headers_out(status, headers, content_type, #body + 64)
  ngx.print(part)
  ngx.flush(true)
  return ngx.exit(ngx.ERROR)
end

-- Sends the headers at once, then the body in DRIP_PIECES pieces with a wait of `every` seconds before
-- each: a slow transfer, or a stalled one when the wait is long. Stops when the client has gone.
local DRIP_PIECES = 10
function respond.dripped(status, body, headers, content_type, every)
  if type(body) == "table" then body = json.encode(body) end
  body = body or ""
  headers_out(status, headers, content_type, #body)
  ngx.send_headers()
  if not ngx.flush(true) then return ngx.exit(ngx.ERROR) end
  local size = math.ceil(#body / DRIP_PIECES)
  for at = 1, #body, size do
    ngx.sleep(every)
    ngx.print(body:sub(at, at + size - 1))
    if not ngx.flush(true) then return ngx.exit(ngx.ERROR) end
  end
  return ngx.exit(ngx.HTTP_OK)
end

-- Writes `text` on the request's raw connection (its body was read), for bytes nginx itself would never
-- send, then closes it: returning ends the raw request. ngx_lua has no raw connection over HTTP/2: there
-- the stream is reset instead (as by `drop`).
local function send_raw_then_close(text)
  local sock = ngx.req.socket(true)
  if not sock then return respond.drop() end
  sock:send(text)
end

-- Sends the status line and header fields of the answer, but not the empty line that ends them, then
-- closes the connection: the client has no proof the answer is whole.
function respond.cut_head(status, headers, content_type)
  local lines = { "HTTP/1.1 " .. status .. " Cut Short", "Content-Type: " .. (content_type or JSON_TYPE) }
  for k, v in pairs(headers or {}) do lines[#lines + 1] = k .. ": " .. v end
  lines[#lines + 1] = "Content-Length: 2"
  return send_raw_then_close(table.concat(lines, "\r\n") .. "\r\n")
end

-- Sends an interim 100 Continue, whole, then closes the connection without the final answer.
function respond.interim()
  return send_raw_then_close("HTTP/1.1 100 Continue\r\n\r\n")
end

-- Closes the connection without a response (nginx's 444).
function respond.drop()
  return ngx.exit(444)
end

return respond
