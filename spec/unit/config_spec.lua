local config = require("onesignal.config")
local shared = require("support.shared")

local function env(t) return function(name) return t[name] end end
local function usage_of(options, getenv)
  local ok, err = pcall(config.resolve, options, getenv or env({}))
  assert.is_false(ok)
  return err.usage
end

describe("onesignal.config", function()
  it("falls back to the environment for keys, app id and base URL", function()
    local cfg = config.resolve({}, env({
      ONESIGNAL_REST_API_KEY = "r", ONESIGNAL_ORGANIZATION_API_KEY = "o", ONESIGNAL_APP_ID = "a",
      ONESIGNAL_API_URL = "https://example.test/base/",
    }))
    assert.are.equal("r", cfg.rest_api_key)
    assert.are.equal("o", cfg.organization_api_key)
    assert.are.equal("a", cfg.app_id)
    assert.are.equal("https://example.test/base", cfg.base_url)
  end)

  it("prefers options over the environment", function()
    local cfg = config.resolve({ rest_api_key = "mine" }, env({ ONESIGNAL_REST_API_KEY = "env" }))
    assert.are.equal("mine", cfg.rest_api_key)
  end)

  it("has defaults", function()
    local cfg = config.resolve(nil, env({}))
    assert.are.equal("https://api.onesignal.com", cfg.base_url)
    assert.are.equal(30, cfg.timeout)
    assert.are.equal(10, cfg.connect_timeout)
    assert.are.equal(3, cfg.max_retries)
    assert.are.equal(0.5, cfg.retry_base_delay)
    assert.are.equal(30, cfg.retry_max_delay)
    assert.are.equal(64 * 1024 * 1024, cfg.max_body_size)
  end)

  -- An empty user_agent put a stray space before the library's own User-Agent, and an empty ca_file failed
  -- every https call with a TLS error: both now mean "not given", as an empty key or app_id does.
  -- The proxy variable libcurl would read for the base URL (spec/integration/environment_proxy_spec.lua
  -- checks the same against libcurl itself): the one whose scheme libcurl cannot use is named.
  it("finds the proxy variable libcurl would use, and says when its scheme is unusable", function()
    local function problem(base_url, variables, proxy)
      return config.environment_proxy_problem({ base_url = base_url, proxy = proxy }, env(variables))
    end
    local https, http, bad = "https://api.onesignal.com", "http://127.0.0.1:8080", "socks9://user:pw@p:1"
    assert.matches("^%$https_proxy has the scheme 'socks9', which libcurl cannot use: http, https, socks,",
      problem(https, { https_proxy = bad, HTTPS_PROXY = "http://p", all_proxy = "http://p" }))
    assert.matches("^%$HTTPS_PROXY has the scheme 'socks9'", problem(https, { HTTPS_PROXY = bad }))
    assert.matches("^%$all_proxy has the scheme 'socks9'", problem(https, { https_proxy = "", all_proxy = bad }))
    assert.matches("^%$ALL_PROXY has the scheme 'Foo'", problem(http, { ALL_PROXY = "Foo://p" }))
    assert.matches("^%$http_proxy has the scheme 'socks9'", problem(http, { http_proxy = bad, all_proxy = "p:1" }))
    assert.is_nil(problem(https, { https_proxy = bad }):find("pw", 1, true))
    for _, case in ipairs({
      { https, { https_proxy = "http://p", all_proxy = bad } }, -- the first variable set wins
      { https, { http_proxy = bad } },                          -- not read for https
      { http, { HTTP_PROXY = bad } },                           -- never read (httpoxy)
      { http, { https_proxy = bad } },
      { https, { https_proxy = "p:3128" } },                    -- no scheme: http
      { https, { all_proxy = "socks://p:1080" } },
      { https, { https_proxy = bad }, "" },                     -- option 'proxy' wins, "" too
      { https, { https_proxy = bad }, "http://p" },
      { https, { https_proxy = bad, no_proxy = "*" } },
      { https, { https_proxy = bad, no_proxy = "example.com, .OneSignal.com" } },
      { https, { https_proxy = bad, NO_PROXY = "api.onesignal.com" } },
      { http, { http_proxy = bad, no_proxy = "localhost,127.0.0.1" } },
      { http, { http_proxy = bad, no_proxy = "127.0.0.0/8" } }, -- a range: libcurl's to read
      { "http://[::1]:8080", { http_proxy = bad, no_proxy = "::1" } },
    }) do
      assert.is_nil(problem(case[1], case[2], case[3]), case[1])
    end
    for _, no_proxy in ipairs({ "onesignal.com.evil", "i.onesignal.com", "10.0.0.0/8", "", "example.com,*" }) do
      assert.is_string(problem(https, { https_proxy = bad, no_proxy = no_proxy }), no_proxy)
    end
    -- an empty no_proxy is unset: NO_PROXY is read
    assert.is_nil(problem(https, { https_proxy = bad, no_proxy = "", NO_PROXY = "api.onesignal.com" }))
  end)

  it("takes an empty user_agent or ca_file as not given, and keeps an empty proxy", function()
    local cfg = config.resolve({ user_agent = "", ca_file = "", proxy = "" }, env({}))
    assert.is_nil(cfg.user_agent)
    assert.is_nil(cfg.ca_file)
    assert.are.equal("", cfg.proxy) -- libcurl's "no proxy"
    assert.matches("^onesignal%-lua/", require("onesignal.transport.curl").user_agent(cfg.user_agent))
  end)

  -- libcurl fails each attempt through a proxy of another scheme as a connection it could not make, which
  -- was retried: every call failed slowly with reason "connect".
  it("refuses a proxy whose scheme libcurl cannot use, without showing the rest of its URL", function()
    local usage = usage_of({ proxy = "foo://user:secret@127.0.0.1:1" })
    assert.are.equal("onesignal.new: option 'proxy' has the scheme 'foo', which libcurl cannot use: http,"
      .. " https, socks, socks4, socks4a, socks5 or socks5h (none: http)", usage)
    -- ("socks" is libcurl's socks4, as desktop proxy settings write it)
    for _, proxy in ipairs({ "http://p:3128", "HTTPS://p", "socks://p", "socks4://p", "socks4a://p",
        "socks5://u:pw@p:1080", "Socks5h://p", "p:3128", "user:pw@p:3128", "" }) do
      assert.are.equal(proxy, config.resolve({ proxy = proxy }, env({})).proxy)
    end
  end)

  it("caps connections over https (HTTP/2 multiplexes), not over plain http or forced HTTP/1.1", function()
    assert.are.equal(config.HTTP2_CONNECTIONS, config.resolve({}, env({})).max_connections)
    assert.is_nil(config.resolve({ http_version = "1.1" }, env({})).max_connections)
    assert.is_nil(config.resolve({ base_url = "http://127.0.0.1:8080" }, env({})).max_connections)
    assert.are.equal(500, config.resolve({ max_connections = 500 }, env({})).max_connections)
  end)

  it("refuses unknown options and wrong types, naming them", function()
    assert.matches("unknown option 'rest_key'", usage_of({ rest_key = "x" }))
    -- zero is refused too (below): the words say so
    assert.matches("option 'timeout' must be a positive number of seconds, at most 2147483 %(24%.8 days%), got string",
      usage_of({ timeout = "5" }))
    assert.matches("option 'max_retries' must be an integer", usage_of({ max_retries = 1.5 }))
    assert.matches("option 'max_retries' must be at most 1000000", usage_of({ max_retries = 1000001 }))
    assert.are.equal(1000000, config.resolve({ max_retries = 1000000 }, env({})).max_retries)
    assert.matches("option 'timeout' must be a positive number of seconds", usage_of({ timeout = -1 }))
    assert.matches("option 'timeout' must be a positive number of seconds", usage_of({ timeout = 0 }))
    -- "nan" on every Lua: 5.3 and 5.4 printed 0/0 as "-nan" on x86, which reads as a negative number
    assert.matches("option 'deadline' must be a positive number of seconds, at most 2147483 %(24%.8 days%), got nan$",
      usage_of({ deadline = 0 / 0 }))
    assert.matches("option 'timeout' must be .*, got inf$", usage_of({ timeout = math.huge }))
    assert.matches("option 'retry_base_delay' must be a non%-negative number of seconds",
      usage_of({ retry_base_delay = -1 }))
    assert.are.equal(0, config.resolve({ retry_base_delay = 0 }, env({})).retry_base_delay)
  end)

  it("refuses plain http except to this machine or when allowed", function()
    assert.matches("plain http to api.example.com", usage_of({ base_url = "http://api.example.com" }))
    assert.are.equal("http://127.0.0.1:8080", config.resolve({ base_url = "http://127.0.0.1:8080/" }, env({})).base_url)
    assert.are.equal("http://localhost", config.resolve({ base_url = "http://localhost" }, env({})).base_url)
    assert.are.equal("http://api.example.com",
      config.resolve({ base_url = "http://api.example.com", allow_http = true }, env({})).base_url)
    assert.matches("must use https, got ftp", usage_of({ base_url = "ftp://x" }), 1, true)
    -- (with allow_http, http is one of the schemes it takes, and the message says so)
    assert.matches("must use https or http, got ftp", usage_of({ base_url = "ftp://x", allow_http = true }), 1, true)
  end)

  -- A base URL is refused with a user name and password; one without a scheme is quoted in the message,
  -- and a proxy's or a mirror's password put there must not show in the Lua error, which gets logged.
  it("quotes no password of a base URL it refuses", function()
    for _, url in ipairs({ "user:s3cr3t@api.example.com/api/v1", "//user:s3cr3t@api.example.com",
      "https://user:s3cr3t@api.example.com", "ftp://user:s3cr3t@x", "user:s3cr3t@x@api.example.com/a@b" }) do
      local message = usage_of({ base_url = url })
      assert.matches("option 'base_url' must", message)
      assert.is_nil(message:find("s3cr3t", 1, true), message)
    end
    assert.matches("got '[REDACTED]@api.example.com/api/v1'",
      usage_of({ base_url = "user:s3cr3t@api.example.com/api/v1" }), 1, true)
    assert.matches("got '//[REDACTED]@api.example.com'", usage_of({ base_url = "//user:s3cr3t@api.example.com" }),
      1, true)
  end)

  it("takes the scheme of a base URL in any case (RFC 3986), and gives it in lower case", function()
    assert.are.equal("https://Example.test/Base",
      config.resolve({ base_url = "HTTPS://Example.test/Base" }, env({})).base_url)
    assert.are.equal("http://127.0.0.1:8080", config.resolve({ base_url = "Http://127.0.0.1:8080" }, env({})).base_url)
    assert.are.equal(config.HTTP2_CONNECTIONS, config.resolve({ base_url = "HTTPS://x.test" }, env({})).max_connections)
    -- The client's own checks and the C core's (which reads only lower case) agree on it.
    local client = require("onesignal").new({ base_url = "HTTPS://api.example.test", rest_api_key = "k" })
    assert.are.equal("https://api.example.test", client.base_url)
    client:close()
  end)

  it("refuses CR, LF and NUL in values that become headers, without echoing them", function()
    local message = usage_of({ rest_api_key = "secret\r\nX-Evil: 1" })
    assert.matches("option 'rest_api_key' contains a control character", message)
    assert.is_nil(message:find("secret", 1, true))
    assert.matches("user_agent", usage_of({ user_agent = "a\0b" }))
  end)

  -- A value from the environment was refused as "option 'base_url'" (or 'rest_api_key', …): a program that
  -- gives no such option left its user looking for it in the code rather than in the environment.
  it("names the environment variable a refused value came from, without echoing a key", function()
    assert.matches("^onesignal%.new: option 'base_url' %(from %$ONESIGNAL_API_URL%) must use https, got ftp$",
      usage_of({}, env({ ONESIGNAL_API_URL = "ftp://x" })))
    assert.matches("^onesignal%.new: option 'base_url' %(from %$ONESIGNAL_API_URL%) uses plain http to example%.com",
      usage_of({}, env({ ONESIGNAL_API_URL = "http://example.com" })))
    assert.matches("^onesignal%.new: option 'base_url' %(from %$ONESIGNAL_API_URL%) must look like",
      usage_of({}, env({ ONESIGNAL_API_URL = "api.onesignal.com" })))
    local message = usage_of({}, env({ ONESIGNAL_REST_API_KEY = "s3cr3t-key\r" }))
    assert.matches("^onesignal%.new: option 'rest_api_key' %(from %$ONESIGNAL_REST_API_KEY%) contains a control"
      .. " character", message)
    assert.is_nil(message:find("s3cr3t", 1, true), message)
    assert.matches("^onesignal%.new: option 'app_id' %(from %$ONESIGNAL_APP_ID%) contains a control character",
      usage_of({}, env({ ONESIGNAL_APP_ID = "a\n" })))
    -- A value given as an option is named as the option alone, whatever the environment holds.
    assert.matches("^onesignal%.new: option 'base_url' must use https, got ftp$",
      usage_of({ base_url = "ftp://x" }, env({ ONESIGNAL_API_URL = "https://example.test" })))
  end)

  -- The options were checked in pairs' order, which the string hash's seed changes from one process to the
  -- next: of three times too long, each run named any one (and the openresty spec expecting one was flaky).
  it("names the same one of several wrong options in every process", function()
    local script = os.tmpname()
    local file = assert(io.open(script, "w"))
    file:write([[
      local ok, err = pcall(require("onesignal.config").resolve,
        { timeout = 1e9, deadline = 1e9, connect_timeout = 1e9, retry_max_delay = -1 }, function() end)
      print(not ok and err.usage)
    ]])
    file:close()
    for _ = 1, 8 do
      local ok, out = shared.run_lua("", script)
      assert(ok, out)
      assert.matches("^onesignal%.new: option 'connect_timeout' must be a positive number of seconds", out)
    end
    os.remove(script)
  end)
end)
