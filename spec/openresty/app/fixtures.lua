-- luacheck: globals ngx
-- Hand-made upstream answers for the cosocket transport's HTTP and decoding paths.
--
--   /fixture/<encoding>/…  a JSON body sent with that Content-Encoding (gzip: by nginx's gzip filter)
--   /raw/<name>/…          raw bytes on the request's socket, for what nginx itself would never send:
--                          a string sent at once, or a function that writes (slowly, or endlessly) itself
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
  gzip_zlib = function(text) return encode.deflate(text), "gzip" end, -- zlib-wrapped, labelled gzip
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

-- Sends `bytes` one at a time, `every` seconds apart: a server that trickles (nginx restarts a cosocket's
-- timeout on every byte). Stops when the client has gone.
local function trickle(sock, bytes, every)
  for i = 1, #bytes do
    ngx.sleep(every)
    if not sock:send(bytes:sub(i, i)) then return end
  end
end

-- Sends `size` bytes of `char` as fast as the client takes them: a line that does not end. Stops when the
-- client has gone.
local function flood(sock, char, size)
  local piece = string.rep(char, 65536)
  for _ = 1, size / #piece do
    if not sock:send(piece) then return end
  end
end

local function nested_gzip(text, layers)
  for _ = 1, layers do text = encode.gzip(text) end
  return text
end

local function stacked(layers)
  local body, names = nested_gzip('{"id":"stacked"}', layers), {}
  for i = 1, layers do names[i] = "gzip" end
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: "
    .. table.concat(names, ", ") .. "\r\nContent-Length: " .. #body .. "\r\nConnection: close\r\n\r\n" .. body
end

local RAW = {
  close_delimited = function(text)
    return "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" .. text
  end,
  continue_folded = function(text)
    return "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      .. "X-Folded: first\r\n   second\r\nX-Twice: 1\r\nX-Twice: 2\r\n  more\r\nConnection: close\r\n"
      .. "Content-Length: " .. #text .. "\r\n\r\n" .. text
  end,
  -- 2,000 repeats of one name, every tenth folded onto a second line, interleaved with another name
  many_repeats = function(text)
    local lines = {}
    for i = 1, 2000 do
      lines[#lines + 1] = "X-Many: v" .. i .. (i % 10 == 0 and "\r\n\tf" .. i or "") .. "\r\nX-Other: o\r\n"
    end
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" .. table.concat(lines)
      .. "Connection: close\r\nContent-Length: " .. #text .. "\r\n\r\n" .. text
  end,
  chunked_trailers = function(text)
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
      .. "Connection: close\r\n\r\n" .. chunked(text, 1000) .. "0\r\nX-Trailer: done\r\n\r\n"
  end,
  truncated_chunked = function(text)
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
      .. chunked(text:sub(1, 5000), 1000)
  end,
  -- the connection closes inside the header block (no empty line yet), or after an interim answer
  head_cut = function()
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Len"
  end,
  head_cut_429 = function()
    return "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 2\r\n"
  end,
  interim_close = function()
    return "HTTP/1.1 100 Continue\r\n\r\n"
  end,
  interim_cut = function()
    return "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n"
  end,
  -- transfer codings nobody asked for (no request says TE), close-delimited and chunked; and the two allowed
  te_gzip = function(text)
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n"
      .. "Connection: close\r\n\r\n" .. encode.gzip(text)
  end,
  te_gzip_chunked = function(text)
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n"
      .. "Connection: close\r\n\r\n" .. chunked(encode.gzip(text), 1000) .. "0\r\n\r\n"
  end,
  te_second_field = function()
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
      .. "Transfer-Encoding: , Deflate \r\nConnection: close\r\n\r\n0\r\n\r\n"
  end,
  te_allowed = function()
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: Identity, CHUNKED\r\n"
      .. "Connection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
  end,
  huge_length = function()
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{}"
  end,
  not_http = function()
    return "SSH-2.0-OpenSSH_9.2\r\n\r\n"
  end,
  -- a body of 16 bytes, one every 0.25 s
  trickle_body = function(_, sock)
    sock:send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\nConnection: close\r\n\r\n")
    trickle(sock, '{"id":"trickle"}', 0.25)
  end,
  -- a header line whose 16 bytes come one every 0.25 s
  trickle_head = function(_, sock)
    sock:send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: ")
    trickle(sock, "abcdefghijklmnop", 0.25)
    sock:send("\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
  end,
  -- lines that do not end (8 MB of them before the server gives up)
  long_header = function(_, sock)
    sock:send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Long: ")
    flood(sock, "a", 8 * 1024 * 1024)
  end,
  long_chunk_size = function(_, sock)
    sock:send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    flood(sock, "0", 8 * 1024 * 1024)
  end,
  long_trailer = function(_, sock)
    sock:send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
      .. "2\r\n{}\r\n0\r\nX-Trailer: ")
    flood(sock, "a", 8 * 1024 * 1024)
  end,
  -- Content-Encoding: libcurl takes at most 5
  stacked_5 = function() return stacked(5) end,
  stacked_6 = function() return stacked(6) end,
  -- status lines and headers libcurl refuses, and a 101 nobody asked for
  status_099 = function()
    return "HTTP/1.1 099 Early\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
  end,
  status_2000 = function()
    return "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
  end,
  no_colon = function()
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nNo colon here\r\nContent-Length: 2\r\n"
      .. "Connection: close\r\n\r\n{}"
  end,
  switching = function()
    -- libcurl reads an unasked-for 101 as final, its body up to the end of the connection
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: something\r\nContent-Length: 0\r\n\r\nswitched"
  end,
  -- a header value of 60000 spaces inside: trimming it must not take quadratic time
  spaced_value = function()
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Spaced: a" .. string.rep(" ", 60000)
      .. "b  \r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
  end,
  -- repeated headers: the engine goes by the last value, as the C engine does
  retry_after_twice = function()
    return "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
      .. "Retry-After: 1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
  end,
  replayed_twice = function()
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nIdempotent-Replayed: true\r\n"
      .. "Idempotent-Replayed: true\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
  end,
  -- folds onto empty values, a name that is not a token (and its fold), a fold that makes a replay mark
  folded_fields = function()
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Empty: \t\r\n\t a \r\nX-A: a\r\n"
      .. "Bad Name: x\r\n 000\r\nX-B : b\r\n folded\r\nIdempotent-Replayed:\r\n true\r\n"
      .. "Content-Length: 2\r\nConnection: close\r\n\r\n{}"
  end,
  folded_not_replayed = function()
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nIdempotent-Replayed: true\r\n really\r\n"
      .. "Content-Length: 2\r\nConnection: close\r\n\r\n{}"
  end,
  retry_after_folded = function()
    return "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
      .. "Bad Name: x\r\n 000\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
  end,
  -- two Content-Length headers that disagree: where the body ends is unknown (RFC 9112 6.3)
  length_twice = function()
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 16\r\n"
      .. 'Connection: close\r\n\r\n{}{"id":"second"}'
  end,
  length_same_twice = function()
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 2\r\n"
      .. "Connection: close\r\n\r\n{}"
  end,
  -- a complete answer followed by stray bytes on a connection left open: how long until the client closes it
  -- (results "raw:stray_bytes")
  stray_bytes = function(_, sock)
    sock:send('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}JUNK')
    ngx.update_time()
    local started = ngx.now()
    sock:settimeout(3000)
    sock:receive(1)
    ngx.update_time()
    ngx.shared.results:set("raw:stray_bytes", cjson.encode(ngx.now() - started))
  end,
}

-- A server that takes a request body slowly: 64 KB every 0.1 s, for at most 6 s, then answers (or has
-- gone, when the client gave up). nginx restarts a cosocket's send timeout on every write that makes
-- progress, so a send waiting for the whole request would last as long as such a server keeps reading.
RAW.slow_reader = function(_, sock)
  ngx.update_time()
  local ends = ngx.now() + 6
  sock:settimeout(200)
  while ngx.now() < ends do
    local _, err = sock:receive(65536)
    if err == "closed" then return end
    ngx.sleep(0.1)
    ngx.update_time()
  end
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\nConnection: close\r\n\r\n"
    .. '{"id":"slow"}'
end

function M.raw(uri)
  local name = uri:match("^/raw/([%w_]+)")
  local make = RAW[name]
  local sock = assert(ngx.req.socket(true))
  local bytes = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
  if make then bytes = make(M.document(name), sock) end
  if bytes then sock:send(bytes) end
  -- Returning ends the raw request and closes the connection: close-delimited bodies end here.
end

return M
