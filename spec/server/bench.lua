-- Bench mode's create_notification: a fixed answer with no recording, state or JSON work, so
-- benchmarks measure the client rather than this server.
-- luacheck: globals ngx (a response is written by assigning ngx.status and ngx.header fields)
local ids = require("server.ids")
local json = require("server.json")
local stats = require("server.stats")
local config = require("server.config")

local bench = {}

local expected, ok_body, forbidden_body

function bench.init(settings, messages)
  expected = "Key " .. settings.rest_key
  ok_body = '{"id":"' .. ids.uuid() .. '","external_id":null}'
  forbidden_body = json.encode({ errors = json.array({ messages.INVALID_API_KEY }) })
end

function bench.handle()
  stats.count(ngx.var.connection, "create_notification")
  -- Read, not discarded: discarding a large body stalls the connection over TLS (HTTP/1.1 and HTTP/2).
  ngx.req.read_body()
  local body = ok_body
  if ngx.var.http_authorization ~= expected then
    ngx.status = 403
    body = forbidden_body
  else
    local delay = config.knobs.delay
    if delay > 0 then ngx.sleep(delay) end
    ngx.status = 200
  end
  ngx.header["Content-Type"] = "application/json; charset=utf-8"
  ngx.header["Content-Length"] = #body
  ngx.print(body)
  return ngx.exit(ngx.HTTP_OK)
end

return bench
