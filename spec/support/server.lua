-- Starts and stops the local test server (nginx + Lua, see spec/server/README.md) from busted.
--
--   local server = require("support.server")
--   local srv = server.start{ tls = true, h2 = true }   -- also: bench, delay, workers
--   ... srv.url, srv.https_url, srv.ca_file, srv.rest_key, srv.org_key, srv.app_id, srv.org_id
--   srv:fault{ match = { operation = "create_notification" }, steps = { { status = 503 } } }
--   srv:stop()
--
-- Methods work with ':' and with '.'. Control calls go through the curl CLI, never through the SDK.
-- Each server lives in its own prefix directory under $TMPDIR/onesignal-test-server-<uid>/; a
-- watchdog stops it if this process dies without calling stop(), and start() removes what crashed
-- runs left behind.
local cjson = require("cjson")
local shell = require("server.harness.shell")
local conf = require("server.harness.conf")
local tls = require("server.harness.tls")

local server = {}

local START_TIMEOUT = 5   -- seconds until /__control/health must answer
local PORT_TRIES = 30

local q = shell.quote

local function this_dir()
  local src = debug.getinfo(1, "S").source
  return (src:sub(1, 1) == "@" and src:sub(2) or src):match("^(.*)/[^/]*$") or "."
end

local function absolute(path)
  if path:sub(1, 1) == "/" then return path end
  local cwd = shell.capture("pwd"):gsub("%s+$", "")
  return cwd .. "/" .. path
end

local function normalize(path)
  local out, code = shell.capture("cd " .. q(path) .. " 2>/dev/null && pwd -P")
  if code ~= 0 then return nil end
  return (out:gsub("%s+$", ""))
end

local function repo_root()
  return normalize(absolute(this_dir()) .. "/../..")
end

local uid_cache
local function uid()
  if not uid_cache then uid_cache = shell.capture("id -u"):gsub("%s+$", "") end
  return uid_cache
end

local function base_dir()
  return (os.getenv("TMPDIR") or "/tmp") .. "/onesignal-test-server-" .. uid()
end

local seeded = false
local function seed_random()
  if seeded then return end
  seeded = true
  local fh = io.open("/dev/urandom", "rb")
  local bytes = fh and fh:read(4) or ""
  if fh then fh:close() end
  local n = os.time()
  for i = 1, #bytes do n = n * 256 + bytes:byte(i) end
  math.randomseed(n % 2147483647 + shell.self_pid())
end

local function random_hex(n)
  local t = {}
  for i = 1, n do t[i] = string.format("%x", math.random(0, 15)) end
  return table.concat(t)
end

local function uuid()
  local h = random_hex(32)
  local variant = math.random(1, 4)
  return h:sub(1, 8) .. "-" .. h:sub(9, 12) .. "-4" .. h:sub(14, 16) .. "-"
    .. ("89ab"):sub(variant, variant) .. h:sub(18, 20) .. "-" .. h:sub(21, 32)
end

-- Stops servers whose owning process died without stopping them (crash, kill -9, Ctrl-C).
local function remove_stale(base)
  local listing = shell.capture("ls -1 " .. q(base) .. " 2>/dev/null")
  for name in listing:gmatch("[^\n]+") do
    local dir = base .. "/" .. name
    local owner = tonumber(shell.read_file(dir .. "/owner.pid") or "")
    if owner and not shell.alive(owner) then
      local pid = tonumber(shell.read_file(dir .. "/logs/nginx.pid") or "")
      local cmdline = pid and shell.read_file("/proc/" .. pid .. "/cmdline") or ""
      -- only a pid that still runs nginx from this very prefix (pids get reused)
      if pid and cmdline:find(dir, 1, true) then shell.terminate(pid) end
      shell.run("rm -rf " .. q(dir))
    end
  end
end

local function hard_nofile_limit()
  local out = shell.capture("ulimit -Hn")
  out = out:gsub("%s+$", "")
  if out == "unlimited" then return 65536 end
  return tonumber(out) or 1024
end

-- Watches the owning process from a separate session (so Ctrl-C on busted does not kill it) and
-- cleans up when the owner is gone. Returns the watchdog's pid (= its process group).
local function start_watchdog(prefix, owner)
  local script = table.concat({
    -- a zombie counts as gone: this machine's PID 1 may take its time to reap
    "alive() { s=$(sed 's/.*) //' /proc/$1/stat 2>/dev/null | cut -d' ' -f1); [ -n \"$s\" ] && [ \"$s\" != Z ]; }",
    "tail --pid=" .. owner .. " -f /dev/null 2>/dev/null",
    "pid=$(cat " .. q(prefix .. "/logs/nginx.pid") .. " 2>/dev/null)",
    "if [ -n \"$pid\" ]; then",
    "  kids=$(cat /proc/$pid/task/$pid/children 2>/dev/null)",
    "  kill -TERM $pid 2>/dev/null; i=0",
    "  while alive $pid && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done",
    "  alive $pid && kill -KILL $pid $kids 2>/dev/null",
    "fi",
    "rm -rf " .. q(prefix),
  }, "\n")
  local out = shell.capture("setsid sh -c " .. q(script) .. " >/dev/null 2>&1 </dev/null & echo $!")
  return tonumber(out:match("%d+"))
end

local function stop_watchdog(pid)
  if pid and shell.alive(pid) then
    shell.run("kill -TERM -" .. pid .. " 2>/dev/null")
  end
end

-- The curl command line (as a string) for a request to this server.
local function curl_cmd(url, method, body_file)
  local parts = { "curl -sS --noproxy '*' --max-time 60 -X", method, q(url), "-o - -w '\\n%{http_code}'" }
  if body_file then
    parts[#parts + 1] = "-H 'Content-Type: application/json' --data-binary @" .. q(body_file)
  end
  return table.concat(parts, " ")
end

local Server = {}
Server.__index = Server

-- Calls the control API; returns the decoded answer (errors on anything but 200).
function Server:control(method, path, body)
  local body_file
  if body ~= nil then
    body_file = self.prefix .. "/control-body.json"
    shell.write_file(body_file, type(body) == "string" and body or cjson.encode(body))
  end
  local out, code = shell.capture(curl_cmd(self.url .. "/__control/" .. path, method, body_file) .. " 2>&1")
  local text, status = out:match("^(.*)\n(%d%d%d)$")
  if code ~= 0 or status ~= "200" then
    error(string.format("test server control call %s %s failed (curl exit %s): %s", method, path,
      tostring(code), out), 2)
  end
  return cjson.decode(text)
end

function Server:requests() return self:control("GET", "requests") end
function Server:clear() return self:control("DELETE", "requests") end
function Server:reset() return self:control("POST", "reset") end
function Server:stats() return self:control("GET", "stats") end
function Server:stop_random_faults() return self:control("DELETE", "random_faults") end
function Server:clear_faults() return self:control("DELETE", "faults") end
function Server:pending_faults() return self:control("GET", "faults") end

-- fault{ match = {method=, path=, operation=}, steps = { {status=503}, ... } }
function Server:fault(script)
  assert(type(script) == "table" and type(script.steps) == "table", "fault{ match=, steps= } expected")
  return self:control("POST", "faults", { match = script.match, steps = script.steps })
end

-- fault_on("create_notification", steps): a script for one operation's requests.
function Server:fault_on(operation, steps)
  return self:fault({ match = { operation = operation }, steps = steps })
end

-- The recorded requests of one operation, oldest first; or, with `field`, those whose field has that value
-- (recorded(path, "path")).
function Server:recorded(value, field)
  field = field or "operation"
  local out = {}
  for _, r in ipairs(self:requests()) do
    if r[field] == value then out[#out + 1] = r end
  end
  return out
end

-- random_faults{ match=, rate=, steps=, seed= }
function Server:random_faults(cfg)
  assert(type(cfg) == "table", "random_faults{ match=, rate=, steps=, seed= } expected")
  return self:control("POST", "random_faults", cfg)
end

-- seed{ kind = "notifications"|"templates"|"segments"|"journeys"|"audit_logs", count =, app_id=,
--       attributes = {...} }
function Server:seed(spec)
  assert(type(spec) == "table", "seed{ kind=, count= } expected")
  return self:control("POST", "seed", spec)
end

-- set{ export_ready_after = n, export_rows = n, record = bool, delay = seconds }
function Server:set(knobs)
  assert(type(knobs) == "table", "set{ ... } expected")
  return self:control("POST", "set", knobs)
end

function Server:pid()
  return tonumber(shell.read_file(self.prefix .. "/logs/nginx.pid") or "")
end

function Server:error_log()
  return shell.read_file(self.prefix .. "/logs/error.log") or ""
end

function Server:stop()
  if self.stopped then return end
  self.stopped = true
  stop_watchdog(self.watchdog)
  local pid = self:pid()
  if pid then shell.terminate(pid) end
  shell.run("rm -rf " .. q(self.prefix))
end

-- Lets every method be called as srv:m(x) and as srv.m(x).
local function bind(srv)
  for name, fn in pairs(Server) do
    if type(fn) == "function" and name ~= "__index" then
      srv[name] = function(first, ...)
        if first == srv then return fn(srv, ...) end
        return fn(srv, first, ...)
      end
    end
  end
  return srv
end

local function wait_healthy(srv)
  local deadline = os.time() + START_TIMEOUT
  local cmd = "curl -s --noproxy '*' --max-time 1 -o /dev/null -w '%{http_code}' "
    .. q(srv.url .. "/__control/health")
  repeat
    local out = shell.capture(cmd)
    if out == "200" then return true end
    shell.sleep(0.05)
  until os.time() > deadline
  return false
end

-- Whether something already listens on the port. nginx itself retries a busy port for two seconds
-- before giving up, so a cheap probe first saves that wait in the common case.
local function port_taken(port)
  if not port then return false end
  local _, code = shell.capture("curl -s --noproxy '*' -o /dev/null --max-time 0.5 http://127.0.0.1:" .. port .. "/")
  return code ~= 7 -- 7: connection refused
end

local function launch(srv, o)
  local start_err = srv.prefix .. "/logs/start.err"
  local candidates = o.ports or {}
  for try = 1, PORT_TRIES do
    -- below Linux's ephemeral range (32768+), so client sockets rarely hold our ports
    o.port = candidates[try] or math.random(20000, 31999)
    o.tls_port = o.tls and math.random(20000, 31999) or nil
    if o.port ~= o.tls_port and not port_taken(o.port) and not port_taken(o.tls_port) then
      shell.write_file(srv.prefix .. "/nginx.conf", conf.render(o))
      local ok = shell.run("nginx -p " .. q(srv.prefix) .. " -c " .. q(srv.prefix .. "/nginx.conf")
        .. " -e " .. q(srv.prefix .. "/logs/error.log") .. " 2>" .. q(start_err))
      local err = shell.read_file(start_err) or ""
      if ok then return o end
      if not err:find("Address already in use", 1, true) then
        local log = shell.read_file(srv.prefix .. "/logs/error.log") or ""
        error("test server: nginx did not start: " .. err .. log, 0)
      end
    end
  end
  error("test server: no free port after " .. PORT_TRIES .. " tries", 0)
end

-- opts: tls, h2, bench, delay, workers; ports = { ... } (HTTP ports to try first; for tests)
-- n copies of one fault step: server.times(5, { status = 503 }).
function server.times(n, step)
  local out = {}
  for i = 1, n do out[i] = step end
  return out
end

function server.start(opts)
  opts = opts or {}
  seed_random()
  local root = assert(repo_root(), "cannot find the repository root")
  local shared = os.getenv("ONESIGNAL_SHARED") or (root .. "/../shared")
  shared = normalize(absolute(shared))
  if not shared or not shell.read_file(shared .. "/api/operations.tsv") then
    error("test server: cannot read operations.tsv under " .. tostring(shared)
      .. " (set ONESIGNAL_SHARED)", 2)
  end

  local base = base_dir()
  assert(shell.run("mkdir -p " .. q(base) .. " && chmod 700 " .. q(base)), "cannot create " .. base)
  remove_stale(base)
  local prefix = shell.capture("mktemp -d " .. q(base .. "/srv.XXXXXX")):gsub("%s+$", "")
  assert(prefix ~= "" and shell.run("mkdir -p " .. q(prefix .. "/logs") .. " " .. q(prefix .. "/tmp")),
    "cannot create a prefix directory")
  local owner = shell.self_pid()
  shell.write_file(prefix .. "/owner.pid", tostring(owner) .. "\n")

  local srv = setmetatable({
    prefix = prefix,
    rest_key = "test-rest-key-" .. random_hex(24),
    org_key = "test-org-key-" .. random_hex(24),
    app_id = uuid(),
    org_id = uuid(),
    shared = shared,
    bench = opts.bench and true or false,
  }, Server)
  bind(srv)

  local ok, err = pcall(function()
    local cert = opts.tls and tls.generate(prefix .. "/tls") or nil
    local workers = opts.workers or 1
    local connections = opts.bench and 8192 or 4096
    local is_root = uid() == "0"
    local o = launch(srv, {
      prefix = prefix, root = root, tls = cert, h2 = opts.h2, workers = workers, ports = opts.ports,
      worker_connections = connections,
      rlimit_nofile = math.min(hard_nofile_limit(), 2 * connections + 64),
      -- as root, workers would otherwise run as nobody
      user = is_root and "root root" or nil,
      settings = { rest_key = srv.rest_key, org_key = srv.org_key, app_id = srv.app_id, org_id = srv.org_id,
        shared = shared, bench = srv.bench, delay = opts.delay or 0 },
    })
    srv.port = o.port
    srv.url = "http://127.0.0.1:" .. o.port
    if cert then
      srv.tls_port = o.tls_port
      srv.https_url = "https://127.0.0.1:" .. o.tls_port
      srv.ca_file = cert.ca_file
    end
    srv.watchdog = start_watchdog(prefix, owner)
    if not wait_healthy(srv) then
      error("test server did not answer /__control/health within " .. START_TIMEOUT .. " s:\n"
        .. srv:error_log(), 0)
    end
  end)
  if not ok then
    srv:stop()
    error(err, 2)
  end
  return srv
end

--- For the describe block it is called in: one server (started with `opts`) and one client of it for the
-- whole block, the server reset before each test, the client closed and the server stopped after the
-- block. The client has the server's URL, REST key and app id, and `options` on top: a table, or a
-- function of the server returning one (for settings that name the server, such as its https_url).
-- `set_locals(srv, client)` hands both to the block's locals. busted and onesignal are required here,
-- not at the top: examples load this module outside busted.
function server.with_client(set_locals, options, opts)
  local busted = require("busted")
  local onesignal = require("onesignal")
  local srv, client
  busted.setup(function()
    srv = server.start(opts or {})
    local settings = { base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id }
    local extra = type(options) == "function" and options(srv) or options
    for k, v in pairs(extra or {}) do settings[k] = v end
    client = onesignal.new(settings)
    set_locals(srv, client)
  end)
  busted.teardown(function()
    if client then client:close() end
    if srv then srv:stop() end
  end)
  busted.before_each(function() srv:reset() end)
end

--- For the describe block it is called in: one server (started with `opts`) for the whole block, reset
-- before each test, for specs whose tests each open their own clients. Returns `closed_after_test(client)`,
-- which returns the client and closes it once the test is over. `set_server(srv)` hands the server to the
-- block's locals. busted is required here, not at the top (see server.with_client).
function server.with_test_clients(set_server, opts)
  local busted = require("busted")
  local srv
  local opened = {}
  busted.setup(function()
    srv = server.start(opts or {})
    set_server(srv)
  end)
  busted.teardown(function() if srv then srv:stop() end end)
  busted.before_each(function() srv:reset() end)
  busted.after_each(function()
    for i = #opened, 1, -1 do
      opened[i]:close()
      opened[i] = nil
    end
  end)
  return function(client)
    opened[#opened + 1] = client
    return client
  end
end

return server
