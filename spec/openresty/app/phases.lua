-- luacheck: globals ngx
-- Calls from nginx's phases, one function per phase. Each records into the `results` shared dict whether
-- the call raised and with which message, or else the status it got. From the phases without cosockets
-- nothing may reach the test server; from the others the call goes out (spec/openresty/phases_spec.lua).
local cjson = require("cjson")

local M = {}

local settings

local function attempt(phase)
  local onesignal = require("onesignal")
  local client = onesignal.new({ base_url = settings.url, rest_api_key = settings.rest_key, app_id = settings.app_id })
  local ok, body, err = pcall(client.get_user, client, nil, "external_id", "phase-" .. phase)
  ngx.shared.results:set("phase:" .. phase, cjson.encode({
    transport = client.transport.name, raised = not ok, message = not ok and tostring(body) or nil,
    status = ok and (body and 200 or err.status) or nil,
  }))
end

function M.init(s)
  settings = s
  attempt("init")
end

function M.init_worker() attempt("init_worker") end
function M.set() attempt("set") return "done" end
function M.header_filter() attempt("header_filter") end
function M.body_filter() if ngx.arg[2] then attempt("body_filter") end end
function M.log() attempt("log") end
function M.balancer() attempt("balancer") end
function M.ssl_session_store() attempt("ssl_session_store") end

-- The phases with cosockets.
function M.server_rewrite() if ngx.var.uri == "/phase/server_rewrite" then attempt("server_rewrite") end end
function M.rewrite() attempt("rewrite") end
function M.access() attempt("access") end
function M.ssl_cert() attempt("ssl_cert") end

return M
