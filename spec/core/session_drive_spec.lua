-- Driving the engine: poll, wait, many requests in flight, event-loop hooks, close and collection.
local cjson = require("cjson")
local core = require("onesignal.core")
local server = require("support.server")
local support = require("core.support")

describe("driving a session", function()
  local srv, s

  support.server_and_session(function(new_srv, new_s) srv, s = new_srv, new_s end)

  it("poll(0) returns at once while a request is still pending", function()
    srv:fault({ match = { method = "GET" }, steps = { { delay = 2 } } })
    local id = s:submit(support.get_segments(srv))
    local started = support.now()
    assert.is_nil(s:poll(0))
    assert.is_nil(s:poll())
    assert.is_true(support.now() - started < 1, "poll(0) blocked")
    assert.same(1, s:pending())
    local result = s:wait(id)
    assert.same(id, result.id)
    assert.same(0, s:pending())
  end)

  it("poll(timeout) returns as soon as one request finished", function()
    srv:fault({ match = { method = "GET", path = support.segments_path(srv) }, steps = { { delay = 3 } } })
    local slow = s:submit(support.get_segments(srv, "offset=1"))
    local fast = s:submit({ method = "GET", path = "/apps", credential = "organization" })
    local got = s:poll(10)
    assert.same(1, #got)
    assert.same(fast, got[1].id)
    assert.same(1, s:pending())
    assert.same(slow, s:wait(slow).id)
  end)

  it("matches a thousand results in flight to their ids", function()
    local ids, offsets = {}, {}
    for i = 1, 1000 do
      local id = s:submit(support.get_segments(srv, "offset=" .. i))
      ids[#ids + 1] = id
      offsets[id] = i
    end
    assert.same(1000, s:pending())
    assert.is_true(s:stats().in_flight > 0)
    local results = support.collect(s, ids)
    for id, r in pairs(results) do
      assert.is_nil(r.error, r.message)
      assert.same(offsets[id], cjson.decode(r.body).offset)
    end
    assert.same(0, s:pending())
    assert.is_nil(s:poll(0))
    assert.same(1000, #srv:recorded(support.segments_path(srv), "path"))
  end)

  it("wait(id) keeps the other results for poll", function()
    srv:fault({ match = { method = "GET", path = support.segments_path(srv) }, steps = { { delay = 0.5 } } })
    local first = s:submit({ method = "GET", path = "/apps", credential = "organization" })
    local second = s:submit(support.get_segments(srv, "offset=2"))
    local r2 = s:wait(second)
    assert.same(second, r2.id)
    assert.same(1, s:pending())
    local rest = s:poll(0)
    assert.same(1, #rest)
    assert.same(first, rest[1].id)
    assert.same(0, s:pending())
    -- (the id as written: "1", not "1.0" as lua_pushfstring's %f writes it on Lua 5.3 and 5.4)
    assert.error_matches(function() s:wait(first) end,
      "^onesignal%.core: no pending request with id " .. first .. "$")
  end)

  it("finished() hands out what finished already, without driving, with the contexts", function()
    srv:fault({ match = { method = "GET", path = support.segments_path(srv) }, steps = { { delay = 0.3 } } })
    local context = {}
    local first = s:submit({ method = "GET", path = "/apps", credential = "organization" }, context)
    local never = s:submit({ method = "GET", path = "/apps", credential = "organization" })
    assert.is_nil(s:finished())
    s:wait(s:submit(support.get_segments(srv))) -- drives: the two /apps requests finish meanwhile
    local done, contexts = s:finished()
    assert.same(2, #done)
    local by_id = {}
    for i, r in ipairs(done) do
      assert.same(200, r.status)
      by_id[r.id] = contexts[i] or "none"
    end
    assert.equal(context, by_id[first])
    assert.equal("none", by_id[never])
    assert.is_nil(s:finished())
    -- a request still under way stays with the engine: finished() does not wait for it
    local later = s:submit(support.get_segments(srv))
    assert.is_nil(s:finished())
    assert.same(later, s:wait(later).id)
  end)

  it("hands each result out exactly once across wait and poll", function()
    local ids = {}
    for i = 1, 20 do ids[i] = s:submit(support.get_segments(srv, "offset=" .. i)) end
    local seen = {}
    for i = 1, 20, 2 do seen[#seen + 1] = s:wait(ids[i]).id end
    while s:pending() > 0 do
      for _, r in ipairs(s:poll(1) or {}) do seen[#seen + 1] = r.id end
    end
    table.sort(seen)
    assert.same(ids, seen)
  end)

  it("reports when it next needs driving", function()
    assert.is_nil(s:timeout())
    srv:fault({ match = { method = "GET" }, steps = { { delay = 0.3 } } })
    local id = s:submit(support.get_segments(srv))
    local t = s:timeout()
    assert.is_true(t >= 0 and t <= 10, "timeout " .. tostring(t))
    s:wait(id)
    assert.is_nil(s:timeout())
  end)

  it("can be driven from an outer event loop through fd() and timeout()", function()
    local ok, socket = pcall(require, "socket")
    if not (core.features.epoll and ok) then return pending("needs epoll and luasocket") end
    srv:fault({ match = { method = "GET" }, steps = { { delay = 0.2 } } })
    local id = s:submit(support.get_segments(srv))
    local watched = { getfd = function() return s:fd() end, dirty = function() return false end }
    local result
    local deadline = support.now() + 10
    while not result do
      assert.is_true(support.now() < deadline, "event loop never finished the request")
      socket.select({ watched }, nil, s:timeout() or 1)
      local done = s:poll(0)
      if done then result = done[1] end
    end
    assert.same(id, result.id)
    assert.is_nil(result.error)
  end)

  it("without a descriptor (poll(2) builds) keeps timeout() short while a request is on the wire", function()
    -- There fd() is nil and an outer loop has only timeout() to go by: libcurl's next timer (the connect
    -- timeout, 10 s) left an answer that came at 0.3 s waiting until it expired.
    if s:fd() ~= nil then return pending("this build offers a descriptor (epoll)") end
    srv:fault({ match = { method = "GET" }, steps = { { delay = 0.3 } } })
    s:submit(support.get_segments(srv))
    local started, result = support.now(), nil
    while not result and support.now() - started < 15 do
      local done = s:poll(0)
      if done then result = done[1] else
        local t = s:timeout()
        assert.is_true(t ~= nil and t <= 0.05, "timeout " .. tostring(t) .. " while a request is on the wire")
        core.sleep(t)
      end
    end
    assert.is_truthy(result)
    assert.is_true(support.now() - started < 3, "answered after " .. (support.now() - started) .. " s")
  end)

  it("counts connections, requests in flight and waiting retries", function()
    srv:fault({ match = { method = "GET" }, steps = { { status = 503, headers = { ["Retry-After"] = "1" } } } })
    local id = s:submit(support.get_segments(srv))
    -- Bounded: a retry that did not wait the second Retry-After asks for would end the request unseen,
    -- and an unbounded loop would then spin for ever instead of failing.
    local waiting_seen = false
    local deadline = support.now() + 5
    while not waiting_seen and s:pending() > 0 and support.now() < deadline do
      s:poll(0.05)
      waiting_seen = s:stats().waiting == 1
    end
    assert.is_true(waiting_seen, "the request was never seen waiting for its retry")
    assert.same(0, s:stats().in_flight)
    s:wait(id)
    assert.same({ connects = 1, in_flight = 0, waiting = 0 }, s:stats())
  end)

  it("works from coroutines driving one session in turn", function()
    local function worker(i)
      return coroutine.wrap(function()
        local id = s:submit(support.get_segments(srv, "offset=" .. i))
        coroutine.yield(id)
        return s:wait(id)
      end)
    end
    local a, b = worker(1), worker(2)
    a()
    b()
    assert.same(2, cjson.decode(b().body).offset)
    assert.same(1, cjson.decode(a().body).offset)
  end)
end)

describe("closing a session", function()
  local srv

  setup(function() srv = server.start({}) end)
  teardown(function() if srv then srv:stop() end end)

  local function busy_session(count)
    srv:reset()
    local steps = {}
    for i = 1, count do steps[i] = { delay = 5 } end
    srv:fault({ match = { method = "GET" }, steps = steps })
    local s = support.session(srv)
    for i = 1, count do
      s:submit(support.get_segments(srv, "offset=" .. i, { body = string.rep("b", 100) }))
    end
    s:poll(0.2) -- let the requests reach the server
    return s
  end

  it("aborts requests in flight and keeps refusing work", function()
    local s = busy_session(20)
    assert.same(20, s:pending())
    s:close()
    assert.has_error(function() s:pending() end, "onesignal.core: session is closed")
  end)

  it("aborts requests waiting for a retry", function()
    srv:reset()
    srv:fault({ match = { method = "GET" }, steps = { { status = 503, headers = { ["Retry-After"] = "1" } } } })
    local s = support.session(srv)
    local id = s:submit(support.get_segments(srv), "waiting")
    -- Bounded, as above: a loop that never sees the wait would otherwise spin for ever.
    local deadline = support.now() + 5
    repeat s:poll(0.05) until s:stats().waiting == 1 or s:pending() == 0 or support.now() > deadline
    assert.same(1, s:stats().waiting)
    local ids, contexts, attempts, maybe_sent = s:close()
    assert.same({ id }, ids)
    assert.same({ "waiting" }, contexts)
    assert.same({ 1 }, attempts)
    -- a 503 is a refusal: nothing was applied, and the retry never started
    assert.same({ false }, maybe_sent)
    assert.same(1, #srv:requests())
  end)

  -- Callers decide from maybe_sent whether sending again could duplicate a notification: only a request
  -- that may have reached the server may say so.
  describe("tells for each request it abandons whether it may have been sent", function()
    local s
    before_each(function()
      srv:reset()
      s = support.session(srv)
    end)
    after_each(function() s:close() end)

    local function post(text, extra)
      local req = { method = "POST", path = "/notifications", credential = "rest", operation = "create_notification",
        body = cjson.encode({ app_id = srv.app_id, contents = { en = text }, included_segments = { "All" } }) }
      for k, v in pairs(extra or {}) do req[k] = v end
      return req
    end
    local function drive_until(done)
      local deadline = support.now() + 5
      repeat s:poll(0.02) until done() or support.now() > deadline
      assert.is_true(done())
    end

    it("not one submitted and never driven", function()
      local id = s:submit(post("never driven"), "ctx")
      local ids, _, attempts, maybe_sent = s:close()
      assert.same({ id }, ids)
      assert.same({ 1 }, attempts)
      assert.same({ false }, maybe_sent)
      assert.same(0, #srv:requests())
    end)

    it("one on the wire, not one waiting behind max_connections", function()
      s:close()
      s = support.session(srv, { max_connections = 1 })
      srv:fault({ match = { method = "POST" }, steps = { { delay = 3 } } })
      local first = s:submit(post("on the wire"), "first")
      local second = s:submit(post("queued"), "second")
      drive_until(function() return #srv:requests() == 1 end)
      s:poll(0.1) -- the queued one had its chance to go out, had the cap let it
      assert.same(1, #srv:requests())
      local ids, _, _, maybe_sent = s:close()
      assert.same({ first, second }, ids)
      assert.same({ true, false }, maybe_sent)
    end)

    it("one waiting to retry after an answer that may have been applied (500)", function()
      s:close()
      s = support.session(srv, { retry_base_delay = 10, retry_max_delay = 10 })
      srv:fault({ match = { method = "POST" }, steps = { { status = 500 } } })
      local id = s:submit(post("retried", { idempotency_key = "k-close-500" }), "ctx")
      drive_until(function() return s:stats().waiting == 1 end)
      local ids, _, _, maybe_sent = s:close()
      assert.same({ id }, ids)
      assert.same({ true }, maybe_sent)
    end)

    it("not one waiting to retry after a refused connection", function()
      s:close()
      s = support.session({ url = "http://127.0.0.1:1", app_id = srv.app_id, rest_key = srv.rest_key,
        org_key = srv.org_key }, { retry_base_delay = 10, retry_max_delay = 10 })
      local id = s:submit(post("no connection"), "ctx")
      drive_until(function() return s:stats().waiting == 1 end)
      local ids, _, attempts, maybe_sent = s:close()
      assert.same({ id }, ids)
      assert.same({ 1 }, attempts)
      assert.same({ false }, maybe_sent)
    end)
  end)

  it("lets the garbage collector reclaim a busy session", function()
    local s = busy_session(20)
    local weak = setmetatable({ s }, { __mode = "v" })
    s = nil -- luacheck: ignore 311
    collectgarbage()
    collectgarbage()
    assert.is_nil(weak[1])
  end)

  it("supports to-be-closed variables on Lua 5.4", function()
    if _VERSION ~= "Lua 5.4" then return pending("Lua 5.4 only") end
    local chunk = assert(load([[
      local core, config = ...
      local s <close> = core.session(config)
      return s
    ]]))
    local s = chunk(core, { base_url = srv.url })
    assert.has_error(function() s:pending() end, "onesignal.core: session is closed")
  end)
end)
