-- Driving the client from an outside event loop (luv, i.e. libuv): the loop watches client:fd() and
-- arms a timer from client:timeout(), and calls client:poll(0) when either fires. Transfers, retry
-- timers and sleeping coroutines all make progress that way, without the loop spinning. Also runs
-- examples/luv_loop.lua and examples/game_loop.lua.
local onesignal = require("onesignal")
local server = require("support.server")
local shared = require("support.shared")

local has_luv, uv = pcall(require, "luv")

-- Hooks the client into luv's default loop; returns `kick`, to call after starting requests from
-- outside a callback, and a table counting the polls.
local function attach(client)
  local count = { polls = 0 }
  local timer = uv.new_timer()
  local watcher
  local function step()
    count.polls = count.polls + 1
    client:poll(0)
    local t = client:timeout()
    if t then
      timer:start(math.ceil(t * 1000), 0, step)
    else
      timer:stop()
    end
  end
  local fd = client:fd()
  if fd then
    watcher = uv.new_poll(fd)
    watcher:start("r", step)
    watcher:unref() -- the timer keeps the loop alive while anything is pending; the watcher alone never does
  end
  local function detach()
    timer:close()
    if watcher then watcher:close() end
    uv.run() -- lets libuv finish closing them
  end
  return step, count, detach
end

-- Runs an example as a user would (it starts its own test server), with the live API's variables cleared.
local function run_example(name)
  return shared.run_lua("ONESIGNAL_REST_API_KEY= ONESIGNAL_APP_ID=", "examples/" .. name)
end

describe("an outside event loop (luv)", function()
  local srv, client

  server.with_client(function(new_srv, new_client) srv, client = new_srv, new_client end,
    { retry_base_delay = 0.1, retry_max_delay = 0.2 })

  before_each(function()
    if not has_luv then pending("luv is not installed (Debian: lua-luv)") end
  end)

  it("drives transfers, retry timers and sleeping coroutines to the end, without spinning", function()
    if not has_luv then return end
    srv:fault({ match = { operation = "create_notification" },
      steps = { { delay = 0.3 }, { status = 503 }, { delay = 0.3 }, { status = 429 } } })
    local kick, count, detach = attach(client)
    local done, failures = 0, {}
    for i = 1, 20 do
      client:create_notification_async({ contents = { en = "luv " .. i }, included_segments = { "All" } },
        function(body, err)
          done = done + 1
          if not body then failures[#failures + 1] = tostring(err) end
        end)
    end
    local coroutine_done = false
    client:spawn(function()
      client:sleep(0.2)
      assert(client:get_segments(nil))
      coroutine_done = true
    end)
    kick()
    uv.run()
    detach()
    assert.are.same({}, failures)
    assert.are.equal(20, done)
    assert.is_true(coroutine_done)
    assert.are.equal(0, client:pending())
    assert.are.equal(20, srv:stats().notifications_created)
    -- woken only when there was something to do: a loop that spun would have polled many thousands of times
    assert.is_true(count.polls < 400, "polls: " .. count.polls)
  end)

  it("is not woken over and over once the server closes the idle connections", function()
    if not has_luv then return end
    local own = server.start({})
    local idle_client = onesignal.new({ base_url = own.url, rest_api_key = own.rest_key, app_id = own.app_id })
    local kick, count, detach = attach(idle_client)
    local done = 0
    for i = 1, 2 do
      idle_client:create_notification_async({ contents = { en = "idle " .. i }, included_segments = { "All" } },
        function(body, err)
          assert(body, tostring(err))
          done = done + 1
        end)
    end
    kick()
    uv.run()
    assert.are.equal(2, done)
    -- Both connections stay cached, idle. The server goes away and closes them (a load balancer's idle
    -- timeout does the same); a timer of the application keeps the loop running for 0.3 s meanwhile.
    own:stop()
    local before = count.polls
    local app = uv.new_timer()
    app:start(300, 0, function() app:close() end)
    uv.run()
    detach()
    local woken = count.polls - before
    idle_client:close()
    assert.is_true(woken <= 4, "polls while idle: " .. woken)
  end)

  it("runs examples/luv_loop.lua", function()
    if not has_luv then return end
    local ok, out = run_example("luv_loop.lua")
    assert.is_true(ok, out)
    assert.matches("sent 10 of 10", out)
  end)
end)

describe("examples/game_loop.lua", function()
  it("ticks at 60 Hz while notifications go out, and reports its worst tick", function()
    local ok, out = run_example("game_loop.lua")
    assert.is_true(ok, out)
    local worst = tonumber(out:match("worst tick: ([%d.]+) ms"))
    assert.is_number(worst, out)
    -- every answer took 0.2 s at the server: a tick that waited for one would show it
    assert.is_true(worst < 150, out)
    assert.matches("sent 12 notifications %(12 answered, 0 failed%)", out)
  end)
end)
