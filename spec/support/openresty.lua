-- Starts and stops an "app" nginx that runs the SDK on cosockets, for the OpenResty specs and the
-- OpenResty example. Lua 5.4 (busted) or LuaJIT; talks to the app through the curl CLI.
--
--   local openresty = require("support.openresty")
--   local app = openresty.start{ server = srv }          -- the standard test app (spec/openresty/app/)
--   local out = app:case("call", { operation = "get_user", args = { ... } })   -- JSON in, JSON out
--   local status, body = app:get("/ping")
--   app:stop()
--
--   openresty.start{ conf = function(o) return nginx_conf_text end, env = { NAME = "value" } }
--     runs any nginx.conf (o.port, o.prefix, o.root are given); `env` reaches nginx's environment.
--
-- Each app lives in its own prefix directory under $TMPDIR/onesignal-openresty-<uid>/; a watchdog stops
-- it when the owning process dies without calling stop().
local cjson = require("cjson")
local shell = require("server.harness.shell")

local M = {}

local START_TIMEOUT = 5 -- seconds until the app must accept connections
local PORT_TRIES = 30
local q = shell.quote

local function trim(s) return (s:gsub("%s+$", "")) end

local function repo_root()
  local src = debug.getinfo(1, "S").source
  local dir = (src:sub(1, 1) == "@" and src:sub(2) or src):match("^(.*)/[^/]*$") or "."
  if dir:sub(1, 1) ~= "/" then dir = trim(shell.capture("pwd")) .. "/" .. dir end
  return trim(shell.capture("cd " .. q(dir .. "/../..") .. " && pwd -P"))
end

M.root = repo_root()

local function uid() return trim(shell.capture("id -u")) end

local seeded = false
local function random_port()
  if not seeded then
    seeded = true
    math.randomseed(os.time() + shell.self_pid())
  end
  -- below Linux's ephemeral range (32768+), so client sockets rarely hold it
  return math.random(20000, 31999)
end

local function port_taken(port)
  local _, code = shell.capture("curl -s --noproxy '*' -o /dev/null --max-time 0.5 http://127.0.0.1:" .. port .. "/")
  return code ~= 7 -- 7: connection refused
end

-- A Lua table literal of strings, numbers and booleans (nested tables allowed), for init_by_lua.
local function literal(v)
  local t = type(v)
  if t == "string" then return string.format("%q", v) end
  if t == "number" or t == "boolean" then return tostring(v) end
  assert(t == "table", "cannot embed a " .. t)
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do
    local key = type(k) == "string" and ("[" .. string.format("%q", k) .. "]") or ("[" .. k .. "]")
    parts[#parts + 1] = key .. " = " .. literal(v[k])
  end
  return "{ " .. table.concat(parts, ", ") .. " }"
end
M.literal = literal

-- The module path an app needs: the SDK's Lua layer, the specs' modules, the C core built for LuaJIT.
function M.package_paths(root)
  root = root or M.root
  return root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. root .. "/spec/?.lua;;",
    root .. "/build/luajit/?.so;;"
end

-- The start of a test app's nginx.conf (`o` as a conf function gets it), up to and into `http {`: the
-- Lua module, one worker (the concurrency checks depend on it), the pid file, logs and temporary files
-- under o.prefix, an `env` line for each name of `env` (variables the app's Lua reads), `connections`
-- per worker. Returns the list of lines, for the caller to go on.
function M.conf_head(o, env, connections)
  local lines = {
    "load_module /usr/lib/nginx/modules/ndk_http_module.so;",
    "load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;",
    o.user and ("user " .. o.user .. ";") or "",
    "worker_processes 1;",
    "pid " .. q(o.prefix .. "/logs/nginx.pid") .. ";",
    "error_log " .. q(o.prefix .. "/logs/error.log") .. " warn;",
  }
  for _, name in ipairs(env or {}) do lines[#lines + 1] = "env " .. name .. ";" end
  lines[#lines + 1] = "events { worker_connections " .. connections .. "; }"
  lines[#lines + 1] = "http {"
  lines[#lines + 1] = "  access_log off;"
  for _, kind in ipairs({ "client_body", "proxy", "fastcgi", "uwsgi", "scgi" }) do
    lines[#lines + 1] = "  " .. kind .. "_temp_path " .. q(o.prefix .. "/tmp/" .. kind) .. ";"
  end
  return lines
end

-- The nginx.conf of the standard test app: the test server's CA trusted, spec/openresty/app/main.lua
-- behind every location.
local function test_conf(opts)
  return function(o)
    local lpath, cpath = M.package_paths(o.root)
    local settings = {}
    for k, v in pairs(opts.settings or {}) do settings[k] = v end
    settings.self_url = "http://127.0.0.1:" .. o.port
    local lines = M.conf_head(o, nil, 1024)
    for _, line in ipairs({
      "  default_type application/json;",
      "  client_body_buffer_size 1m;",
      "  client_max_body_size 0;", -- /raw/slow_reader takes a large request body (slowly)
      "  lua_package_path " .. q(lpath) .. ";",
      "  lua_package_cpath " .. q(cpath) .. ";",
      "  lua_shared_dict results 1m;",
      opts.ca_file and ("  lua_ssl_trusted_certificate " .. q(opts.ca_file) .. ";") or "",
      "  lua_ssl_verify_depth 3;",
      "  init_by_lua_block { require(\"openresty.app.main\").init(" .. literal(settings) .. ") }",
      "  init_worker_by_lua_block { require(\"openresty.app.phases\").init_worker() }",
      opts.http or "",
      "  server {",
      "    listen 127.0.0.1:" .. o.port .. ";",
      "    location / { content_by_lua_block { require(\"openresty.app.main\").handle() } }",
      -- a real gzip encoder: nginx's own filter
      "    location /fixture/gzip/ { gzip on; gzip_types application/json; gzip_min_length 1;",
      "      content_by_lua_block { require(\"openresty.app.main\").handle() } }",
      -- the phases without cosockets
      "    location = /phase/set {",
      "      set_by_lua_block $phase_result { return require(\"openresty.app.phases\").set() }",
      "      return 200 \"$phase_result\\n\"; }",
      "    location = /phase/filters {",
      "      header_filter_by_lua_block { require(\"openresty.app.phases\").header_filter() }",
      "      body_filter_by_lua_block { require(\"openresty.app.phases\").body_filter() }",
      "      log_by_lua_block { require(\"openresty.app.phases\").log() }",
      "      content_by_lua_block { ngx.say(\"ok\") } }",
      opts.locations or "",
      "  }",
      "}",
    }) do lines[#lines + 1] = line end
    return table.concat(lines, "\n") .. "\n"
  end
end

local App = {}
App.__index = App

-- A request to the app through the curl CLI: status, body and the seconds it took.
function App:request(method, path, body, max_time)
  local parts = { "curl -sS --noproxy '*' --max-time " .. (max_time or 60), "-X", method,
    q(self.url .. path), "-o - -w '\\n%{http_code} %{time_total}'" }
  if body ~= nil then
    local file = self.prefix .. "/request-body.json"
    shell.write_file(file, type(body) == "string" and body or cjson.encode(body))
    parts[#parts + 1] = "-H 'Content-Type: application/json' --data-binary @" .. q(file)
  end
  local out, code = shell.capture(table.concat(parts, " ") .. " 2>&1")
  local text, status, took = out:match("^(.*)\n(%d%d%d) ([%d.]+)$")
  if code ~= 0 or not status then
    error(string.format("app request %s %s failed (curl exit %s): %s\n%s", method, path, tostring(code), out,
      self:error_log()), 2)
  end
  return tonumber(status), text, tonumber(took)
end

function App:get(path, max_time) return self:request("GET", path, nil, max_time) end

-- Runs a case of spec/openresty/app/cases.lua with `args`; returns its decoded answer (errors unless 200).
function App:case(name, args)
  local status, text = self:request("POST", "/case/" .. name, args or {})
  if status ~= 200 then
    error("case " .. name .. " answered " .. status .. ": " .. text .. "\n" .. self:error_log(), 2)
  end
  return cjson.decode(text)
end

function App:error_log()
  return shell.read_file(self.prefix .. "/logs/error.log") or ""
end

function App:pid()
  return tonumber(shell.read_file(self.prefix .. "/logs/nginx.pid") or "")
end

function App:stop()
  if self.stopped then return end
  self.stopped = true
  if self.watchdog and shell.alive(self.watchdog) then shell.run("kill -TERM -" .. self.watchdog .. " 2>/dev/null") end
  local pid = self:pid()
  if pid then shell.terminate(pid) end
  shell.run("rm -rf " .. q(self.prefix))
end

-- A watchdog in its own session: when the owner dies, it stops nginx and removes the prefix.
local function start_watchdog(prefix, owner)
  local script = table.concat({
    "tail --pid=" .. owner .. " -f /dev/null 2>/dev/null",
    "pid=$(cat " .. q(prefix .. "/logs/nginx.pid") .. " 2>/dev/null)",
    "[ -n \"$pid\" ] && kill -TERM $pid 2>/dev/null && sleep 1 && kill -KILL $pid 2>/dev/null",
    "rm -rf " .. q(prefix),
  }, "\n")
  local out = shell.capture("setsid sh -c " .. q(script) .. " >/dev/null 2>&1 </dev/null & echo $!")
  return tonumber(out:match("%d+"))
end

local function wait_listening(port)
  local deadline = os.time() + START_TIMEOUT
  repeat
    if port_taken(port) then return true end
    shell.sleep(0.05)
  until os.time() > deadline
  return false
end

local function environment(env)
  local parts = {}
  for k, v in pairs(env or {}) do parts[#parts + 1] = k .. "=" .. q(v) end
  return #parts > 0 and ("env " .. table.concat(parts, " ") .. " ") or ""
end

--- Starts an app. opts: server (a test server from support.server: its URL, keys and CA go to the app's
-- settings), settings (more settings), http / locations (extra nginx.conf text), or conf (a function
-- returning a whole nginx.conf), env (environment of nginx).
function M.start(opts)
  opts = opts or {}
  local srv = opts.server
  if srv and not opts.conf then
    local settings = { url = srv.url, https_url = srv.https_url, rest_key = srv.rest_key, org_key = srv.org_key,
      app_id = srv.app_id, org_id = srv.org_id }
    for k, v in pairs(opts.settings or {}) do settings[k] = v end
    opts = setmetatable({ settings = settings, ca_file = opts.ca_file or srv.ca_file }, { __index = opts })
  end
  local render = opts.conf or test_conf(opts)
  local base = (os.getenv("TMPDIR") or "/tmp") .. "/onesignal-openresty-" .. uid()
  assert(shell.run("mkdir -p " .. q(base) .. " && chmod 700 " .. q(base)), "cannot create " .. base)
  local prefix = trim(shell.capture("mktemp -d " .. q(base .. "/app.XXXXXX")))
  assert(prefix ~= "" and shell.run("mkdir -p " .. q(prefix .. "/logs") .. " " .. q(prefix .. "/tmp")),
    "cannot create a prefix directory")
  local app = setmetatable({ prefix = prefix, root = M.root }, App)
  local ok, err = pcall(function()
    for _ = 1, PORT_TRIES do
      local port = random_port()
      if not port_taken(port) then
        local o = { port = port, prefix = prefix, root = M.root, user = uid() == "0" and "root root" or nil }
        shell.write_file(prefix .. "/nginx.conf", render(o))
        local start_err = prefix .. "/logs/start.err"
        local started = shell.run(environment(opts.env) .. "nginx -p " .. q(prefix) .. " -c "
          .. q(prefix .. "/nginx.conf") .. " -e " .. q(prefix .. "/logs/error.log") .. " 2>" .. q(start_err))
        local text = shell.read_file(start_err) or ""
        if started then
          app.port = port
          app.url = "http://127.0.0.1:" .. port
          return
        end
        if not text:find("Address already in use", 1, true) then
          error("app nginx did not start: " .. text .. app:error_log(), 0)
        end
      end
    end
    error("app nginx: no free port after " .. PORT_TRIES .. " tries", 0)
  end)
  if ok then
    app.watchdog = start_watchdog(prefix, shell.self_pid())
    if not wait_listening(app.port) then
      ok, err = false, "app nginx did not listen within " .. START_TIMEOUT .. " s:\n" .. app:error_log()
    end
  end
  if not ok then
    app:stop()
    error(err, 2)
  end
  return app
end

--- For the describe block it is called in: a test server (support.server, started with `server_opts`)
-- and an app on it (M.start with `app_opts` and that server) for the whole block, both stopped after it.
-- `set_locals(srv, app)` hands them to the block's locals. Whether the server is reset between tests is
-- left to each spec. busted and support.server are required here, not at the top: the OpenResty example
-- loads this module outside busted.
function M.server_and_app(set_locals, server_opts, app_opts)
  local busted = require("busted")
  local server = require("support.server")
  local srv, app
  busted.setup(function()
    srv = server.start(server_opts or {})
    local opts = { server = srv }
    for k, v in pairs(app_opts or {}) do opts[k] = v end
    app = M.start(opts)
    set_locals(srv, app)
  end)
  busted.teardown(function()
    if app then app:stop() end
    if srv then srv:stop() end
  end)
end

return M
