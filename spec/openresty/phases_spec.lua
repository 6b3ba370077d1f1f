-- Where nginx allows no cosockets, a call raises an error that names the phase and the way out
-- (ngx.timer.at) instead of blocking the worker with libcurl; from a timer it works, and so it does from
-- every other phase README's OpenResty section lists.
local openresty = require("support.openresty")
local server = require("support.server")
local shell = require("server.harness.shell")
local tls = require("server.harness.tls")
local shared = require("support.shared")
local onesignal = require("onesignal")

-- The directives README's OpenResty section names after "**Where calls <heading>:**", as a set.
local function readme_directives(heading)
  local text = shared.read_repo_file("README.md")
  local paragraph = assert(text:match("%*%*Where calls " .. heading .. ":%*%*(.-)\n\n"), "no list: " .. heading)
  local set = {}
  for name in paragraph:gmatch("`([%w_]+_by_lua)`") do set[name] = true end
  return set
end

-- The directive of each phase name ngx.get_phase() gives.
local DIRECTIVE = { ssl_cert = "ssl_certificate_by_lua" }
local function directive(phase) return DIRECTIVE[phase] or (phase .. "_by_lua") end

describe("nginx phases", function()
  local srv, app

  openresty.server_and_app(function(new_srv, new_app) srv, app = new_srv, new_app end)

  it("refuses to send from init, init_worker, set, filters and log, pointing to ngx.timer.at", function()
    assert.are.equal(200, (app:get("/phase/set")))
    assert.are.equal(200, (app:get("/phase/filters")))
    local found
    for _ = 1, 100 do -- the log phase runs after the answer went out
      found = app:case("phases", {})
      if found.log then break end
      shell.sleep(0.02)
    end
    for _, phase in ipairs({ "init", "init_worker", "set", "header_filter", "body_filter", "log" }) do
      local seen = found[phase]
      assert.is_table(seen, phase)
      assert.are.equal("ngx", seen.transport, phase)
      assert.is_true(seen.raised, phase)
      assert.matches("onesignal.get_user: nginx allows no network I/O (cosockets) in the " .. phase .. " phase",
        seen.message, 1, true)
      assert.matches("ngx.timer.at(0, function(premature)", seen.message, 1, true)
      -- raised at the caller's line, not somewhere inside the library
      assert.matches("openresty/app/phases.lua:%d+:", seen.message)
    end
    for _, r in ipairs(srv:requests()) do
      assert.is_nil(r.path:find("phase-", 1, true), "a call went out from a phase without cosockets")
    end
    local refused, work = readme_directives("are refused"), readme_directives("work")
    for _, phase in ipairs({ "init", "init_worker", "set", "header_filter", "body_filter", "log" }) do
      assert.is_true(refused[directive(phase)] and not work[directive(phase)], "README on " .. directive(phase))
    end
  end)

  it("sends from a timer", function()
    srv:reset()
    local scheduled = app:case("timer", { key = "one", operation = "create_notification",
      args = { { contents = { en = "from a timer" }, included_segments = { "All" } } } })
    assert.is_true(scheduled.scheduled)
    local got
    for _ = 1, 250 do
      got = app:case("collect", { key = "timer:one" })
      if got.found then break end
      shell.sleep(0.02)
    end
    assert.is_true(got.found, "the timer never reported")
    assert.are.equal("ngx", got.value.transport)
    assert.is_true(got.value.results[1].ok, got.value.results[1].text)
    assert.are.equal(1, srv:stats().notifications_created)
  end)

  it("cannot be chosen outside nginx", function()
    assert.has_error(function() onesignal.new({ rest_api_key = "k", transport = "ngx" }) end,
      'onesignal.new: transport "ngx" needs OpenResty / nginx with ngx_lua (cosockets)')
  end)
end)

-- nginx.conf text for the phases the standard app does not reach: a TLS server on a Unix socket with
-- ssl_certificate_by_lua and, sessions being kept by ID rather than in tickets, ssl_session_store_by_lua;
-- an upstream chosen by balancer_by_lua that leads back to this app; server_rewrite, rewrite and access
-- hooks. (ssl_client_hello_by_lua and ssl_session_fetch_by_lua are left out: whether a handshake may
-- pause there depends on how nginx's OpenSSL was built, README's OpenResty section says so.)
local function phase_conf(dir)
  local cert = tls.generate(dir)
  local hook = function(name, phase)
    return "  " .. name .. " { require(\"openresty.app.phases\")." .. phase .. "() }"
  end
  local http = table.concat({
    hook("ssl_session_store_by_lua_block", "ssl_session_store"),
    "  server {",
    "    listen unix:" .. dir .. "/tls.sock ssl;",
    "    ssl_certificate " .. cert.cert .. "; ssl_certificate_key " .. cert.key .. ";",
    "    ssl_protocols TLSv1.2; ssl_session_tickets off;",
    "  " .. hook("ssl_certificate_by_lua_block", "ssl_cert"),
    "    location / { return 200 \"tls\\n\"; }",
    "  }",
    "  upstream phase_balancer {",
    "    server 127.0.0.1:1;",
    "    balancer_by_lua_block { require(\"openresty.app.phases\").balancer()",
    "      require(\"ngx.balancer\").set_current_peer(\"127.0.0.1\", tonumber(ngx.var.server_port)) }",
    "  }",
  }, "\n")
  local locations = table.concat({
    hook("server_rewrite_by_lua_block", "server_rewrite"),
    "    location = /phase/server_rewrite { return 200 \"ok\\n\"; }",
    "    location = /phase/rewrite {",
    "  " .. hook("rewrite_by_lua_block", "rewrite"),
    "      content_by_lua_block { ngx.say(\"ok\") } }",
    "    location = /phase/access {",
    "  " .. hook("access_by_lua_block", "access"),
    "      content_by_lua_block { ngx.say(\"ok\") } }",
    "    location = /phase/balancer { proxy_pass http://phase_balancer/phase/target; }",
    "    location = /phase/target { return 200 \"ok\\n\"; }",
  }, "\n")
  return http, locations
end

describe("nginx phases with cosockets", function()
  it("sends from server_rewrite, rewrite, access and ssl_certificate; refuses balancer and ssl_session_store",
    function()
    local dir = os.tmpname()
    os.remove(dir)
    local srv = server.start({})
    local app
    finally(function()
      if app then app:stop() end
      srv:stop()
      shell.run("rm -rf " .. shell.quote(dir))
    end)
    local http, locations = phase_conf(dir)
    app = openresty.start({ server = srv, http = http, locations = locations })
    for _, path in ipairs({ "/phase/server_rewrite", "/phase/rewrite", "/phase/access", "/phase/balancer" }) do
      local status, text = app:get(path)
      assert.are.equal(200, status, path .. ": " .. text)
    end
    local out, code = shell.capture("curl -sS --noproxy '*' --max-time 30 --cacert " .. shell.quote(dir .. "/ca.crt")
      .. " --unix-socket " .. shell.quote(dir .. "/tls.sock") .. " https://localhost/ 2>&1")
    assert.are.equal(0, code, out .. app:error_log())
    assert.are.equal("tls\n", out)
    local found = app:case("phases", {})
    local reached = {}
    for _, r in ipairs(srv:requests()) do
      local phase = r.path:match("/phase%-([%w_]+)$")
      if phase then reached[phase] = true end
    end
    for _, phase in ipairs({ "server_rewrite", "rewrite", "access", "ssl_cert" }) do
      local seen = found[phase]
      assert.is_table(seen, phase)
      assert.are.equal("ngx", seen.transport, phase)
      assert.is_false(seen.raised, phase .. ": " .. tostring(seen.message))
      assert.are.equal(404, seen.status, phase) -- the test server's answer: no such user
      assert.is_true(reached[phase], phase .. ": the call never reached the test server")
    end
    for _, phase in ipairs({ "balancer", "ssl_session_store" }) do
      local seen = found[phase]
      assert.is_table(seen, phase)
      assert.is_true(seen.raised, phase)
      assert.matches("nginx allows no network I/O (cosockets) in the " .. phase .. " phase", seen.message, 1, true)
      assert.is_nil(reached[phase], phase .. ": a call went out from a phase without cosockets")
    end
    -- README says so, phase by phase
    local refused, work = readme_directives("are refused"), readme_directives("work")
    for _, phase in ipairs({ "server_rewrite", "rewrite", "access", "content", "ssl_cert" }) do
      assert.is_true(work[directive(phase)] and not refused[directive(phase)], "README on " .. directive(phase))
    end
    for _, phase in ipairs({ "balancer", "ssl_session_store" }) do
      assert.is_true(refused[directive(phase)] and not work[directive(phase)], "README on " .. directive(phase))
    end
  end)
end)
