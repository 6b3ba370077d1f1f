-- luacheck: globals ngx
--- The secrets scenarios (hardening.secrets_scenarios) on the cosocket transport, inside nginx: POST a
-- JSON object { url, rest_key, org_key, app_id } to the location this handler serves; the answer is
-- the JSON list of texts the scenarios produced.
local cjson = require("cjson")
local scenarios = require("hardening.secrets_scenarios")

local M = {}

function M.handle()
  ngx.req.read_body()
  local o = cjson.decode(ngx.req.get_body_data())
  o.transport = "ngx"
  local ok, texts = pcall(scenarios.run, o)
  if not ok then
    ngx.status = 500
    ngx.say(cjson.encode({ error = tostring(texts) }))
    return
  end
  ngx.say(cjson.encode(texts))
end

return M
