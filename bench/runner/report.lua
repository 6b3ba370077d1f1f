--- Turns the raw runs into figures (medians over repetitions), the tables of bench/README.md and the
-- check of the issue's targets.
local M = {}

local unpack = table.unpack or unpack

--- Figures of one run, from the result line a peer printed.
function M.figures(r)
  return {
    rps = r.count / r.wall_s,
    cpu_us = r.cpu_s * 1e6 / r.count,
    rss_mib = r.maxrss_kib / 1024,
    ms_per_call = r.wall_s * 1000 / r.count,
    cpu_ms_per_call = r.cpu_s * 1000 / r.count,
    connections = r.connections,
    retried = r.extra_requests or 0,
  }
end

local function median(values)
  local t = {}
  for i, v in ipairs(values) do t[i] = v end
  table.sort(t)
  local n = #t
  if n == 0 then return nil end
  if n % 2 == 1 then return t[(n + 1) / 2] end
  return (t[n / 2] + t[n / 2 + 1]) / 2
end

--- Medians per figure over the runs of one peer in one scenario, with the spread of the headline figure.
function M.summarize(runs)
  local by = {}
  for _, r in ipairs(runs) do
    for k, v in pairs(M.figures(r)) do
      by[k] = by[k] or {}
      by[k][#by[k] + 1] = v
    end
  end
  local out = { runs = #runs }
  for k, values in pairs(by) do
    out[k] = median(values)
    out[k .. "_min"], out[k .. "_max"] = math.min(unpack(values)), math.max(unpack(values))
  end
  return out
end

local function fmt(v, digits)
  if v == nil then return "–" end
  return string.format("%." .. (digits or 0) .. "f", v)
end

local function thousands(v)
  if v == nil then return "–" end
  local s = string.format("%.0f", v)
  return (s:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", ""))
end

local TRANSPORT = { http = "HTTP/1.1, keep-alive", h2 = "TLS, HTTP/2 offered (ALPN)" }

--- Markdown table of one scenario: one row per peer.
function M.scenario_table(scenario, peers, summary)
  local lines = {}
  local audience = scenario.mode == "audience"
  local title = scenario.name .. " — " .. TRANSPORT[scenario.transport]
  if scenario.delay > 0 then title = title .. string.format(", server answers after %d ms", scenario.delay * 1000) end
  lines[#lines + 1] = "**" .. title .. "**"
  lines[#lines + 1] = ""
  if audience then
    lines[#lines + 1] = "| peer | ms per call (min–max) | CPU ms per call | peak RSS MiB | connections | retried |"
  else
    lines[#lines + 1] = "| peer | req/s (min–max) | CPU µs/req | peak RSS MiB | connections | retried |"
  end
  lines[#lines + 1] = "|---|---:|---:|---:|---:|---:|"
  for _, p in ipairs(peers) do
    local s = summary[scenario.id] and summary[scenario.id][p.name]
    if s then
      local headline
      if audience then
        headline = fmt(s.ms_per_call, 1) .. " (" .. fmt(s.ms_per_call_min, 1) .. "–" .. fmt(s.ms_per_call_max, 1) .. ")"
      else
        headline = thousands(s.rps) .. " (" .. thousands(s.rps_min) .. "–" .. thousands(s.rps_max) .. ")"
      end
      lines[#lines + 1] = string.format("| %s | %s | %s | %s | %s | %s |", p.name, headline,
        audience and fmt(s.cpu_ms_per_call, 1) or fmt(s.cpu_us, 1), fmt(s.rss_mib, 1), fmt(s.connections),
        fmt(s.retried_max))
    end
  end
  return table.concat(lines, "\n")
end

-- The issue's targets. `value` reads the figure of a peer; `limit` derives the bound from the peers'
-- summaries of the same scenario; `at_least` says which side of the bound passes. A bound that is a
-- multiple of the floor's figure is given as that multiple, `of_floor` (paired_table uses it too).
local TARGETS = {
  { scenario = "sequential", what = "req/s ≥ 0.85 × plain libcurl", figure = "rps", at_least = true,
    of_floor = 0.85 },
  { scenario = "concurrent-1024", what = "req/s ≥ 0.8 × plain libcurl multi", figure = "rps", at_least = true,
    of_floor = 0.8 },
  { scenario = "concurrent-1024", what = "req/s ≥ 6,000", figure = "rps", at_least = true,
    limit = function() return 6000 end },
  { scenario = "concurrent-1024", what = "CPU µs/req ≤ 1.5 × plain libcurl multi", figure = "cpu_us",
    of_floor = 1.5 },
  { scenario = "concurrent-1024", what = "peak RSS ≤ 64 MiB", figure = "rss_mib",
    limit = function() return 64 end },
}
for _, t in ipairs(TARGETS) do
  if t.of_floor then
    local factor, figure = t.of_floor, t.figure
    t.limit = function(s) return s.c and factor * s.c[figure] end
  end
end
-- At least 4× the Node SDK on every figure: 4× the rate, a quarter of the time, CPU and memory.
for _, name in ipairs({ "sequential", "concurrent-256", "concurrent-1024", "audience" }) do
  local figures = name == "audience" and { "ms_per_call", "cpu_ms_per_call" }
    or name == "sequential" and { "rps", "cpu_us" } or { "rps", "cpu_us", "rss_mib" }
  for _, figure in ipairs(figures) do
    local up = figure == "rps"
    TARGETS[#TARGETS + 1] = {
      scenario = name, figure = figure, at_least = up, floor_too = true,
      what = (up and "req/s ≥ 4 × " or ({ cpu_us = "CPU µs/req", rss_mib = "peak RSS",
        ms_per_call = "ms per call", cpu_ms_per_call = "CPU ms per call" })[figure] .. " ≤ ¼ × ") .. "Node SDK",
      limit = function(s) return s.node and (up and 4 * s.node[figure] or s.node[figure] / 4) end,
    }
  end
end

local UNITS = { rps = 0, cpu_us = 1, rss_mib = 1, ms_per_call = 1, cpu_ms_per_call = 1 }

--- Checks every target for every Lua peer; returns rows { target, transport, peer, measured, bound, pass }.
function M.check_targets(scenarios, peers, summary)
  local rows = {}
  for _, t in ipairs(TARGETS) do
    for _, sc in ipairs(scenarios) do
      if sc.name == t.scenario then
        local s = summary[sc.id] or {}
        for _, p in ipairs(peers) do
          local mine = s[p.name]
          -- against Node the floor is checked too: a bound plain libcurl misses is out of any SDK's reach
          local reference = t.floor_too and p.name == "c"
          if (p.lua or reference) and mine and mine[t.figure] then
            local bound = t.limit(s)
            local pass = bound ~= nil and (t.at_least and mine[t.figure] >= bound or
              not t.at_least and mine[t.figure] <= bound)
            rows[#rows + 1] = { scenario = sc.name, target = t.what, transport = sc.transport,
              peer = reference and "c (floor, reference)" or p.name,
              measured = fmt(mine[t.figure], UNITS[t.figure]), bound = bound and fmt(bound, UNITS[t.figure]) or "–",
              pass = bound and (pass and "pass" or "**FAIL**") or "n/a" }
          end
        end
      end
    end
  end
  return rows
end

--- The target rows pivoted: one line per target and transport, one column per peer ("value ✓" / "value ✗").
function M.targets_table(rows)
  local columns, seen_col, lines_order, by_line = {}, {}, {}, {}
  for _, r in ipairs(rows) do
    if not seen_col[r.peer] then
      seen_col[r.peer] = true
      columns[#columns + 1] = r.peer
    end
    local key = r.scenario .. "\0" .. r.target .. "\0" .. r.transport
    if not by_line[key] then
      by_line[key] = { scenario = r.scenario, target = r.target, transport = r.transport, bound = r.bound, cells = {} }
      lines_order[#lines_order + 1] = key
    end
    local mark = r.pass == "pass" and " ✓" or r.pass == "n/a" and "" or " ✗"
    by_line[key].cells[r.peer] = r.measured .. mark
  end
  local header = { "| scenario | target | transport | bound" }
  local rule = { "|---|---|---|---:" }
  for _, c in ipairs(columns) do
    header[#header + 1] = " | " .. c
    rule[#rule + 1] = "|---:"
  end
  local lines = { table.concat(header) .. " |", table.concat(rule) .. "|" }
  for _, key in ipairs(lines_order) do
    local l = by_line[key]
    local cells = { string.format("| %s | %s | %s | %s", l.scenario, l.target, l.transport, l.bound) }
    for _, c in ipairs(columns) do cells[#cells + 1] = " | " .. (l.cells[c] or "–") end
    lines[#lines + 1] = table.concat(cells) .. " |"
  end
  return table.concat(lines, "\n")
end

--- The targets stated as a multiple of the floor, as ratios within each round: peer / floor of the same
-- repetition, median and min–max over the rounds. The peers run interleaved in a round, so a slow phase
-- of the machine moves both figures of a pair alike; the ratio of the medians in the targets table can
-- pair a fast floor run with a slow SDK run. Shown beside the verdict, not instead of it.
function M.paired_table(scenarios, peers, runs)
  local by = {} -- scenario id → rep → peer name → figures
  for _, r in ipairs(runs) do
    local reps = by[r.scenario] or {}
    by[r.scenario] = reps
    reps[r.rep] = reps[r.rep] or {}
    reps[r.rep][r.bench_peer] = M.figures(r)
  end
  local lines = { "| scenario | target | transport | peer | ratio (median) | min–max | rounds |",
    "|---|---|---|---|---:|---|---:|" }
  for _, t in ipairs(TARGETS) do
    for _, sc in ipairs(scenarios) do
      if t.of_floor and sc.name == t.scenario and by[sc.id] then
        for _, p in ipairs(peers) do
          local ratios = {}
          for _, round in pairs(by[sc.id]) do
            local mine, floor = round[p.name], round.c
            if p.lua and mine and floor then ratios[#ratios + 1] = mine[t.figure] / floor[t.figure] end
          end
          if #ratios > 0 then
            lines[#lines + 1] = string.format("| %s | %s | %s | %s | %.3f | %.3f–%.3f | %d |", sc.name, t.what,
              sc.transport, p.name, median(ratios), math.min(unpack(ratios)), math.max(unpack(ratios)), #ratios)
          end
        end
      end
    end
  end
  return table.concat(lines, "\n")
end

function M.machine_table(info, loads, pinning)
  local lines = { "| | |", "|---|---|" }
  local function row(k, v) lines[#lines + 1] = "| " .. k .. " | " .. tostring(v) .. " |" end
  row("date", info.date)
  row("CPU", info.cpu)
  row("kernel", info.kernel)
  row("libcurl", info.libcurl)
  row("Lua", info.lua)
  row("LuaJIT", info.luajit)
  row("Node", info.node)
  row("Node SDK", info.node_sdk)
  row("server", info.nginx .. " + lua-nginx-module, 1 worker")
  row("SDK", info.sdk)
  row("CPU pinning", pinning)
  row("load average (1/5/15 min) before", table.concat(loads.before, " / "))
  row("load average (1/5/15 min) after", table.concat(loads.after, " / "))
  return table.concat(lines, "\n")
end

return M
