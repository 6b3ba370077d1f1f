-- Runs the OpenResty example (nginx.conf beside this file) against the local test server and checks it:
-- a push sent while serving a request, and one sent from a timer after the response.
--
--   lua5.4 examples/openresty/run.lua          (from the repository root; `make examples` runs it too)
--
-- The test server speaks TLS here, so the example's lua_ssl_trusted_certificate line is really used:
-- it is pointed at the test server's CA, and ONESIGNAL_API_URL at https://localhost:<port>.
local here = (debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".")
package.path = here .. "/../../spec/?.lua;" .. here .. "/../../lua/?.lua;" .. package.path

local server = require("support.server")
local openresty = require("support.openresty")
local shell = require("server.harness.shell")
local cjson = require("cjson")

local dir = openresty.root .. "/examples/openresty"

local function fail(message, srv, app)
  io.stderr:write("FAILED: ", message, "\n")
  if app then io.stderr:write(app:error_log(), "\n") app:stop() end
  if srv then srv:stop() end
  os.exit(1)
end

-- nginx.conf as the example has it, pointed at this checkout, a free port and the test server's CA.
local function render(srv)
  local text = assert(shell.read_file(dir .. "/nginx.conf"))
  return function(o)
    local conf = text
    local function swap(from, to)
      local n
      conf, n = conf:gsub(from:gsub("[%p]", "%%%0"), (to:gsub("%%", "%%%%")))
      if n == 0 then error("nginx.conf no longer contains: " .. from) end
    end
    swap("$prefix/../../", openresty.root .. "/")
    swap("$prefix/?.lua", dir .. "/?.lua")
    swap("lua_file handlers/", "lua_file " .. dir .. "/handlers/")
    swap("/etc/ssl/certs/ca-certificates.crt", srv.ca_file)
    swap("listen 8080;", "listen 127.0.0.1:" .. o.port .. ";")
    if o.user then conf = "user " .. o.user .. ";\n" .. conf end
    -- nginx's compiled-in temporary directories need root; these live in the throw-away prefix
    local temp = {}
    for _, kind in ipairs({ "client_body", "proxy", "fastcgi", "uwsgi", "scgi" }) do
      temp[#temp + 1] = "  " .. kind .. "_temp_path " .. o.prefix .. "/tmp/" .. kind .. ";"
    end
    swap("http {", "http {\n" .. table.concat(temp, "\n"))
    return conf
  end
end

local srv = server.start({ tls = true })
local ok, app = pcall(openresty.start, {
  conf = render(srv),
  env = {
    ONESIGNAL_API_URL = srv.https_url:gsub("127%.0%.0%.1", "localhost"),
    ONESIGNAL_REST_API_KEY = srv.rest_key,
    ONESIGNAL_APP_ID = srv.app_id,
  },
})
if not ok then fail(tostring(app), srv) end

local function notifications_for(user)
  local out = {}
  for _, r in ipairs(srv:requests()) do
    if r.operation == "create_notification" and r.body:find('"' .. user .. '"', 1, true) then out[#out + 1] = r end
  end
  return out
end

-- 1. A push sent while serving the request.
local status, text = app:request("POST", "/orders/shipped?user=user-42&order=1234")
if status ~= 200 then fail("POST /orders/shipped answered " .. status .. ": " .. text, srv, app) end
local answer = cjson.decode(text)
print("POST /orders/shipped -> " .. text:gsub("%s+$", ""))
local sent = notifications_for("user-42")
if #sent ~= 1 or sent[1].scheme ~= "https" or answer.notification_id == nil then
  fail("the order push did not reach the test server over TLS as expected", srv, app)
end

-- 2. A push sent from a timer, after the response went out.
status, text = app:get("/welcome?user=user-7")
if status ~= 200 then fail("GET /welcome answered " .. status, srv, app) end
print("GET /welcome -> " .. text:gsub("%s+$", ""))
local welcomed
for _ = 1, 250 do
  welcomed = notifications_for("user-7")
  if #welcomed > 0 then break end
  shell.sleep(0.02)
end
if #welcomed ~= 1 then fail("the welcome push never reached the test server", srv, app) end
print("welcome push sent from a timer: " .. welcomed[1].body)

-- 3. A bad request is refused in JSON, as every answer is.
local refused = shell.capture("curl -sS --noproxy '*' --max-time 10 -X POST -w '\\n%{http_code} %{content_type}' "
  .. shell.quote(app.url .. "/orders/shipped?order=1234"))
local refusal, how = refused:match("^(.*)\n(.*)$")
if how ~= "400 application/json" or not pcall(cjson.decode, refusal) then
  fail("a request without user was not refused in JSON: " .. refused, srv, app)
end
print("POST /orders/shipped without user -> " .. how .. " " .. refusal:gsub("%s+$", ""))

-- 4. OneSignal answers 200 with an empty id (nobody reached): both handlers say so and why, and neither
-- takes the empty id for a notification.
local NOBODY = '{"id":"","errors":["All included players are not subscribed"]}'
srv:fault({ match = { operation = "create_notification" },
  steps = { { status = 200, body = NOBODY, content_type = "application/json" },
    { status = 200, body = NOBODY, content_type = "application/json" } } })
status, text = app:request("POST", "/orders/shipped?user=user-9&order=99")
answer = status == 200 and cjson.decode(text)
if not answer or answer.delivered ~= false or answer.notification_id ~= nil
  or answer.reason ~= "All included players are not subscribed" then
  fail("POST /orders/shipped reaching nobody answered " .. status .. ": " .. text, srv, app)
end
print("POST /orders/shipped, nobody reached -> " .. text:gsub("%s+$", ""))
app:get("/welcome?user=user-9")
local logged
for _ = 1, 250 do
  logged = app:error_log():match("(welcome push for user%-9[^\n]-), context: ")
  if logged then break end
  shell.sleep(0.02)
end
if logged ~= "welcome push for user-9 reached nobody: All included players are not subscribed" then
  fail("the welcome handler logged " .. tostring(logged) .. " for a push that reached nobody", srv, app)
end
print("welcome push reaching nobody, logged: " .. logged)

app:stop()
srv:stop()
print("OpenResty example: ok")
