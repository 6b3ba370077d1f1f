-- core.session and its methods: arguments, misuse and the closed state (no server needed).
local core = require("onesignal.core")
local support = require("core.support")

local function session(extra)
  local config = { base_url = "http://127.0.0.1:9", rest_key = "rest-secret-1234" }
  for k, v in pairs(extra or {}) do config[k] = v end
  return core.session(config)
end

local function error_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok, "expected an error")
  return tostring(err)
end

describe("core.session", function()
  it("creates a session with defaults", function()
    local s = session()
    assert.same("userdata", type(s))
    assert.same(0, s:pending())
    assert.is_nil(s:timeout())
    assert.is_nil(s:poll())
    s:close()
  end)

  it("accepts a session without base_url for absolute URLs only", function()
    local s = core.session({})
    assert.matches("no base_url", error_of(s.submit, s, { method = "GET", path = "/x" }))
    s:close()
  end)

  it("rejects malformed base URLs", function()
    for _, url in ipairs({ "ftp://x", "127.0.0.1", "http://x/", "http://x y", "http://x?q=1", "http://x\n" }) do
      assert.matches("base_url", error_of(core.session, { base_url = url }), url)
    end
  end)

  it("rejects wrong option types and values", function()
    assert.matches("'timeout'", error_of(core.session, { timeout = "30" }))
    assert.matches("'timeout'", error_of(core.session, { timeout = 0 }))
    assert.matches("'connect_timeout'", error_of(core.session, { connect_timeout = -1 }))
    assert.matches("'max_retries'", error_of(core.session, { max_retries = 1.5 }))
    assert.matches("'max_retries'", error_of(core.session, { max_retries = -1 }))
    assert.matches("'max_retries' is unreasonably large", error_of(core.session, { max_retries = 1000001 }))
    assert.matches("'max_body'", error_of(core.session, { max_body = -1 }))
    assert.matches("'verify'", error_of(core.session, { verify = "yes" }))
    assert.matches("http_version", error_of(core.session, { http_version = "3" }))
    assert.matches("headers", error_of(core.session, { headers = { "X-Bad" } }))
    assert.matches("headers", error_of(core.session, { headers = { "X-A: 1\r\nX-B: 2" } }))
    assert.matches("body_headers", error_of(core.session, { body_headers = { 42 } }))
    assert.error_matches(function() core.session("http://x") end, support.bad_argument(1, "table expected, got string"))
  end)

  it("never repeats a key in its errors", function()
    local err = error_of(core.session, { rest_key = "secret-key\r\nX-Injected: 1" })
    assert.matches("rest_key", err)
    assert.is_nil(err:find("secret-key", 1, true))
    err = error_of(core.session, { organization_key = "org-secret\n" })
    assert.is_nil(err:find("org-secret", 1, true))
  end)

  -- Over https: over plain http "2-prior-knowledge" is refused with libcurl 7.88 (spec/integration/http2_spec.lua).
  it("accepts every http_version it documents", function()
    for _, v in ipairs({ "1.1", "2", "2-prior-knowledge" }) do
      session({ base_url = "https://127.0.0.1:9", http_version = v }):close()
    end
  end)
end)

describe("session:submit", function()
  local s
  before_each(function() s = session() end)
  after_each(function() s:close() end)

  it("checks the method", function()
    assert.matches("'method'", error_of(s.submit, s, { method = "get", path = "/x" }))
    assert.matches("'method'", error_of(s.submit, s, { method = "HEAD", path = "/x" }))
    assert.matches("'method'", error_of(s.submit, s, { path = "/x" }))
  end)

  it("needs exactly one of path and url, well formed", function()
    assert.matches("exactly one", error_of(s.submit, s, { method = "GET" }))
    assert.matches("exactly one", error_of(s.submit, s, { method = "GET", path = "/x", url = "http://h/x" }))
    assert.matches("'path'", error_of(s.submit, s, { method = "GET", path = "x" }))
    assert.matches("'path'", error_of(s.submit, s, { method = "GET", path = "/a b" }))
    assert.matches("'path'", error_of(s.submit, s, { method = "GET", path = "/a\r\nHost: evil" }))
    assert.matches("'url'", error_of(s.submit, s, { method = "GET", url = "file:///etc/passwd" }))
  end)

  it("needs the key its credential names", function()
    assert.matches("no organization key", error_of(s.submit, s, { method = "GET", path = "/apps",
      credential = "organization" }))
    assert.matches("'credential'", error_of(s.submit, s, { method = "GET", path = "/apps", credential = "user" }))
  end)

  it("checks extra headers and overrides", function()
    assert.matches("headers", error_of(s.submit, s, { method = "GET", path = "/x", headers = { "X: 1\nY: 2" } }))
    for _, line in ipairs({ "User-Agent: other/1", "accept-encoding: identity", "Authorization: Key x" }) do
      local message = error_of(s.submit, s, { method = "GET", path = "/x", headers = { line } })
      assert.is_truthy(message:find("'headers' cannot set " .. line:match("^[^:]+"):lower(), 1, true), message)
    end
    assert.matches("'deadline'", error_of(s.submit, s, { method = "GET", path = "/x", deadline = 0 }))
    assert.matches("'timeout'", error_of(s.submit, s, { method = "GET", path = "/x", timeout = -5 }))
    assert.matches("'max_retries' is unreasonably large",
      error_of(s.submit, s, { method = "GET", path = "/x", max_retries = 1000001 }))
    assert.matches("'body'", error_of(s.submit, s, { method = "POST", path = "/x", body = {} }))
    -- a key makes a POST safe to repeat: only a real one may (the Lua layer checks too, but not every
    -- caller of the core goes through it)
    for _, key in ipairs({ "", "k\r\nX-Injected: 1", "k\0k" }) do
      assert.matches("'idempotency_key' must be non-empty text without control characters",
        error_of(s.submit, s, { method = "POST", path = "/x", body = "{}", idempotency_key = key }), 1, true)
    end
    assert.same(0, s:pending())
  end)

  -- The Lua layer checks these first; a caller of the core alone must learn the field and the range too.
  it("names the field and the range a number must be in, and takes no negative value as 'none'", function()
    local cases = {
      { "deadline", -1, "'deadline' must be a number of seconds > 0" },
      { "deadline", -2, "'deadline' must be a number of seconds > 0" },
      { "deadline", 0 / 0, "'deadline' must be a number of seconds > 0" },
      { "timeout", -2, "'timeout' must be a number of seconds > 0" },
      { "timeout", 0, "'timeout' must be a number of seconds > 0" },
      { "idle_timeout", 0, "'idle_timeout' must be a number of seconds > 0" },
      { "idle_timeout", -1, "'idle_timeout' must be a number of seconds > 0" },
      { "retry_base_delay", -1, "'retry_base_delay' must be a finite number of seconds >= 0" },
      { "retry_max_delay", math.huge, "'retry_max_delay' must be a finite number of seconds >= 0" },
      { "max_retries", -1, "'max_retries' must be an integer >= 0" },
      { "max_retries", 1.5, "'max_retries' must be an integer >= 0" },
    }
    for _, case in ipairs(cases) do
      local req = { method = "GET", path = "/x" }
      req[case[1]] = case[2]
      local message = error_of(s.submit, s, req)
      assert.is_truthy(message:find("onesignal.core: " .. case[3], 1, true), message)
    end
    assert.same(0, s:pending())
  end)

  it("returns increasing integer ids", function()
    local a = s:submit({ method = "GET", path = "/x", max_retries = 0 })
    local b = s:submit({ method = "GET", path = "/y", max_retries = 0 })
    assert.same(math.type and "integer" or "number", math.type and math.type(a) or type(a))
    assert.is_true(b > a)
    assert.same(2, s:pending())
  end)
end)

describe("session methods", function()
  -- The engine finds a request by its id in an open-addressing table that closes the gap of each taken entry.
  -- Ids are sequential and the hash spreads them evenly, so entries only share a slot once the ids in the table
  -- span more than its size: 3,000 requests, about 40 untaken at any time, taken in a scrambled order.
  it("find every request by its id while others come and go, in any order", function()
    local s = session({ max_retries = 0 })
    local untaken, seed = {}, 12345
    local function take_one()
      seed = (seed * 1103515245 + 12345) % 2147483648
      local id = table.remove(untaken, seed % #untaken + 1)
      assert.same(id, s:wait(id).id)
    end
    for _ = 1, 3000 do
      untaken[#untaken + 1] = s:submit({ method = "GET", path = "/x" })
      if #untaken > 40 then take_one() end
    end
    while #untaken > 0 do take_one() end
    assert.same(0, s:pending())
    s:close()
  end)

  it("refuse to work once closed, and close is idempotent", function()
    local s = session()
    s:close()
    s:close()
    for _, name in ipairs({ "submit", "poll", "wait", "pending", "fd", "timeout", "set_hook", "stats",
                            "finished", "driving", "set_refusal", "hold_429", "env_proxy" }) do
      assert.matches("session is closed", error_of(s[name], s, { method = "GET", path = "/" }), name)
    end
    assert.matches("closed", tostring(s))
  end)

  it("reject unknown ids in wait", function()
    local s = session()
    assert.matches("no pending request", error_of(s.wait, s, 12345))
    assert.matches("no pending request", error_of(s.wait, s, 0))
    -- named as given, also beyond an int (sanitize-core checks the conversion)
    assert.matches("no pending request with id 3000000000$", error_of(s.wait, s, 3e9))
    assert.matches("no pending request with id 2.5$", error_of(s.wait, s, 2.5))
    assert.matches("no pending request with id -1e+300", error_of(s.wait, s, -1e300), 1, true)
    s:close()
  end)

  it("reject a negative poll timeout and a hook that is not a function", function()
    local s = session()
    assert.has_error(function() s:poll(-1) end, "onesignal.core: poll timeout must be a number >= 0")
    assert.error_matches(function() s:set_hook("print") end, support.bad_argument(1, "function expected, got string"))
    s:set_hook(nil)
    s:close()
  end)

  it("report the engine descriptor when built with epoll", function()
    local s = session()
    if core.features.epoll then
      assert.same("number", type(s:fd()))
    else
      assert.is_nil(s:fd())
    end
    s:close()
  end)

  it("start with empty stats", function()
    local s = session()
    assert.same({ connects = 0, in_flight = 0, waiting = 0 }, s:stats())
    s:close()
  end)
end)
