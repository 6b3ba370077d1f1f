--- Dry run: describe the request a call would send, and send nothing.
--
-- `onesignal.new{ dry_run = true }` makes a client whose calls check and encode their arguments exactly as
-- usual (the same mistakes raise the same errors) and then return, instead of the answer,
-- `description, response`:
--
-- | field | |
-- |---|---|
-- | `dry_run` | `true` |
-- | `operation` | the operation's name |
-- | `method`, `url` | HTTP method and the full URL, query included |
-- | `headers` | list of header lines in libcurl's sending order; the key shows as `Authorization: Key [REDACTED]` |
-- | `body` | the exact JSON text that would be sent (default `app_id` and idempotency key filled in), or nil |
-- | `credential` | `"rest"`, `"organization"` or nil: which key the request would carry |
-- | `idempotency_key` | the key the request carries (the body's, or the one made for it), or nil |
-- | `settings` | `timeout`, `deadline`, `max_retries`, `retry_base_delay`, `retry_max_delay` for this call |
--
-- A client's key passed by mistake as a value (in the path, the query or the body) shows as `[REDACTED]`
-- in `url` and `body`, as it does in errors and in the `on_attempt` table: a description gets printed.
--
-- `response` is `{ status = 0, attempts = 0, dry_run = true }`. Non-blocking calls hand the same pair to
-- their callback at once. Headers that depend on the transport (`Accept-Encoding`: the encodings it can
-- decode; `Expect` handling) are not listed; `Host` and `Content-Length` are.
--
-- Once the client is closed its calls describe nothing: they answer as a closed client's do, `nil, err`
-- with reason `"closed"`, and `err.dry_run = true`. A dry-run client has no pages to walk: the `each_*`
-- iterators raise there.
-- @module onesignal.dry_run

local core = require("onesignal.core")
local json = require("onesignal.json")
local request = require("onesignal.request")
local target_of = require("onesignal.transport.ngx_target")

local M = {}

local BODY_METHODS = { POST = true, PUT = true, PATCH = true }
local SETTINGS = { "timeout", "deadline", "max_retries", "retry_base_delay", "retry_max_delay" }

--- Returns a function `describe(req)` → description, response for a resolved configuration, and the
-- function that removes the configuration's keys from a text. `transport`: the module of the transport
-- a client with that configuration would send with (its User-Agent names libcurl or ngx_lua); the
-- libcurl one when not given (the command line, which sends with nothing else).
-- @local
function M.new(cfg, transport)
  local user_agent = (transport or require("onesignal.transport.curl")).user_agent(cfg.user_agent)
  -- The Host line libcurl sends (and the cosocket transport copies): without the port when it is the
  -- scheme's own, however the base URL writes it (":80", ":0080").
  local target = target_of.parse(cfg.base_url, true)
  local host = target and target.host_header or cfg.base_url:match("^%a[%w+.-]*://([^/]+)")
  local function redact(text) return text and core.redact(text, cfg.rest_api_key, cfg.organization_api_key) end
  local function describe(req)
    local body = json.body_text(req.body) -- the text of a large one (json.encode_body), which is then freed
    json.release(req.body)
    -- In libcurl's order: Host, the request's standard lines, User-Agent (a line of the C core's list,
    -- after them), the body's lines, Authorization, then the Content-Length libcurl adds.
    local headers = { "Host: " .. host }
    for _, line in ipairs(request.HEADERS) do headers[#headers + 1] = line end
    headers[#headers + 1] = "User-Agent: " .. user_agent
    if body then
      for _, line in ipairs(request.BODY_HEADERS) do headers[#headers + 1] = line end
    end
    if req.credential then headers[#headers + 1] = "Authorization: Key [REDACTED]" end
    if body then
      headers[#headers + 1] = "Content-Length: " .. #body
    elseif BODY_METHODS[req.method] then
      -- Without a body these still carry a length (both transports send it), lest a server or proxy
      -- answer 411 Length Required.
      headers[#headers + 1] = "Content-Length: 0"
    end
    local settings = {}
    for _, name in ipairs(SETTINGS) do
      local value = req[name]
      if value == nil then value = cfg[name] end
      settings[name] = value
    end
    return {
      dry_run = true,
      operation = req.operation,
      method = req.method,
      url = redact(cfg.base_url .. req.path),
      credential = req.credential,
      headers = headers,
      body = redact(body),
      idempotency_key = req.idempotency_key,
      settings = settings,
    }, { status = 0, attempts = 0, dry_run = true }
  end
  return describe, redact
end

return M
