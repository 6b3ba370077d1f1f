--- The client: one generic dispatcher that turns every row of the operations table into methods.
--
--   client:<operation>(...)               blocking (suspends instead inside `client:spawn`)
--   client:<operation>_async(..., cb)     non-blocking; `cb(body, response)` or `cb(nil, err)` runs in `poll`
--   client:call(name, ...)                the same by name; client:call_async(name, ..., cb)
-- @module onesignal.client

local operations = require("onesignal.operations")
local request = require("onesignal.request")
local response = require("onesignal.response")
local config = require("onesignal.config")
local usage = require("onesignal.usage")

local M = {}
local Client = {}

-- Coroutines started by `spawn`, with the client that drives them (weak: a finished one is collected).
local spawned = setmetatable({}, { __mode = "k" })

-- Resumes a spawned coroutine; its errors surface from the resumer (spawn, poll or run).
local function resume(co, ...)
  local ok, err = coroutine.resume(co, ...)
  if not ok then
    error(debug.traceback(co, "onesignal: a coroutine run by client:spawn failed: " .. tostring(err)), 0)
  end
end

local function choose_transport(cfg)
  local name = cfg.transport
  if not name then
    name = (ngx and ngx.socket and ngx.get_phase and ngx.get_phase() ~= "init") and "ngx" or "curl"
  end
  return require("onesignal.transport." .. name).new(cfg)
end

-- Sends a built request and returns what the call returns. Inside a coroutine run by this client the
-- request goes out non-blocking and the coroutine waits for it; elsewhere the call blocks.
local function send(self, req)
  if self.dry_run then return self.dry_run(req) end
  local transport = self.transport
  local co = coroutine.running()
  local result
  if co and spawned[co] == self.root then
    transport:submit(req, function(r) resume(co, r) end)
    result = coroutine.yield()
  else
    result = transport:request(req)
  end
  return response.finish(req, result, self.redact)
end

local function build(self, op, args, n)
  local ok, req = pcall(request.build, op, self, args, n)
  if not ok then usage.rethrow(req) end
  return req
end

local function invoke(self, op, ...)
  return send(self, build(self, op, { ... }, select("#", ...)))
end

local function invoke_async(self, op, ...)
  local n = select("#", ...)
  local callback = n > 0 and select(n, ...) or nil
  if type(callback) ~= "function" then
    usage.raise("onesignal." .. op.name .. "_async: the last argument must be a callback function")
  end
  local args = { ... }
  args[n] = nil
  local req = build(self, op, args, n - 1)
  if self.dry_run then
    callback(self.dry_run(req))
    return true
  end
  self.transport:submit(req, function(result)
    callback(response.finish(req, result, self.redact))
  end)
  return true
end

-- One closure per operation and flavour, shared by all clients.
local methods = {}
local function method_for(name)
  local method = methods[name]
  if method then return method end
  local op = operations.by_name[name]
  if op then
    method = function(self, ...) return invoke(self, op, ...) end
  else
    op = operations.by_name[name:match("^(.+)_async$") or ""]
    if not op then return nil end
    method = function(self, ...) return invoke_async(self, op, ...) end
  end
  methods[name] = method
  return method
end

Client.__index = function(_, name)
  return Client[name] or (type(name) == "string" and method_for(name)) or nil
end

local function lookup(name)
  local op = type(name) == "string" and operations.by_name[name]
  if not op then usage.raise("onesignal: unknown operation '" .. tostring(name) .. "'") end
  return op
end

--- Calls an operation by name: `client:call("get_user", app_id, "external_id", "u-1")`.
function Client:call(name, ...)
  return invoke(self, lookup(name), ...)
end

--- Starts an operation by name; the last argument is the callback.
function Client:call_async(name, ...)
  return invoke_async(self, lookup(name), ...)
end

--- Drives requests and runs the callbacks of finished ones; waits at most `timeout` seconds (default 0,
-- which returns at once). Returns the number of callbacks run.
function Client:poll(timeout)
  return self.transport:poll(timeout)
end

--- Drives until nothing is pending (or `timeout` seconds passed). Returns true when all is done.
function Client:run(timeout)
  local clock = os.clock
  local started = clock()
  local transport = self.transport
  while transport:pending() > 0 do
    local wait = 0.1
    if timeout then
      local left = timeout - (clock() - started)
      if left <= 0 then return false end
      if left < wait then wait = left end
    end
    transport:poll(wait)
  end
  return true
end

--- Requests started and not yet finished.
function Client:pending()
  return self.transport:pending()
end

--- For outside event loops (luv, cqueues): a descriptor to watch for readability (or nil) and the seconds
-- until `poll` is needed anyway (nil when nothing is pending).
function Client:fd() return self.transport:fd() end
function Client:timeout() return self.transport:timeout() end

--- Runs `fn(...)` in a coroutine in which the ordinary blocking calls suspend instead of blocking; drive
-- it with `poll` or `run`. Runs at once until its first request.
function Client:spawn(fn, ...)
  if type(fn) ~= "function" then usage.raise("onesignal: client:spawn needs a function") end
  if self.transport.spawn then return self.transport:spawn(fn, ...) end
  local co = coroutine.create(fn)
  spawned[co] = self.root
  resume(co, ...)
  return co
end

local OVERRIDES = {
  deadline = "number", timeout = "number", max_retries = "integer",
  retry_base_delay = "number", retry_max_delay = "number",
}

--- A client sharing this one's connections, with other per-call settings:
-- `client:with{ deadline = 5 }:create_notification(n)`. Settings: deadline, timeout, max_retries,
-- retry_base_delay, retry_max_delay.
function Client:with(settings)
  if type(settings) ~= "table" then usage.raise("onesignal: client:with needs a table of settings") end
  local merged = {}
  for k, v in pairs(self.overrides or {}) do merged[k] = v end
  for k, v in pairs(settings) do
    local want = OVERRIDES[k]
    if not want then usage.raise("onesignal: client:with: unknown setting '" .. tostring(k) .. "'") end
    if type(v) ~= "number" or v ~= v or v < 0 or (want == "integer" and v ~= math.floor(v)) then
      usage.raise("onesignal: client:with: setting '" .. k .. "' must be a non-negative " .. want)
    end
    merged[k] = v
  end
  local derived = {}
  for k, v in pairs(self) do derived[k] = v end
  derived.overrides = merged
  return setmetatable(derived, getmetatable(self))
end

--- create_notification with explicit retry settings, for parity with the official SDKs. Every call
-- already retries safely; this only changes how much. `response.replayed` tells a replayed answer.
function Client:create_notification_with_retry(notification, options)
  if options ~= nil and type(options) ~= "table" then
    usage.raise("onesignal.create_notification_with_retry: argument 'options' must be a table")
  end
  options = options or {}
  local settings = {}
  for k in pairs(options) do
    if k ~= "max_retries" and k ~= "base_delay" and k ~= "max_delay" and k ~= "deadline" then
      usage.raise("onesignal.create_notification_with_retry: unknown option '" .. tostring(k) .. "'")
    end
  end
  settings.max_retries = options.max_retries
  settings.retry_base_delay = options.base_delay
  settings.retry_max_delay = options.max_delay
  settings.deadline = options.deadline
  return self:with(settings):create_notification(notification)
end

--- Closes the client's connections. Requests still pending are abandoned.
function Client:close()
  self.transport:close()
end

-- Methods that live in modules of their own (one concern each) join the client here. Each module
-- returns a table of methods; add a module by adding its name.
local EXTENSIONS = { "onesignal.pages", "onesignal.exports" }
for _, name in ipairs(EXTENSIONS) do
  for method, fn in pairs(require(name)) do Client[method] = fn end
end

--- Makes a client (see README for every option).
function M.new(options)
  local ok, cfg = pcall(config.resolve, options)
  if not ok then usage.rethrow(cfg) end
  local self = setmetatable({
    app_id = cfg.app_id,
    base_url = cfg.base_url,
    has_key = { rest = cfg.rest_api_key ~= nil, organization = cfg.organization_api_key ~= nil },
    max_concurrency = cfg.max_concurrency,
  }, Client)
  self.root = self
  if cfg.deadline then self.overrides = { deadline = cfg.deadline } end
  if cfg.dry_run then
    self.dry_run = require("onesignal.dry_run").new(cfg)
    self.transport = { name = "dry-run", pending = function() return 0 end, poll = function() return 0 end }
  else
    local transport = choose_transport(cfg)
    self.transport = transport
    self.redact = function(text) return transport:redact(text) end
  end
  return self
end

M.Client = Client
return M
