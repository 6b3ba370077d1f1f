-- Two OS threads, each with a Lua state and a client of its own, sending at the same time: the C core
-- initialises libcurl once per process (pthread_once) and shares nothing else between states. The
-- threads run in lua_host (spec/hardening/lua_host.c, built by mk/hardening.mk), which starts both at a
-- barrier so their require("onesignal") calls race.
local server = require("support.server")
local support = require("hardening.support")

local COUNT = 300 -- requests per thread, half blocking, half non-blocking

describe("two threads with a Lua state and a client each", function()
  local srv

  setup(function()
    srv = server.start({})
  end)
  teardown(function() if srv then srv:stop() end end)

  it("load the module at the same moment and send at the same time, each over its own connections", function()
    srv:reset()
    local r = support.host(2, "spec/hardening/host/thread_worker.lua", srv.url, srv.rest_key, srv.app_id,
      tostring(COUNT))
    assert.are.equal(0, r.code, r.stdout .. r.stderr)
    local spans = {}
    for thread, answers, first, last in r.stdout:gmatch("thread (%d+): ok (%d+) ([%d.]+) ([%d.]+)") do
      assert.are.equal(COUNT, tonumber(answers), "answers of thread " .. thread)
      spans[tonumber(thread)] = { tonumber(first), tonumber(last) }
    end
    assert.is_table(spans[1], r.stdout)
    assert.is_table(spans[2], r.stdout)
    -- at work at once: each began before the other finished
    assert.is_true(spans[1][1] < spans[2][2] and spans[2][1] < spans[1][2], r.stdout)

    local seen = { {}, {} }
    local connections = { {}, {} }
    for _, req in ipairs(srv:requests()) do
      local thread = tonumber((req.headers["user-agent"] or ""):match("^thread%-(%d+) "))
      assert.is_number(thread, "request without a thread's User-Agent")
      local offset = tonumber(req.args.offset)
      assert.are.equal(thread, math.floor(offset / 100000), "offset of another thread")
      assert.is_nil(seen[thread][offset], "offset sent twice")
      seen[thread][offset] = true
      connections[thread][req.connection] = true
    end
    for thread = 1, 2 do
      local n = 0
      for _ in pairs(seen[thread]) do n = n + 1 end
      assert.are.equal(COUNT, n, "requests of thread " .. thread)
    end
    for connection in pairs(connections[1]) do
      assert.is_nil(connections[2][connection], "a connection served both threads")
    end
  end)

  it("report a failing script as a failure (the host itself can fail)", function()
    local r = support.host(2, "spec/hardening/host/thread_worker.lua", "http://127.0.0.1:1", "k", "a", "1")
    assert.are.equal(1, r.code)
    assert.matches("thread 1 failed: thread 1: onesignal: get_segments failed: network error", r.stdout)
    assert.matches("thread 2 failed", r.stdout)
  end)
end)
