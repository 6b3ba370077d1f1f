-- `onesignal --dry-run`: prints the exact request, sends nothing, and never shows a key, whether the
-- key came from a flag or from the environment.
local server = require("support.server")
local run = require("cli.run")
local exit = require("onesignal.cli.exit")
local cjson = require("cjson")

describe("onesignal --dry-run", function()
  local srv
  local REST = "rest-key-given-as-a-flag-0123456789"
  local ORG = "org-key-given-as-a-flag-9876543210"

  setup(function() srv = server.start({}) end)
  teardown(function() srv:stop() end)
  before_each(function() srv:reset() end)

  local function no_key_in(r, keys)
    for _, key in ipairs(keys) do
      assert.is_nil(r.stdout:find(key, 1, true), "key on stdout")
      assert.is_nil(r.stderr:find(key, 1, true), "key on stderr")
    end
  end

  it("takes a plain http URL to another host with --allow-http", function()
    local r = run.cli({ "--dry-run", "--allow-http", "get_apps", "--organization-api-key", ORG,
      "--api-url", "http://onesignal.internal.example:8080" }, {})
    assert.are.equal(exit.OK, r.code, r.stderr)
    assert.matches("^GET http://onesignal%.internal%.example:8080/apps\n", r.stdout)
  end)

  it("prints method, URL, headers with the key redacted, and the exact body, and sends nothing", function()
    local r = run.cli({ "--dry-run", "push", "--to", "external_id:u-1", "--title", "Hi", "--message", "Hello",
      "--idempotency-key", "0d1f3c4a-1111-4222-8333-444455556666", "--rest-api-key", REST, "--app-id", "app-1",
      "--api-url", srv.url }, {})
    assert.are.equal(exit.OK, r.code, r.stderr)
    assert.are.equal("", r.stderr)
    local head, body = r.stdout:match("^(.-)\n\n(.*)\n$")
    local lines = {}
    for line in (head .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = line end
    assert.are.equal("POST " .. srv.url .. "/notifications", lines[1])
    local headers = {}
    for i = 2, #lines do
      local name, value = lines[i]:match("^([^:]+): (.*)$")
      headers[name] = value
    end
    assert.are.equal("Key [REDACTED]", headers.Authorization)
    assert.are.equal("application/json", headers["Content-Type"])
    assert.are.equal(tostring(#body), headers["Content-Length"])
    assert.matches("^onesignal%-lua/", headers["User-Agent"])
    assert.are.same({
      app_id = "app-1", target_channel = "push", headings = { en = "Hi" }, contents = { en = "Hello" },
      include_aliases = { external_id = { "u-1" } }, idempotency_key = "0d1f3c4a-1111-4222-8333-444455556666",
    }, cjson.decode(body))
    no_key_in(r, { REST })
    assert.are.equal(0, #srv:requests())
  end)

  it("shows no key taken from the environment either, for REST and Organization operations", function()
    local env = { ONESIGNAL_API_URL = srv.url, ONESIGNAL_REST_API_KEY = REST, ONESIGNAL_ORGANIZATION_API_KEY = ORG,
      ONESIGNAL_APP_ID = srv.app_id }
    for _, words in ipairs({
      { "get_apps", "--dry-run" },
      { "--dry-run", "get_user", "external_id", "u-1" },
      { "list_audit_logs", "org-1", "--query", "start_time=2026-01-01T00:00:00Z", "--query", "app_ids=a",
        "--query", "app_ids=b", "--dry-run" },
      { "create_user", "--json", '{"identity":{"external_id":"u-1"}}', "--dry-run", "--verbose" },
    }) do
      local r = run.cli(words, env)
      assert.are.equal(exit.OK, r.code, r.stderr)
      assert.matches("\nAuthorization: Key %[REDACTED%]\n", r.stdout)
      no_key_in(r, { REST, ORG })
    end
    assert.are.equal(0, #srv:requests())
  end)

  it("prints the query as it would be sent", function()
    local r = run.cli({ "list_audit_logs", "org 1", "--query", "app_ids=a", "--query", "app_ids=b&c",
      "--query", "limit=5", "--dry-run" }, run.env_for(srv))
    assert.are.equal(exit.OK, r.code, r.stderr)
    assert.matches("^GET " .. srv.url:gsub("%p", "%%%0")
      .. "/organizations/org%%201/audit_logs%?limit=5&app_ids=a&app_ids=b%%26c\n", r.stdout)
  end)

  -- The first request as the walk sends it, with the page size each_page sets: it was printed without
  -- limit, or with a limit above the API's largest page that the walk lowers.
  it("with --all or --download prints the first request only", function()
    local r = run.cli({ "view_templates", "--all", "--dry-run" }, run.env_for(srv))
    assert.are.equal(exit.OK, r.code, r.stderr)
    assert.matches("^GET [^\n]*/templates%?app_id=[^&\n]*&limit=50\n", r.stdout)
    r = run.cli({ "get_segments", "--all", "--dry-run", "--query", "limit=500", "--query", "offset=3" },
      run.env_for(srv))
    assert.are.equal(exit.OK, r.code, r.stderr)
    assert.matches("^GET [^\n]*/segments%?offset=3&limit=300\n", r.stdout)
    r = run.cli({ "get_segments", "--all", "--dry-run", "--query", "limit=7" }, run.env_for(srv))
    assert.matches("^GET [^\n]*/segments%?limit=7\n", r.stdout)
    r = run.cli({ "export_subscriptions", "--download", "/tmp/never-written.csv", "--dry-run" }, run.env_for(srv))
    assert.are.equal(exit.OK, r.code, r.stderr)
    assert.matches("^POST [^\n]*/players/csv_export%?app_id=", r.stdout)
    assert.is_nil(io.open("/tmp/never-written.csv"))
    assert.are.equal(0, #srv:requests())
  end)

  it("still refuses what the real call would refuse", function()
    local r = run.cli({ "get_apps", "--dry-run" }, { ONESIGNAL_REST_API_KEY = REST })
    assert.are.equal(exit.USAGE, r.code)
    assert.matches("needs an Organization API key", r.stderr)
    no_key_in(r, { REST })
  end)

  it("never repeats a mistyped flag's value", function()
    local r = run.cli({ "--dry-run", "get_apps", "--organization-api-kye=" .. ORG }, {})
    assert.are.equal(exit.USAGE, r.code)
    assert.matches("unknown flag %-%-organization%-api%-kye; did you mean %-%-organization%-api%-key%? ", r.stderr)
    no_key_in(r, { ORG })
  end)

  it("never takes a key for the value of a flag left without one", function()
    -- `--app-id $EMPTY --rest-api-key KEY`: the key must not become the app id (it would be printed here,
    -- and put in the URL of a real call)
    for _, words in ipairs({
      { "get_app", "--dry-run", "--app-id", "--rest-api-key", REST },
      { "get_segments", "--dry-run", "--app-id", "--rest-api-key=" .. REST },
      { "--app-id", "--organization-api-key", ORG, "get_apps", "--dry-run" },
      -- nor when that next flag is misspelled: the key, a word of its own, was the app id
      { "get_app", "--dry-run", "--app-id", "--organization-api-kye", ORG },
      -- or spelled with underscores, as the library's option: the key went in the URL as the app id
      { "get_segments", "--dry-run", "--app-id", "--rest_api_key", REST },
      { "get_segments", "--dry-run", "--app-id", "--rest_api_key=" .. REST },
      -- or written with one dash, as other tools spell their flags
      { "get_segments", "--dry-run", "--app-id", "-rest-api-key", REST },
      { "get_segments", "--dry-run", "--app-id", "-rest-api-key=" .. REST },
    }) do
      local r = run.cli(words, { ONESIGNAL_REST_API_KEY = "other-rest", ONESIGNAL_ORGANIZATION_API_KEY = "other-org" })
      assert.are.equal(exit.USAGE, r.code, r.stdout)
      assert.matches("flag %-%-app%-id needs a value %(ID%)", r.stderr)
      assert.are.equal("", r.stdout)
      no_key_in(r, { REST, ORG })
    end
  end)

  it("runs under LuaJIT too", function()
    local r = run.cli({ "--dry-run", "sms", "--to", "external_id:u-1", "--message", "hé", "--json",
      '{"sms_media_urls":[]}' }, { ONESIGNAL_REST_API_KEY = REST, ONESIGNAL_APP_ID = "app-1" }, { lua = "luajit" })
    assert.are.equal(exit.OK, r.code, r.stderr)
    assert.matches("LuaJIT", r.stdout)
    assert.matches('"sms_media_urls":%[%]', r.stdout)
    assert.matches('"contents":{"en":"hé"}', r.stdout)
    no_key_in(r, { REST })
  end)
end)
