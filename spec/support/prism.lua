--- Starts and stops Prism (npm @stoplight/prism-cli, pinned in tools/contract) as a validating mock of
-- OneSignal's OpenAPI spec. `make contract-deps` installs it.
local shared = require("support.shared")

local M = {}

local BIN = shared.root .. "/tools/contract/node_modules/.bin/prism"
local SPEC = shared.path("api/onesignal-openapi-5.12.0.keyauth.yaml")

local function sh(command)
  local pipe = assert(io.popen(command))
  local out = pipe:read("*a")
  pipe:close()
  return out
end

local function read(path)
  local f = io.open(path)
  if not f then return "" end
  local text = f:read("*a")
  f:close()
  return text
end

-- The spec as Prism gets it: OneSignal's file with two defects mended in a temporary copy.
-- 1. The path `/players/csv_export?app_id={app_id}` carries the query inside the path template (with
--    app_id declared `in: path`), which no request can match; the operations table and the live API take
--    app_id as a query parameter of POST /players/csv_export, and so does the mended copy.
-- 2. FilterExpression is `oneOf` Filter and Operator, two schemas that both accept any object, so no
--    filter can match exactly one of them (in requests or in Prism's own answers); `anyOf` is meant.
local function mended_spec()
  local f = assert(io.open(SPEC))
  local text = f:read("*a")
  f:close()
  local head = "\n  /players/csv_export?app_id={app_id}:\n"
  local at = assert(text:find(head, 1, true), "the export path is no longer in the spec; drop the mend")
  local block_end = text:find("\n  /", at + #head, true) or #text
  local block = text:sub(at, block_end)
    :gsub("^\n  /players/csv_export%?app_id={app_id}:", "\n  /players/csv_export:")
    :gsub("in: path(\n%s+name: app_id)", "in: query%1", 1)
    :gsub("style: simple", "style: form", 1)
  local filter = "\n    FilterExpression:\n      oneOf:\n"
  assert(text:find(filter, 1, true), "FilterExpression is no longer oneOf in the spec; drop the mend")
  local path = os.tmpname() .. ".yaml"
  local out = assert(io.open(path, "w"))
  local rest = text:sub(block_end + 1)
  local mended = (text:sub(1, at - 1) .. block .. rest):gsub(filter:gsub("%p", "%%%0"),
    "\n    FilterExpression:\n      anyOf:\n", 1)
  out:write(mended)
  out:close()
  return path
end

--- Starts Prism in mock mode with `--errors` (a request that violates the spec is answered with an
-- error and an `sl-violations` header). Returns { url, stop = function }.
function M.start()
  assert(io.open(BIN) ~= nil, "Prism is not installed: run `make contract-deps` (npm ci in tools/contract)")
  -- Below Linux's ephemeral range (32768-60999), where outgoing connections take their local ports.
  local port = 20000 + (tonumber(sh("od -An -N2 -tu2 /dev/urandom")) % 12000)
  local log = os.tmpname()
  local spec = mended_spec()
  -- --dynamic: answers generated from the schemas; the spec's own static examples break its schemas
  -- (e.g. strings where objects are declared), which Prism would report as response violations.
  local pid = sh(string.format("%s mock --dynamic --errors -h 127.0.0.1 -p %d %s > %s 2>&1 & echo $!",
    BIN, port, spec, log)):match("%d+")
  local deadline = os.time() + 90
  while not read(log):find("Prism is listening", 1, true) do
    if os.time() > deadline or read(log):find("EADDRINUSE", 1, true) then
      os.execute("kill " .. pid .. " 2>/dev/null")
      error("Prism did not start:\n" .. read(log))
    end
    os.execute("sleep 0.2")
  end
  return {
    url = "http://127.0.0.1:" .. port,
    log = log,
    stop = function()
      os.execute("kill " .. pid .. " 2>/dev/null")
      os.remove(log)
      os.remove(spec)
    end,
  }
end

return M
