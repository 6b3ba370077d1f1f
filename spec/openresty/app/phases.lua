-- luacheck: globals ngx
-- Calls from the phases in which nginx allows no cosockets. Each records into the `results` shared
-- dict whether the call raised and with which message; nothing may reach the test server.
local cjson = require("cjson")

local M = {}

local settings

local function attempt(phase)
  local onesignal = require("onesignal")
  local client = onesignal.new({ base_url = settings.url, rest_api_key = settings.rest_key, app_id = settings.app_id })
  local ok, err = pcall(client.get_user, client, nil, "external_id", "phase-" .. phase)
  ngx.shared.results:set("phase:" .. phase, cjson.encode({
    transport = client.transport.name, raised = not ok, message = not ok and tostring(err) or nil,
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

return M
