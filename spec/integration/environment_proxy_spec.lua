-- A proxy libcurl takes from the environment (https_proxy, HTTPS_PROXY, http_proxy, all_proxy, ALL_PROXY)
-- whose scheme it cannot use failed every attempt as a connection not made, retried: each call failed
-- slowly with reason "connect". onesignal.new now refuses it at once, naming the variable and the scheme
-- (never the proxy's user or password), and only where libcurl would use it: the variable it reads for the
-- base URL's scheme, unless no_proxy exempts the host or option 'proxy' is given. Each case runs in a child
-- process with the environment it needs, against the test server (http, so http_proxy is the variable).
local server = require("support.server")
local runtime = require("support.runtime")
local support = require("hardening.support")
local cli = require("cli.run")

local PROXY_VARIABLES = { "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
  "no_proxy", "NO_PROXY" }
local BAD = "socks9://proxy-user:Pr0xy-pa55@127.0.0.1:1"

-- Makes a client (`options` a Lua table constructor's text, added to the server's) and calls get_segments
-- with retries; prints "refused: <error>", "answered" or "failed: <reason> after <attempts> attempts".
local SCRIPT = [[
  local onesignal = require("onesignal")
  local options = { base_url = os.getenv("SPEC_URL"), rest_api_key = os.getenv("SPEC_KEY"),
    app_id = os.getenv("SPEC_APP"), max_retries = 2, retry_base_delay = 0.05, retry_max_delay = 0.05 }
  for k, v in pairs(%s) do options[k] = v end
  local made, client = pcall(onesignal.new, options)
  if not made then print("refused: " .. tostring(client)) return end
  local body, err = client:get_segments()
  client:close()
  if type(body) == "table" and body.dry_run then print("described") return end
  print(body and "answered" or ("failed: " .. tostring(err.reason) .. " after " .. tostring(err.attempts)
    .. " attempts"))
]]

describe("a proxy from the environment", function()
  local srv

  setup(function() srv = server.start({}) end)
  teardown(function() if srv then srv:stop() end end)

  -- `variables`: the environment's proxy variables (every other one unset); `options`: Lua text.
  local function run(variables, options)
    local words = { "env" }
    for _, name in ipairs(PROXY_VARIABLES) do words[#words + 1] = "-u " .. name end
    for name, value in pairs(variables) do words[#words + 1] = support.quote(name .. "=" .. value) end
    for name, value in pairs({ SPEC_URL = srv.url, SPEC_KEY = srv.rest_key, SPEC_APP = srv.app_id }) do
      words[#words + 1] = support.quote(name .. "=" .. value)
    end
    words[#words + 1] = support.lua_env() .. " " .. runtime.command .. " -e "
      .. support.quote(SCRIPT:format(options or "{}"))
    local r = support.run(table.concat(words, " "))
    assert.are.equal(0, r.code, r.stderr)
    return r.stdout
  end

  it("of a scheme libcurl cannot use is refused by onesignal.new, naming the variable and the scheme", function()
    for _, case in ipairs({ { "http_proxy", { http_proxy = BAD } },
        { "all_proxy", { all_proxy = BAD } },
        { "ALL_PROXY", { ALL_PROXY = BAD } },
        { "http_proxy", { http_proxy = BAD, no_proxy = "localhost,example.com" } } }) do
      local out = run(case[2])
      assert.matches("^refused: .*onesignal%.new: %$" .. case[1] .. " has the scheme 'socks9', which libcurl cannot"
        .. " use: http, https, socks, socks4, socks4a, socks5 or socks5h %(none: http%); every call would fail"
        .. " connecting%. Correct or unset it, or name the API's host in %$no_proxy, or set option 'proxy' %(\"\" for"
        .. " none%)\n$", out)
      assert.is_nil(out:find("Pr0xy-pa55", 1, true), out)
      assert.is_nil(out:find("proxy-user", 1, true), out)
    end
  end)

  it("is left to libcurl where libcurl would not use it, or can", function()
    for _, case in ipairs({
      { HTTP_PROXY = BAD },                       -- libcurl never reads HTTP_PROXY (httpoxy)
      { https_proxy = BAD, HTTPS_PROXY = BAD },   -- not for an http base URL
      { http_proxy = BAD, no_proxy = "127.0.0.1" },
      { http_proxy = BAD, NO_PROXY = "localhost, 127.0.0.0/8" },
      { http_proxy = "", all_proxy = "" },         -- empty: unset
      { http_proxy = srv.url },                   -- the test server is an HTTP proxy too
    }) do
      assert.are.equal("answered\n", run(case))
    end
    assert.are.equal("answered\n", run({ http_proxy = BAD }, '{ proxy = "" }')) -- the option wins
    assert.are.equal("described\n", run({ http_proxy = BAD }, "{ dry_run = true }")) -- sends nothing
  end)

  it("of a scheme libcurl cannot use is a usage error of the command line, which names it", function()
    -- (an empty no_proxy is none, whatever this process's environment holds)
    local env = cli.env_for(srv, { http_proxy = BAD, no_proxy = "", NO_PROXY = "" })
    local r = cli.cli({ "get_segments" }, env)
    assert.are.equal(2, r.code, r.stderr)
    assert.matches("onesignal: $http_proxy has the scheme 'socks9', which libcurl cannot use", r.stderr, 1, true)
    assert.matches("or name the API's host in $no_proxy\n", r.stderr, 1, true) -- no option to name here
    assert.is_nil(r.stderr:find("Pr0xy-pa55", 1, true), r.stderr)
    r = cli.cli({ "get_segments", "--dry-run" }, env)
    assert.are.equal(0, r.code, r.stderr)
  end)
end)
