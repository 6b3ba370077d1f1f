-- Name lookups on cosockets go to nginx's resolver, which waits `resolver_timeout` (30 s unless nginx.conf
-- says otherwise) whatever the socket's timeout. libcurl's connect timeout covers the lookup, and so do
-- the transport's connect_timeout, timeout and deadline. The app's resolver here is a port where nothing
-- answers (nginx keeps asking until resolver_timeout).
local server = require("support.server")
local openresty = require("support.openresty")
local NULL = require("cjson").null

describe("name lookups on the ngx transport", function()
  local srv, app

  local function call(options, extra)
    local settings = { allow_http = true, max_retries = 0 }
    for k, v in pairs(options or {}) do settings[k] = v end
    local args = { operation = "view_templates", args = { NULL }, options = settings, hook = true }
    for k, v in pairs(extra or {}) do args[k] = v end
    return app:case("call", args)
  end

  openresty.server_and_app(function(new_srv, new_app) srv, app = new_srv, new_app end, { tls = true },
    { http = "  resolver 127.0.0.1:1 ipv6=off;\n  resolver_timeout 30s;" })
  before_each(function() srv:reset() end)

  local UNANSWERED = "http://api.onesignal-spec.invalid:8080"

  it("gives up a lookup nobody answers after connect_timeout", function()
    local out = call({ connect_timeout = 1, timeout = 5 }, { base = UNANSWERED })
    local r = out.results[1]
    assert.is_false(r.ok)
    assert.are.equal("timeout", r.reason)
    assert.matches("connecting to api.onesignal-spec.invalid:8080 timed out", r.message, 1, true)
    assert.is_true(r.elapsed >= 0.9 and r.elapsed < 2, "took " .. r.elapsed .. " s")
  end)

  it("keeps the deadline through lookups and their retries", function()
    local out = call({ connect_timeout = 10, timeout = 10, max_retries = 3, retry_base_delay = 0.01,
      deadline = 1 }, { base = UNANSWERED })
    local r = out.results[1]
    assert.is_false(r.ok)
    assert.are.equal("timeout", r.reason)
    assert.is_true(r.elapsed < 2, "took " .. r.elapsed .. " s")
  end)

  -- close kills the thread of an _async call; the lookup runs in a thread of its own, which must end with
  -- it, or the request (or timer) that closed the client cannot end before the lookup does.
  it("ends a lookup under way when the client is closed, so the request ends at once", function()
    local status, text, took = app:request("POST", "/case/close", { operation = "view_templates",
      args = { NULL }, base = UNANSWERED, count = 1, close_after = 0.2,
      options = { allow_http = true, connect_timeout = 10, max_retries = 0 } })
    assert.are.equal(200, status, text)
    local out = require("cjson").decode(text)
    assert.are.equal("closed", out.results[1].reason)
    assert.is_falsy(out.results[1].maybe_sent)
    assert.is_true(took < 2, "the request took " .. took .. " s")
  end)

  it("connects through a lookup's thread, then keeps the connection in the pool as usual", function()
    local out = call(nil, { as_name = true, times = 3 })
    for _, r in ipairs(out.results) do assert.is_true(r.ok, r.text) end
    assert.are.equal(3, #srv:requests())
    assert.are.equal(1, srv:stats().connections)
  end)

  it("does the TLS handshake on a connection made in a lookup's thread", function()
    -- by address, so the certificate cannot match: this is about the socket, not about verification
    local out = call({ insecure = true }, { as_name = true, times = 2, base = "https_ip" })
    for _, r in ipairs(out.results) do assert.is_true(r.ok, r.text) end
    assert.are.equal("https", srv:requests()[1].scheme)
    assert.are.equal(1, srv:stats().connections)
  end)
end)

-- libcurl's connect timeout covers the lookup, the TCP connect and the TLS handshake together. A lookup
-- that takes most of connect_timeout leaves the handshake only the rest. The peer (spec/support/
-- slow_peer.lua) answers lookups after 0.7 s and never reads on its TCP port, so a handshake there waits
-- until the transport gives up.
describe("connect_timeout on the ngx transport", function()
  local shell = require("server.harness.shell")
  local srv, app, peer, tcp_port

  setup(function()
    local ports = os.tmpname()
    os.remove(ports)
    peer = tonumber(shell.capture("setsid lua5.4 " .. shell.quote(openresty.root .. "/spec/support/slow_peer.lua")
      .. " 0.7 " .. shell.quote(ports)
      .. " 120 >/dev/null 2>&1 </dev/null & echo $!"):match("%d+"))
    local text
    for _ = 1, 100 do
      text = shell.read_file(ports)
      if text then break end
      shell.sleep(0.05)
    end
    os.remove(ports)
    local dns_port
    dns_port, tcp_port = assert(text, "the slow peer did not start"):match("(%d+) (%d+)")
    srv = server.start({})
    app = openresty.start({ server = srv,
      http = "  resolver 127.0.0.1:" .. dns_port .. " ipv6=off;\n  resolver_timeout 30s;" })
  end)
  teardown(function()
    if app then app:stop() end
    if srv then srv:stop() end
    if peer then shell.run("kill " .. peer .. " 2>/dev/null") end
  end)

  -- connect_timeout 1 s, or a timeout of 1 s cutting a longer connect_timeout short; each case its own
  -- name, so that nginx's resolver has none of them cached
  for i, options in ipairs({ { connect_timeout = 1, timeout = 10 }, { connect_timeout = 10, timeout = 1 } }) do
    it("covers the lookup and the TLS handshake together, as libcurl's does (" .. i .. ")", function()
      options.max_retries = 0
      local host = "slow-handshake-" .. i .. ".onesignal-spec.invalid:" .. tcp_port
      local r = app:case("call", { operation = "view_templates", args = { NULL }, base = "https://" .. host,
        options = options }).results[1]
      assert.is_false(r.ok)
      assert.are.equal("timeout", r.reason)
      assert.matches("TLS handshake with " .. host .. " timed out", r.message, 1, true)
      assert.is_true(r.elapsed >= 0.9 and r.elapsed < 1.4, "took " .. r.elapsed .. " s")
    end)
  end

  -- As the C engine classes libcurl's resolve error (spec/core/session_retry_spec.lua): retried, as nothing
  -- was sent.
  it("reports a name that does not exist as a resolve error after retrying", function()
    local out = app:case("call", { operation = "view_templates", args = { NULL }, hook = true,
      base = "https://nxdomain-1.onesignal-spec.invalid:" .. tcp_port,
      options = { connect_timeout = 5, max_retries = 1, retry_base_delay = 0.01 } })
    local r = out.results[1]
    assert.is_false(r.ok)
    assert.are.equal("resolve", r.reason, r.text)
    assert.are.equal(2, r.attempts)
  end)
end)
