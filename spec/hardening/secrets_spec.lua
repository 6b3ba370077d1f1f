-- API keys never show: not in tostring(err), error fields, Lua error messages, hook tables, dumps of
-- clients and answers, dry runs, logs (stderr, nginx's error.log) or the command line's output, even
-- when the server echoes a key back in a body, a header or an HTML page, or the key is passed as data.
-- The test server's keys are random, so they serve as canaries. Both transports: libcurl here, the
-- cosocket transport inside nginx (spec/hardening/ngx_secrets.lua).
local server = require("support.server")
local openresty = require("support.openresty")
local support = require("hardening.support")
local scenarios = require("hardening.secrets_scenarios")
local cli = require("cli.run")
local cjson = require("cjson")

-- Fails naming every place a key showed up.
local function assert_no_keys(srv, texts, what)
  local leaks = {}
  for _, t in ipairs(texts) do
    for _, key in ipairs({ srv.rest_key, srv.org_key }) do
      if t.text:find(key, 1, true) then leaks[#leaks + 1] = t.where .. ": " .. t.text end
    end
  end
  assert.are.same({}, leaks, what)
end

-- Whether one of the texts holds `needle`: the echo it looks for came back, and was redacted.
local function shows(texts, needle)
  for _, t in ipairs(texts) do
    if t.text:find(needle, 1, true) then return true end
  end
  return false
end

local function queue_faults(srv)
  srv:reset()
  for _, script in ipairs(scenarios.faults(srv.rest_key)) do srv:fault(script) end
  -- the callback scenario's user id is the organization key
  srv:fault({ match = { operation = "get_user" },
    steps = { { status = 404 }, { status = 404, body = '{"errors":["' .. srv.org_key .. '"]}',
      headers = { ["X-Key"] = srv.org_key } } } })
end

describe("API keys", function()
  local srv

  setup(function() srv = server.start({}) end)
  teardown(function() if srv then srv:stop() end end)

  it("are looked for where they would show (the check can fail)", function()
    local texts = scenarios.strings_in({ nested = { deeper = { srv.rest_key } } })
    local ok, err = pcall(assert_no_keys, srv, { { where = "planted", text = texts[#texts] } })
    assert.is_false(ok)
    -- its own failure, naming the place (not an error of the helper)
    assert.matches("Expected objects to be the same.", tostring(err), 1, true)
    assert.matches("'planted: ", tostring(err), 1, true)
  end)

  it("never show in errors, Lua errors, hook tables, dumps or dry runs (libcurl transport)", function()
    queue_faults(srv)
    local texts = scenarios.run({ url = srv.url, rest_key = srv.rest_key, org_key = srv.org_key,
      app_id = srv.app_id })
    assert.is_true(#texts > 100, "too little was looked at")
    assert_no_keys(srv, texts)
    -- the echoes really came back (so redaction, not luck, kept the keys out)
    local redacted = 0
    for _, t in ipairs(texts) do if t.text:find("[REDACTED]", 1, true) then redacted = redacted + 1 end end
    assert.is_true(redacted >= 8, "only " .. redacted .. " texts show a redaction")
    assert.is_true(shows(texts, "[REDACTED].localhost"), "no failure message named the URL's host")
    assert.are.same({}, srv:pending_faults())
  end)

  it("never show in what a program logs: warnings of a failing hook, stderr, stdout", function()
    queue_faults(srv)
    local script = string.format([[
      warn("@on")
      local scenarios = require("hardening.secrets_scenarios")
      for _, t in ipairs(scenarios.run({ url = %q, rest_key = %q, org_key = %q, app_id = %q,
        hook_raises = true })) do
        print(t.where, t.text)
      end]], srv.url, srv.rest_key, srv.org_key, srv.app_id)
    local r = support.run(support.lua_env() .. " lua5.4 -e " .. support.quote(script))
    assert.are.equal(0, r.code, r.stderr)
    assert.matches("error in hook (ignored): ", r.stderr, 1, true) -- the hook's errors were logged
    assert.matches("hook saw: ", r.stderr, 1, true)
    assert.matches("with key [REDACTED]", r.stderr, 1, true) -- the key the hook quoted, redacted
    assert_no_keys(srv, { { where = "stdout", text = r.stdout }, { where = "stderr", text = r.stderr } })
  end)

  it("never show in the command line's output, with ONESIGNAL_DEBUG set", function()
    queue_faults(srv)
    local echo = scenarios.faults(srv.rest_key)[1].steps[1]
    srv:fault({ match = { operation = "get_segments" }, steps = { echo, echo, echo, echo } }) -- every retry
    local env = cli.env_for(srv, { ONESIGNAL_DEBUG = "1" })
    local runs = {
      cli.cli({ "get_segments" }, env),                                  -- a JSON error echoing the key
      cli.cli({ "get_user", "external_id", srv.rest_key }, env),         -- the key as a path parameter
      cli.cli({ "get_apps", "--dry-run" }, env),                         -- the request, printed
      cli.cli({ "create_notification", "--json", '{"contents":{"en":"x"},"included_segments":["All"]}',
        "--dry-run" }, env),
      cli.cli({ "get_segments", "--rest-api-key", srv.rest_key .. "\n" }, env), -- a usage error about it
      cli.cli({ "get_user", "external_id", srv.rest_key .. "+/=", "--rest-api-key", srv.rest_key .. "+/=",
        "--dry-run" }, env),                                             -- the URL holds it as %2B%2F%3D
      -- a key with % and \: the URL holds it as %25%5C, the body's JSON as \\
      cli.cli({ "get_user", "external_id", srv.rest_key .. "%\\", "--rest-api-key", srv.rest_key .. "%\\",
        "--dry-run" }, env),
      cli.cli({ "create_notification", "--rest-api-key", srv.rest_key .. "%\\", "--json",
        '{"contents":{"en":"' .. srv.rest_key .. '%\\\\"},"included_segments":["All"]}', "--dry-run" }, env),
      cli.cli({ "get_user", "external_id", srv.rest_key .. "%\\", "--rest-api-key", srv.rest_key .. "%\\",
        "--verbose" }, env),                                   -- not found: the server's message quotes the id
    }
    local texts = {}
    for i, r in ipairs(runs) do
      texts[#texts + 1] = { where = "run " .. i .. " stdout", text = r.stdout }
      texts[#texts + 1] = { where = "run " .. i .. " stderr", text = r.stderr }
    end
    assert.are.equal(0, runs[3].code, runs[3].stderr)
    assert.matches("Authorization: Key [REDACTED]", runs[3].stdout, 1, true)
    assert.matches("/users/by/external_id/[REDACTED]\n", runs[6].stdout, 1, true)
    assert.matches("/users/by/external_id/[REDACTED]\n", runs[7].stdout, 1, true)
    assert.matches('"en":"[REDACTED]"', runs[8].stdout, 1, true)
    assert.matches("get_user failed: HTTP 404: [REDACTED]", runs[9].stderr, 1, true)
    assert.are_not.equal(0, runs[1].code)
    assert_no_keys(srv, texts)
  end)

  -- A Lua error inside the command (not a usage error) is printed as an internal error; its message may
  -- quote whatever the command held, the key from --rest-api-key or the environment included.
  it("never show in the command line's internal errors", function()
    local script = [[
      local main = require("onesignal.cli.main")
      local key = os.getenv("SPEC_FLAG_KEY")
      local stdin = { read = function() error("stdin broke while reading for " .. key .. " and "
        .. os.getenv("ONESIGNAL_ORGANIZATION_API_KEY")) end }
      local code = main.main({ "create_notification", "--rest-api-key", key, "--json", "-" },
        { stdout = io.stdout, stderr = io.stderr, stdin = stdin })
      io.stdout:write("exit ", code, "\n")]]
    local r = support.run("SPEC_FLAG_KEY=" .. support.quote(srv.rest_key) .. " ONESIGNAL_ORGANIZATION_API_KEY="
      .. support.quote(srv.org_key) .. " ONESIGNAL_DEBUG=1 " .. support.lua_env() .. " lua5.4 -e "
      .. support.quote(script))
    assert.are.equal(0, r.code, r.stderr)
    assert.matches("exit 1\n", r.stdout, 1, true)
    assert.matches("onesignal: internal error: .*stdin broke while reading for %[REDACTED%] and %[REDACTED%]\n",
      r.stderr)
    assert.matches("stack traceback", r.stderr, 1, true) -- ONESIGNAL_DEBUG's traceback came too
    assert_no_keys(srv, { { where = "stdout", text = r.stdout }, { where = "stderr", text = r.stderr } })
  end)

  -- libcurl quotes a proxy URL it cannot use whole in its message ("Unsupported proxy scheme for
  -- 'htp://user:password@host'"): the proxy's password is a secret as the keys are. (The proxy option with
  -- an unknown scheme is refused by onesignal.new, whose message names the scheme alone.)
  it("nor do a proxy's credentials, from the proxy option or the environment (libcurl transport)", function()
    local script = [[
      local onesignal = require("onesignal")
      local seen = {}
      local proxy = os.getenv("SPEC_PROXY")
      local made, client = pcall(onesignal.new, { rest_api_key = "k-unused", app_id = "a", proxy = proxy,
        max_retries = 0, on_attempt = function(a) seen[#seen + 1] = a.message end })
      if not made then print(tostring(client)) return end
      local body, err = client:get_segments()
      assert(not body, "expected a failure")
      print(tostring(err))
      print(err.message)
      for _, m in ipairs(seen) do print(m) end]]
    local runs = {
      "SPEC_PROXY='htp://proxy-user:Pr0xy-pa55@127.0.0.1:1'", -- an unknown scheme
      "SPEC_PROXY='http://proxy-user:Pr0xy-pa55@[::1'",       -- a URL libcurl cannot parse
      "https_proxy='htp://proxy-user:Pr0xy-pa55@127.0.0.1:1'", -- the environment's proxy
      "ALL_PROXY='http://proxy-user:Pr0xy-pa55@[::1'",
      -- a password with an escaped '@', and one with a bare '@' (libcurl quotes either as given)
      "SPEC_PROXY='htp://proxy-user:Pr0xy-pa55%40x@127.0.0.1:1'",
      "SPEC_PROXY='http://proxy-user:Pr0xy-pa55@x@[::1'",
    }
    for _, env in ipairs(runs) do
      local r = support.run(env .. " " .. support.lua_env() .. " lua5.4 -e " .. support.quote(script))
      assert.are.equal(0, r.code, r.stderr)
      assert.matches("proxy", r.stdout, 1, true) -- the message about the proxy came through
      assert.is_nil(r.stdout:find("Pr0xy-pa55", 1, true), r.stdout)
      assert.is_nil(r.stdout:find("proxy-user:", 1, true), r.stdout)
    end
  end)

  it("never show in errors, Lua errors, hook tables, dumps or nginx's error.log (cosocket transport)", function()
    local app = openresty.start({ server = srv,
      locations = '    location = /hardening/secrets { content_by_lua_block { '
        .. 'require("hardening.ngx_secrets").handle() } }' })
    finally(function() app:stop() end)
    queue_faults(srv)
    local status, text = app:request("POST", "/hardening/secrets", { url = srv.url, rest_key = srv.rest_key,
      org_key = srv.org_key, app_id = srv.app_id, hook_raises = true })
    assert.are.equal(200, status, text .. app:error_log())
    local texts = cjson.decode(text)
    assert.is_true(#texts > 100, "too little was looked at")
    local log = app:error_log()
    texts[#texts + 1] = { where = "nginx error.log", text = log }
    -- the hook's errors were logged, the key it quoted redacted
    assert.matches("error in on_attempt hook (ignored): ", log, 1, true)
    assert.matches("with key [REDACTED]", log, 1, true)
    assert_no_keys(srv, texts)
    assert.is_true(shows(texts, "[REDACTED].localhost"), "no failure message named the URL's host")
    assert.are.same({}, srv:pending_faults())
  end)
end)
