--- The coroutines run by `client:spawn` while one of the client's calls has suspended them, and their
-- waking: a request's answer (`waiter`), a sleep's end (`sleep`, a timed `wait`; `wake_due` in each poll),
-- the client's close (`end_paces`). Every resume of such a coroutine goes through `resume`, which tells a
-- coroutine the client suspended from one that yielded by itself.
--
-- The client keeps one set of sleepers (`new`), shared by the clients `with` derives from it; which
-- coroutines it spawned, and whether the running one is one of them, it keeps itself (client.lua,
-- `in_spawned`): a blocking call that never spawned asks nothing here.
-- @module onesignal.sleepers

local core = require("onesignal.core")
local usage = require("onesignal.usage")

local M = {}

-- What a spawned coroutine yields when one of the client's calls suspends it (waiter, sleep): the client
-- resumes it later. Anything else it yields went to nobody (see resume).
local PARKED = setmetatable({}, { __name = "onesignal.parked" })

--- Resumes a spawned coroutine; its errors surface from the resumer (spawn, poll, run or close).
-- One its owner closed (coroutine.close, Lua 5.4: how a task is cancelled) is left alone: what it
-- waited for has nobody to go to, and resuming it would raise "cannot resume dead coroutine".
-- One that yields by itself (coroutine.yield, not in a call of the client's) waits for nothing the client
-- knows of, and only the client resumes it: that is an error of the coroutine's, or it would stay
-- suspended for good, uncounted by pending(), its work silently never done.
-- An error object (a table, the library's own err raised by assert, or any value but a string, a number or
-- nil) is raised as it is, for the program's pcall to look into; a message gets the coroutine's traceback,
-- as those three get it from debug.traceback under OpenResty.
-- Returns whether it resumed the coroutine.
local function resume(co, ...)
  if coroutine.status(co) == "dead" then return false end
  local ok, err = coroutine.resume(co, ...)
  if not ok then
    local kind = type(err)
    if kind ~= "string" and kind ~= "number" and kind ~= "nil" then error(err, 0) end
    error(debug.traceback(co, "onesignal: a coroutine run by client:spawn failed: " .. tostring(err)), 0)
  end
  if err ~= PARKED and coroutine.status(co) == "suspended" then
    error(debug.traceback(co, "onesignal: a coroutine run by client:spawn yielded by itself (coroutine.yield),"
      .. " outside the client's calls: only the client resumes it, so nothing would; to let the others run,"
      .. " use client:sleep(0)"), 0)
  end
  return true
end
M.resume = resume

-- A coroutine resumed by anything but the client while it waits (the program's own scheduler, a
-- coroutine.resume of its own) has no result to go on with: that is said, rather than the call failing on
-- a missing result, or the client resuming it later at whatever it waits for then.
local function resumed_by_another(what)
  usage.raise("onesignal: a coroutine run by client:spawn was resumed by something other than the client"
    .. " while it waited for " .. what .. " (only poll, run and close may resume it)")
end

-- Coroutines asleep (`client:sleep`, or a wait with a limit) are in set.heap, a binary min-heap, soonest
-- first and, of equal times, the first to fall asleep first:
-- { due = monotonic seconds, seq = order of falling asleep, co = coroutine, until_close = whether close()
--   wakes it too (end_paces), set = the set it is in }.
-- poll wakes each once it is due: it takes it off the heap, sets `woken` and resumes it. One that something
-- else ended (woken early, resumed by another, its coroutine closed) is only marked `gone` where it is: the
-- heap drops it when it comes to the top, or all of them at once when they outnumber the rest (compact).
-- So every step is O(log n) and nothing walks the heap per poll: set.asleep counts the sleepers not gone
-- (pending), set.paced those of them with until_close (end_paces), set.stale the gone ones in the heap.
local floor = math.floor

--- A client's set of sleepers, none asleep yet. Its field `asleep` counts the coroutines asleep (the
-- client's `pending` adds it); the others are this module's.
function M.new()
  return { heap = {}, asleep = 0, paced = 0, stale = 0, slept = 0 }
end

local function before(a, b)
  return a.due < b.due or (a.due == b.due and a.seq < b.seq)
end

local function sift_up(heap, i)
  local sleeper = heap[i]
  while i > 1 do
    local up = floor(i / 2)
    if not before(sleeper, heap[up]) then break end
    heap[i] = heap[up]
    i = up
  end
  heap[i] = sleeper
end

local function sift_down(heap, i)
  local n, sleeper = #heap, heap[i]
  while 2 * i <= n do
    local down = 2 * i
    if down < n and before(heap[down + 1], heap[down]) then down = down + 1 end
    if not before(heap[down], sleeper) then break end
    heap[i] = heap[down]
    i = down
  end
  heap[i] = sleeper
end

-- Takes the soonest off the heap.
local function pop(heap)
  local n = #heap
  local first = heap[1]
  heap[1] = heap[n]
  heap[n] = nil
  if n > 2 then sift_down(heap, 1) end
  return first
end

-- Builds the heap again without the gone sleepers.
local function compact(set)
  local heap, n, was = set.heap, 0, #set.heap
  for i = 1, was do
    local sleeper = heap[i]
    if not sleeper.gone then
      n = n + 1
      heap[n] = sleeper
    end
  end
  for i = was, n + 1, -1 do heap[i] = nil end
  for i = floor(n / 2), 1, -1 do sift_down(heap, i) end
  set.stale = 0
end

-- A sleeper no longer asleep (taken off the heap, or about to be marked stale there).
local function leave(sleeper)
  sleeper.gone = true
  local set = sleeper.set
  set.asleep = set.asleep - 1
  if sleeper.until_close then set.paced = set.paced - 1 end
end

-- Takes out a sleeper that something other than its time ended (marks it, see above); again does nothing.
local function remove_sleeper(sleeper)
  if sleeper.gone then return end
  leave(sleeper)
  sleeper.co = nil
  local set = sleeper.set
  set.stale = set.stale + 1
  if set.stale > 64 and set.stale > set.asleep then compact(set) end
end

local SLEEPER = { __close = remove_sleeper }

local function add_sleeper(set, co, seconds, until_close)
  local seq = set.slept + 1
  set.slept = seq
  local sleeper = setmetatable({ due = core.monotonic() + seconds, seq = seq, co = co, until_close = until_close,
    set = set }, SLEEPER)
  local heap = set.heap
  heap[#heap + 1] = sleeper
  sift_up(heap, #heap)
  set.asleep = set.asleep + 1
  if until_close then set.paced = set.paced + 1 end
  return sleeper
end

-- How a sleeper's coroutine suspends. Under Lua 5.4 the sleeper is a to-be-closed variable meanwhile: a
-- coroutine its owner closes (coroutine.close, how a task is cancelled) takes its sleeper out as it goes
-- (SLEEPER's __close), so nothing has to look at every sleeper to count them or to find the first. Without
-- coroutine.close (Lua 5.3, LuaJIT) a coroutine cannot end while it sleeps. (In a string: only 5.4 reads it.)
local yield_asleep = function() coroutine.yield(PARKED) end
if coroutine.close then
  local chunk = load("local yield, PARKED = ...\n"
    .. "return function(sleeper) local _ <close> = sleeper; yield(PARKED) end", "=onesignal.sleepers", "t")
  if chunk then yield_asleep = chunk(coroutine.yield, PARKED) end
end

--- For a call that waits for callbacks, inside the spawned coroutine co (the running one): returns
-- `wait(seconds)`, which suspends co until `wake()`, or with `seconds` until they have passed or the client
-- is closed, whichever comes first (send_many: a request finishing, or its next rate token); and `wake()`,
-- which resumes co if (and only if) it is suspended in `wait`.
function M.waiter(set, co)
  local parked, sleeper = false, nil
  local function wait(seconds)
    parked = true
    if seconds then
      sleeper = add_sleeper(set, co, seconds, true)
      yield_asleep(sleeper)
    else
      coroutine.yield(PARKED)
    end
    local timed = sleeper
    sleeper = nil
    if timed and timed.woken then
      parked = false -- its time came, or the close
    elseif parked then
      parked = false -- the request still finishes, unheard
      if timed then remove_sleeper(timed) end
      resumed_by_another("a request")
    end
  end
  local function wake()
    if parked then
      parked = false
      -- Woken before its time: the sleeper goes, or a later poll would resume the coroutine for it.
      if sleeper then remove_sleeper(sleeper) end
      resume(co)
    end
  end
  return wait, wake
end

--- Suspends the spawned coroutine co (the running one) for `seconds`: `client:sleep` inside `spawn`.
function M.sleep(set, co, seconds)
  local sleeper = add_sleeper(set, co, seconds, false)
  yield_asleep(sleeper)
  if not sleeper.woken then
    remove_sleeper(sleeper)
    resumed_by_another("client:sleep")
  end
end

-- The first sleeper still asleep, dropping those before it that are gone. A sleeper whose coroutine is dead
-- without having said so (see yield_asleep) is dropped too: else `run` would wait out the sleep of a coroutine
-- that no longer exists.
local function first_sleeper(set)
  local heap = set.heap
  while heap[1] do
    local first = heap[1]
    if not first.gone and coroutine.status(first.co) ~= "dead" then return first end
    pop(heap)
    if first.gone then set.stale = set.stale - 1 else leave(first) end
  end
  return nil
end

--- Wakes the sleepers that are due, soonest first; returns how many coroutines it resumed. Only those due
-- before this began: one that sleeps again at once (`sleep(0)` in a loop, to let the others run) waits for
-- the next poll, or this would wake it for ever and poll(0) would never return.
-- Each is taken off the heap before it resumes: an error in one leaves the others asleep, not lost.
function M.wake_due(set)
  local woken, now = 0, core.monotonic()
  while true do
    local first = first_sleeper(set)
    if not first or first.due >= now then return woken end
    pop(set.heap)
    leave(first)
    first.woken = true
    if resume(first.co) then woken = woken + 1 end
  end
end

--- Wakes the coroutines waiting for a rate token in send_many (a `wait` with a limit), once the client is
-- closed: what they paced now fails at once and sends nothing, and a program that closed its client polls
-- it no more. In the order poll would wake them, one at a time, each taken out before it resumes: one that
-- raises leaves the others for the next poll or close; one resumed here may end others (then skipped) or
-- wait again (then woken in another round). Returns how many coroutines it resumed.
function M.end_paces(set)
  local woken = 0
  while set.paced > 0 do
    local paced = {}
    for _, sleeper in ipairs(set.heap) do
      if sleeper.until_close and not sleeper.gone then paced[#paced + 1] = sleeper end
    end
    if not paced[1] then break end
    table.sort(paced, before)
    for _, sleeper in ipairs(paced) do
      if not sleeper.gone then
        local co = sleeper.co
        remove_sleeper(sleeper)
        sleeper.woken = true
        if resume(co) then woken = woken + 1 end
      end
    end
  end
  return woken
end

--- Seconds until the first sleeper is due (0 when it is), or nil when none is asleep.
function M.seconds_to_first_wake(set)
  local first = first_sleeper(set)
  if not first then return nil end
  local left = first.due - core.monotonic()
  return left > 0 and left or 0
end

return M
