-- A resolver that never answers (a UDP port bound and never read, named by /etc/resolv.conf inside a
-- private network and mount namespace made with `unshare -rnm`; spec/support/slow_resolver.lua). A call
-- whose connect timeout or deadline ends it while getaddrinfo still waits, or a client closed then, must
-- not hold the program until getaddrinfo gives up (3 s here, 10 s with glibc's defaults): libcurl waited
-- for its lookup thread there unless told otherwise (CURLOPT_QUICK_EXIT), and poll(0) blocked that long.
local shared = require("support.shared")
local runtime = require("support.runtime")
local hardening = require("hardening.support")

-- (os.execute's status is true on Lua 5.4 and 0 on LuaJIT)
local function succeeds(command)
  local status = os.execute(command .. " >/dev/null 2>&1")
  return status == true or status == 0
end

local function namespaces_work()
  return succeeds("unshare -rnm true") and succeeds("command -v ip")
end

-- A resolv.conf naming 127.0.0.53, where nothing answers (slow_resolver.lua binds it and never reads).
local function resolv_conf()
  local conf = os.tmpname()
  local f = assert(io.open(conf, "w"))
  f:write("nameserver 127.0.0.53\noptions timeout:3 attempts:1\n")
  f:close()
  return conf
end

describe("a resolver that never answers", function()
  local results, output

  setup(function()
    if not namespaces_work() then return end
    local conf = resolv_conf()
    -- Under `make sanitize` the environment preloads the ASan runtime: not into ip(8) and mount(8), whose
    -- own leaks it would report, and in the child without the leak check (glibc's resolver keeps a little of
    -- what it reads, and the lookup thread let go is still stuck at exit). The child loads the core this
    -- process loaded (busted's --cpath: the ASan build under `make sanitize`).
    local asan = os.getenv("ASAN_OPTIONS")
    local inner = string.format("env -u LD_PRELOAD ip link set lo up && env -u LD_PRELOAD mount --bind %s"
      .. " /etc/resolv.conf && cd %s && %s LUA_PATH='%s' LUA_CPATH='%s' exec %s spec/support/slow_resolver.lua",
      conf, shared.root, asan and ("ASAN_OPTIONS='" .. asan .. ":detect_leaks=0'") or "", package.path,
      package.cpath, runtime.command)
    local pipe = assert(io.popen(string.format("timeout 60 unshare -rnm sh -c %q 2>&1", inner)))
    output = pipe:read("a")
    pipe:close()
    os.remove(conf)
    results = {}
    for name, seconds in output:gmatch("(%S+) (%d+%.%d+)\n") do results[name] = tonumber(seconds) end
  end)

  -- Each case of slow_resolver.lua: what it checks, and the longest it may hold the program.
  for _, case in ipairs({
    { "poll_connect_timeout", "does not hold poll(0) when the connect timeout ends the lookup", 0.5 },
    { "poll_deadline", "does not hold poll(0) when the deadline ends the lookup", 0.5 },
    { "close", "does not hold close() while a lookup runs", 0.5 },
    { "blocking_connect_timeout", "ends a blocking call at its connect timeout (0.5 s), not when getaddrinfo"
      .. " gives up (3 s)", 2 },
  }) do
    local name, title, bound = case[1], case[2], case[3]
    it(title, function()
      if not results then return pending("no user namespaces here (unshare -rnm) or no ip(8)") end
      assert(output:find("\ndone\n", 1, true), output)
      assert(results[name], output)
      assert.is_true(results[name] < bound, output)
    end)
  end

  -- lua_host embeds Lua 5.4 only. Under `make sanitize` keep_loaded.so keeps every library loaded anyway.
  it("keeps libcurl loaded for a lookup let go when a host closes the Lua state and goes on", function()
    if not namespaces_work() then return pending("no user namespaces here (unshare -rnm) or no ip(8)") end
    if runtime.flavour ~= "5.4" then return pending("lua_host embeds Lua 5.4") end
    local conf = resolv_conf()
    -- The resolver's socket is bound (and never read) by a sleeping lua5.4, so that nothing answers.
    -- (without the preloaded ASan runtime but for the host, and the host without the leak check, as above)
    local asan = os.getenv("ASAN_OPTIONS")
    local inner = string.format("env -u LD_PRELOAD ip link set lo up && env -u LD_PRELOAD mount --bind %s"
      .. " /etc/resolv.conf && cd %s && (env -u LD_PRELOAD lua5.4 -e 'local socket = require(\"socket\");"
      .. " local s = socket.udp(); assert(s:setsockname(\"127.0.0.53\", 53)); socket.sleep(6)' &) && sleep 0.3"
      .. " && %s %s exec %s -t 2 spec/support/slow_resolver_host.lua", conf, shared.root,
      asan and ("ASAN_OPTIONS='" .. asan .. ":detect_leaks=0'") or "", hardening.lua_env(),
      hardening.program("lua_host"))
    local r = hardening.run(string.format("timeout 60 unshare -rnm sh -c %s", hardening.quote(inner)))
    os.remove(conf)
    assert.same(0, r.code, r.stdout .. r.stderr)
    assert.matches("thread 1: closing with the lookup running", r.stdout)
    assert.matches("thread 2: waited", r.stdout)
  end)
end)
