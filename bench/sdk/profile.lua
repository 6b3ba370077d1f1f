--- A sampling profile of the Lua side of a benchmark peer: `BENCH_PROFILE=1` makes bench/sdk/peer.lua
-- sample which Lua function runs every 1,000 VM instructions and print the top ones to stderr.
--
-- The count hook sees Lua code only: time spent inside C (libcurl, cjson, the kernel) is charged to the
-- Lua function that called it no more than its instructions say, so read this beside `perf report
-- --sort dso` (see bench/README.md). The hook itself slows the run: use it for shares, not for figures.
local M = {}

local EVERY = 1000

--- Starts sampling; returns a function that stops and prints the `top` most sampled places.
function M.start(top)
  local counts, lines, total = {}, {}, 0
  local getinfo = debug.getinfo
  debug.sethook(function()
    local info = getinfo(2, "Sl")
    if not info then return end
    local fn = info.short_src .. ":" .. (info.linedefined or 0)
    counts[fn] = (counts[fn] or 0) + 1
    local line = info.short_src .. ":" .. (info.currentline or 0)
    lines[line] = (lines[line] or 0) + 1
    total = total + 1
  end, "", EVERY)
  return function()
    debug.sethook()
    local function print_top(title, t)
      local list = {}
      for k, v in pairs(t) do list[#list + 1] = { k, v } end
      table.sort(list, function(a, b) return a[2] > b[2] end)
      io.stderr:write(string.format("%s (%d samples of %d instructions)\n", title, total, EVERY))
      for i = 1, math.min(top or 25, #list) do
        io.stderr:write(string.format("  %5.1f%%  %s\n", 100 * list[i][2] / total, list[i][1]))
      end
    end
    print_top("Lua functions by samples (file:line where the function starts)", counts)
    print_top("Lua lines by samples", lines)
  end
end

return M
