--- The Lua SDK doing the benchmark's job (see bench/README.md):
--
--   lua5.4 bench/sdk/peer.lua sequential | audience | concurrent [async|send_many]
--
-- Run from the repository root with ./lua, ./bench and the C modules on the module paths (the runner
-- sets them). Settings come from BENCH_* variables; prints one JSON line, like every peer.
local common = require("sdk.common")

local MODES = {
  sequential = "sdk.sequential",
  audience = "sdk.audience",
  concurrent = "sdk.concurrent",
}

local mode, driver = arg[1], arg[2]
if not MODES[mode] then
  io.stderr:write("usage: peer.lua sequential|audience|concurrent [async|send_many]\n")
  os.exit(2)
end

local stop_profile
if os.getenv("BENCH_PROFILE") == "1" then stop_profile = require("sdk.profile").start(30) end
local ok, err = pcall(function()
  local s = common.settings()
  local client = common.client(s)
  require(MODES[mode]).run(client, s, common, driver)
end)
if stop_profile then stop_profile() end
if not ok then
  io.stderr:write(tostring(err), "\n")
  os.exit(2)
end
