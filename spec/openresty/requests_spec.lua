-- The cosocket transport, inside real nginx, sends for every operation the request the libcurl transport
-- sends for the same call: method, path, query, body, and every header but User-Agent. Both sides are
-- read from the test server's recording, so what is compared is what went over the wire.
local openresty = require("support.openresty")
local samples = require("support.samples")
local json = require("server.json")
local onesignal = require("onesignal")
local NULL = require("cjson").null -- an argument left out, in the JSON sent to the app

local UUID = "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89ab]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$"

-- A body as comparable text: object keys sorted (the two Lua VMs iterate tables in different orders),
-- arrays and objects kept apart, and generated idempotency keys (random by design) checked and masked.
local function canonical(value)
  if json.is_array(value) then
    local parts = {}
    for i, v in ipairs(value) do parts[i] = canonical(v) end
    return "[" .. table.concat(parts, ",") .. "]"
  elseif value == json.null then
    return "null"
  elseif type(value) == "table" then
    local keys = {}
    for k in pairs(value) do keys[#keys + 1] = k end
    table.sort(keys)
    local parts = {}
    for i, k in ipairs(keys) do
      local v = value[k]
      if k == "idempotency_key" and type(v) == "string" and v:find(UUID) then v = "<uuid4>" end
      parts[i] = string.format("%q", k) .. ":" .. canonical(v)
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif type(value) == "string" then
    return string.format("%q", value)
  end
  return tostring(value)
end

local function comparable(request)
  local headers = {}
  for name, value in pairs(request.headers) do
    if name ~= "user-agent" then headers[name] = value end
  end
  return {
    method = request.method,
    path = request.path,
    query = request.query,
    headers = headers,
    body = request.body and request.body ~= "" and canonical(json.decode(request.body)) or request.body,
  }
end

describe("the ngx transport in nginx", function()
  local srv, app, ctx, names

  openresty.server_and_app(function(new_srv, new_app) srv, app = new_srv, new_app end, { tls = true })

  setup(function()
    ctx = { app_id = srv.app_id, org_id = srv.org_id }
    names = {}
    for name in pairs(samples.all(ctx)) do names[#names + 1] = name end
    table.sort(names)
  end)

  it("is the transport chosen inside nginx, and sends libcurl's Accept-Encoding", function()
    local chosen = app:case("transport", {})
    assert.are.equal("ngx", chosen.name)
    assert.are.equal("deflate, gzip, br, zstd", chosen.accept_encoding)
    assert.are.equal("curl", app:case("transport", { options = { transport = "curl" } }).name)
  end)

  it("sends, for every operation, the request the curl transport sends", function()
    assert.are.equal(#onesignal.operations, #names)

    -- The same server state for both runs, so both get the same answers and take the same path.
    srv:reset()
    local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key,
      organization_api_key = srv.org_key, app_id = srv.app_id, transport = "curl" })
    local all = samples.all(ctx)
    for _, name in ipairs(names) do samples.call(client, name, all[name]) end
    client:close()
    local by_curl = srv:requests()

    srv:reset()
    local run = app:case("samples", { ctx = ctx })
    assert.are.equal("ngx", run.transport)
    local by_ngx = srv:requests()

    assert.are.equal(#names, #by_curl)
    assert.are.equal(#names, #by_ngx)
    for i, name in ipairs(names) do
      assert.are.equal(name, by_curl[i].operation)
      assert.are.equal(name, by_ngx[i].operation)
      assert.are.same(comparable(by_curl[i]), comparable(by_ngx[i]), name)
      assert.are.equal(#by_curl[i].body, #by_ngx[i].body, name) -- the same bytes, up to key order
      -- and both answers were the same
      assert.are.equal(run.outcomes[i].name, name)
    end
  end)

  -- The cosocket transport sends the text the shared request builder made, so a string that is not UTF-8
  -- is refused before anything is sent, as over libcurl (spec/integration/client_spec.lua).
  it("refuses a body string or a path value that is not UTF-8, and sends nothing", function()
    srv:clear()
    local out = app:case("refused", { operation = "create_notification",
      args = { { contents = { en = "bad \255 byte" }, included_segments = { "All" } } } })
    assert.is_false(out.ok)
    assert.matches("onesignal%.create_notification: argument 'notification': field contents%.en is not valid"
      .. " UTF%-8 %(byte 5%)", out.err)
    out = app:case("refused", { operation = "get_user", args = { NULL, "external_id", "u\192\175" } })
    assert.is_false(out.ok)
    assert.matches("onesignal%.get_user: argument 'alias_id' %(#3%) is not valid UTF%-8 %(byte 2%)", out.err)
    assert.are.equal(0, #srv:requests())
  end)

  -- A body of 64 KiB or more is built as a large text in C memory (json.encode_body); cosockets send Lua
  -- strings, so this transport copies the text out, once per call: the whole body goes out.
  it("sends a body of 64 KiB or more whole", function()
    srv:clear()
    local ids = {}
    for i = 1, 20000 do ids[i] = "user-" .. i end
    local out = app:case("call", { operation = "create_notification", args = { { contents = { en = "Hi" },
      include_aliases = { external_id = ids }, target_channel = "push" } } })
    assert.is_true(out.results[1].ok, out.results[1].text)
    local sent = srv:requests()[1]
    assert.is_true(#sent.body > 64 * 1024, tostring(#sent.body))
    assert.are.equal(tostring(#sent.body), sent.headers["content-length"])
    assert.are.same(ids, json.decode(sent.body).include_aliases.external_id)
  end)

  it("names itself in the User-Agent: this library, LuaJIT and ngx_lua", function()
    srv:clear()
    local out = app:case("call", { operation = "view_templates", args = { NULL } })
    assert.is_true(out.results[1].ok)
    -- the response has the documented fields only, as over libcurl (spec/integration/client_spec.lua)
    assert.are.equal("attempts elapsed headers replayed status", out.results[1].fields)
    local agent = srv:requests()[1].headers["user-agent"]
    local version = onesignal._VERSION:gsub("%.", "%%.")
    assert.matches("^onesignal%-lua/" .. version .. " %(LuaJIT 2%.1[^;]*; ngx_lua/0%.%d+%.%d+%)$", agent)
  end)

  -- A dry-run client describes what the client it stands for would send: inside nginx that is the
  -- cosocket transport, whose User-Agent names ngx_lua; the description named libcurl wherever it ran.
  it("a dry run inside nginx lists the User-Agent the cosocket transport sends", function()
    for _, options in ipairs({ {}, { user_agent = "shop/2.0" } }) do
      srv:clear()
      assert.is_true(app:case("call", { operation = "view_templates", args = { NULL }, options = options })
        .results[1].ok)
      options.dry_run = true
      local description = app:case("call", { operation = "view_templates", args = { NULL },
        options = options }).results[1].body
      local listed
      for _, line in ipairs(description.headers) do listed = listed or line:match("^User%-Agent: (.*)$") end
      assert.are.equal(srv:requests()[1].headers["user-agent"], listed)
    end
  end)

  it("puts the caller's product first in the User-Agent", function()
    srv:clear()
    app:case("call", { operation = "view_templates", args = { NULL }, options = { user_agent = "shop/2.0" } })
    assert.matches("^shop/2%.0 onesignal%-lua/", srv:requests()[1].headers["user-agent"])
  end)

  -- A cosocket refuses a timeout of 2^31 ms (24.8 days) or more ("bad timeout value"), and the C core took
  -- one for no limit at all: the library's longest time (just under) works on cosockets, and a longer one is
  -- refused before anything is sent, in the same words as on the curl transport.
  it("takes the longest timeout the library allows, and refuses a longer one as the curl transport does", function()
    local longest = { timeout = 2147483, connect_timeout = 2147483, deadline = 2147483 }
    for _, case in ipairs({ { options = longest }, { with = { timeout = 2147483, deadline = 2147483 } } }) do
      local r = app:case("call", { operation = "view_templates", args = { NULL }, options = case.options,
        with = case.with }).results[1]
      assert.is_true(r.ok, r.text)
    end
    srv:clear()
    -- (of two wrong options, the first by name)
    local cases = { { "timeout", { timeout = 3e6 } }, { "connect_timeout", { timeout = 1e9, connect_timeout = 1e9 } } }
    for _, case in ipairs(cases) do
      local name, options = case[1], case[2]
      local status, text = app:request("POST", "/case/call", { operation = "view_templates", args = { NULL },
        options = options })
      assert.are.equal(500, status)
      assert.matches("onesignal.new: option '" .. name .. "' must be a positive number of seconds, at most 2147483"
        .. " (24.8 days), got " .. string.format("%d", options[name]), text, 1, true)
    end
    assert.are.equal(0, #srv:requests())
  end)

  it("keeps the base URL's path prefix", function()
    srv:clear()
    local out = app:case("call", { operation = "view_templates", args = { NULL }, base = srv.url .. "/prefix" })
    assert.is_false(out.results[1].ok)
    assert.are.equal(404, out.results[1].status)
    assert.are.equal("/prefix/templates", srv:requests()[1].path)
  end)

  it("fetches an export's file by its own URL, without the key", function()
    local client = onesignal.new({ base_url = srv.url, rest_api_key = srv.rest_key, app_id = srv.app_id,
      transport = "curl" })
    local answer = assert(client:export_subscriptions(nil, { segment_name = "Subscribed Users" }))
    client:close()
    srv:clear()
    local out = app:case("call", { operation = "fetch_export", args = { answer.csv_file_url, { interval = 0.01 } } })
    local r = out.results[1]
    assert.is_true(r.ok, r.text)
    assert.is_string(r.body)
    local seen = srv:requests()
    assert.is_true(#seen >= 2) -- the file is "not ready" at first
    for _, request in ipairs(seen) do
      assert.are.equal(answer.csv_file_url:match("^%a+://[^/]+(/[^?]*)"), request.path)
      assert.is_nil(request.headers.authorization)
    end
  end)

  it("verifies TLS against lua_ssl_trusted_certificate and sends the same request over it", function()
    srv:clear()
    local out = app:case("call", { operation = "view_templates", args = { NULL }, base = "https" })
    assert.is_true(out.results[1].ok, out.results[1].text)
    local recorded = srv:requests()[1]
    assert.are.equal("https", recorded.scheme)
    assert.are.equal("localhost:" .. srv.tls_port, recorded.headers.host)
  end)

  -- RFC 6066 section 3: a literal address is no server name; libcurl sends none either
  -- (spec/hardening/tls_spec.lua).
  it("sends the host's name as SNI, and none for an IP address", function()
    srv:clear()
    local out = app:case("call", { operation = "view_templates", args = { NULL }, base = "https" })
    assert.is_true(out.results[1].ok, out.results[1].text)
    out = app:case("call", { operation = "view_templates", args = { NULL }, base = "https_ip",
      options = { insecure = true } })
    assert.is_true(out.results[1].ok, out.results[1].text)
    local seen = srv:requests()
    assert.are.equal(2, #seen)
    assert.are.equal("localhost", seen[1].server_name)
    assert.is_nil(seen[2].server_name)
  end)

  it("refuses a certificate that does not name the host, unless told to be insecure", function()
    srv:clear()
    -- The test certificate names IP 127.0.0.1 and DNS localhost; nginx checks host names only, so an address
    -- is refused before connecting.
    -- Several times: ngx_lua reports a rejected certificate differently once TLS sessions are resumed.
    local out = app:case("call", { operation = "view_templates", args = { NULL }, base = "https_ip", times = 4 })
    for _, r in ipairs(out.results) do
      assert.is_false(r.ok)
      assert.are.equal("tls", r.kind)
      assert.are.equal(1, r.attempts)
      assert.matches("certificate", r.message)
    end
    assert.are.equal(0, #srv:requests())

    out = app:case("call", { operation = "view_templates", args = { NULL }, base = "https_ip",
      options = { insecure = true } })
    assert.is_true(out.results[1].ok, out.results[1].text)
  end)
end)
