-- luacheck: globals ngx
-- Hand-made upstream answers for the cosocket transport's HTTP and decoding paths.
--
--   /fixture/<encoding>/…  a JSON body sent with that Content-Encoding (gzip: by nginx's gzip filter)
--   /raw/<name>/…          raw bytes on the request's socket, for what nginx itself would never send
local cjson = require("cjson")
local encode = require("openresty.app.encode")

local M = {}

--- The JSON every fixture carries: big enough that compression and several reads are real.
function M.document(label)
  return cjson.encode({ id = "fixture", label = label, padding = string.rep("onesignal lua ", 3000) })
end

local ENCODERS = {
  identity = function(text) return text, nil end,
  deflate = function(text) return encode.deflate(text), "deflate" end,
  deflate_raw = function(text) return encode.raw_deflate(text), "deflate" end,
  br = function(text) return encode.br(text), "br" end,
  zstd = function(text) return encode.zstd(text), "zstd" end,
  gzip_br = function(text) return encode.br(encode.gzip(text)), "gzip, br" end,
  bomb = function() return encode.gzip(string.rep("\0", 8 * 1024 * 1024)), "gzip" end,
  bad = function() return "this is not gzip at all", "gzip" end,
  cut = function(text) local z = encode.zstd(text) return z:sub(1, #z - 8), "zstd" end,
}

function M.encoded(uri)
  local name = uri:match("^/fixture/([%w_]+)")
  local text = M.document(name)
  ngx.header.content_type = "application/json"
  if name == "gzip" then return ngx.print(text) end -- nginx's gzip filter compresses it (chunked)
  local encoder = ENCODERS[name]
  if not encoder then
    ngx.status = 404
    return ngx.print('{"errors":["no fixture ' .. tostring(name) .. '"]}')
  end
  local bytes, coding = encoder(text)
  if coding then ngx.header["Content-Encoding"] = coding end
  ngx.header.content_length = #bytes
  ngx.print(bytes)
end

local function chunked(text, size)
  local parts = {}
  for i = 1, #text, size do
    local piece = text:sub(i, i + size - 1)
    parts[#parts + 1] = string.format("%x;note=%d\r\n%s\r\n", #piece, i, piece)
  end
  return table.concat(parts)
end

local RAW = {
  close_delimited = function(text)
    return "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" .. text
  end,
  continue_folded = function(text)
    return "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      .. "X-Folded: first\r\n   second\r\nX-Twice: 1\r\nX-Twice: 2\r\nConnection: close\r\n"
      .. "Content-Length: " .. #text .. "\r\n\r\n" .. text
  end,
  chunked_trailers = function(text)
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
      .. "Connection: close\r\n\r\n" .. chunked(text, 1000) .. "0\r\nX-Trailer: done\r\n\r\n"
  end,
  truncated_chunked = function(text)
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
      .. chunked(text:sub(1, 5000), 1000)
  end,
  huge_length = function()
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{}"
  end,
  not_http = function()
    return "SSH-2.0-OpenSSH_9.2\r\n\r\n"
  end,
}

function M.raw(uri)
  local name = uri:match("^/raw/([%w_]+)")
  local make = RAW[name]
  local sock = assert(ngx.req.socket(true))
  sock:send(make and make(M.document(name)) or "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
  -- Returning ends the raw request and closes the connection: close-delimited bodies end here.
end

return M
