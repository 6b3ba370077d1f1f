-- A resolver that never answers (a UDP port bound and never read, named by /etc/resolv.conf inside a
-- private network and mount namespace made with `unshare -rnm`; spec/support/slow_resolver.lua). A call
-- whose connect timeout or deadline ends it while getaddrinfo still waits, or a client closed then, must
-- not hold the program until getaddrinfo gives up (3 s here, 10 s with glibc's defaults): libcurl waited
-- for its lookup thread there unless told otherwise (CURLOPT_QUICK_EXIT), and poll(0) blocked that long.
local shared = require("support.shared")
local runtime = require("support.runtime")

-- (os.execute's status is true on Lua 5.4 and 0 on LuaJIT)
local function succeeds(command)
  local status = os.execute(command .. " >/dev/null 2>&1")
  return status == true or status == 0
end

local function namespaces_work()
  return succeeds("unshare -rnm true") and succeeds("command -v ip")
end

describe("a resolver that never answers", function()
  local results, output

  setup(function()
    if not namespaces_work() then return end
    local conf = os.tmpname()
    local f = assert(io.open(conf, "w"))
    f:write("nameserver 127.0.0.53\noptions timeout:3 attempts:1\n")
    f:close()
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

  local function held(name)
    assert(output:find("\ndone\n", 1, true), output)
    assert(results[name], output)
    return results[name]
  end

  it("does not hold poll(0) when the connect timeout ends the lookup", function()
    if not results then return pending("no user namespaces here (unshare -rnm) or no ip(8)") end
    assert.is_true(held("poll_connect_timeout") < 0.5, output)
  end)

  it("does not hold poll(0) when the deadline ends the lookup", function()
    if not results then return pending("no user namespaces here (unshare -rnm) or no ip(8)") end
    assert.is_true(held("poll_deadline") < 0.5, output)
  end)

  it("does not hold close() while a lookup runs", function()
    if not results then return pending("no user namespaces here (unshare -rnm) or no ip(8)") end
    assert.is_true(held("close") < 0.5, output)
  end)

  it("ends a blocking call at its connect timeout (0.5 s), not when getaddrinfo gives up (3 s)", function()
    if not results then return pending("no user namespaces here (unshare -rnm) or no ip(8)") end
    assert.is_true(held("blocking_connect_timeout") < 2, output)
  end)
end)
