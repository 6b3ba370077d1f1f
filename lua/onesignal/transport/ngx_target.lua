--- Where the cosocket transport connects: the parts of the base URL, the Host header libcurl would send,
-- the address to connect to, the TLS server name and the keep-alive pool name.
--
-- nginx's resolver asks DNS only, while libcurl (getaddrinfo) reads /etc/hosts first. Names found in
-- /etc/hosts are connected to by address here, so `localhost` and other local names work as they do with
-- libcurl, and need no `resolver` directive; every other name goes to nginx's resolver.
-- @module onesignal.transport.ngx_target

local M = {}

local DEFAULT_PORT = { http = 80, https = 443 }

local hosts -- lower-cased name → address, read once per process

local function load_hosts(path)
  local map = {}
  local fh = io.open(path, "r")
  if not fh then return map end
  for line in fh:lines() do
    local address, names = line:gsub("#.*$", ""):match("^%s*(%S+)%s+(.-)%s*$")
    if address then
      local v4 = address:find("^%d+%.%d+%.%d+%.%d+$") ~= nil
      if not v4 then address = "[" .. address .. "]" end -- cosockets take IPv6 literals in brackets
      for name in names:gmatch("%S+") do
        name = name:lower()
        -- The first line naming a host wins, an IPv4 address over IPv6 (nginx may run without IPv6).
        local known = map[name]
        if not known or (v4 and not known:find("^%d")) then map[name] = address end
      end
    end
  end
  fh:close()
  return map
end

--- The address /etc/hosts gives for `name`, or nil. `path` is for tests. `localhost` and names under
-- `.localhost` are this machine even where /etc/hosts does not say so (RFC 6761; libcurl answers them
-- itself too).
function M.lookup(name, path)
  name = name:lower()
  local map
  if path then map = load_hosts(path) else
    hosts = hosts or load_hosts("/etc/hosts")
    map = hosts
  end
  local address = map[name]
  if not address and (name == "localhost" or name:find("%.localhost$")) then address = "127.0.0.1" end
  return address
end

--- Parses a base URL (already checked by onesignal.config). Returns the target, or nil and a message.
-- verify: whether TLS certificates are checked (part of the pool name: a connection made without
-- checking must never serve a client that checks).
function M.parse(base_url, verify)
  local scheme, authority, prefix = base_url:match("^(%a[%w+.-]*)://([^/?#]*)(.*)$")
  if not scheme then return nil, "cannot parse base_url" end
  scheme = scheme:lower()
  if authority:find("@", 1, true) then return nil, "base_url must not carry a user name or password" end
  local host, port = authority:match("^(%[[^%]]+%])(.*)$")
  if not host then host, port = authority:match("^([^:]*)(.*)$") end
  if host == "" then return nil, "base_url has no host" end
  if port ~= "" then
    port = port:match("^:(%d+)$")
    if not port or tonumber(port) < 1 or tonumber(port) > 65535 then return nil, "base_url has a bad port" end
    port = tonumber(port)
  else
    port = DEFAULT_PORT[scheme]
  end
  local literal = host:find("^%[") or host:find("^%d+%.%d+%.%d+%.%d+$")
  local tls = scheme == "https"
  local t = {
    scheme = scheme,
    host = host,
    port = port,
    prefix = prefix,
    tls = tls,
    verify = verify,
    -- libcurl leaves the port out when it is the scheme's own
    host_header = port == DEFAULT_PORT[scheme] and host or (host .. ":" .. port),
    -- The name sent in TLS (SNI) and that nginx checks the certificate against: none for an IPv4 or IPv6
    -- address, which RFC 6066 section 3 keeps out of SNI (libcurl sends none either) and which nginx
    -- cannot check a certificate against (see ngx_exchange).
    server_name = not literal and host or nil,
    literal = literal ~= nil,
  }
  t.pool = table.concat({ "onesignal", scheme, host:lower(), port, tls and (verify and "verify" or "noverify") or "" },
    "|")
  return t
end

--- The host to hand to `sock:connect`: an address literal as it is, a name from /etc/hosts by its
-- address, any other name as it is (for nginx's resolver); and whether it goes to the resolver.
function M.connect_host(t)
  if t.literal then return t.host, false end
  local address = M.lookup(t.host)
  if address then return address, false end
  return t.host, true
end

return M
