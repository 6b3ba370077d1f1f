-- TLS: certificates are verified by default; the test server's self-signed CA is trusted only when
-- given as ca_file; insecure = true turns verification off and says so once per process on stderr;
-- plain http:// is refused unless the host is this machine or allow_http = true.
local server = require("support.server")
local files = require("support.files")
local support = require("hardening.support")
local onesignal = require("onesignal")

local WARNING = "onesignal: WARNING: TLS certificate verification is off (insecure = true)"

-- A child Lua process making `clients` clients with `options` (a Lua table literal) and one call each;
-- returns { code, stdout, stderr }.
local function child(srv, options, clients)
  local script = string.format([[
    local onesignal = require("onesignal")
    for i = 1, %d do
      local c = onesignal.new({ base_url = %q, rest_api_key = %q, app_id = %q, %s })
      local body, err = c:get_segments()
      print(i, body and "ok" or tostring(err))
    end]], clients, srv.https_url, srv.rest_key, srv.app_id, options)
  return support.run(support.lua_env() .. " lua5.4 -e " .. support.quote(script))
end

describe("TLS", function()
  local srv

  setup(function() srv = server.start({ tls = true }) end)
  teardown(function() if srv then srv:stop() end end)
  before_each(function() srv:reset() end)

  it("refuses a self-signed server by default, before any request is sent", function()
    local client = onesignal.new({ base_url = srv.https_url, rest_api_key = srv.rest_key, app_id = srv.app_id })
    local body, err = client:get_segments()
    assert.is_nil(body)
    assert.are.equal("tls", err.kind)
    assert.are.equal(1, err.attempts) -- a certificate does not get better by asking again
    assert.are.equal(0, #srv:requests())
  end)

  it("accepts it when its CA is given as ca_file", function()
    local client = onesignal.new({ base_url = srv.https_url, rest_api_key = srv.rest_key, app_id = srv.app_id,
      ca_file = srv.ca_file })
    local body, err = client:get_segments()
    assert.is_table(body, tostring(err))
    assert.are.equal("https", srv:requests()[1].scheme)
  end)

  -- RFC 6066 section 3: a literal address is no server name. The cosocket transport does the same
  -- (spec/openresty/requests_spec.lua).
  it("sends the host's name as SNI, and none for an IP address", function()
    local by_name = srv.https_url:gsub("127%.0%.0%.1", "localhost")
    for _, case in ipairs({ { srv.https_url, nil }, { by_name, "localhost" } }) do
      srv:clear()
      local client = onesignal.new({ base_url = case[1], rest_api_key = srv.rest_key, app_id = srv.app_id,
        ca_file = srv.ca_file })
      local body, err = client:get_segments()
      assert.is_table(body, tostring(err))
      assert.are.equal(case[2], srv:requests()[1].server_name, case[1])
    end
  end)

  it("refuses a CA file that does not hold the server's CA", function()
    local other = files.temp("not a certificate\n")
    local client = onesignal.new({ base_url = srv.https_url, rest_api_key = srv.rest_key, app_id = srv.app_id,
      ca_file = other })
    local _, err = client:get_segments()
    os.remove(other)
    assert.are.equal("tls", err.kind)
    assert.are.equal(0, #srv:requests())
  end)

  it("turns verification off only with insecure = true, and warns once per process on stderr", function()
    local r = child(srv, "insecure = true", 3)
    assert.are.equal(0, r.code, r.stderr)
    assert.are.equal("1\tok\n2\tok\n3\tok\n", r.stdout)
    local _, warnings = r.stderr:gsub(WARNING:gsub("%p", "%%%0"), "")
    assert.are.equal(1, warnings, r.stderr)
    assert.is_nil(r.stderr:find(srv.rest_key, 1, true))
  end)

  it("says nothing when verification is on", function()
    local r = child(srv, "ca_file = " .. string.format("%q", srv.ca_file), 2)
    assert.are.equal(0, r.code, r.stderr)
    assert.are.equal("1\tok\n2\tok\n", r.stdout)
    assert.is_nil(r.stderr:find("WARNING", 1, true), r.stderr)
  end)

  it("fails verification without insecure = true in a child too (the warning is not a default)", function()
    local r = child(srv, "", 1)
    assert.matches("^1\tonesignal: get_segments failed: tls error", r.stdout)
    assert.is_nil(r.stderr:find("WARNING", 1, true))
  end)
end)

describe("plain http://", function()
  local function new(url, extra)
    local o = { base_url = url, rest_api_key = "k", app_id = "a" }
    for k, v in pairs(extra or {}) do o[k] = v end
    return onesignal.new(o)
  end

  it("is refused to any other host", function()
    for _, url in ipairs({ "http://api.onesignal.com", "http://example.com:8080/prefix", "http://10.0.0.1",
      "HTTP://api.onesignal.com", "http://127.0.0.1.example.com", "http://localhost.example.com" }) do
      local ok, err = pcall(new, url)
      assert.is_false(ok, url)
      assert.matches("keys would travel unencrypted", err, 1, true)
    end
  end)

  it("is allowed to this machine", function()
    for _, url in ipairs({ "http://127.0.0.1:8080", "http://localhost", "http://[::1]:9000/prefix" }) do
      assert.is_table(new(url), url)
    end
  end)

  it("is allowed anywhere with allow_http = true", function()
    assert.is_table(new("http://api.onesignal.com", { allow_http = true }))
  end)

  it("is not a way around other schemes", function()
    for url, problem in pairs({
      ["ftp://api.onesignal.com"] = "must use https or http, got ftp",
      ["file:///etc/passwd"] = "must look like https://host[:port][/prefix], got 'file:///etc/passwd'",
      ["gopher://x"] = "must use https or http, got gopher",
    }) do
      local ok, err = pcall(new, url, { allow_http = true })
      assert.is_false(ok, url)
      assert.matches("onesignal.new: option 'base_url' " .. problem, err, 1, true)
    end
  end)
end)
