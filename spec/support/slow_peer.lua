-- A peer that is slow on purpose, for the OpenResty specs (plain Lua with LuaSocket, run as its own
-- process): a DNS server on UDP that answers every A question with 127.0.0.1 after DELAY seconds (a name
-- whose first label starts with "nxdomain" with "no such name"), and a
-- TCP port that takes connections (the kernel completes them) but never reads: a TLS handshake there
-- waits until the client gives up.
--
--   lua5.4 spec/support/slow_peer.lua DELAY PORTS_FILE [LIFE]
--
-- Writes "DNS_PORT TCP_PORT" to PORTS_FILE once both listen, and exits after LIFE seconds (default 120).
local socket = require("socket")

local delay, ports_file, life = tonumber(arg[1]), arg[2], tonumber(arg[3] or 120)

local udp = assert(socket.udp())
assert(udp:setsockname("127.0.0.1", 0))
local tcp = assert(socket.bind("127.0.0.1", 0, 64))
local _, dns_port = udp:getsockname()
local _, tcp_port = tcp:getsockname()
local f = assert(io.open(ports_file .. ".tmp", "w"))
f:write(dns_port, " ", tcp_port, "\n")
f:close()
assert(os.rename(ports_file .. ".tmp", ports_file))

-- The answer to `query` (a header and one question, as nginx's resolver asks): A questions get
-- 127.0.0.1, others no record; a name whose first label starts with "nxdomain" gets NXDOMAIN (rcode 3).
local function answer(query)
  local name_end = query:find("\0", 13, true)
  local question = query:sub(13, name_end + 4)
  if question:sub(2, 9) == "nxdomain" then return query:sub(1, 2) .. "\129\131\0\1\0\0\0\0\0\0" .. question end
  local qtype = question:sub(-4, -3)
  local is_a = qtype == "\0\1"
  local head = query:sub(1, 2) .. "\129\128\0\1" .. (is_a and "\0\1" or "\0\0") .. "\0\0\0\0"
  local record = is_a and ("\192\12\0\1\0\1\0\0\0\60\0\4\127\0\0\1") or ""
  return head .. question .. record
end

udp:settimeout(0.2)
local ends = socket.gettime() + life
while socket.gettime() < ends do
  local query, ip, port = udp:receivefrom()
  if query and #query > 17 then
    socket.sleep(delay)
    udp:sendto(answer(query), ip, port)
  end
end
tcp:close()
