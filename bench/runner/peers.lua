--- The programs compared, and the command line that runs each one in a scenario. Every peer reads
-- the same BENCH_* variables and prints one JSON result line (bench/README.md).
local M = {}

local LUA_PATH = "./lua/?.lua;./lua/?/init.lua;./bench/?.lua;;"

local function lua_peer(name, interpreter, flavour, driver)
  return {
    name = name,
    lua = true,
    modes = { sequential = true, audience = true, concurrent = true },
    env = {
      LUA_PATH = LUA_PATH,
      LUA_CPATH = "./build/" .. flavour .. "/?.so;./build/bench/" .. flavour .. "/?.so;;",
    },
    command = function(scenario)
      local cmd = interpreter .. " bench/sdk/peer.lua " .. scenario.mode
      if scenario.mode == "concurrent" and driver then cmd = cmd .. " " .. driver end
      return cmd
    end,
  }
end

local ALL = {
  -- The floor: plain libcurl sending the same request as the SDK (the runner passes it the SDK's header
  -- lines in BENCH_REQUEST_HEADERS).
  {
    name = "c",
    modes = { sequential = true, audience = true, concurrent = true },
    env = {},
    command = function(scenario)
      local program = scenario.mode == "concurrent" and "multi_loop" or "easy_loop"
      return "./build/bench/" .. program .. " " .. scenario.mode
    end,
  },
  -- Not a target: the floor without the three header lines issue 2 requires of every SDK request
  -- (User-Agent, OS-Usage-Data, Accept-Encoding), which libcurl writes a character at a time; what those
  -- lines cost is the difference from `c`.
  {
    name = "c-bare",
    modes = { sequential = true },
    env = { BENCH_REQUEST_HEADERS = "" },
    command = function(scenario)
      return "./build/bench/easy_loop " .. scenario.mode
    end,
  },
  -- Not a target: what the proposed engine fix (a cap on connections over HTTP/2) gives plain libcurl.
  {
    name = "c-capped",
    modes = { concurrent = true },
    transports = { h2 = true },
    env = { BENCH_MAX_CONNECTIONS = "12" },
    command = function(scenario)
      return "./build/bench/multi_loop " .. scenario.mode
    end,
  },
  lua_peer("lua5.4", "lua5.4", "5.4"),
  lua_peer("luajit", "luajit", "luajit"),
  -- send_many only has a concurrent mode; the other modes would repeat lua5.4's figures
  (function()
    local p = lua_peer("lua5.4/send_many", "lua5.4", "5.4", "send_many")
    p.modes = { concurrent = true }
    return p
  end)(),
  {
    name = "node",
    modes = { sequential = true, audience = true, concurrent = true },
    env = {},
    ca_env = "NODE_EXTRA_CA_CERTS", -- Node reads its extra CAs only from the environment at start
    command = function(scenario)
      return "node bench/node/peer.js " .. scenario.mode
    end,
  },
}

--- The header lines the SDK's libcurl session sends besides Authorization, Content-Type and Accept (which
-- every peer sends), newline-separated, as the transport (lua/onesignal/transport/curl.lua) writes them.
function M.sdk_header_lines()
  local core = require("onesignal.core")
  local request = require("onesignal.request")
  local lines = {}
  for _, line in ipairs(request.HEADERS) do
    if not line:match("^Accept:") then lines[#lines + 1] = line end
  end
  lines[#lines + 1] = "User-Agent: " .. require("onesignal.transport.curl").user_agent()
  lines[#lines + 1] = "Accept-Encoding: " .. core.features.accept_encoding
  return table.concat(lines, "\n")
end

--- Whether a peer takes part in a scenario.
function M.runs(peer, scenario)
  return peer.modes[scenario.mode] and (not peer.transports or peer.transports[scenario.transport]) or false
end

--- Every peer, in table order.
function M.all() return ALL end

--- The peers to run: all, or those named in `only` (a set).
function M.list(only)
  local out = {}
  for _, p in ipairs(ALL) do
    if not only or only[p.name] then out[#out + 1] = p end
  end
  return out
end

return M
