-- luacheck: globals ngx
-- Entry points of the OpenResty test app (nginx.conf from spec/support/openresty.lua): `init` in
-- init_by_lua, `handle` behind every location. POST /case/<name> runs a case of cases.lua with the JSON
-- body as arguments and answers its JSON; /fixture/… and /raw/… are hand-made upstream answers.
local cjson = require("cjson")

local M = {}

local settings

function M.init(s)
  settings = s
  -- Also the init phase check: the SDK loads here, and calling it here must fail clearly.
  require("openresty.app.phases").init(s)
end

function M.settings() return settings end

local function answer(status, text)
  ngx.status = status
  ngx.header.content_type = "application/json"
  ngx.print(text)
end

function M.handle()
  local uri = ngx.var.uri
  if uri == "/ping" then
    ngx.header.content_type = "text/plain"
    return ngx.print("pong\n")
  end
  local name = uri:match("^/case/([%w_]+)$")
  if name then
    ngx.req.read_body()
    local args = cjson.decode(ngx.req.get_body_data() or "{}")
    local case = require("openresty.app.cases")[name]
    if not case then return answer(404, cjson.encode({ error = "no case " .. name })) end
    local ok, out = xpcall(case, debug.traceback, settings, args)
    if not ok then return answer(500, cjson.encode({ error = tostring(out) })) end
    return answer(200, cjson.encode(out))
  end
  if uri:find("^/fixture/") then return require("openresty.app.fixtures").encoded(uri) end
  if uri:find("^/raw/") then return require("openresty.app.fixtures").raw(uri) end
  return answer(404, '{"errors":["Not Found"]}')
end

return M
