-- The control API under /__control/: what tests use to inspect and steer the server. Never
-- recorded, never faulted, no credentials.
local json = require("server.json")
local config = require("server.config")
local store = require("server.store")
local stats = require("server.stats")
local recorder = require("server.recorder")
local faults = require("server.faults")
local seed = require("server.seed")
local respond = require("server.respond")

local control = {}

local function read_json()
  ngx.req.read_body()
  local raw = ngx.req.get_body_data()
  if not raw or not raw:find("%S") then return json.object() end
  local v, err = json.decode(raw)
  if v == nil then return nil, "invalid JSON: " .. err end
  return v
end

local function bad(message)
  return 400, { error = message }
end

local function reset()
  store.reset(config.settings)
  stats.reset()
  recorder.clear()
  faults.reset()
  config.reset_knobs()
  recorder.enabled = config.knobs.record
end

local actions = {
  ["GET health"] = function() return 200, { ok = true } end,
  ["POST reset"] = function() reset() return 200, { ok = true } end,
  ["GET requests"] = function() return 200, recorder.entries end,
  ["DELETE requests"] = function() recorder.clear() return 200, { ok = true } end,
  ["GET stats"] = function() return 200, stats.snapshot() end,
  ["GET faults"] = function() return 200, faults.pending() end,
  ["POST faults"] = function(body)
    local ok, err = faults.add(body.match, body.steps)
    if not ok then return bad(err) end
    return 200, { ok = true }
  end,
  ["DELETE faults"] = function() faults.reset() return 200, { ok = true } end,
  ["POST random_faults"] = function(body)
    local ok, err = faults.set_random(body)
    if not ok then return bad(err) end
    return 200, { ok = true }
  end,
  ["DELETE random_faults"] = function() faults.clear_random() return 200, { ok = true } end,
  ["POST seed"] = function(body)
    local out, err = seed.run(config.settings, body)
    if not out then return bad(err) end
    return 200, out
  end,
  ["GET set"] = function() return 200, config.knobs end,
  ["POST set"] = function(body)
    if not json.is_object(body) then return bad("body must be an object") end
    local ok, err = config.set(body)
    if not ok then return bad(err) end
    recorder.enabled = config.knobs.record
    return 200, config.knobs
  end,
}

function control.reset()
  reset()
end

function control.handle(method, path)
  local action = actions[method .. " " .. path:sub(#"/__control/" + 1)]
  if not action then return respond.send(404, { error = "unknown control call " .. method .. " " .. path }) end
  local body, err = read_json()
  if body == nil then return respond.send(400, { error = err }) end
  local ok, status, out = pcall(action, body)
  if not ok then
    ngx.log(ngx.ERR, "control ", path, " failed: ", tostring(status))
    return respond.send(500, { error = tostring(status) })
  end
  return respond.send(status, out)
end

return control
