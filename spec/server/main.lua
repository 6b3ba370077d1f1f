-- Entry points called from the generated nginx.conf: init (master, once), init_worker, handle.
local json = require("server.json")
local ids = require("server.ids")
local config = require("server.config")
local routes = require("server.routes")
local catalog = require("server.catalog")
local dispatch = require("server.dispatch")
local stats = require("server.stats")
local recorder = require("server.recorder")
local faults = require("server.faults")
local files = require("server.files")
local control = require("server.control")
local respond = require("server.respond")
local bench = require("server.bench")

local M = {}

local match         -- route matcher built from operations.tsv
local messages      -- error catalog

-- Status texts for the default bodies of fault steps.
local REASONS = {
  [400] = "Bad Request", [401] = "Unauthorized", [402] = "Payment Required", [404] = "Not Found",
  [405] = "Method Not Allowed", [408] = "Request Timeout", [409] = "Conflict", [410] = "Gone",
  [413] = "Payload Too Large", [422] = "Unprocessable Entity", [500] = "Internal Server Error",
  [501] = "Not Implemented", [502] = "Bad Gateway", [504] = "Gateway Timeout",
}

-- settings: rest_key, org_key, app_id, org_id, shared (directory), bench, delay
function M.init(settings)
  local route_list = routes.load(settings.shared .. "/api/operations.tsv")
  match = routes.matcher(route_list)
  messages = catalog.load(settings.shared .. "/api/error-catalog.tsv")
  config.init(settings)
  dispatch.init(route_list, settings, messages)
  bench.init(settings, messages)
  control.reset()
end

function M.init_worker()
  ids.seed(math.floor(ngx.now() * 1000) + ngx.worker.pid() * 7919)
end

local function default_fault_body(step, route)
  local status = step.status
  if status < 400 then return "" end
  if status == 403 then return { errors = json.array({ messages.INVALID_API_KEY }) } end
  if status == 503 then return { errors = json.array({ messages.SERVICE_UNAVAILABLE }) } end
  if status == 429 then
    return { errors = json.array({ "API rate limit exceeded" }), limit = route and route.name or "requests" }
  end
  return { errors = json.array({ REASONS[status] or ("HTTP " .. status) }) }
end

local function read_body()
  ngx.req.read_body()
  local raw = ngx.req.get_body_data()
  if raw then return raw end
  local path = ngx.req.get_body_file() -- only when a body outgrew client_body_buffer_size
  if not path then return "" end
  local fh = io.open(path, "rb")
  if not fh then return "" end
  raw = fh:read("*a")
  fh:close()
  return raw
end

local function lower_headers()
  local out = json.object()
  for name, value in pairs(ngx.req.get_headers(0, true)) do
    out[name:lower()] = value
  end
  return out
end

-- The header names (lower-cased) in the order they came, where nginx keeps the raw header (not over
-- HTTP/2): what a dry run lists must be in sending order.
local function header_order()
  local ok, raw = pcall(ngx.req.raw_header, true)
  if not ok or type(raw) ~= "string" then return nil end
  local names = json.array()
  for name in raw:gmatch("([^:\r\n]+):[^\r\n]*\r?\n") do names[#names + 1] = name:lower() end
  return names
end

local function base_url()
  local host = ngx.var.http_host or (ngx.var.server_addr .. ":" .. ngx.var.server_port)
  return ngx.var.scheme .. "://" .. host
end

function M.handle()
  local method = ngx.req.get_method()
  local uri = ngx.var.request_uri
  local q = uri:find("?", 1, true)
  local path = q and uri:sub(1, q - 1) or uri
  if path:sub(1, 11) == "/__control/" then return control.handle(method, path) end
  if config.settings.bench and method == "POST" and path == "/notifications" then return bench.handle() end

  local route, params = match(method, path)
  stats.count(ngx.var.connection, route and route.name)
  local step = faults.take(method, path, route)
  local entry = recorder.record({
    method = method,
    path = path,
    query = q and uri:sub(q + 1) or "",
    args = json.object(ngx.req.get_uri_args(0)),
    headers = lower_headers(),
    header_order = header_order(),
    connection = tonumber(ngx.var.connection),
    connection_requests = tonumber(ngx.var.connection_requests),
    http_version = string.format("%.1f", ngx.req.http_version() or 0),
    scheme = ngx.var.scheme,
    server_name = ngx.var.ssl_server_name, -- the TLS client's SNI (absent when it sent none, and over http)
    time = ngx.now(),
    operation = route and route.name,
    fault = step,
  })

  if step and step.drop == "before_read" then
    if step.delay then ngx.sleep(step.delay) end
    return respond.drop()
  end
  local raw_body = read_body()
  if entry then entry.body = raw_body end
  if step and step.delay then ngx.sleep(step.delay) end

  local status, body, headers, content_type
  local applies = not step or not step.status or step.drop or step.truncate or step.drip or step.cut_head
    or step.interim
  if applies then
    if method == "GET" and path:sub(1, 9) == "/__files/" then
      status, body, content_type = files.serve(path)
    elseif not route then
      status, body = 404, { errors = json.array({ "Not Found" }) }
    else
      local args = ngx.req.get_uri_args(0)
      status, body, headers = dispatch.handle(route, { params = params, args = args, raw_body = raw_body,
        base_url = base_url(), settings = config.settings })
    end
  end
  if step then
    if step.status then status = step.status end
    if step.body then body = step.body
    elseif not applies then body = default_fault_body(step, route) end
    if step.content_type then content_type = step.content_type end
    if step.headers or step.retry_after_date then
      headers = headers or {}
      for k, v in pairs(step.headers or {}) do headers[k] = tostring(v) end
      if step.retry_after_date then headers["Retry-After"] = ngx.http_time(ngx.time() + step.retry_after_date) end
    end
    if step.drop == "after_read" then return respond.drop() end
    if step.truncate then return respond.truncated(status, body, headers, content_type) end
    if step.drip then return respond.dripped(status, body, headers, content_type, step.drip) end
    if step.cut_head then return respond.cut_head(status, headers, content_type) end
    if step.interim then return respond.interim() end
  end
  return respond.send(status, body, headers, content_type)
end

return M
