-- Keep-alive on cosockets: nginx's connection pool (one per base URL) carries request after request,
-- across calls, clients and requests of the worker, as the test server's connection count shows; and a
-- kept connection that turns out dead is handled as libcurl handles it.
local openresty = require("support.openresty")
local NULL = require("cjson").null

describe("keep-alive on the ngx transport", function()
  local srv, app

  local function connections() return srv:stats().connections end

  local function call(extra)
    local args = { operation = "view_templates", args = { NULL }, options = { retry_base_delay = 0.01 } }
    for k, v in pairs(extra or {}) do args[k] = v end
    return app:case("call", args)
  end

  openresty.server_and_app(function(new_srv, new_app) srv, app = new_srv, new_app end, { tls = true })
  before_each(function() srv:reset() end)

  it("sends ten calls in a row over one connection", function()
    local out = call({ times = 10 })
    for _, r in ipairs(out.results) do assert.is_true(r.ok, r.text) end
    assert.are.equal(1, connections())
    local seen = srv:requests()
    assert.are.equal(10, #seen)
    for i = 2, 10 do
      assert.are.equal(seen[1].connection, seen[i].connection)
      assert.are.equal(seen[i - 1].connection_requests + 1, seen[i].connection_requests)
    end
  end)

  it("shares the pool between clients and between requests of the worker", function()
    for _ = 1, 5 do assert.is_true(call().results[1].ok) end
    assert.are.equal(5, #srv:requests())
    assert.are.equal(1, connections())
  end)

  it("keeps TLS connections alive too", function()
    local out = call({ base = "https", times = 5 })
    for _, r in ipairs(out.results) do assert.is_true(r.ok, r.text) end
    local seen = srv:requests()
    assert.are.equal(5, #seen)
    assert.are.equal("https", seen[1].scheme)
    assert.are.equal(1, connections())
  end)

  it("opens a new connection after a response that closes its own", function()
    srv:fault({ match = { operation = "view_templates" }, steps = { { truncate = true } } })
    local out = call({ times = 2, options = { max_retries = 0 } })
    assert.are.equal("partial", out.results[1].reason)
    assert.is_true(out.results[2].ok, out.results[2].text)
    local seen = srv:requests()
    assert.are.equal(2, #seen)
    assert.are_not.equal(seen[1].connection, seen[2].connection)
  end)

  it("sends a safe request once more on a new connection when a kept one dies before answering", function()
    assert.is_true(call().results[1].ok) -- a connection in the pool
    srv:reset()
    srv:fault({ match = { operation = "view_templates" }, steps = { { drop = "before_read" } } })
    local out = call({ hook = true })
    local r = out.results[1]
    assert.is_true(r.ok, r.text)
    -- as the C engine counts libcurl's resend: an attempt of its own, shown to the hook as a reset
    -- retried at once
    assert.are.equal(2, r.attempts)
    assert.are.equal(2, #out.hooks)
    assert.are.equal("reset", out.hooks[1].error)
    assert.is_true(out.hooks[1].retry)
    assert.are.equal(0, out.hooks[1].wait)
    assert.are.equal(1, out.hooks[1].attempt)
    assert.are.equal(2, out.hooks[2].attempt)
    assert.is_nil(out.hooks[2].error)
    local seen = srv:requests()
    assert.are.equal(2, #seen)
    assert.are_not.equal(seen[1].connection, seen[2].connection)
  end)

  it("keeps a call it resent in doubt when the resend is refused, as the copy that went out may be applied", function()
    assert.is_true(call().results[1].ok)
    srv:reset()
    srv:fault({ match = { operation = "create_notification" }, steps = { { drop = "after_read" },
      { status = 429, body = '{"errors":["slow down"]}', content_type = "application/json" } } })
    local out = call({ operation = "create_notification", args = { { contents = { en = "hi" },
      include_aliases = { external_id = { "u-1" } }, target_channel = "push" } }, options = { max_retries = 0 } })
    local r = out.results[1]
    assert.is_false(r.ok)
    assert.are.equal(429, r.status)
    assert.are.equal(2, r.attempts)
    assert.is_true(r.maybe_sent)
    assert.are.equal(2, #srv:requests())
  end)

  it("does not resend an unsafe request when a kept connection dies, and says it may have been applied", function()
    assert.is_true(call().results[1].ok)
    srv:reset()
    srv:fault({ match = { operation = "create_user" }, steps = { { drop = "before_read" } } })
    local out = call({ operation = "create_user", args = { NULL, { identity = { external_id = "kept-alive" } } } })
    local r = out.results[1]
    assert.is_false(r.ok)
    assert.are.equal("reset", r.reason)
    assert.is_true(r.maybe_sent)
    assert.are.equal(1, r.attempts)
    assert.matches("not safe to repeat", r.message, 1, true)
    assert.are.equal(1, #srv:requests())
  end)

  -- The pool is nginx's, per worker: a connection whose certificate nobody checked (insecure) must never
  -- serve a client that checks, nor the other way round.
  it("never hands a connection made without certificate checks to a client that checks", function()
    local out = call({ base = "https", options = { insecure = true }, times = 2 })
    assert.is_true(out.results[2].ok, out.results[2].text)
    out = call({ base = "https", times = 2 })
    assert.is_true(out.results[2].ok, out.results[2].text)
    out = call({ base = "https", options = { insecure = true } })
    assert.is_true(out.results[1].ok, out.results[1].text)
    local seen = srv:requests()
    assert.are.equal(5, #seen)
    assert.are.equal(seen[1].connection, seen[2].connection) -- each kept its connection for its next call
    assert.are.equal(seen[3].connection, seen[4].connection)
    assert.are_not.equal(seen[2].connection, seen[3].connection)
    assert.are_not.equal(seen[4].connection, seen[5].connection)
  end)
end)
