--- The benchmark's scenarios: what each peer is asked to do, against which server setting.
--
-- Every scenario runs over plain HTTP/1.1 (keep-alive) and over TLS with HTTP/2 offered (ALPN); `delay`
-- is the server's answer delay in seconds (a simulated round trip). Counts are the measured requests
-- (or calls, in audience mode); `warmup` requests go first in the same process and are not measured.
local M = {}

-- Sequential runs are long enough to last a few seconds per peer: at 10,000 requests (about a second)
-- the rate of one peer moved by ±10 % between repetitions, as much as the margin the target leaves.
local BASE = {
  { name = "sequential", mode = "sequential", delay = 0, count = 30000, warmup = 1000 },
  { name = "concurrent-256", mode = "concurrent", delay = 0.05, inflight = 256, count = 10240, warmup = 512 },
  { name = "concurrent-1024", mode = "concurrent", delay = 0.05, inflight = 1024, count = 10240, warmup = 2048 },
  { name = "audience", mode = "audience", delay = 0, count = 30, warmup = 3, audience = 20000 },
}

-- Smoke runs keep the concurrency and the audience size and shrink only the counts.
local SMOKE = {
  sequential = { count = 20, warmup = 2 },
  ["concurrent-256"] = { count = 512, warmup = 256 },
  ["concurrent-1024"] = { count = 2048, warmup = 1024 },
  audience = { count = 2, warmup = 1 },
}

--- The scenarios in run order, each once per transport ("http", "h2").
function M.list(smoke)
  local out = {}
  for _, transport in ipairs({ "http", "h2" }) do
    for _, base in ipairs(BASE) do
      local s = {}
      for k, v in pairs(base) do s[k] = v end
      if smoke then
        for k, v in pairs(SMOKE[base.name]) do s[k] = v end
      end
      s.transport = transport
      s.id = base.name .. "/" .. transport
      out[#out + 1] = s
    end
  end
  return out
end

return M
