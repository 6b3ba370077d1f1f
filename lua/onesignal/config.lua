--- Options of `onesignal.new`: defaults, environment fallbacks and checks.
-- @module onesignal.config

local json = require("onesignal.json")
local core = require("onesignal.core")
local quote = require("onesignal.quote")
local order = require("onesignal.order")

local M = {}

M.DEFAULT_BASE_URL = "https://api.onesignal.com"
-- The C core refuses more (src/session_lua.c); checking here names the caller's option at the caller's line.
M.MAX_RETRIES = 1000000
-- The longest time, in seconds, that an option, a setting of client:with or a wait (poll, run, sleep, an
-- export's waits) may give: just under 2^31 ms (24.8 days). libcurl and the C core count a limit in ms in a
-- C long, and took one of 2^31 ms or more for no limit at all, while cosockets cut it to 2^31 - 1 ms: the
-- two transports disagreed, silently. So long a wait is far more likely seconds given as ms than a wish.
M.MAX_SECONDS = 2147483

-- What the caller gave, for a message: the value itself when it is a number (a negative one is a number
-- too, so "got number" would not say what was wrong), else its type.
local function got(v)
  return type(v) == "number" and json.number_text(v) or type(v)
end

--- What is wrong with `value` as a number of seconds (`positive`: zero is refused too), as the end of a
-- message ("must be …, got …"); nil when it is fine. `shown` (optional) is what the message says was
-- given, for a caller that had text. Every time a caller gives is checked with it, so all say the same.
function M.seconds_problem(value, positive, shown)
  if type(value) == "number" and value <= M.MAX_SECONDS and (value > 0 or (value == 0 and not positive)) then
    return nil
  end
  return "must be " .. (positive and "a positive" or "a non-negative") .. " number of seconds, at most "
    .. M.MAX_SECONDS .. " (24.8 days), got " .. (shown or got(value))
end

-- name → { type, default }. Types: "string", "number", "integer", "boolean", "function".
local OPTIONS = {
  rest_api_key = { "string" },
  organization_api_key = { "string" },
  app_id = { "string" },
  base_url = { "string" },
  timeout = { "number", 30 },
  connect_timeout = { "number", 10 },
  deadline = { "number" },
  max_retries = { "integer", 3 },
  retry_base_delay = { "number", 0.5 },
  retry_max_delay = { "number", 30 },
  user_agent = { "string" },
  proxy = { "string" },
  ca_file = { "string" },
  insecure = { "boolean", false },
  allow_http = { "boolean", false },
  http_version = { "string" },
  max_body_size = { "integer", 64 * 1024 * 1024 },
  max_concurrency = { "integer", 64 },
  max_connections = { "integer" },
  on_attempt = { "function" },
  transport = { "string" },
  dry_run = { "boolean", false },
}
-- Their names in a fixed order, the order they are checked in: of several wrong options the same one is
-- named on every run (pairs' order changes from one process to the next with the seed of the string hash).
local NAMES = order.keys(OPTIONS)

local DESCRIPTION = {
  string = "a string", integer = "an integer of at most 2^53", boolean = "a boolean", ["function"] = "a function",
}

-- The options of type "number" (all times in seconds) that zero would break: waits of zero seconds would
-- end every request before it starts. The retry delays may be zero.
local POSITIVE = { timeout = true, connect_timeout = true, deadline = true }

local ENVIRONMENT = {
  rest_api_key = "ONESIGNAL_REST_API_KEY",
  organization_api_key = "ONESIGNAL_ORGANIZATION_API_KEY",
  app_id = "ONESIGNAL_APP_ID",
  base_url = "ONESIGNAL_API_URL",
}

-- Text options an empty string leaves at their default (see resolve).
local EMPTY_MEANS_DEFAULT = { user_agent = true, ca_file = true }

local HTTP_VERSIONS = { ["1.1"] = true, ["2"] = true, ["2-prior-knowledge"] = true }
local TRANSPORTS = { curl = true, ngx = true }
-- The proxy schemes libcurl can use (a proxy without one is http; "socks" is socks4, as desktop proxy
-- settings write all_proxy). With any other, libcurl fails each attempt as a connection it could not make
-- ("Unsupported proxy scheme"), which is retried as a refused connection would be: every call would fail
-- slowly with reason "connect".
local PROXY_SCHEMES = { http = true, https = true, socks = true, socks4 = true, socks4a = true, socks5 = true,
  socks5h = true }
local PROXY_SCHEME_LIST = "http, https, socks, socks4, socks4a, socks5 or socks5h (none: http)"

local function fail(message)
  error({ usage = "onesignal.new: " .. message }, 0)
end

-- The C core takes integers up to 2^53 (exact in a double); beyond that it would raise from inside the
-- library, naming its own field rather than the option.
local MAX_INTEGER = 2 ^ 53
local function is_integer(v)
  return type(v) == "number" and v == math.floor(v) and v >= -MAX_INTEGER and v <= MAX_INTEGER
end

-- A value that becomes part of a header line must not be able to start another header; the C core refuses
-- every control character (tab included) in them, so this refuses the same, at the caller's line.
-- `what`: the option as messages name it (see resolve's `named`).
local function check_header_safe(what, value)
  if value:find("%c") then fail(what .. " contains a control character (CR, LF, NUL, tab, …)") end
end

local LOOPBACK = { ["127.0.0.1"] = true, ["localhost"] = true, ["[::1]"] = true }

-- `url` as a message may quote it: a user name and password before its host (base_url takes none, but
-- one mistyped without its scheme is quoted whole) shown as "[REDACTED]".
local function without_userinfo(url)
  local prefix = url:match("^[^/?#]*//") or ""
  local at = url:sub(#prefix + 1):match("^[^/?#]*"):match("^.*()@")
  if not at then return url end
  return prefix .. "[REDACTED]" .. url:sub(#prefix + at)
end

-- Only https, unless the host is this machine or the caller says plain http is fine. `hide(text)` removes
-- the keys from what a message quotes of the URL: a key put there by mistake (ONESIGNAL_API_URL set to
-- one, options mixed up) must not show in a Lua error, which gets logged. `what` names the option.
local function check_base_url(url, allow_http, hide, what)
  local scheme, host = url:match("^(%a[%w+.-]*)://([^/?#]+)")
  if not scheme then
    fail(what .. " must look like https://host[:port][/prefix], got '" .. hide(without_userinfo(url)) .. "'")
  end
  scheme = scheme:lower()
  if scheme ~= "https" and scheme ~= "http" then
    fail(what .. " must use https" .. (allow_http and " or http" or "") .. ", got " .. hide(scheme))
  end
  -- libcurl reads http://127.0.0.1:80@host as user "127.0.0.1", password "80" and host `host`: the loopback
  -- check below would take that for loopback and let the key travel unencrypted to `host`. A base URL never
  -- needs a user name, so none is taken.
  if host:find("@", 1, true) then
    fail(what .. " must not carry a user name or password (user@host); the keys go in"
      .. " rest_api_key and organization_api_key")
  end
  -- libcurl takes a URL without a host, or with a port that is no number, and fails every call with a
  -- network error; an empty or zero port it takes for 80 or 0, and retries the refused connection. The
  -- cosocket transport refuses them all: so does this, for both.
  local name, port = host:match("^(%[[^%]]*%])(.*)$")
  if not name then name, port = host:match("^([^:]*)(.*)$") end
  local problem = name == "" and "has no host"
  if not problem and port ~= "" then
    local number = tonumber(port:match("^:(%d+)$"))
    if not number or number < 1 or number > 65535 then problem = "has a bad port '" .. quote.key(port, hide) .. "'" end
  end
  if problem then fail(what .. " " .. problem .. " (https://host[:port][/prefix], port 1 to 65535)") end
  if scheme == "http" and not allow_http and not LOOPBACK[name:lower()] then
    fail(what .. " uses plain http to " .. hide(name) .. "; keys would travel unencrypted"
      .. " (use https, or allow_http = true)")
  end
  if url:find("[?#]") then fail(what .. " must not carry a query or fragment") end
  if url:find(" ", 1, true) then fail(what .. " must not contain spaces (percent-encode them)") end
  check_header_safe(what, url)
  -- The scheme in lower case: the C core (and the checks that compare it, such as the h2c refusal in
  -- transport/curl.lua) read it so, and "HTTPS://host" is the same URL (RFC 3986, section 3.1).
  return scheme .. (url:gsub("^%a[%w+.-]*", "", 1):gsub("/+$", ""))
end

-- Over https HTTP/2 carries many requests per connection, but libcurl opens a new connection for every
-- request started before the first one has negotiated it: 1,024 requests at once make ~900 TLS connections.
-- A cap makes the rest wait briefly and multiplex (16 connections carry 1,600 streams). Plain HTTP/1.1 needs
-- a connection per request in flight, so it gets no cap.
M.HTTP2_CONNECTIONS = 16
function M.default_max_connections(base_url, http_version)
  if base_url:match("^[Hh][Tt][Tt][Pp][Ss]:") and http_version ~= "1.1" then return M.HTTP2_CONNECTIONS end
  if http_version == "2-prior-knowledge" then return M.HTTP2_CONNECTIONS end
  return nil
end

-- Whether libcurl's no_proxy list `list` exempts `host` (lower case, without brackets), or might: "*", or an
-- entry equal to the host or a domain it is in (a leading dot ignored), as libcurl reads it. For a host that
-- is an address, an entry this does not read as libcurl does (a range such as 10.0.0.0/8, an IPv6 address)
-- counts as exempting it: a proxy is refused below only when libcurl would surely use it.
local function exempted(host, list)
  if list:match("^%s*%*%s*$") then return true end
  local address = host:find("^[%d.]+$") or host:find(":", 1, true)
  for entry in list:gmatch("[^,%s]+") do
    entry = entry:lower():gsub("^%.", ""):gsub("%.$", "")
    if entry == host or host:sub(-#entry - 1) == "." .. entry or (address and entry:find("[/:%[]")) then
      return true
    end
  end
  return false
end

-- The proxy libcurl would take from the environment for the absolute URL `url` when its scheme is one
-- libcurl cannot use: the variable's name and the scheme; nil when there is none.
-- libcurl's rules: for an https URL https_proxy, else HTTPS_PROXY, for an http one http_proxy alone (never
-- HTTP_PROXY), else all_proxy, else ALL_PROXY; an empty variable counts as unset, and no_proxy (else
-- NO_PROXY) may exempt the host. Such a proxy would fail every attempt as a connection not made, retried.
local function unusable_environment_proxy(url, getenv)
  local function variable(name)
    local value = getenv(name)
    if value ~= nil and value ~= "" then return value end
  end
  local scheme, authority = url:match("^(%a[%w+.-]*)://([^/?#]+)")
  if not scheme then return nil end
  scheme = scheme:lower()
  local names = scheme == "https" and { "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" }
    or { "http_proxy", "all_proxy", "ALL_PROXY" }
  local name, proxy
  for _, candidate in ipairs(names) do
    proxy = variable(candidate)
    if proxy then name = candidate break end
  end
  local proxy_scheme = proxy and proxy:match("^([%a][%w+.-]*)://")
  if not proxy_scheme or PROXY_SCHEMES[proxy_scheme:lower()] then return nil end
  local host = authority:lower():match("^%[(.*)%]") or authority:lower():gsub(":%d*$", "")
  local no_proxy = variable("no_proxy") or variable("NO_PROXY")
  if no_proxy and exempted(host, no_proxy) then return nil end
  return name, proxy_scheme
end

-- The start of the message about such a proxy: it names the variable and the scheme, never the rest of
-- the variable's URL (its user and password).
local function unusable_proxy_text(name, proxy_scheme, hide)
  return "$" .. name .. " has the scheme '" .. quote.key(proxy_scheme, hide) .. "', which libcurl cannot use: "
    .. PROXY_SCHEME_LIST
end

--- The problem with the proxy libcurl would take from the environment for `cfg` (a resolved configuration
-- without option `proxy`), as a message (without the caller's name); nil when there is none. `getenv` is
-- `os.getenv` unless a test passes another.
function M.environment_proxy_problem(cfg, getenv)
  if cfg.proxy ~= nil then return nil end -- the option wins ("" is no proxy), as in libcurl
  local name, proxy_scheme = unusable_environment_proxy(cfg.base_url, getenv or os.getenv)
  if not name then return nil end
  local function hide(text) return core.redact(text, cfg.rest_api_key, cfg.organization_api_key) end
  return unusable_proxy_text(name, proxy_scheme, hide) .. "; every call would fail connecting. Correct or unset"
    .. " it, or name the API's host in $no_proxy"
end

--- The same problem for the URL of an export's file, on another host than the API's, which a client
-- without option `proxy` fetches through the environment's proxy as well; nil when there is none. `hide`
-- takes the client's keys out of text.
function M.file_proxy_problem(url, hide, getenv)
  local name, proxy_scheme = unusable_environment_proxy(url, getenv or os.getenv)
  if not name then return nil end
  return unusable_proxy_text(name, proxy_scheme, hide) .. "; the file could not be fetched (libcurl would fail"
    .. " connecting). Correct or unset it, or name the file's host in $no_proxy"
end

--- Returns the checked configuration: every option with its default or environment value.
-- `getenv` is `os.getenv` unless a test passes another.
function M.resolve(options, getenv)
  getenv = getenv or os.getenv
  if options ~= nil and type(options) ~= "table" then fail("options must be a table") end
  options = options or {}
  -- Takes the keys this configuration carries (given, else from the environment) out of what a message
  -- quotes of the caller's words: a key put where an option's name or the base URL belongs must not show.
  local function hide(text)
    local keys = {}
    for i, name in ipairs({ "rest_api_key", "organization_api_key" }) do
      local key = options[name]
      if key == nil or key == "" then key = getenv(ENVIRONMENT[name]) end
      keys[i] = type(key) == "string" and key or ""
    end
    return core.redact(text, keys[1], keys[2])
  end
  local unknown = order.first_unknown(options, OPTIONS)
  if unknown ~= nil then fail("unknown option '" .. quote.key(unknown, hide) .. "'") end
  local cfg, from_env = {}, {}
  for _, name in ipairs(NAMES) do
    local spec = OPTIONS[name]
    local value = options[name]
    -- An empty key or app_id counts as not given, as an empty environment variable does (a
    -- `rest_api_key = os.getenv(...)` whose variable is set but empty): an empty key would pass the
    -- credential check and then be refused by the engine, and an empty app_id would be sent in bodies.
    -- An empty base_url stays an error: taking it as not given would send to the live API. An empty
    -- user_agent or ca_file is not given either (the library's own User-Agent alone, the system store),
    -- rather than a stray space before the User-Agent and a TLS failure on every call. (An empty proxy
    -- means "no proxy" to libcurl, so it keeps its meaning.)
    if value == "" and (ENVIRONMENT[name] and name ~= "base_url" or EMPTY_MEANS_DEFAULT[name]) then value = nil end
    if value == nil and ENVIRONMENT[name] then
      value = getenv(ENVIRONMENT[name])
      if value == "" then value = nil end
      from_env[name] = value ~= nil
    end
    if value == nil then value = spec[2] end
    if value ~= nil then
      local want = spec[1]
      local problem
      if want == "number" then
        problem = M.seconds_problem(value, POSITIVE[name])
      elseif not ((want == "integer" and is_integer(value)) or type(value) == want) then
        problem = "must be " .. DESCRIPTION[want] .. ", got " .. got(value)
      end
      if problem then fail("option '" .. name .. "' " .. problem) end
    end
    cfg[name] = value
  end
  -- A value the program did not give is named with the variable it came from: else its user would look
  -- for the option in the code.
  local function named(name)
    return "option '" .. name .. "'" .. (from_env[name] and " (from $" .. ENVIRONMENT[name] .. ")" or "")
  end
  for _, name in ipairs({ "rest_api_key", "organization_api_key", "app_id", "user_agent", "proxy" }) do
    if cfg[name] then check_header_safe(named(name), cfg[name]) end
  end
  cfg.base_url = check_base_url(cfg.base_url or M.DEFAULT_BASE_URL, cfg.allow_http, hide, named("base_url"))
  if cfg.http_version and not HTTP_VERSIONS[cfg.http_version] then
    fail("option 'http_version' must be \"1.1\", \"2\" or \"2-prior-knowledge\"")
  end
  local proxy_scheme = cfg.proxy and cfg.proxy:match("^([%a][%w+.-]*)://")
  if proxy_scheme and not PROXY_SCHEMES[proxy_scheme:lower()] then
    fail(named("proxy") .. " has the scheme '" .. quote.key(proxy_scheme, hide) .. "', which libcurl cannot use: "
      .. PROXY_SCHEME_LIST)
  end
  if cfg.transport and not TRANSPORTS[cfg.transport] then
    fail("option 'transport' must be \"curl\" or \"ngx\"")
  end
  if cfg.max_retries < 0 then fail("option 'max_retries' must not be negative") end
  if cfg.max_retries > M.MAX_RETRIES then fail("option 'max_retries' must be at most " .. M.MAX_RETRIES) end
  if cfg.max_body_size < 0 then fail("option 'max_body_size' must not be negative") end
  if cfg.max_concurrency < 1 then fail("option 'max_concurrency' must be at least 1") end
  if cfg.max_connections == nil then
    cfg.max_connections = M.default_max_connections(cfg.base_url, cfg.http_version)
  elseif cfg.max_connections < 1 then
    fail("option 'max_connections' must be at least 1")
  end
  return cfg
end

return M
