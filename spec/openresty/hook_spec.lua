-- The on_attempt hook on the cosocket transport runs in the coroutine (or light thread) of the call it
-- reports on, not inside an engine as with libcurl: whatever that coroutine may do, the hook may do.
-- README ("Watching attempts") says so for both transports; these pin the OpenResty half.
local openresty = require("support.openresty")

describe("the on_attempt hook on the ngx transport", function()
  local srv, app

  openresty.server_and_app(function(new_srv, new_app) srv, app = new_srv, new_app end)
  before_each(function() srv:reset() end)

  local function paths()
    local out = {}
    for _, r in ipairs(srv:requests()) do out[#out + 1] = r.path end
    return out
  end

  it("may make blocking calls, poll, sleep, send_many, run and close: they work there", function()
    local out = app:case("hook_calls", { tries = { "blocking", "poll", "sleep", "send_many", "run", "close" } })
    assert.are.equal("ngx", out.transport)
    local tried = {}
    for _, t in ipairs(out.tried) do
      assert.is_true(t.ok, t.name .. ": " .. tostring(t.err))
      tried[t.name] = t.value
    end
    assert.is_true(tried.blocking.ok) -- the blocking call was sent and answered
    assert.are.same({}, tried.blocking.body.templates)
    assert.is_true(tried.send_many)
    assert.is_true(tried.run)
    assert.is_true(out.outer.ok, out.outer.text) -- the call reported on was answered already
    assert.are.same({ "/apps/" .. srv.app_id .. "/segments", "/templates", "/notifications" }, paths())
  end)

  -- The hook of an _async call runs in that call's light thread, which stays pending until the hook
  -- returns: run() there waits for the others, not for that call (which cannot finish while the hook
  -- runs); a request finishing wakes every coroutine waiting for one, so send_many there is not held up
  -- by the outer run taking the wake-up; and close there leaves that call the answer that had arrived.
  it("of an _async call: all of them work there, none waits for that call, close leaves its answer", function()
    local out = app:case("hook_calls", { async = true,
      tries = { "blocking", "poll", "sleep", "send_many", "run", "close" } })
    for _, t in ipairs(out.tried) do
      assert.is_true(t.ok, t.name .. ": " .. tostring(t.err))
      assert.is_true(t.took < 0.5, t.name .. " took " .. t.took .. " s")
    end
    local tried = {}
    for _, t in ipairs(out.tried) do tried[t.name] = t.value end
    assert.is_true(tried.blocking.ok)
    assert.is_true(tried.send_many)
    assert.is_true(tried.run) -- no timeout: it returned once nothing else was pending
    assert.is_true(out.outer.ok, out.outer.text)
    assert.are.same({ "/apps/" .. srv.app_id .. "/segments", "/templates", "/notifications" }, paths())
  end)

  -- A retry was to follow: closed there, the call ends "closed" after its one attempt, sending no other.
  it("of an _async call: close there ends a call that was to retry", function()
    srv:fault({ match = { operation = "get_segments" }, steps = { { status = 503 } } })
    local out = app:case("hook_calls", { async = true, tries = { "close" }, options = { retry_base_delay = 0.01 } })
    assert.is_true(out.tried[1].ok, tostring(out.tried[1].err))
    assert.is_false(out.outer.ok)
    assert.are.equal("closed", out.outer.reason)
    assert.are.equal(1, out.outer.attempts)
    assert.are.same({ "/apps/" .. srv.app_id .. "/segments" }, paths())
  end)

  -- Inside client:spawn, run waits for the others, not for the thread that called it.
  it("run in a spawned thread returns once the others are done", function()
    local out = app:case("spawn_run", {})
    assert.is_true(out.ok, tostring(out.err))
    assert.is_true(out.run)
    assert.is_true(out.took < 0.5, "took " .. out.took .. " s")
    assert.is_table(out.body)
  end)
end)
