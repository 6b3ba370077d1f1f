-- `make server-run`: starts a test server by hand (for debugging an SDK call or a demo) and keeps
-- it until Enter is pressed; on Ctrl-C the watchdog stops it. Options come from the environment:
-- TLS=1 H2=1 BENCH=1 DELAY=seconds WORKERS=n.
local server = require("support.server")

local function flag(name)
  local v = os.getenv(name)
  return v ~= nil and v ~= "" and v ~= "0"
end

local srv = server.start{
  tls = flag("TLS") or flag("H2"),
  h2 = flag("H2"),
  bench = flag("BENCH"),
  delay = tonumber(os.getenv("DELAY") or ""),
  workers = tonumber(os.getenv("WORKERS") or ""),
}

-- These keys are random per start and only open this local server.
local lines = {
  "test server running (nginx pid " .. tostring(srv:pid()) .. ")",
  "  url       " .. srv.url,
  srv.https_url and ("  https_url " .. srv.https_url) or nil,
  srv.ca_file and ("  ca_file   " .. srv.ca_file) or nil,
  "  app_id    " .. srv.app_id,
  "  org_id    " .. srv.org_id,
  "  rest_key  " .. srv.rest_key,
  "  org_key   " .. srv.org_key,
  "  prefix    " .. srv.prefix .. "  (logs/error.log)",
  "",
  "try: curl -s -H 'Authorization: Key " .. srv.org_key .. "' " .. srv.url .. "/apps",
  "     curl -s " .. srv.url .. "/__control/requests",
  "press Enter to stop",
}
for i = 1, 13 do
  if lines[i] then print(lines[i]) end
end
io.read("l")
srv:stop()
