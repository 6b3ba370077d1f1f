--- Turns a transport's `result` into what a call returns: `body, response` or `nil, err`.
-- Shared by every transport, so an answer means the same whichever one carried it.
-- @module onesignal.response

local json = require("onesignal.json")
local errors = require("onesignal.errors")

local M = {}

-- Whether assigning nil to an absent field adds no key: so on Lua 5.4 (from 5.4.3), where such a store
-- costs next to nothing. Lua 5.3 and LuaJIT add the key, which can make the table grow.
local NIL_ADDS_NO_KEY = _VERSION == "Lua 5.4" and not rawget(_G, "jit")

--- The `result` a transport gives a call that closing the client ended (both transports): error "closed",
-- after `attempts` attempts. `maybe_sent`: an attempt of it may have reached the server and been applied
-- (one on the wire, or an earlier one the retry policy could not rule out); false for a call that sent
-- nothing, or whose earlier attempts were refused (429, 503, no connection) and that waited to retry.
function M.closed(attempts, maybe_sent, elapsed)
  return { status = 0, body = "", attempts = attempts, replayed = false, error = "closed",
    message = "the client was closed", maybe_sent = maybe_sent, elapsed = elapsed }
end

-- Transport classes (docs/design.md) → error kinds users branch on.
local KIND = {
  timeout = "timeout",
  tls = "tls",
  too_large = "decode",
}

--- The failure of a call: `nil, err`, with `fields` completed from the request and the transport's
-- result (or a finished response), and everything that came from outside redacted.
local function fail(req, result, fields, redact)
  fields.operation = req.operation
  fields.method = req.method
  fields.path = redact(req.path:match("^[^?]*"))
  fields.status = result.status ~= 0 and result.status or nil
  if result.headers then
    local headers = {}
    -- Names too: a server that turns the request's headers around may make one of a key.
    for name, value in pairs(result.headers) do headers[redact(name)] = redact(value) end
    fields.headers = headers
  end
  fields.attempts = result.attempts
  -- Only a refusal (429) or a server error asks the caller to come back: a definite answer (another 4xx)
  -- would be the same after any wait, so its Retry-After is no invitation to schedule the call again.
  local status = fields.status
  if status and (status >= 500 or status == 429) then fields.retry_after = result.retry_after end
  -- A GET changes nothing on the server, so "the request may have been applied" would only alarm.
  fields.maybe_sent = (result.maybe_sent and req.method ~= "GET") or nil
  fields.gave_up = result.gave_up
  fields.idempotency_key = req.idempotency_key
  if type(fields.body) == "string" then fields.body = redact(fields.body) end
  if fields.message then fields.message = redact(fields.message) end
  for i, m in ipairs(fields.messages or {}) do fields.messages[i] = redact(m) end
  return nil, errors.new(fields)
end

M.fail = fail

-- What a decoded JSON value that is not a container is, for a message.
local function scalar_name(value)
  if value == json.null then return "null" end
  if type(value) == "boolean" then return tostring(value) end
  return "a " .. type(value) -- a number, a string
end

--- `redact(text)` removes the client's keys from text that came from outside (a server could echo them).
-- Errors get logged, so everything in one is redacted: path, headers, and the body before it is decoded.
function M.finish(req, result, redact)
  local status, text = result.status, result.body or ""
  if result.error then
    return fail(req, result, {
      kind = KIND[result.error] or "network",
      reason = result.error,
      message = result.message,
      body = text ~= "" and text or nil,
    }, redact)
  end

  if status < 200 or status >= 300 then
    text = redact(text)
    local decoded = text -- the raw text when it is not JSON
    if text ~= "" then
      local value = json.decode(text)
      if value ~= nil then decoded = value end
    end
    return fail(req, result, {
      kind = "api",
      reason = "http",
      body = decoded,
      messages = errors.messages(decoded),
    }, redact)
  end

  local body, problem, blank
  if (status == 204 or req.no_content) and not text:find("[^ \t\r\n]") then
    body = {} -- no content is due: an empty body, or a blank line some servers send instead
  elseif text == "" then
    problem, blank = "the response body is empty", true
  else
    body, problem = json.decode(text)
    -- Asked only of a text that failed, so an answer read whole pays nothing for it.
    if problem and not text:find("[^ \t\r\n]") then
      -- A bare line break (from a proxy, say) carries no more than an empty body: the same reason.
      problem, blank = "the response body is empty (only whitespace)", true
    elseif problem then
      problem = "the response body is not JSON (" .. problem .. ")"
    elseif type(body) ~= "table" then
      -- Every operation answers an object (get_apps an array). A bare false or null would be returned as
      -- the body, and `local body, err = client:op()` would take it for a failure with no error.
      problem = "the response body is " .. scalar_name(body) .. ", not a JSON object or array"
    end
  end
  if problem then
    return fail(req, result, {
      kind = "decode",
      reason = blank and "empty" or "json",
      message = problem,
      body = text,
    }, redact)
  end
  -- The result becomes the response (one table less per call): status, headers, attempts, replayed and
  -- elapsed stay; what only the transport needed goes. These fields are usually absent. On Lua 5.4 they
  -- are cleared without a look: reading an absent one first would call the C engine's lazy-header
  -- __index (lua_results.c), ~200 instructions each. Elsewhere an absent one is left alone, as storing nil
  -- would add its key.
  result.body = nil
  if NIL_ADDS_NO_KEY then
    result.id, result.maybe_sent, result.retry_after = nil, nil, nil
  else
    if result.id ~= nil then result.id = nil end
    if result.maybe_sent ~= nil then result.maybe_sent = nil end
    if result.retry_after ~= nil then result.retry_after = nil end
  end
  result.idempotency_key = req.idempotency_key
  return body, result
end

return M
