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
  -- returns: run() there waits for it, that is for itself, until its timeout (without one, for ever:
  -- README says so).
  it("of an _async call: a blocking call works, run waits out its timeout", function()
    local out = app:case("hook_calls", { async = true, run_timeout = 0.5, tries = { "blocking", "run" } })
    local blocking, run = out.tried[1], out.tried[2]
    assert.is_true(blocking.ok and blocking.value.ok, tostring(blocking.err))
    assert.is_true(run.ok, tostring(run.err))
    assert.is_false(run.value)
    assert.is_true(run.took >= 0.45, "run returned after " .. run.took .. " s")
    assert.is_true(out.outer.ok, out.outer.text)
    assert.are.same({ "/apps/" .. srv.app_id .. "/segments", "/templates" }, paths())
  end)
end)
