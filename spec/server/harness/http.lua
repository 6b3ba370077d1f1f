-- A tiny HTTP client over the curl CLI for the server's own specs: what curl saw (exit code,
-- status, headers, body, timing, protocol), nothing interpreted.
local cjson = require("cjson")
local shell = require("server.harness.shell")

local http = {}

local q = shell.quote

local counter = 0

-- opts: key (Authorization: Key <key>), body (string or table -> JSON), headers ({ "Name: v" }),
--       max_time, cacert, http2, insecure, extra (string of raw curl arguments), dir (scratch dir)
function http.request(method, url, opts)
  opts = opts or {}
  counter = counter + 1
  local dir = assert(opts.dir, "http.request needs a scratch dir")
  local base = string.format("%s/req%d", dir, counter)
  local args = { "curl -s --noproxy '*' -X", method, q(url), "-D", q(base .. ".h"), "-o", q(base .. ".b"),
    "-w", q("%{http_code} %{time_total} %{http_version}"), "--max-time", tostring(opts.max_time or 10) }
  if opts.key then args[#args + 1] = "-H " .. q("Authorization: Key " .. opts.key) end
  for _, h in ipairs(opts.headers or {}) do args[#args + 1] = "-H " .. q(h) end
  if opts.body ~= nil then
    local body = type(opts.body) == "table" and cjson.encode(opts.body) or opts.body
    shell.write_file(base .. ".in", body)
    args[#args + 1] = "-H 'Content-Type: application/json' --data-binary @" .. q(base .. ".in")
  end
  if opts.cacert then args[#args + 1] = "--cacert " .. q(opts.cacert) end
  if opts.http2 then args[#args + 1] = "--http2" end
  if opts.extra then args[#args + 1] = opts.extra end
  local out, exit = shell.capture(table.concat(args, " "))
  local status, time, version = out:match("^(%d+) ([%d.]+) (%S+)")
  local res = {
    exit = exit,
    status = tonumber(status),
    time = tonumber(time),
    http_version = version,
    body = shell.read_file(base .. ".b") or "",
    headers = {},
  }
  for line in (shell.read_file(base .. ".h") or ""):gmatch("[^\r\n]+") do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then res.headers[name:lower()] = value end
  end
  if res.body ~= "" then
    local ok, v = pcall(cjson.decode, res.body)
    if ok then res.json = v end
  end
  os.remove(base .. ".h")
  os.remove(base .. ".b")
  os.remove(base .. ".in")
  return res
end

return http
