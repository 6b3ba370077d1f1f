-- Fault scripts (queued steps consumed by matching requests) and random faults (a seeded draw per
-- matching request). Steps are validated when queued, so a typo fails the test that made it
-- instead of silently doing nothing.
local json = require("server.json")

local faults = {}

local STEP_FIELDS = {
  status = "number", headers = "table", body = "string", content_type = "string",
  retry_after_date = "number", drop = "string", delay = "number", truncate = "boolean", pass = "boolean",
  drip = "number", cut_head = "boolean", interim = "boolean",
}
local MATCH_FIELDS = { method = "string", path = "string", operation = "string" }

local function check_fields(t, allowed, what)
  if not json.is_object(t) then return nil, what .. " must be an object" end
  for k, v in pairs(t) do
    local want = allowed[k]
    if not want then return nil, string.format("unknown %s field %q", what, tostring(k)) end
    if type(v) ~= want then return nil, string.format("%s field %q must be a %s", what, k, want) end
  end
  return true
end

local function check_step(step)
  local ok, err = check_fields(step, STEP_FIELDS, "step")
  if not ok then return nil, err end
  if step.drop and step.drop ~= "before_read" and step.drop ~= "after_read" then
    return nil, "drop must be \"before_read\" or \"after_read\""
  end
  if step.status and (step.status < 100 or step.status > 599 or step.status % 1 ~= 0) then
    return nil, "status must be an HTTP status code"
  end
  if step.delay and step.delay < 0 then return nil, "delay must not be negative" end
  if step.drip and step.drip < 0 then return nil, "drip must not be negative" end
  if step.headers then
    for k, v in pairs(step.headers) do
      if type(k) ~= "string" or (type(v) ~= "string" and type(v) ~= "number") then
        return nil, "headers must map names to strings"
      end
    end
  end
  return true
end

local function check_script(match, steps)
  if match ~= nil then
    local ok, err = check_fields(match, MATCH_FIELDS, "match")
    if not ok then return nil, err end
  end
  if not json.is_array(steps) or #steps == 0 then return nil, "steps must be a non-empty array" end
  for i, step in ipairs(steps) do
    local ok, err = check_step(step)
    if not ok then return nil, string.format("step %d: %s", i, err) end
  end
  return true
end

local function matches(match, method, path, route)
  if not match then return true end
  if match.method and match.method:upper() ~= method then return false end
  if match.operation and (not route or route.name ~= match.operation) then return false end
  -- path: the raw path, a template of operations.tsv, or an operation name
  if match.path and match.path ~= path
    and not (route and (route.template == match.path or route.name == match.path)) then
    return false
  end
  return true
end

-- Park-Miller "minimal standard" generator: exact in doubles and in Lua 5.4 integers alike, so a
-- seed gives the same fault sequence on every run.
local function prng(seed)
  local state = math.floor(seed) % 2147483646 + 1
  return function()
    state = state * 48271 % 2147483647
    return state / 2147483647
  end
end

function faults.reset()
  faults.scripts = {}
  faults.random = nil
end

function faults.add(match, steps)
  local ok, err = check_script(match, steps)
  if not ok then return nil, err end
  faults.scripts[#faults.scripts + 1] = { match = match, steps = steps, next = 1 }
  return true
end

function faults.set_random(cfg)
  if not json.is_object(cfg) then return nil, "body must be an object" end
  local ok, err = check_script(cfg.match, cfg.steps)
  if not ok then return nil, err end
  if type(cfg.rate) ~= "number" or cfg.rate < 0 or cfg.rate > 1 then
    return nil, "rate must be a number between 0 and 1"
  end
  if cfg.seed ~= nil and type(cfg.seed) ~= "number" then return nil, "seed must be a number" end
  faults.random = { match = cfg.match, steps = cfg.steps, rate = cfg.rate,
    draw = prng(cfg.seed or math.random(1, 2147483646)) }
  return true
end

function faults.clear_random()
  faults.random = nil
end

-- The step that applies to this request (consumed), or nil. Scripts win over random faults; among
-- scripts the oldest one that matches and still has steps is used.
function faults.take(method, path, route)
  for i, script in ipairs(faults.scripts) do
    if matches(script.match, method, path, route) then
      local step = script.steps[script.next]
      script.next = script.next + 1
      if script.next > #script.steps then table.remove(faults.scripts, i) end
      return step
    end
  end
  local r = faults.random
  if r and matches(r.match, method, path, route) then
    local hit = r.draw() < r.rate
    local pick = r.draw()
    if hit then return r.steps[math.floor(pick * #r.steps) + 1] end
  end
  return nil
end

-- What is left of each script (for debugging a test that did not consume what it queued).
function faults.pending()
  local out = json.array()
  for _, script in ipairs(faults.scripts) do
    local rest = json.array()
    for i = script.next, #script.steps do rest[#rest + 1] = script.steps[i] end
    out[#out + 1] = { match = script.match or json.object(), steps = rest }
  end
  return out
end

faults.reset()

return faults
