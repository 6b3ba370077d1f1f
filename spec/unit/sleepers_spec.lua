-- Many coroutines asleep in client:sleep (a game server with one task per player): they wake in the order
-- of their due times, those due at the same time in the order they fell asleep, each at the first poll after
-- its time; closed ones are never resumed nor counted; and a poll does not look at every sleeper.
-- The client's clock (onesignal.core's monotonic) is replaced by one the spec moves, so that due times repeat
-- and nothing here depends on how fast the machine is. No request is made, so no server is needed.
local onesignal = require("onesignal")
local core = require("onesignal.core")

local N = 5000

describe("a client with thousands of coroutines asleep", function()
  local real_monotonic, now, client

  before_each(function()
    real_monotonic, now = core.monotonic, 0
    core.monotonic = function() return now end
    client = onesignal.new({ base_url = "http://127.0.0.1:9", allow_http = true, rest_api_key = "k", app_id = "a" })
  end)

  after_each(function()
    core.monotonic = real_monotonic
    client:close()
  end)

  -- Spawns N coroutines, each sleeping `rounds` times for a whole number of seconds (0 to 49: every due time
  -- is shared by many), and logs every wake-up as { id, due, order it fell asleep in, time of the poll }.
  -- The poll at time t must wake exactly those due before t, soonest first, in the order they fell asleep.
  local function sleepers(rounds, seed)
    math.randomseed(seed)
    local log, fell_asleep, cos = {}, 0, {}
    for id = 1, N do
      cos[id] = client:spawn(function()
        for _ = 1, rounds do
          local seconds = math.random(0, 49)
          fell_asleep = fell_asleep + 1
          local mine = { id = id, due = now + seconds, order = fell_asleep }
          client:sleep(seconds)
          mine.woken_at = now
          log[#log + 1] = mine
        end
      end)
    end
    return log, cos
  end

  -- Polls once per second of the fake clock until nothing is pending; returns how many polls it took.
  local function drive()
    local polls = 0
    while client:pending() > 0 do
      now = now + 1
      client:poll(0)
      polls = polls + 1
      assert(polls < 10000, "the sleepers never all woke")
    end
    return polls
  end

  local function check_order(log)
    for i, w in ipairs(log) do
      assert(w.woken_at == w.due + 1, "sleeper " .. w.id .. " due at " .. w.due .. " woke at " .. w.woken_at)
      local prev = log[i - 1]
      if prev and prev.woken_at == w.woken_at then
        assert(prev.due < w.due or (prev.due == w.due and prev.order < w.order),
          "wake-up " .. i .. " (due " .. w.due .. ", asleep #" .. w.order .. ") came after one due "
          .. prev.due .. ", asleep #" .. prev.order)
      end
    end
  end

  it("wake in the order of their due times, and of falling asleep for equal times", function()
    local log = sleepers(1, 1)
    assert.are.equal(N, client:pending())
    drive()
    assert.are.equal(N, #log)
    check_order(log)
    assert.are.equal(0, client:pending())
  end)

  it("keep that order when each falls asleep again as it is woken", function()
    local log = sleepers(3, 2)
    drive()
    assert.are.equal(3 * N, #log)
    check_order(log)
  end)

  it("each wake at most once per poll when they sleep(0) again", function()
    local wakes = 0
    for _ = 1, N do
      client:spawn(function()
        for _ = 1, 3 do
          client:sleep(0)
          wakes = wakes + 1
        end
      end)
    end
    for round = 1, 3 do
      now = now + 1
      assert.are.equal(N, client:poll(0))
      assert.are.equal(round * N, wakes)
    end
    assert.are.equal(0, client:pending())
  end)

  it("that are closed are neither resumed nor counted by pending()", function()
    if not coroutine.close then return pending("Lua 5.3 and LuaJIT cannot close a coroutine") end
    local log, cos = sleepers(1, 3)
    local closed, left = {}, N
    -- First half of them, then most of the rest: the heap is rebuilt without them along the way.
    for _, share in ipairs({ 2, 4 }) do
      for id = 1, N do
        if not closed[id] and math.random(share) > 1 then
          assert.is_true(coroutine.close(cos[id]))
          closed[id], left = true, left - 1
        end
      end
      assert.are.equal(left, client:pending())
    end
    drive()
    assert.are.equal(left, #log)
    for _, w in ipairs(log) do assert(not closed[w.id], "closed sleeper " .. w.id .. " was resumed") end
    check_order(log)
    assert.are.equal(0, client:pending())
    assert.is_nil(client:timeout())
  end)

  -- The way out of the heap every runtime has (Lua 5.3 and LuaJIT cannot close a coroutine): a sleeper that
  -- something else resumes is told so and taken out.
  it("that something else resumes are taken out, and the others still wake in order", function()
    local log, cos = sleepers(1, 4)
    local gone, left = {}, N
    for id = 1, N do
      if math.random(4) > 1 then
        local ok, err = coroutine.resume(cos[id])
        assert.is_false(ok)
        assert.matches("resumed by something other than the client while it waited for client:sleep", err)
        gone[id], left = true, left - 1
      end
    end
    assert.are.equal(left, client:pending())
    drive()
    assert.are.equal(left, #log)
    for _, w in ipairs(log) do assert(not gone[w.id], "sleeper " .. w.id .. " was woken again") end
    check_order(log)
    assert.are.equal(0, client:pending())
  end)

  it("leave the others asleep when one that is woken raises", function()
    local woke = {}
    for id = 1, 10 do
      client:spawn(function()
        client:sleep(id)
        woke[#woke + 1] = id
        if id == 3 then error("task 3 failed") end
      end)
    end
    now = 100
    local ok, err = pcall(client.poll, client, 0)
    assert.is_false(ok)
    assert.matches("task 3 failed", err)
    assert.are.same({ 1, 2, 3 }, woke)
    assert.are.equal(7, client:pending())
    assert.are.equal(7, client:poll(0))
    assert.are.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, woke)
  end)

  -- Counted, not timed: poll and pending used to ask coroutine.status of every sleeper, every time.
  it("are not each looked at by every poll(0), pending() and timeout()", function()
    for _ = 1, N do client:spawn(function() client:sleep(3600) end) end
    local status, looks = coroutine.status, 0
    coroutine.status = function(co) -- luacheck: ignore 122
      looks = looks + 1
      return status(co)
    end
    local ok, err = pcall(function()
      for _ = 1, 10 do
        client:poll(0)
        assert.are.equal(N, client:pending())
        assert.is_number(client:timeout())
      end
    end)
    coroutine.status = status -- luacheck: ignore 122
    assert(ok, err)
    assert(looks <= 30, looks .. " looks at a sleeper's coroutine in 10 polls with " .. N .. " asleep")
  end)
end)
