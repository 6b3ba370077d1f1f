--- Dry run: describe the request a call would send, and send nothing.
--
-- The description is built from the same `req` every transport receives, so what it shows is what would
-- go out: method, full URL, every header (the key replaced by "[REDACTED]") and the exact body text.
-- @module onesignal.dry_run

local core = require("onesignal.core")
local request = require("onesignal.request")

local M = {}

--- Returns a function `describe(req)` → description, response for a resolved configuration.
function M.new(cfg)
  local user_agent = request.user_agent(cfg.user_agent, core.curl_version:match("^%S+") or "libcurl")
  return function(req)
    local headers = {}
    for _, line in ipairs(request.HEADERS) do headers[#headers + 1] = line end
    if req.body then
      for _, line in ipairs(request.BODY_HEADERS) do headers[#headers + 1] = line end
    end
    headers[#headers + 1] = "User-Agent: " .. user_agent
    if req.credential then headers[#headers + 1] = "Authorization: Key [REDACTED]" end
    return {
      dry_run = true,
      operation = req.operation,
      method = req.method,
      url = cfg.base_url .. req.path,
      credential = req.credential,
      headers = headers,
      body = req.body,
      idempotency_key = req.idempotency_key,
    }, { status = 0, attempts = 0, dry_run = true }
  end
end

return M
