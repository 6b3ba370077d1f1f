--- Run by session_finalizer_spec.lua in a process of its own, whose heap is small enough for the
-- collector to finish cycles (and so run finalizers) within a few polls; in the spec runner's heap it
-- rarely does.
--
--   lua5.4 (or lua5.3, luajit) spec/core/finalizer_rounds.lua close|poll|submit URL REST_KEY APP_ID
--
-- Rounds of: a fresh session with 40 requests, garbage whose finalizer acts once it runs inside
-- s:poll (and re-arms itself until then), and polls until every request was answered or the session
-- is closed. Acting is `s:close()` (its abandoned requests count as answered) or `s:poll(0)`. Every
-- request must be answered exactly once. Prints "acted N" (rounds the finalizer acted in); raises on
-- any failure.
--
-- Mode submit: rounds of a fresh session with 1000 requests never driven, garbage whose finalizer submits
-- one more request once it runs inside s:close (and re-arms itself until then), and the close. Its lists,
-- sized by the number pending, make garbage debt enough for whole collection cycles inside close, with
-- the collector stepping at nearly every allocation. The request it started must be in close's list of
-- abandoned requests (or its submit must have raised, the session being closed already): nothing else
-- will ever answer it.
local support = require("core.support")

local mode, url, key, app_id = arg[1], arg[2], arg[3], arg[4]
local srv = { url = url, rest_key = key, app_id = app_id }
local N = 40

-- Whether the running code was called, at any depth, from `fn` (a finalizer runs inside whatever allocated).
local function inside(fn)
  for level = 2, 40 do
    local info = debug.getinfo(level, "f")
    if not info then return false end
    if info.func == fn then return true end
  end
  return false
end

-- Sets the incremental collector's pause and step multiplier (Lua 5.3 takes them one at a time).
local function collector(pause, stepmul)
  if _VERSION == "Lua 5.3" then
    collectgarbage("setpause", pause)
    collectgarbage("setstepmul", stepmul)
  else
    collectgarbage("incremental", pause, stepmul)
  end
end

local function round()
  local s = support.session(srv)
  local answered = {}
  local function note(context)
    if answered[context] then error("answered twice: " .. tostring(context)) end
    answered[context] = true
  end
  for i = 1, N do s:submit(support.get_segments(srv, "offset=" .. i), i) end
  local poll, acted, closed = s.poll, false, false
  local function act()
    if mode == "close" then
      local _, contexts = s:close()
      for _, context in ipairs(contexts) do note(context) end
      closed = true
    else
      local done, contexts = s:poll(0)
      for i = 1, done and #done or 0 do note(contexts[i]) end
    end
  end
  local function arm()
    setmetatable({}, { __gc = function()
      if acted then return end
      if not inside(poll) then return arm() end
      acted = true
      act()
    end })
  end
  local function all_answered()
    for i = 1, N do
      if not answered[i] then return false end
    end
    return true
  end
  collector(0, 1000) -- a step at nearly every allocation
  arm()
  while not closed and not all_answered() do
    local done, contexts = s:poll(1)
    for i = 1, done and #done or 0 do
      if type(done[i].status) ~= "number" then error("a result without status") end
      note(contexts[i])
    end
  end
  collector(200, 100)
  local hit = acted
  acted = true -- a finalizer still to come does nothing
  s:close()
  for i = 1, N do
    if not answered[i] then error("never answered: " .. i) end
  end
  return hit
end

local function close_round()
  local s = support.session(srv)
  for i = 1, 1000 do s:submit(support.get_segments(srv, "offset=" .. i), i) end
  local close, outcome, closed = s.close, nil, false
  local garbage = {}
  garbage.__gc = function()
    if closed then return end
    -- Re-armed until it runs inside close: where a cycle ends depends on the heap, not on this code.
    if not inside(close) then return setmetatable({}, garbage) end
    outcome = pcall(s.submit, s, support.get_segments(srv, "offset=late"), "late") and "submitted" or "raised"
  end
  collector(0, 1000) -- a step at nearly every allocation, so close's lists make whole cycles
  setmetatable({}, garbage)
  local _, contexts = s:close()
  closed = true
  collector(200, 100)
  if outcome == "submitted" then
    local listed = false
    for _, context in ipairs(contexts) do listed = listed or context == "late" end
    if not listed then error("close never listed the request a finalizer started inside it") end
  end
  return outcome ~= nil
end

local acted = 0
for _ = 1, 200 do
  if (mode == "submit" and close_round or round)() then acted = acted + 1 end
  if acted >= 5 then break end
end
print("acted " .. acted)
