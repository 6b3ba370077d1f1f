--- The benchmark runner (`make bench`): starts the local test server in bench mode, runs every peer in
-- every scenario several times, and prints the figures (medians) and the check of the issue's targets.
--
--   lua5.4 bench/run.lua [--smoke] [--reps N] [--only NAME,…] [--peers NAME,…] [--out DIR] [--no-pin]
--   lua5.4 bench/run.lua --from build/bench/results.json      the tables again from a earlier run's raw data
--
-- Run from the repository root after `make bench-build`. See bench/README.md for the method.
package.path = "./lua/?.lua;./lua/?/init.lua;./spec/?.lua;./bench/?.lua;" .. package.path
package.cpath = "./build/5.4/?.so;" .. package.cpath

local cjson = require("cjson")
local server = require("support.server")
local shell = require("server.harness.shell")
local scenarios = require("runner.scenarios")
local peers = require("runner.peers")
local system = require("runner.system")
local report = require("runner.report")

local SERVER_CPU, CLIENT_CPU = 0, 1

local function usage(message)
  io.stderr:write((message and (message .. "\n") or ""),
    "usage: lua5.4 bench/run.lua [--smoke] [--reps N] [--only NAME,...] [--peers NAME,...] [--out DIR] [--no-pin]\n",
    "       lua5.4 bench/run.lua --from results.json\n",
    "  --only: scenarios (sequential, concurrent-256, concurrent-1024, audience) or transports (http, h2)\n",
    "  --peers: c, c-bare, c-capped, lua5.4, luajit, lua5.4/send_many, node\n")
  os.exit(message and 2 or 0)
end

local function set_of(text)
  local s = {}
  for name in text:gmatch("[^,%s]+") do s[name] = true end
  return s
end

local function parse(args)
  local o = { reps = nil, out = "build/bench" }
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "--smoke" then o.smoke = true
    elseif a == "--no-pin" then o.no_pin = true
    elseif a == "--reps" then i = i + 1; o.reps = tonumber(args[i]) or usage("--reps needs a number")
    elseif a == "--only" then i = i + 1; o.only = set_of(args[i] or usage("--only needs names"))
    elseif a == "--peers" then i = i + 1; o.peers = set_of(args[i] or usage("--peers needs names"))
    elseif a == "--from" then i = i + 1; o.from = args[i] or usage("--from needs a file")
    elseif a == "--out" then i = i + 1; o.out = args[i] or usage("--out needs a directory")
    elseif a == "--help" or a == "-h" then usage()
    else usage("unknown argument " .. a) end
    i = i + 1
  end
  o.reps = o.reps or (o.smoke and 1 or 5)
  -- A misspelt name would otherwise select nothing, and the run would "pass" having measured nothing.
  local known = { http = true, h2 = true }
  for _, sc in ipairs(scenarios.list(false)) do known[sc.name], known[sc.id] = true, true end
  for name in pairs(o.only or {}) do
    if not known[name] then usage("--only: no scenario or transport is named " .. name) end
  end
  local peer_names = {}
  for _, p in ipairs(peers.all()) do peer_names[p.name] = true end
  for name in pairs(o.peers or {}) do
    if not peer_names[name] then usage("--peers: no peer is named " .. name) end
  end
  return o
end

-- --only NAME,…: scenario names (or ids) and transports; both kinds given means both must match.
local TRANSPORTS = { http = true, h2 = true }
local function wanted(o, sc)
  if not o.only then return true end
  local by_name, by_transport = false, false
  for name in pairs(o.only) do
    if TRANSPORTS[name] then by_transport = true else by_name = true end
  end
  return (not by_name or o.only[sc.name] or o.only[sc.id] or false)
    and (not by_transport or o.only[sc.transport] or false)
end

local function settings_for(srv, sc, peer)
  local env = {
    BENCH_URL = sc.transport == "h2" and srv.https_url or srv.url,
    BENCH_KEY = srv.rest_key,
    BENCH_APP_ID = srv.app_id,
    BENCH_COUNT = tostring(sc.count),
    BENCH_WARMUP = tostring(sc.warmup),
    BENCH_INFLIGHT = tostring(sc.inflight or 1),
    BENCH_AUDIENCE = tostring(sc.audience or 0),
    BENCH_REQUEST_HEADERS = peers.sdk_header_lines(),
  }
  if sc.transport == "h2" then
    env.BENCH_CA_FILE = srv.ca_file
    if peer.ca_env then env[peer.ca_env] = srv.ca_file end
  end
  for k, v in pairs(peer.env) do env[k] = v end
  return env
end

-- One run of one peer: a fresh server state, the peer process, and the server's own count of what it got.
local function run_once(srv, sc, peer, cpu)
  srv:reset()
  srv:set{ delay = sc.delay }
  local result, err = system.run_peer(peer.command(sc), settings_for(srv, sc, peer), srv.prefix, cpu)
  if not result then error(string.format("%s failed in %s: %s", peer.name, sc.id, err), 0) end
  local stats = srv:stats()
  local expected = sc.count + sc.warmup
  -- Fewer means a peer counted answers it never got; more are retries (the SDK's own policy at work).
  if stats.requests < expected then
    error(string.format("%s in %s: the server counted %d requests, expected %d", peer.name, sc.id,
      stats.requests, expected), 0)
  end
  result.connections = stats.connections
  result.extra_requests = stats.requests - expected
  return result
end

-- The report: machine, one table per scenario, the targets, and what failed.
local function render(ctx)
  local grouped = {}
  for _, r in ipairs(ctx.runs) do
    grouped[r.scenario] = grouped[r.scenario] or {}
    grouped[r.scenario][r.bench_peer] = grouped[r.scenario][r.bench_peer] or {}
    table.insert(grouped[r.scenario][r.bench_peer], r)
  end
  local summary = {}
  for id, by_peer in pairs(grouped) do
    summary[id] = {}
    for name, runs in pairs(by_peer) do summary[id][name] = report.summarize(runs) end
  end
  local list, chosen = {}, {}
  for _, sc in ipairs(scenarios.list(ctx.smoke)) do
    if grouped[sc.id] then list[#list + 1] = sc end
  end
  for _, p in ipairs(peers.all()) do
    for _, by_peer in pairs(grouped) do
      if by_peer[p.name] then chosen[#chosen + 1] = p; break end
    end
  end
  local out = {}
  out[#out + 1] = (ctx.smoke and "# Benchmark smoke run (tiny counts: not figures)" or "# Benchmark figures")
  out[#out + 1] = ""
  out[#out + 1] = report.machine_table(ctx.machine, ctx.loads, ctx.pinning)
  out[#out + 1] = ""
  out[#out + 1] = string.format("Medians of %d runs per peer and scenario.", ctx.reps)
  for _, sc in ipairs(list) do
    out[#out + 1] = ""
    out[#out + 1] = report.scenario_table(sc, chosen, summary)
  end
  out[#out + 1] = ""
  out[#out + 1] = "## Targets"
  out[#out + 1] = ""
  out[#out + 1] = report.targets_table(report.check_targets(list, chosen, summary))
  out[#out + 1] = ""
  out[#out + 1] = "Targets relative to the floor, as ratios within each round (peer / `c` of the same repetition):"
  out[#out + 1] = ""
  out[#out + 1] = report.paired_table(list, chosen, ctx.runs)
  if #ctx.failures > 0 then
    out[#out + 1] = ""
    out[#out + 1] = "## Failed runs (no figures)"
    out[#out + 1] = ""
    for _, f in ipairs(ctx.failures) do out[#out + 1] = "- " .. f end
  end
  return table.concat(out, "\n") .. "\n"
end

-- Runs every chosen peer in every chosen scenario `o.reps` times; returns the run's record.
local function measure(o)
  local ctx = { smoke = o.smoke, reps = o.reps, loads = { before = system.load() }, machine = system.describe(),
    runs = {}, failures = {} }
  if ctx.loads.before[1] > 0.5 then
    io.stderr:write(string.format(
      "bench: load average is %.2f: other work shares this machine, figures will be noisy\n", ctx.loads.before[1]))
  end
  local list = {}
  for _, sc in ipairs(scenarios.list(o.smoke)) do
    if wanted(o, sc) then list[#list + 1] = sc end
  end
  local chosen = peers.list(o.peers)

  local srv = server.start{ bench = true, tls = true, h2 = true, workers = 1, delay = 0 }
  local ok, err = pcall(function()
    srv:set{ record = false }
    local client_cpu
    ctx.pinning = "none (" .. system.cores() .. " cores)"
    if not o.no_pin and system.cores() >= 2 and system.pin_server(srv, SERVER_CPU) then
      client_cpu = CLIENT_CPU
      ctx.pinning = string.format("server (nginx master + 1 worker) on CPU %d, each client on CPU %d (taskset)",
        SERVER_CPU, CLIENT_CPU)
    end
    local failed = {}
    for _, sc in ipairs(list) do
      for rep = 1, o.reps do
        for _, peer in ipairs(chosen) do
          local key = sc.id .. " " .. peer.name
          if peers.runs(peer, sc) and not failed[key] then
            local done, r = pcall(run_once, srv, sc, peer, client_cpu)
            if done then
              r.scenario, r.rep, r.bench_peer = sc.id, rep, peer.name
              ctx.runs[#ctx.runs + 1] = r
              local f = report.figures(r)
              io.stderr:write(string.format(
                "bench: %-22s rep %d %-17s %9.0f req/s %8.1f µs CPU/req %6.1f MiB %4d conn%s\n",
                sc.id, rep, peer.name, f.rps, f.cpu_us, f.rss_mib, f.connections,
                r.extra_requests > 0 and string.format(" (%d retried)", r.extra_requests) or ""))
            else
              -- a failed peer gets no figures in this scenario; the run goes on and exits 1 at the end
              failed[key] = true
              ctx.failures[#ctx.failures + 1] = tostring(r)
              io.stderr:write("bench: ", tostring(r), "\n")
            end
          end
        end
      end
    end
    ctx.loads.after = system.load()
  end)
  srv:stop()
  if not ok then
    io.stderr:write("bench: ", tostring(err), "\n")
    os.exit(1)
  end
  return ctx
end

local function main(o)
  if not shell.read_file("bench/run.lua") then error("run from the repository root", 0) end
  local ctx
  if o.from then
    ctx = cjson.decode((assert(shell.read_file(o.from), "cannot read " .. o.from)))
  else
    ctx = measure(o)
    shell.run("mkdir -p " .. shell.quote(o.out))
    shell.write_file(o.out .. "/results.json", cjson.encode(ctx))
  end
  local text = render(ctx)
  io.write(text)
  if not o.from then
    shell.write_file(o.out .. "/results.md", text)
    io.stderr:write("bench: written to " .. o.out .. "/results.md and results.json\n")
  end
  if #ctx.failures > 0 then
    io.stderr:write("bench: ", #ctx.failures, " peer run(s) failed\n")
    os.exit(1)
  end
end

main(parse(arg))
