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

-- Makes a client as SCRIPT does, asks for an export and fetches its file (at the test server's address, or
-- under the name its knob files_host gives it: see run), with download_export and fetch_export; prints
-- one line for each: "saved" or "fetched", or "failed: <reason>, <attempts> attempts, <polls> polls,
-- maybe_sent <maybe_sent>, .part <left or none>: <tostring(err)>".
local EXPORT_SCRIPT = [[
  local onesignal = require("onesignal")
  local options = { base_url = os.getenv("SPEC_URL"), rest_api_key = os.getenv("SPEC_KEY"),
    app_id = os.getenv("SPEC_APP"), max_retries = 2, retry_base_delay = 0.05, retry_max_delay = 0.05 }
  for k, v in pairs(%s) do options[k] = v end
  local client = onesignal.new(options)
  local late = os.getenv("SPEC_LATE_PROXY")
  if late then -- set once the client is made (LuaJIT's ffi: Lua has no setenv)
    local ffi = require("ffi")
    ffi.cdef("int setenv(const char *name, const char *value, int overwrite);")
    ffi.C.setenv("http_proxy", late, 1)
  end
  local url = assert(client:export_subscriptions(nil)).csv_file_url
  local waits = { interval = 0.01, sleep = function() end }
  local path = os.tmpname()
  local function report(done, err)
    if done then return print(done) end
    local part = io.open(path .. ".part", "rb")
    if part then part:close() end
    print(string.format("failed: %%s, %%d attempts, %%d polls, maybe_sent %%s, .part %%s: %%s", err.reason,
      err.attempts, err.polls, tostring(err.maybe_sent), part and "left" or "none", tostring(err)))
  end
  local info, err = client:download_export(url, path, waits)
  report(info and "saved", err)
  os.remove(path)
  local text, fetch_err = client:fetch_export(url, waits)
  report(text and "fetched", fetch_err)
  client:close()
]]

describe("a proxy from the environment", function()
  local srv

  setup(function() srv = server.start({}) end)
  teardown(function() if srv then srv:stop() end end)

  -- `variables`: the environment's proxy variables (every other one unset), and SPEC_LATE_PROXY (see
  -- EXPORT_SCRIPT) or SPEC_FILE_HOST, which is no variable but the host name export file URLs get (the
  -- server's knob files_host: the same server under another name); `options`: Lua text; `script`: SCRIPT
  -- unless given.
  local function run(variables, options, script)
    srv:set({ files_host = variables.SPEC_FILE_HOST or "" })
    local words = { "env" }
    for _, name in ipairs(PROXY_VARIABLES) do words[#words + 1] = "-u " .. name end
    words[#words + 1] = "-u SPEC_LATE_PROXY"
    for name, value in pairs(variables) do
      if name ~= "SPEC_FILE_HOST" then words[#words + 1] = support.quote(name .. "=" .. value) end
    end
    for name, value in pairs({ SPEC_URL = srv.url, SPEC_KEY = srv.rest_key, SPEC_APP = srv.app_id }) do
      words[#words + 1] = support.quote(name .. "=" .. value)
    end
    words[#words + 1] = support.lua_env() .. " " .. runtime.command .. " -e "
      .. support.quote((script or SCRIPT):format(options or "{}"))
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

  describe("for an export's file", function()
    local function file_gets()
      local n = 0
      for _, r in ipairs(srv:requests()) do
        if r.path:match("^/__files/") then n = n + 1 end
      end
      return n
    end

    it("of a scheme libcurl cannot use fails the download before any GET, naming the variable", function()
      for _, case in ipairs({ { "http_proxy", { http_proxy = BAD, no_proxy = "127.0.0.1" } },
          { "all_proxy", { all_proxy = BAD, NO_PROXY = "127.0.0.1" } } }) do
        srv:reset()
        local variables = case[2]
        variables.SPEC_FILE_HOST = "localhost" -- the API's host is exempted, the file's is not
        local out = run(variables, nil, EXPORT_SCRIPT)
        for call in ("download_export fetch_export"):gmatch("%S+") do
          assert.matches("failed: proxy, 0 attempts, 0 polls, maybe_sent nil, .part none: onesignal: " .. call
            .. " failed: network error (proxy): $" .. case[1] .. " has the scheme 'socks9', which libcurl cannot"
            .. " use: http, https, socks, socks4, socks4a, socks5 or socks5h (none: http); the file could not be"
            .. " fetched (libcurl would fail connecting). Correct or unset it, or name the file's host in $no_proxy,"
            .. " or set the client's option 'proxy' (\"\" for none) [0 attempts]\n", out, 1, true)
        end
        assert.is_nil(out:find("Pr0xy-pa55", 1, true), out)
        assert.is_nil(out:find("proxy-user", 1, true), out)
        assert.are.equal(0, file_gets(), "nothing was sent to the file's host")
      end
    end)

    it("is left to libcurl where libcurl would not use it for the file's host, or can", function()
      for _, case in ipairs({
        { { http_proxy = BAD, no_proxy = "127.0.0.1" } },                   -- the file on the API's host
        { { http_proxy = BAD, no_proxy = "127.0.0.1,localhost", SPEC_FILE_HOST = "localhost" } },
        { { https_proxy = BAD, SPEC_FILE_HOST = "localhost" } },            -- not for an http URL
        { { http_proxy = BAD, no_proxy = "127.0.0.1", SPEC_FILE_HOST = "localhost" }, '{ proxy = "" }' },
      }) do
        assert.are.equal("saved\nfetched\n", run(case[1], case[2], EXPORT_SCRIPT))
      end
    end)

    -- A client made with no proxy variable set tells libcurl "no proxy" for every transfer, its file's
    -- included, so a variable set later is never used, and the check must not refuse the download for it.
    it("is not looked at when it was set after the client was made without one", function()
      if runtime.flavour ~= "luajit" then
        pending("setting a variable inside the child process needs LuaJIT's ffi (the LuaJIT run covers it)")
        return
      end
      local out = run({ SPEC_LATE_PROXY = BAD, SPEC_FILE_HOST = "localhost" }, nil, EXPORT_SCRIPT)
      assert.are.equal("saved\nfetched\n", out)
      srv:reset()
      -- The control: the same variable set before the client was made is refused.
      out = run({ http_proxy = BAD, no_proxy = "127.0.0.1", SPEC_FILE_HOST = "localhost" }, nil, EXPORT_SCRIPT)
      assert.matches("failed: proxy, 0 attempts", out, 1, true)
    end)
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

  it("of a scheme libcurl cannot use for an export's file fails --download as a network error", function()
    srv:reset()
    srv:set({ files_host = "localhost", export_ready_after = 0 }) -- the API's host is exempted, the file's not
    local file = os.tmpname()
    os.remove(file)
    local env = cli.env_for(srv, { http_proxy = BAD, no_proxy = "127.0.0.1", NO_PROXY = "" })
    local r = cli.cli({ "export_subscriptions", "--download", file, "--poll-interval", "0.05" }, env)
    srv:reset()
    assert.are.equal(4, r.code, r.stderr)
    assert.matches("download_export failed: network error (proxy): $http_proxy has the scheme 'socks9', which"
      .. " libcurl cannot use", r.stderr, 1, true)
    assert.is_nil(r.stderr:find("Pr0xy-pa55", 1, true), r.stderr)
    assert.is_nil(r.stderr:find("proxy-user", 1, true), r.stderr)
    assert.is_nil(io.open(file, "rb"), "no file")
    assert.is_nil(io.open(file .. ".part", "rb"), "no .part file")
  end)
end)
